"""Cursor pagination: stable while new rows arrive (no page drifts), `?limit=` up to 200."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "limit"
    # Views set their own `ordering` (a unique, indexed tuple such as ("-created_at", "-pk")).
    ordering = ("-pk",)
