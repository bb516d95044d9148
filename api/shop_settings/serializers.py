"""What the settings endpoints return (and document): the Settings pages' fields, described by the pages' own forms.

Validation is not here: a request is bound to the page's Django form (api.validation), so the API refuses exactly
what the page refuses, with the same messages.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.text import format_lazy
from rest_framework import serializers

from customers.forms import CustomerSettingsForm
from products.forms import MAX_IMAGE_KB, OWNER_FIELDS, CatalogueSettingsForm
from products.models import CatalogueSettings
from shipments.forms import ShipmentSettingsForm
from shipments.models import ShipmentSettings
from stock.forms import StockSettingsForm
from stock.models import StockSettings
from synco.models import OdooConnection, OrderRules
from synco.pages.forms import (
    FINANCIAL_STATUSES,
    FULFILLMENT_STATUSES,
    MatchingForm,
    OdooConnectionForm,
    OrderRulesForm,
)


def _sentences(*parts: Any) -> str:
    return " ".join(text if text.endswith((".", "?", "!")) else f"{text}." for text in map(str, parts))


_sentences_lazy = lazy(_sentences, str)


def described(form_class: type[forms.ModelForm], name: str, extra: str = "") -> Any:
    """The page's label and help text for one field (one wording for the page and the schema), then `extra`."""
    field = form_class.base_fields[name]
    return _sentences_lazy(*[part for part in (field.label, field.help_text, extra) if part])


def choices_of(model: Any, name: str) -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in model._meta.get_field(name).choices]


class CheckSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="What was checked, e.g. 'Server reachable', 'Database and login'.")
    ok = serializers.BooleanField(help_text="Whether this check passed.")
    detail = serializers.CharField(
        allow_blank=True,
        help_text="What Odoo answered, or exactly what to fix (never a password or key).",
    )
    advice = serializers.BooleanField(
        default=False, help_text="Passed, but with something the merchant should change."
    )


class LastCheckSerializer(serializers.Serializer):
    checked_at = serializers.DateTimeField(
        help_text="When the last Test connection of the saved settings ran."
    )
    ok = serializers.BooleanField(allow_null=True, help_text="Whether every check passed.")
    checks = CheckSerializer(many=True, help_text="Each check with its result.")


class OdooConnectionSerializer(serializers.Serializer):
    url = serializers.CharField(
        help_text=described(
            OdooConnectionForm,
            "url",
            "https only, except for a loopback address in development; '/odoo' or '/web/login' at the end is "
            "removed.",
        )
    )
    database = serializers.CharField(help_text=described(OdooConnectionForm, "database"))
    login = serializers.CharField(help_text=described(OdooConnectionForm, "login"))
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=described(
            OdooConnectionForm,
            "secret",
            "Never returned (see secret_set) and never logged; left out or empty, the stored one is kept.",
        ),
    )
    secret_set = serializers.BooleanField(
        read_only=True, help_text="Whether a password or API key is stored (it is never shown)."
    )
    protocol = serializers.ChoiceField(
        choices=choices_of(OdooConnection, "protocol"), help_text=described(OdooConnectionForm, "protocol")
    )
    max_concurrency = serializers.IntegerField(
        min_value=0,
        max_value=16,
        required=False,
        help_text=described(
            OdooConnectionForm,
            "max_concurrency",
            "1 to 16, counted over every shop connected to the same Odoo URL and database; left out (or 0), the "
            "current cap is kept.",
        ),
    )
    server_version = serializers.CharField(
        read_only=True, allow_blank=True, help_text="Odoo's version, as the last Test connection found it."
    )
    last_check = LastCheckSerializer(
        read_only=True,
        allow_null=True,
        help_text="The last Test connection of the saved settings (forgotten when they change); null if none.",
    )
    circuit_open_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="After repeated failures Synco stops calling Odoo until then; null when Odoo is called normally.",
    )


def connection_data(connection: OdooConnection) -> dict[str, Any]:
    """The connection as the API shows it: the secret only as whether one is stored."""
    last_check = None
    if connection.pk and connection.last_checked_at:
        last_check = {
            "checked_at": connection.last_checked_at,
            "ok": connection.last_check_ok,
            "checks": [
                {
                    "name": str(item.get("name", "")),
                    "ok": bool(item.get("ok")),
                    "detail": str(item.get("detail", "")),
                    "advice": bool(item.get("advice", False)),
                }
                for item in connection.last_check_report
            ],
        }
    return {
        "url": connection.url,
        "database": connection.database,
        "login": connection.login,
        "secret_set": bool(connection.pk and connection.secret),
        "protocol": connection.protocol,
        "max_concurrency": connection.max_concurrency,
        "server_version": connection.server_version,
        "last_check": last_check,
        "circuit_open_until": connection.circuit_open_until,
    }


class ConnectionTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="Every check passed: Odoo is ready for Synco.")
    checks = CheckSerializer(many=True, help_text="Each check with its result, in the order they ran.")
    failed = CheckSerializer(
        allow_null=True, help_text="The first check that failed (what to fix first); null when ok."
    )
    tested_saved_settings = serializers.BooleanField(
        help_text=(
            "The settings tested are exactly the saved ones, so the result was kept as the connection's last_check. "
            "False when the request body held other settings (nothing is saved then)."
        )
    )
    checked_at = serializers.DateTimeField(help_text="When the test ran.")


class OdooConnectionTestRequestSerializer(serializers.Serializer):
    url = serializers.CharField(required=False, help_text=described(OdooConnectionForm, "url"))
    database = serializers.CharField(required=False, help_text=described(OdooConnectionForm, "database"))
    login = serializers.CharField(required=False, help_text=described(OdooConnectionForm, "login"))
    secret = serializers.CharField(
        required=False,
        help_text="The password or API key to test; left out, the stored one (for the same Odoo URL only).",
    )
    protocol = serializers.ChoiceField(
        required=False,
        choices=choices_of(OdooConnection, "protocol"),
        help_text=described(OdooConnectionForm, "protocol"),
    )


def _rules_help(name: str, extra: str = "") -> Any:
    return described(OrderRulesForm, name, extra)


class OrderRulesSerializer(serializers.Serializer):
    create_as = serializers.ChoiceField(
        choices=choices_of(OrderRules, "create_as"), help_text=_rules_help("create_as")
    )
    payment_journals = serializers.DictField(
        child=serializers.IntegerField(min_value=1),
        help_text=_rules_help(
            "payment_journals",
            'An object {"shopify_payments": 7, "*": 6}: Shopify gateway -> Odoo journal id, * for the rest.',
        ),
    )
    invoice_date_source = serializers.ChoiceField(
        choices=choices_of(OrderRules, "invoice_date_source"),
        required=False,
        help_text=_rules_help("invoice_date_source", "Left out, it is kept."),
    )
    order_prefix = serializers.CharField(allow_blank=True, help_text=_rules_help("order_prefix"))
    use_shopify_order_number = serializers.BooleanField(help_text=_rules_help("use_shopify_order_number"))
    discount_mode = serializers.ChoiceField(
        choices=choices_of(OrderRules, "discount_mode"), help_text=_rules_help("discount_mode")
    )
    auto_create_taxes = serializers.BooleanField(help_text=_rules_help("auto_create_taxes"))
    sync_note = serializers.BooleanField(help_text=_rules_help("sync_note"))
    sync_note_attributes = serializers.BooleanField(help_text=_rules_help("sync_note_attributes"))
    sync_tags = serializers.BooleanField(help_text=_rules_help("sync_tags"))
    auto_sync = serializers.BooleanField(help_text=_rules_help("auto_sync"))
    sweep_interval_minutes = serializers.IntegerField(
        min_value=5, max_value=1440, help_text=_rules_help("sweep_interval_minutes")
    )
    financial_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=FINANCIAL_STATUSES),
        help_text=_rules_help("financial_statuses"),
    )
    fulfillment_statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=FULFILLMENT_STATUSES),
        help_text=_rules_help("fulfillment_statuses"),
    )
    sources = serializers.ListField(child=serializers.CharField(), help_text=_rules_help("sources"))
    created_after = serializers.DateTimeField(
        allow_null=True,
        help_text=_rules_help(
            "created_after", "ISO 8601; a time without an offset is read in the shop's time zone."
        ),
    )
    exclude_test_orders = serializers.BooleanField(help_text=_rules_help("exclude_test_orders"))
    include_tags = serializers.ListField(child=serializers.CharField(), help_text=_rules_help("include_tags"))
    exclude_tags = serializers.ListField(child=serializers.CharField(), help_text=_rules_help("exclude_tags"))
    risk_threshold = serializers.ChoiceField(
        choices=choices_of(OrderRules, "risk_threshold"), help_text=_rules_help("risk_threshold")
    )
    totals_tolerance = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        help_text=_rules_help("totals_tolerance", 'A decimal string, e.g. "0.05".'),
    )
    totals_action = serializers.ChoiceField(
        choices=choices_of(OrderRules, "totals_action"), help_text=_rules_help("totals_action")
    )
    return_restocked_items = serializers.BooleanField(help_text=_rules_help("return_restocked_items"))
    validate_return_pickings = serializers.BooleanField(help_text=_rules_help("validate_return_pickings"))
    saved_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the rules were last saved (page or API); null if never.",
    )


def rules_data(rules: OrderRules) -> dict[str, Any]:
    return {name: getattr(rules, name) for name in (*OrderRulesForm.base_fields, "saved_at")}


class MatchingSerializer(serializers.Serializer):
    product_match = serializers.ChoiceField(
        choices=choices_of(OrderRules, "product_match"), help_text=described(MatchingForm, "product_match")
    )
    auto_create_products = serializers.BooleanField(help_text=described(MatchingForm, "auto_create_products"))
    customer_match = serializers.ChoiceField(
        choices=choices_of(OrderRules, "customer_match"), help_text=described(MatchingForm, "customer_match")
    )
    single_partner_id = serializers.IntegerField(
        allow_null=True,
        min_value=1,
        help_text=described(MatchingForm, "single_partner_id", "Checked in Odoo when it changes."),
    )
    single_partner_name = serializers.CharField(
        read_only=True,
        allow_blank=True,
        help_text="The Odoo contact's name, as Odoo gave it when single_partner_id was checked.",
    )
    guest_customer_name = serializers.CharField(help_text=described(MatchingForm, "guest_customer_name"))
    match_phone = serializers.BooleanField(
        help_text=described(CustomerSettingsForm, "match_phone", "The Customers page's setting.")
    )
    copy_marketing_consent = serializers.BooleanField(
        help_text=described(CustomerSettingsForm, "copy_marketing_consent", "The Customers page's setting.")
    )
    import_companies = serializers.BooleanField(
        help_text=described(CustomerSettingsForm, "import_companies", "The Customers page's setting.")
    )


def _owner(name: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=CatalogueSettings.Owner.choices,
        help_text=format_lazy(
            "Who owns the product's {}. shopify: Synco writes Shopify's value to Odoo whenever the product changes; "
            "odoo: set once when Synco creates the product, then left to Odoo.",
            dict(OWNER_FIELDS)[name],
        ),
    )


class CatalogueSerializer(serializers.Serializer):
    name_owner = _owner("name_owner")
    description_owner = _owner("description_owner")
    sale_price_owner = _owner("sale_price_owner")
    cost_owner = _owner("cost_owner")
    barcode_owner = _owner("barcode_owner")
    weight_owner = _owner("weight_owner")
    product_type_owner = _owner("product_type_owner")
    images_owner = _owner("images_owner")
    active_owner = _owner("active_owner")
    import_images = serializers.BooleanField(help_text=described(CatalogueSettingsForm, "import_images"))
    image_max_kb = serializers.IntegerField(
        min_value=1, max_value=MAX_IMAGE_KB, help_text=described(CatalogueSettingsForm, "image_max_kb")
    )
    create_missing = serializers.BooleanField(help_text=described(CatalogueSettingsForm, "create_missing"))
    saved_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the catalogue settings were last saved; null if never.",
    )


class SyncStateSerializer(serializers.Serializer):
    paused = serializers.BooleanField(help_text="Syncing is paused: nothing is sent to Odoo.")
    paused_at = serializers.DateTimeField(
        allow_null=True, help_text="When syncing was paused; null if it is not."
    )
    paused_by = serializers.CharField(
        allow_blank=True, help_text="Who paused it (a user, or 'API key <name>'); empty if it is not paused."
    )
    changed = serializers.BooleanField(
        help_text="False if it was already in that state (pausing a paused shop changes nothing)."
    )
    message = serializers.CharField(help_text="What happened, as the Settings page's toast says it.")


NOTIFICATIONS_URL_HELP = (
    "The address Odoo's automation rules call to notify Synco (it holds the shop's secret token): shown to a "
    "write key only, null for a read key."
)


class StockSettingsSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(
        help_text=described(
            StockSettingsForm,
            "enabled",
            "Turned on, the items are matched and every level is pushed once, in the background.",
        )
    )
    figure = serializers.ChoiceField(
        choices=choices_of(StockSettings, "figure"), help_text=described(StockSettingsForm, "figure")
    )
    safety_buffer = serializers.IntegerField(
        min_value=0, help_text=described(StockSettingsForm, "safety_buffer")
    )
    coalesce_seconds = serializers.FloatField(
        min_value=0, max_value=60, help_text=described(StockSettingsForm, "coalesce_seconds")
    )
    blocked_reason = serializers.CharField(
        read_only=True,
        allow_blank=True,
        help_text="Why Shopify refuses the stock pushes (a missing access scope), empty when they go through.",
    )
    notifications_url = serializers.CharField(
        read_only=True, allow_null=True, help_text=NOTIFICATIONS_URL_HELP
    )


class ShippingSettingsSerializer(serializers.Serializer):
    shipper = serializers.ChoiceField(
        choices=choices_of(ShipmentSettings, "shipper"), help_text=described(ShipmentSettingsForm, "shipper")
    )
    notify_customer = serializers.BooleanField(help_text=described(ShipmentSettingsForm, "notify_customer"))
    validate_at_sync = serializers.BooleanField(help_text=described(ShipmentSettingsForm, "validate_at_sync"))
    notifications_url = serializers.CharField(
        read_only=True, allow_null=True, help_text=NOTIFICATIONS_URL_HELP
    )


class InstallNotificationsSerializer(serializers.Serializer):
    install_module = serializers.BooleanField(
        default=False,
        help_text="Install Odoo's Automation Rules app first if it is missing (as the page's checkbox does).",
    )


class StockNotificationsSerializer(serializers.Serializer):
    rules = serializers.IntegerField(
        help_text="How many Odoo automation rules now notify Synco of stock changes."
    )
    created = serializers.IntegerField(
        help_text="How many of them were created now (the others were re-pointed)."
    )
    installed_module = serializers.BooleanField(
        help_text="Whether the Automation Rules app was installed now."
    )


class DeliveryNotificationsSerializer(serializers.Serializer):
    rule_id = serializers.IntegerField(
        help_text="The Odoo automation rule that notifies Synco of deliveries."
    )
    created = serializers.BooleanField(help_text="Whether the rule was created now (else it was re-pointed).")
    installed_module = serializers.BooleanField(
        help_text="Whether the Automation Rules app was installed now."
    )


class TokenRotationSerializer(serializers.Serializer):
    repointed = serializers.IntegerField(
        help_text="How many of Synco's Odoo automation rules now use the new token (0: none are in Odoo; update "
        "your own rules with the new URL)."
    )
    notifications_url = serializers.CharField(
        help_text="The new stock notifications address (the old one is refused)."
    )
