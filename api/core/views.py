"""The caller itself: which shop and which rights a key or session has (a first call to check a new key)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import access_of


@extend_schema(
    operation_id="me",
    summary="Who am I: the shop and scope of this key or session",
    responses=inline_serializer(
        "Me",
        {
            "shop": serializers.CharField(
                help_text="The shop's myshopify domain; every endpoint sees only it."
            ),
            "scope": serializers.ChoiceField(
                ["read", "write"], help_text="read: GET only; write: everything."
            ),
            "via": serializers.ChoiceField(
                ["key", "session-token", "login"], help_text="How this request was authenticated."
            ),
            "key_name": serializers.CharField(
                allow_null=True, help_text="The API key's name, if a key was used."
            ),
        },
    ),
)
@api_view(["GET"])
def me(request: Request) -> Response:
    access = access_of(request)
    return Response(
        {
            "shop": access.shop.domain,
            "scope": "write" if access.can_write else "read",
            "via": access.via,
            "key_name": access.key.name if access.key else None,
        }
    )
