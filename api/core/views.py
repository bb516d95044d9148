"""The caller itself (which shop and which rights a key or session has) and the shop's health (Home's figures)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import access_of, shop_of
from orders.dates import shop_zone
from synco.models import OdooConnection
from synco.pages.home import get_odoo_health, get_order_counts, get_webhook_health


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


class OdooHealthSerializer(serializers.Serializer):
    connected = serializers.BooleanField(help_text="An Odoo connection is saved for the shop.")
    circuit = serializers.ChoiceField(
        ["closed", "open"],
        help_text="open: Odoo kept failing and Synco waits before calling it again (orders wait, nothing is lost).",
    )
    circuit_open_until = serializers.DateTimeField(
        allow_null=True, help_text="While the circuit is open: when Synco calls Odoo again."
    )
    consecutive_failures = serializers.IntegerField(help_text="Transient Odoo failures in a row.")
    last_failure = serializers.CharField(
        allow_blank=True, help_text="The last Odoo failure, as Odoo reported it."
    )
    server_version = serializers.CharField(allow_blank=True, help_text="Odoo's version at the last check.")
    last_checked_at = serializers.DateTimeField(allow_null=True, help_text="The last Test connection.")
    last_check_ok = serializers.BooleanField(
        allow_null=True, help_text="Whether the last Test connection passed; null if never run."
    )


class BacklogSerializer(serializers.Serializer):
    waiting = serializers.IntegerField(help_text="Eligible orders not in Odoo yet (Not Synced or Queued).")
    oldest_waiting_created_at = serializers.DateTimeField(
        allow_null=True, help_text="When the oldest of them was created in Shopify."
    )
    oldest_waiting_age_seconds = serializers.IntegerField(
        allow_null=True, help_text="Its age in seconds now: the backlog's age."
    )
    failed = serializers.IntegerField(help_text="Eligible orders not in Odoo because their sync failed.")
    needs_review = serializers.IntegerField(help_text="Eligible orders held for the merchant's review.")


class WebhookHealthSerializer(serializers.Serializer):
    healthy = serializers.BooleanField(
        help_text="Webhooks arrive and none failed or is stuck in the last 24 hours."
    )
    last_received_at = serializers.DateTimeField(allow_null=True, help_text="The last webhook from Shopify.")
    received_24h = serializers.IntegerField(help_text="Webhooks received in the last 24 hours.")
    failed_24h = serializers.IntegerField(help_text="Of those, failed.")
    stuck = serializers.IntegerField(help_text="Received more than 5 minutes ago and still not processed.")
    silent_since = serializers.DateTimeField(
        allow_null=True,
        help_text="Shopify changed orders this late while no webhook came for over an hour: webhooks may be lost.",
    )


class SyncPauseSerializer(serializers.Serializer):
    paused = serializers.BooleanField(
        help_text="Syncing is paused (Settings → Danger zone): nothing goes to Odoo."
    )
    paused_at = serializers.DateTimeField(allow_null=True, help_text="Since when.")
    paused_by = serializers.CharField(allow_blank=True, help_text="Who paused it.")


class HealthSerializer(serializers.Serializer):
    checked_at = serializers.DateTimeField(help_text="When these figures were read.")
    odoo = OdooHealthSerializer(help_text="The Odoo connection and its circuit breaker.")
    backlog = BacklogSerializer(help_text="Orders waiting to reach Odoo.")
    webhooks = WebhookHealthSerializer(help_text="Shopify's webhooks.")
    sync = SyncPauseSerializer(help_text="Whether syncing is paused.")


HEALTH_EXAMPLE = {
    "checked_at": "2026-12-06T09:30:00+01:00",
    "odoo": {
        "connected": True,
        "circuit": "closed",
        "circuit_open_until": None,
        "consecutive_failures": 0,
        "last_failure": "",
        "server_version": "18.0",
        "last_checked_at": "2026-12-05T18:02:11+01:00",
        "last_check_ok": True,
    },
    "backlog": {
        "waiting": 3,
        "oldest_waiting_created_at": "2026-12-06T09:12:40+01:00",
        "oldest_waiting_age_seconds": 1040,
        "failed": 1,
        "needs_review": 0,
    },
    "webhooks": {
        "healthy": True,
        "last_received_at": "2026-12-06T09:29:51+01:00",
        "received_24h": 412,
        "failed_24h": 0,
        "stuck": 0,
        "silent_since": None,
    },
    "sync": {"paused": False, "paused_at": None, "paused_by": ""},
}


@extend_schema(
    operation_id="health",
    summary="The shop's health: Odoo, circuit breaker, backlog, webhooks, pause",
    description=(
        "The figures of the dashboard's Home, computed by the same functions: whether Odoo answers (its circuit "
        "breaker), how many eligible orders wait and since when, how many failed or need review, whether Shopify's "
        "webhooks arrive, and whether syncing is paused. A few bounded queries whatever the shop's size: fit for "
        "monitoring every minute."
    ),
    responses=HealthSerializer,
    examples=[OpenApiExample("A healthy shop", value=HEALTH_EXAMPLE, response_only=True)],
)
@api_view(["GET"])
def health(request: Request) -> Response:
    shop = shop_of(request)
    now = timezone.now()
    connection = OdooConnection.objects.filter(shop=shop).first()
    odoo = get_odoo_health(connection, now)
    counts = get_order_counts(shop)
    webhooks = get_webhook_health(shop, now)
    oldest = counts.oldest_waiting
    data = {
        "checked_at": now,
        "odoo": {
            "connected": odoo.connected,
            "circuit": "open" if odoo.circuit_open else "closed",
            "circuit_open_until": odoo.circuit_open_until,
            "consecutive_failures": odoo.consecutive_failures,
            "last_failure": odoo.last_failure,
            "server_version": odoo.server_version,
            "last_checked_at": odoo.last_checked_at,
            "last_check_ok": odoo.last_check_ok,
        },
        "backlog": {
            "waiting": counts.backlog,
            "oldest_waiting_created_at": oldest,
            "oldest_waiting_age_seconds": max(0, int((now - oldest).total_seconds())) if oldest else None,
            "failed": counts.backlog_failed,
            "needs_review": counts.backlog_review,
        },
        "webhooks": {
            "healthy": webhooks.healthy,
            "last_received_at": webhooks.last_received_at,
            "received_24h": webhooks.received_24h,
            "failed_24h": webhooks.failed_24h,
            "stuck": webhooks.stuck,
            "silent_since": webhooks.silent_since,
        },
        "sync": {
            "paused": shop.sync_paused,
            "paused_at": shop.sync_paused_at if shop.sync_paused else None,
            "paused_by": shop.sync_paused_by if shop.sync_paused else "",
        },
    }
    # Times with the shop's offset, as Home shows them in its zone.
    with timezone.override(shop_zone(shop.iana_timezone or "")):
        return Response(HealthSerializer(data).data)


@csrf_exempt  # it changes nothing: a POST to a wrong address gets this 404, not the CSRF page's HTML 403
def not_found(request: HttpRequest) -> JsonResponse:
    """An /api/ address that names no endpoint (a typo, a version that does not exist): the API's JSON 404."""
    return JsonResponse(
        {
            "error": {
                "code": "not_found",
                "message": f"No API endpoint at {request.path}. The endpoints are listed at /api/docs/.",
                "fields": {},
            }
        },
        status=404,
    )
