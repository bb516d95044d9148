"""Every endpoint needs a shop; unsafe methods need a key with the write scope."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from api.access import ShopAccess


class ShopScope(BasePermission):
    message = "This API key can only read. Create a key with the read and write scope to change anything."

    def has_permission(self, request: Request, view: Any) -> bool:
        access = request.auth
        if not isinstance(access, ShopAccess):
            return False
        return request.method in SAFE_METHODS or access.can_write
