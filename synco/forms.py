"""Settings forms; secrets are write-only (left blank, the stored one is kept)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from synco.models import OdooConnection, OrderRules


class OdooConnectionForm(forms.ModelForm):
    url = forms.URLField(
        label="Odoo URL",
        assume_scheme="https",
        help_text="The address you open Odoo at, e.g. https://mycompany.odoo.com",
    )
    secret = forms.CharField(
        label="Password or API key",
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Leave blank to keep the stored one. An API key (Odoo: Preferences > Account "
        "Security > New API Key) is safer than the password.",
    )

    class Meta:
        model = OdooConnection
        fields = ["url", "database", "login", "secret", "protocol"]
        help_texts = {
            "database": "Odoo's database name (shown on the login page's database selector).",
            "login": "The e-mail or login of the Odoo user Synco acts as.",
            "protocol": "XML-RPC works everywhere; JSON-RPC is an alternative if a proxy blocks XML-RPC.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_stored_secret = bool(self.instance.pk and self.instance.secret)
        if not self.has_stored_secret:
            self.fields["secret"].required = True

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).rstrip("/")
        for suffix in ("/odoo", "/web", "/web/login"):
            if url.endswith(suffix):
                url = url[: -len(suffix)]
        return url

    def save(self, commit: bool = True) -> OdooConnection:
        connection: OdooConnection = super().save(commit=False)
        new_secret = self.cleaned_data.get("secret")
        if not new_secret and self.has_stored_secret:
            connection.secret = OdooConnection.objects.get(pk=connection.pk).secret
        if commit:
            connection.save()
        return connection


FINANCIAL_STATUSES = [
    ("PAID", "Paid"),
    ("PARTIALLY_PAID", "Partially paid"),
    ("AUTHORIZED", "Authorized"),
    ("PENDING", "Pending"),
    ("PARTIALLY_REFUNDED", "Partially refunded"),
    ("REFUNDED", "Refunded"),
    ("VOIDED", "Voided"),
    ("EXPIRED", "Expired"),
]
FULFILLMENT_STATUSES = [
    ("UNFULFILLED", "Unfulfilled"),
    ("PARTIALLY_FULFILLED", "Partially fulfilled"),
    ("FULFILLED", "Fulfilled"),
    ("IN_PROGRESS", "In progress"),
    ("ON_HOLD", "On hold"),
    ("OPEN", "Open"),
    ("SCHEDULED", "Scheduled"),
    ("PENDING_FULFILLMENT", "Pending fulfilment"),
    ("RESTOCKED", "Restocked"),
    ("REQUEST_DECLINED", "Request declined"),
]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]


class CommaListField(forms.CharField):
    """A list of words typed as 'a, b, c'."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return _split(str(value or ""))


class OrderRulesForm(forms.ModelForm):
    financial_statuses = forms.MultipleChoiceField(
        choices=FINANCIAL_STATUSES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only orders with one of these payment statuses are eligible. None ticked: any.",
    )
    fulfillment_statuses = forms.MultipleChoiceField(
        choices=FULFILLMENT_STATUSES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any fulfilment status.",
    )
    sources = CommaListField(
        required=False, help_text="Sales channels, e.g. web, pos, shopify_draft_order. Empty: any."
    )
    include_tags = CommaListField(required=False, help_text="Only orders with one of these tags. Empty: any.")
    exclude_tags = CommaListField(required=False, help_text="Orders with any of these tags are never synced.")
    payment_journals = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: Shopify gateway = Odoo journal id, e.g. shopify_payments = 7; * = 6 for the rest.",
    )

    class Meta:
        model = OrderRules
        fields = [
            "create_as",
            "order_prefix",
            "use_shopify_order_number",
            "sync_note",
            "sync_note_attributes",
            "sync_tags",
            "auto_sync",
            "sweep_interval_minutes",
            "financial_statuses",
            "fulfillment_statuses",
            "sources",
            "created_after",
            "exclude_test_orders",
            "include_tags",
            "exclude_tags",
            "risk_threshold",
            "guest_customer_name",
            "product_match",
            "auto_create_products",
            "auto_create_taxes",
            "discount_mode",
            "payment_journals",
            "totals_tolerance",
            "totals_action",
        ]
        widgets = {"created_after": forms.DateTimeInput(attrs={"type": "datetime-local"})}
        help_texts = {
            "create_as": "Risky orders always come in as quotations, whatever is chosen here.",
            "order_prefix": "Put before the Shopify number in the Odoo order name, e.g. SHOP → SHOP#1001.",
            "created_after": "Orders created before this are never eligible (e.g. your go-live date).",
            "totals_tolerance": "Largest difference between Odoo's and Shopify's total that is accepted as is.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        journals = self.instance.payment_journals or {}
        self.initial["payment_journals"] = "\n".join(
            f"{gateway} = {journal}" for gateway, journal in journals.items()
        )

    def clean_order_prefix(self) -> str:
        prefix = str(self.cleaned_data["order_prefix"])
        if any(char.isspace() for char in prefix):
            raise forms.ValidationError("The prefix cannot contain spaces.")
        return prefix

    def clean_sweep_interval_minutes(self) -> int:
        minutes = int(self.cleaned_data["sweep_interval_minutes"])
        if not 5 <= minutes <= 1440:
            raise forms.ValidationError("Choose between 5 minutes and 24 hours (1440).")
        return minutes

    def clean_totals_tolerance(self) -> Decimal:
        tolerance = Decimal(self.cleaned_data["totals_tolerance"])
        if not Decimal("0") <= tolerance <= Decimal("10"):
            raise forms.ValidationError("Choose a tolerance between 0.00 and 10.00.")
        return tolerance

    def clean_payment_journals(self) -> dict[str, int]:
        mapping: dict[str, int] = {}
        for number, line in enumerate(str(self.cleaned_data["payment_journals"]).splitlines(), start=1):
            if not line.strip():
                continue
            gateway, sep, journal = line.partition("=")
            if not sep or not gateway.strip() or not journal.strip().isdigit():
                raise forms.ValidationError(
                    f"Line {number} should read 'gateway = journal id', e.g. 'paypal = 8'."
                )
            mapping[gateway.strip()] = int(journal.strip())
        return mapping

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        both = {t.lower() for t in data.get("include_tags") or []} & {
            t.lower() for t in data.get("exclude_tags") or []
        }
        if both:
            self.add_error(
                "exclude_tags", f"A tag cannot be both included and excluded: {', '.join(sorted(both))}."
            )
        if data.get("create_as") == OrderRules.CreateAs.PAID_INVOICE and not data.get("payment_journals"):
            self.add_error("payment_journals", "Map at least '* = <journal id>' to register payments.")
        return data
