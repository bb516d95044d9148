"""/api/v1/settings/: the Settings pages through the API (Odoo connection, rules, matching, catalogue, stock, shipping,
pause).

Every write is bound to the page's own Django form (one validation, the same messages) and saved the way the
page saves it (the same functions). PUT names every setting the schema requires (the optional ones, such as the
Odoo secret, are kept when left out); PATCH sends only what changes, the rest is the stored value. The Odoo
secret is write-only: never returned, never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django import forms
from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import access_of, shop_of
from api.errors import error_responses, gateway_failure
from api.shop_settings.serializers import (
    CatalogueSerializer,
    ConnectionTestSerializer,
    DeliveryNotificationsSerializer,
    InstallNotificationsSerializer,
    MatchingSerializer,
    OdooConnectionSerializer,
    OdooConnectionTestRequestSerializer,
    OrderRulesSerializer,
    ShippingSettingsSerializer,
    StockNotificationsSerializer,
    StockSettingsSerializer,
    SyncStateSerializer,
    TokenRotationSerializer,
    connection_data,
    rules_data,
)
from api.validation import bound
from customers.forms import CustomerSettingsForm
from customers.models import CustomerSettings
from orders.dates import shop_zone
from orders.services import pause_syncing, resume_syncing
from products.forms import CatalogueSettingsForm
from products.models import CatalogueSettings
from shipments import services as shipment_services
from shipments.forms import ShipmentSettingsForm
from shipments.models import ShipmentSettings
from stock import services as stock_services
from stock.forms import StockSettingsForm, save_stock_settings
from stock.models import StockSettings
from synco.errors import GatewayError
from synco.models import OdooConnection, OrderRules, Shop
from synco.pages.forms import CommaListField, MatchingForm, OdooConnectionForm, OrderRulesForm
from synco.pages.settings_actions import (
    partner_lookup_for,
    pause_message,
    resume_message,
    run_connection_test,
    save_order_rules,
)

logger = logging.getLogger(__name__)

SETTINGS_TAG = ["settings"]


def _answers(serializer: Any, *errors: int) -> dict[int, Any]:
    """The 200 answer and the documented errors (each `{"error": {"code", "message", "fields"}}`)."""
    return {200: serializer, **error_responses(*errors)}


# -- binding a JSON body to a page's form --------------------------------------------------------------------


def _body(request: Request) -> Mapping[str, Any]:
    if not isinstance(request.data, Mapping):
        raise ValidationError({"non_field_errors": ["Send a JSON object with the settings to change."]})
    return request.data


def _stored_values(form: forms.BaseForm, leave_out: frozenset[str] = frozenset()) -> dict[str, Any]:
    """What the page's form holds for the stored settings, as the page would post it back (PATCH starts here)."""
    return {name: form[name].value() for name in form.fields if name not in leave_out}


def _as_form_value(name: str, field: forms.Field, value: Any) -> Any:
    """A JSON value as the page's form takes it: lists of words as 'a, b', the journals as the page's lines."""
    if isinstance(field, CommaListField) and isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if name == "payment_journals" and isinstance(value, Mapping):
        return "\n".join(f"{gateway} = {journal}" for gateway, journal in value.items())
    return value


def _json_type_error(name: str, field: forms.Field, declared: serializers.Field, value: Any) -> str | None:
    """Whether a JSON value has the type the field takes (the page's form, made for HTML posts, would read
    `{}` as an unticked box or the text "{}"); what the value may be is the form's to say."""
    if value is None:
        return None if declared.allow_null else "This field may not be null."
    if isinstance(field, forms.BooleanField):
        return None if isinstance(value, bool) else "Must be true or false."
    if isinstance(field, forms.MultipleChoiceField):
        return None if _strings(value) else "Must be a list of strings."
    if isinstance(field, CommaListField):
        return None if isinstance(value, str) or _strings(value) else "Must be a list of strings."
    if name == "payment_journals":
        return None if isinstance(value, str | Mapping) else 'Must be an object such as {"*": 6}.'
    if isinstance(field, forms.FloatField | forms.DecimalField):
        return (
            None
            if isinstance(value, int | float | str) and not isinstance(value, bool)
            else "Must be a number."
        )
    if isinstance(field, forms.IntegerField):
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return None if whole and not isinstance(value, bool) else "Must be a whole number."
    if isinstance(field, forms.DateTimeField):
        return None if isinstance(value, str) and value else "Must be a date and time (ISO 8601), or null."
    return None if isinstance(value, str) else "Must be a string."


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _form_data(
    body: Mapping[str, Any],
    fields: Mapping[str, forms.Field],
    stored: Mapping[str, Any],
    serializer: serializers.Serializer,
    *,
    partial: bool,
) -> dict[str, Any]:
    """The data to bind: the body (PUT: every field the schema requires), or the stored values with the body over
    them (PATCH).

    A value of the wrong JSON type is refused; names that are not settings (the read-only fields of a GET sent
    back, anything else) are ignored, as DRF does.
    """
    declared = serializer.fields
    writable = {name for name, field in declared.items() if not field.read_only and name in fields}
    errors: dict[str, list[str]] = {}
    for name, value in body.items():
        if name in writable and (problem := _json_type_error(name, fields[name], declared[name], value)):
            errors[name] = [problem]
    if not partial:
        for name, field in declared.items():
            if field.required and not field.read_only and name not in body:
                errors[name] = ["This field is required."]
    if errors:
        raise ValidationError(errors)
    data = dict(stored) if partial else {}
    for name, value in body.items():
        if name in writable:
            data[name] = _as_form_value(name, fields[name], value)
    return data


def _bound_to_body(
    request: Request, form_class: Any, instance: Any, serializer: serializers.Serializer, *, partial: bool
) -> Any:
    """The page's form bound to the JSON body over the stored settings (PUT names every field, PATCH some)."""
    data = _form_data(
        _body(request),
        form_class.base_fields,
        _stored_values(form_class(instance=instance)),
        serializer,
        partial=partial,
    )
    return bound(form_class, data, instance=instance)


def _install_notifications(request: Request, install: Any) -> Any:
    """A notification rules button: `install(shop, install_module=...)`, Odoo's failure as the API's answer."""
    options = InstallNotificationsSerializer(data=_body(request))
    options.is_valid(raise_exception=True)
    try:
        return install(shop_of(request), install_module=options.validated_data["install_module"])
    except GatewayError as exc:
        raise gateway_failure(exc) from exc


def _bind_all(*bindings: tuple[type[forms.BaseForm], Mapping[str, Any], dict[str, Any]]) -> list[Any]:
    """Bind several page forms at once; one 400 with the field errors of all of them, or the valid forms."""
    valid: list[Any] = []
    errors: dict[str, Any] = {}
    for form_class, data, kwargs in bindings:
        try:
            valid.append(bound(form_class, data, **kwargs))
        except ValidationError as exc:
            errors.update(exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail})
    if errors:
        raise ValidationError(errors)
    return valid


@contextmanager
def _shop_time(shop: Shop) -> Iterator[None]:
    """Dates are read and shown in the shop's time zone, as on the pages."""
    with timezone.override(shop_zone(shop.iana_timezone)):
        yield


# -- the Odoo connection -------------------------------------------------------------------------------------

CONNECTION_EXAMPLE = {
    "url": "https://mycompany.odoo.com",
    "database": "mycompany",
    "login": "shopify@mycompany.com",
    "secret_set": True,
    "protocol": "auto",
    "max_concurrency": 4,
    "server_version": "18.0",
    "last_check": {
        "checked_at": "2026-12-06T09:30:00+01:00",
        "ok": True,
        "checks": [{"name": "Server reachable", "ok": True, "detail": "Odoo 18.0", "advice": False}],
    },
    "circuit_open_until": None,
}


def _connection_of(shop: Shop) -> OdooConnection:
    return OdooConnection.objects.filter(shop=shop).first() or OdooConnection(shop=shop)


def _connection_form(
    request: Request, connection: OdooConnection, declared: serializers.Serializer, *, partial: bool
) -> OdooConnectionForm:
    body = _body(request)
    # The secret is never part of what is "stored" here: left out, the form keeps the stored one.
    stored = _stored_values(OdooConnectionForm(instance=connection), leave_out=frozenset({"secret"}))
    data = _form_data(body, OdooConnectionForm.base_fields, stored, declared, partial=partial)
    return bound(OdooConnectionForm, data, instance=connection)


class OdooConnectionView(APIView):
    @extend_schema(
        operation_id="settings_odoo_connection_retrieve",
        tags=SETTINGS_TAG,
        summary="The Odoo connection",
        description="The Settings page's Odoo connection. The password or API key is never returned: "
        "`secret_set` says whether one is stored. A read key may call it.",
        responses=OdooConnectionSerializer,
        examples=[OpenApiExample("A tested connection", value=CONNECTION_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        return Response(OdooConnectionSerializer(connection_data(_connection_of(shop_of(request)))).data)

    @extend_schema(
        operation_id="settings_odoo_connection_update",
        tags=SETTINGS_TAG,
        summary="Replace the Odoo connection",
        description="Every field, validated by the Settings page's form (the same messages). `secret` is "
        "required only when none is stored or the URL points at another server; left out, the stored one is "
        "kept. Changing the URL, database, login, protocol or secret forgets the last Test connection.",
        request=OdooConnectionSerializer,
        responses=_answers(OdooConnectionSerializer, 400, 403),
        examples=[
            OpenApiExample(
                "Connect an Odoo Online database with an API key",
                value={
                    "url": "https://mycompany.odoo.com",
                    "database": "mycompany",
                    "login": "shopify@mycompany.com",
                    "secret": "0123456789abcdef0123456789abcdef01234567",
                    "protocol": "auto",
                    "max_concurrency": 4,
                },
                request_only=True,
            )
        ],
    )
    def put(self, request: Request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        operation_id="settings_odoo_connection_partial_update",
        tags=SETTINGS_TAG,
        summary="Change some Odoo connection settings",
        description="Only the fields sent change; the others (and the secret, unless sent) are kept.",
        request=OdooConnectionSerializer,
        responses=_answers(OdooConnectionSerializer, 400, 403),
        examples=[OpenApiExample("Fewer parallel writers", value={"max_concurrency": 2}, request_only=True)],
    )
    def patch(self, request: Request) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        shop = shop_of(request)
        form = _connection_form(request, _connection_of(shop), OdooConnectionSerializer(), partial=partial)
        connection = form.save()
        logger.info(
            "Odoo connection saved through the API",
            extra={"shop": shop.domain, "fields": sorted(form.changed_data), "via": access_of(request).via},
        )
        return Response(OdooConnectionSerializer(connection_data(connection)).data)


class OdooConnectionTestView(APIView):
    @extend_schema(
        operation_id="settings_odoo_connection_test",
        tags=SETTINGS_TAG,
        summary="Test the Odoo connection",
        description="What the Settings page's Test connection does: with an empty body, the saved settings are "
        "tested and the result kept as `last_check`; with fields in the body, those (over the saved ones; a "
        "left-out secret is the stored one) are tested and nothing is saved. Invalid fields give 400 with the "
        "page's messages; a failing Odoo gives 200 with `ok: false` and the check that failed.",
        request=OdooConnectionTestRequestSerializer,
        responses=_answers(ConnectionTestSerializer, 400, 403),
        examples=[
            OpenApiExample(
                "A wrong password",
                value={
                    "ok": False,
                    "checks": [
                        {"name": "Server reachable", "ok": True, "detail": "Odoo 18.0", "advice": False},
                        {
                            "name": "Database and login",
                            "ok": False,
                            "detail": "Odoo refused the login at https://mycompany.odoo.com: check the login and "
                            "the password or API key.",
                            "advice": False,
                        },
                    ],
                    "failed": {
                        "name": "Database and login",
                        "ok": False,
                        "detail": "Odoo refused the login at https://mycompany.odoo.com: check the login and the "
                        "password or API key.",
                        "advice": False,
                    },
                    "tested_saved_settings": True,
                    "checked_at": "2026-12-06T09:30:00+01:00",
                },
                response_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        shop = shop_of(request)
        body = _body(request)
        form: OdooConnectionForm | None = None
        if body:
            stored = OdooConnection.objects.filter(shop=shop).first()
            form = _connection_form(
                request,
                stored or OdooConnection(shop=shop),
                OdooConnectionTestRequestSerializer(),
                partial=True,
            )
        result = run_connection_test(shop, form)
        return Response(
            ConnectionTestSerializer(
                {
                    "ok": result.ok,
                    "checks": result.checks,
                    "failed": result.failed,
                    "tested_saved_settings": result.is_saved,
                    "checked_at": timezone.now(),
                }
            ).data
        )


# -- order rules ---------------------------------------------------------------------------------------------

RULES_EXAMPLE = {
    "create_as": "paid_invoice",
    "payment_journals": {"shopify_payments": 7, "*": 6},
    "invoice_date_source": "order_date",
    "order_prefix": "SHOP",
    "use_shopify_order_number": True,
    "discount_mode": "line",
    "auto_create_taxes": False,
    "sync_note": True,
    "sync_note_attributes": True,
    "sync_tags": True,
    "auto_sync": True,
    "sweep_interval_minutes": 15,
    "financial_statuses": ["PAID", "PARTIALLY_PAID"],
    "fulfillment_statuses": [],
    "sources": ["web", "pos"],
    "created_after": "2026-01-01T00:00:00+01:00",
    "exclude_test_orders": True,
    "include_tags": [],
    "exclude_tags": ["no-erp"],
    "risk_threshold": "HIGH",
    "totals_tolerance": "0.01",
    "totals_action": "hold",
    "return_restocked_items": False,
    "validate_return_pickings": False,
    "saved_at": "2026-12-06T09:30:00+01:00",
}


class OrderRulesView(APIView):
    @extend_schema(
        operation_id="settings_order_rules_retrieve",
        tags=SETTINGS_TAG,
        summary="The order rules",
        description="Which orders are synced and what they become in Odoo (the Settings page's Order rules). "
        "Dates are in the shop's time zone.",
        responses=OrderRulesSerializer,
        examples=[
            OpenApiExample("Paid invoices of web and POS orders", value=RULES_EXAMPLE, response_only=True)
        ],
    )
    def get(self, request: Request) -> Response:
        shop = shop_of(request)
        rules, _ = OrderRules.objects.get_or_create(shop=shop)
        with _shop_time(shop):
            return Response(OrderRulesSerializer(rules_data(rules)).data)

    @extend_schema(
        operation_id="settings_order_rules_update",
        tags=SETTINGS_TAG,
        summary="Replace the order rules",
        description="Every rule, validated by the page's form (the same messages). Saving re-applies "
        "eligibility to the stored orders in the background, as the page does.",
        request=OrderRulesSerializer,
        responses=_answers(OrderRulesSerializer, 400, 403),
    )
    def put(self, request: Request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        operation_id="settings_order_rules_partial_update",
        tags=SETTINGS_TAG,
        summary="Change some order rules",
        description="Only the rules sent change. Saving re-applies eligibility to the stored orders in the "
        "background, as the page does.",
        request=OrderRulesSerializer,
        responses=_answers(OrderRulesSerializer, 400, 403),
        examples=[
            OpenApiExample(
                "Never sync orders tagged no-erp",
                value={"exclude_tags": ["no-erp"]},
                request_only=True,
            )
        ],
    )
    def patch(self, request: Request) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        shop = shop_of(request)
        body = _body(request)
        rules, _ = OrderRules.objects.get_or_create(shop=shop)
        with _shop_time(shop):
            stored = _stored_values(OrderRulesForm(instance=rules))
            data = _form_data(
                body, OrderRulesForm.base_fields, stored, OrderRulesSerializer(), partial=partial
            )
            rules = save_order_rules(shop, bound(OrderRulesForm, data, instance=rules))
            return Response(OrderRulesSerializer(rules_data(rules)).data)


# -- matching (Settings: Products and customers; the Customers page's settings) --------------------------------

MATCHING_EXAMPLE = {
    "product_match": "sku",
    "auto_create_products": False,
    "customer_match": "email",
    "single_partner_id": None,
    "single_partner_name": "",
    "guest_customer_name": "Shopify guest customer",
    "match_phone": True,
    "copy_marketing_consent": False,
    "import_companies": True,
}


def _matching_data(rules: OrderRules, customer_settings: CustomerSettings) -> dict[str, Any]:
    return {
        **{name: getattr(rules, name) for name in (*MatchingForm.base_fields, "single_partner_name")},
        **{name: getattr(customer_settings, name) for name in CustomerSettingsForm.base_fields},
    }


class MatchingView(APIView):
    @extend_schema(
        operation_id="settings_matching_retrieve",
        tags=SETTINGS_TAG,
        summary="How products and customers are matched in Odoo",
        description="Settings → Products and customers, and the Customers page's matching settings.",
        responses=MatchingSerializer,
        examples=[OpenApiExample("By SKU and e-mail", value=MATCHING_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        shop = shop_of(request)
        rules, _ = OrderRules.objects.get_or_create(shop=shop)
        return Response(MatchingSerializer(_matching_data(rules, CustomerSettings.of(shop))).data)

    @extend_schema(
        operation_id="settings_matching_update",
        tags=SETTINGS_TAG,
        summary="Replace the matching options",
        description="Validated by the pages' forms (the same messages); a newly chosen single_partner_id is "
        "looked up in Odoo first, as the page does, and refused if Odoo has no such contact.",
        request=MatchingSerializer,
        responses=_answers(MatchingSerializer, 400, 403),
    )
    def put(self, request: Request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        operation_id="settings_matching_partial_update",
        tags=SETTINGS_TAG,
        summary="Change some matching options",
        description="Only the options sent change.",
        request=MatchingSerializer,
        responses=_answers(MatchingSerializer, 400, 403),
        examples=[
            OpenApiExample(
                "Put every order on one Odoo contact",
                value={"customer_match": "single", "single_partner_id": 42},
                request_only=True,
            )
        ],
    )
    def patch(self, request: Request) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        shop = shop_of(request)
        body = _body(request)
        rules, _ = OrderRules.objects.get_or_create(shop=shop)
        customer_settings = CustomerSettings.of(shop)
        data = _form_data(
            body,
            {**MatchingForm.base_fields, **CustomerSettingsForm.base_fields},
            {
                **_stored_values(MatchingForm(instance=rules)),
                **_stored_values(CustomerSettingsForm(instance=customer_settings)),
            },
            MatchingSerializer(),
            partial=partial,
        )
        matching_form, customer_form = _bind_all(
            (
                MatchingForm,
                {name: data[name] for name in MatchingForm.base_fields if name in data},
                {"instance": rules, "partner_lookup": partner_lookup_for(shop)},
            ),
            (
                CustomerSettingsForm,
                {name: data[name] for name in CustomerSettingsForm.base_fields if name in data},
                {"instance": customer_settings},
            ),
        )
        with transaction.atomic():
            rules = matching_form.save()
            customer_settings = customer_form.save()
        return Response(MatchingSerializer(_matching_data(rules, customer_settings)).data)


# -- catalogue (Settings: Catalogue) --------------------------------------------------------------------------


def _catalogue_data(catalogue: CatalogueSettings) -> dict[str, Any]:
    return {name: getattr(catalogue, name) for name in (*CatalogueSettingsForm.base_fields, "saved_at")}


class CatalogueView(APIView):
    @extend_schema(
        operation_id="settings_catalogue_retrieve",
        tags=SETTINGS_TAG,
        summary="The catalogue settings",
        description="Settings → Catalogue: which side owns each product field, images, missing products.",
        responses=CatalogueSerializer,
    )
    def get(self, request: Request) -> Response:
        catalogue, _ = CatalogueSettings.objects.get_or_create(shop=shop_of(request))
        return Response(CatalogueSerializer(_catalogue_data(catalogue)).data)

    @extend_schema(
        operation_id="settings_catalogue_update",
        tags=SETTINGS_TAG,
        summary="Replace the catalogue settings",
        description="Validated by the page's form (the same messages).",
        request=CatalogueSerializer,
        responses=_answers(CatalogueSerializer, 400, 403),
    )
    def put(self, request: Request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        operation_id="settings_catalogue_partial_update",
        tags=SETTINGS_TAG,
        summary="Change some catalogue settings",
        description="Only the settings sent change.",
        request=CatalogueSerializer,
        responses=_answers(CatalogueSerializer, 400, 403),
        examples=[
            OpenApiExample("Odoo owns the sale price", value={"sale_price_owner": "odoo"}, request_only=True)
        ],
    )
    def patch(self, request: Request) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        catalogue, _ = CatalogueSettings.objects.get_or_create(shop=shop_of(request))
        form = _bound_to_body(
            request, CatalogueSettingsForm, catalogue, CatalogueSerializer(), partial=partial
        )
        catalogue = form.save()
        return Response(CatalogueSerializer(_catalogue_data(catalogue)).data)


# -- the danger zone: pause / resume syncing ------------------------------------------------------------------


def _who(request: Request) -> str:
    """Who paused, as the page shows it: the API key's name, the logged-in user, or the Shopify admin."""
    access = access_of(request)
    if access.key is not None:
        return f"API key {access.key.name}"
    if request.user.is_authenticated:
        return str(request.user.get_username())
    return "a user in the Shopify admin"


def _sync_state(shop: Shop, changed: bool, message: str) -> Response:
    shop.refresh_from_db(fields=["sync_paused", "sync_paused_at", "sync_paused_by"])
    return Response(
        SyncStateSerializer(
            {
                "paused": shop.sync_paused,
                "paused_at": shop.sync_paused_at,
                "paused_by": shop.sync_paused_by,
                "changed": changed,
                "message": message,
            }
        ).data
    )


class PauseView(APIView):
    @extend_schema(
        operation_id="settings_pause",
        tags=SETTINGS_TAG,
        summary="Pause syncing",
        description="The Settings page's danger zone: nothing is sent to Odoo until resumed; queued orders are put "
        "back and wait. Pausing a paused shop changes nothing (`changed: false`).",
        request=None,
        responses=_answers(SyncStateSerializer, 403),
    )
    def post(self, request: Request) -> Response:
        shop = shop_of(request)
        changed = pause_syncing(shop, _who(request))
        return _sync_state(shop, changed, pause_message(changed))


class ResumeView(APIView):
    @extend_schema(
        operation_id="settings_resume",
        tags=SETTINGS_TAG,
        summary="Resume syncing",
        description="Send orders to Odoo again; the orders held while paused are queued again in the background.",
        request=None,
        responses=_answers(SyncStateSerializer, 403),
    )
    def post(self, request: Request) -> Response:
        shop = shop_of(request)
        changed = resume_syncing(shop)
        return _sync_state(shop, changed, resume_message(changed))


# -- stock and shipping (Settings: Stock, Shipping) -----------------------------------------------------------


def _stock_data(request: Request, settings: StockSettings) -> dict[str, Any]:
    return {
        **{name: getattr(settings, name) for name in StockSettingsForm.base_fields},
        "blocked_reason": settings.blocked_reason,
        "notifications_url": stock_services.webhook_url(settings) if access_of(request).can_write else None,
    }


class StockSettingsView(APIView):
    @extend_schema(
        operation_id="settings_stock_retrieve",
        tags=SETTINGS_TAG,
        summary="The stock settings",
        description="Settings → Stock: whether Odoo's levels are pushed to Shopify, which figure, the buffer and "
        "the coalescing window. The location mapping is under /api/v1/stock/locations/.",
        responses=StockSettingsSerializer,
    )
    def get(self, request: Request) -> Response:
        settings = stock_services.get_settings(shop_of(request))
        return Response(StockSettingsSerializer(_stock_data(request, settings)).data)

    @extend_schema(
        operation_id="settings_stock_update",
        tags=SETTINGS_TAG,
        summary="Replace the stock settings",
        description="Validated by the page's form (the same messages). Turning it on matches the items and "
        "pushes every level once in the background, as the page does.",
        request=StockSettingsSerializer,
        responses=_answers(StockSettingsSerializer, 400, 403),
    )
    def put(self, request: Request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        operation_id="settings_stock_partial_update",
        tags=SETTINGS_TAG,
        summary="Change some stock settings",
        description="Only the settings sent change.",
        request=StockSettingsSerializer,
        responses=_answers(StockSettingsSerializer, 400, 403),
        examples=[OpenApiExample("Keep 2 units back", value={"safety_buffer": 2}, request_only=True)],
    )
    def patch(self, request: Request) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        settings = stock_services.get_settings(shop_of(request))
        form = _bound_to_body(
            request, StockSettingsForm, settings, StockSettingsSerializer(), partial=partial
        )
        settings = save_stock_settings(form)
        return Response(StockSettingsSerializer(_stock_data(request, settings)).data)


class StockNotificationsView(APIView):
    @extend_schema(
        operation_id="settings_stock_notifications",
        tags=SETTINGS_TAG,
        summary="Create the Odoo rules that notify Synco of stock changes",
        description="What the Stock settings page's button does (logged in the sync log). 502 `odoo_refused` "
        "with Odoo's reason if it refuses (e.g. the Automation Rules app is missing and install_module is false); "
        "409 `odoo_not_connected` without an Odoo connection; 503 with Retry-After if Odoo does not answer.",
        request=InstallNotificationsSerializer,
        responses=_answers(StockNotificationsSerializer, 400, 403, 409, 502, 503),
    )
    def post(self, request: Request) -> Response:
        rules = _install_notifications(request, stock_services.install_odoo_notifications)
        return Response(
            StockNotificationsSerializer(
                {
                    "rules": len(rules.rule_ids),
                    "created": rules.created,
                    "installed_module": rules.installed_module,
                }
            ).data
        )


class WebhookTokenView(APIView):
    @extend_schema(
        operation_id="settings_webhook_token_rotate",
        tags=SETTINGS_TAG,
        summary="Give Odoo's notification addresses a new secret token",
        description="What the Stock settings page's 'New token' does: Synco's rules in Odoo (stock and "
        "deliveries) are pointed at the new address first, then the old one is refused. Nothing changes if "
        "Odoo refuses (502), is not connected (409) or cannot be reached (503).",
        request=None,
        responses=_answers(TokenRotationSerializer, 403, 409, 502, 503),
    )
    def post(self, request: Request) -> Response:
        shop = shop_of(request)
        try:
            settings, repointed = stock_services.rotate_webhook_token(
                shop, also=[shipment_services.repoint_delivery_rule(shop)]
            )
        except GatewayError as exc:
            raise gateway_failure(exc, "The token was not changed: ") from exc
        return Response(
            TokenRotationSerializer(
                {"repointed": repointed, "notifications_url": stock_services.webhook_url(settings)}
            ).data
        )


def _shipping_data(request: Request, settings: ShipmentSettings) -> dict[str, Any]:
    return {
        **{name: getattr(settings, name) for name in ShipmentSettingsForm.base_fields},
        "notifications_url": shipment_services.webhook_url(settings.shop)
        if access_of(request).can_write
        else None,
    }


class ShippingSettingsView(APIView):
    @extend_schema(
        operation_id="settings_shipping_retrieve",
        tags=SETTINGS_TAG,
        summary="The shipping settings",
        description="Settings → Shipping: who ships, whether Shopify e-mails the customer, validation at sync.",
        responses=ShippingSettingsSerializer,
    )
    def get(self, request: Request) -> Response:
        settings = shipment_services.get_settings(shop_of(request))
        return Response(ShippingSettingsSerializer(_shipping_data(request, settings)).data)

    @extend_schema(
        operation_id="settings_shipping_update",
        tags=SETTINGS_TAG,
        summary="Replace the shipping settings",
        description="Validated by the page's form (the same messages).",
        request=ShippingSettingsSerializer,
        responses=_answers(ShippingSettingsSerializer, 400, 403),
    )
    def put(self, request: Request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        operation_id="settings_shipping_partial_update",
        tags=SETTINGS_TAG,
        summary="Change some shipping settings",
        description="Only the settings sent change.",
        request=ShippingSettingsSerializer,
        responses=_answers(ShippingSettingsSerializer, 400, 403),
        examples=[OpenApiExample("Shopify or a 3PL ships", value={"shipper": "shopify"}, request_only=True)],
    )
    def patch(self, request: Request) -> Response:
        return self._save(request, partial=True)

    def _save(self, request: Request, *, partial: bool) -> Response:
        settings = shipment_services.get_settings(shop_of(request))
        form = _bound_to_body(
            request, ShipmentSettingsForm, settings, ShippingSettingsSerializer(), partial=partial
        )
        settings = form.save()
        return Response(ShippingSettingsSerializer(_shipping_data(request, settings)).data)


class DeliveryNotificationsView(APIView):
    @extend_schema(
        operation_id="settings_shipping_notifications",
        tags=SETTINGS_TAG,
        summary="Create the Odoo rule that notifies Synco of validated deliveries",
        description="What the Shipping settings page's button does (logged in the sync log). 502 `odoo_refused` "
        "with Odoo's reason if it refuses; 409 `odoo_not_connected` without an Odoo connection; 503 with "
        "Retry-After if Odoo does not answer.",
        request=InstallNotificationsSerializer,
        responses=_answers(DeliveryNotificationsSerializer, 400, 403, 409, 502, 503),
    )
    def post(self, request: Request) -> Response:
        rule = _install_notifications(request, shipment_services.install_delivery_notifications)
        return Response(
            DeliveryNotificationsSerializer(
                {"rule_id": rule.rule_id, "created": rule.created, "installed_module": rule.installed_module}
            ).data
        )
