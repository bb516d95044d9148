"""Cursor pagination: stable while new rows arrive (no page drifts), `?limit=` up to 200."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class StableCursorPagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "limit"
    # A list view sets its own `ordering` (a unique, indexed tuple such as ("-created_at", "-pk")); else newest
    # rows first by id.
    ordering = ("-pk",)

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = getattr(view, "ordering", None)
        return tuple(ordering) if ordering else tuple(super().get_ordering(request, queryset, view))

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated: dict[str, Any] = super().get_paginated_response_schema(schema)
        properties = paginated["properties"]
        properties["next"]["description"] = (
            "The next page's address (follow it as it is; its cursor stays valid while rows arrive), null on the "
            "last page."
        )
        properties["previous"]["description"] = "The previous page's address, null on the first page."
        if isinstance(schema, dict):  # drf-spectacular also probes this method with a bare object()
            properties["results"] = {**schema, "description": "This page's items, in the list's order."}
        for link in ("next", "previous"):
            properties[link]["example"] = properties[link]["example"].replace(
                "http://api.example.org/accounts/", "https://synco.example.com/api/v1/orders/"
            )
        return paginated
