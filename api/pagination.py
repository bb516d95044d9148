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
