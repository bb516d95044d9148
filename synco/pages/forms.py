"""Settings forms; secrets are write-only (left blank, the stored one is kept)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.forms import MAX_DAY, MIN_DAY
from synco.errors import GatewayError
from synco.gateways import odoo_outbound_policy
from synco.models import OdooConnection, OrderRules
from synco.odoo.destination import DestinationRefusedError, origin_of, parse_odoo_url
from synco.odoo.json2 import looks_like_api_key


class OdooConnectionForm(forms.ModelForm):
    url = forms.URLField(
        label=_("Odoo URL"),
        assume_scheme="https",
        help_text=_("The address you open Odoo at, e.g. https://mycompany.odoo.com"),
    )
    secret = forms.CharField(
        label=_("Password or API key"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Write-only. Leave blank to keep the stored one (for the same Odoo URL only). An API key "
            "(Odoo: Preferences > Account Security > New API Key) is safer than the password."
        ),
    )

    class Meta:
        model = OdooConnection
        fields = ["url", "database", "login", "secret", "protocol", "max_concurrency"]
        help_texts = {
            "database": _("Odoo's database name (shown on the login page's database selector)."),
            "login": _("The e-mail or login of the Odoo user Synco acts as."),
            "protocol": _(
                "Automatic suits almost everyone: JSON-2 on Odoo 19 and later when the secret is an API "
                "key, XML-RPC otherwise. Force JSON-2 only to make sure Synco never falls back to XML-RPC (it needs "
                "an API key); force XML-RPC on Odoo 19 only if a proxy blocks JSON-2; JSON-RPC if a proxy blocks "
                "XML-RPC. XML-RPC and JSON-RPC are deprecated from Odoo 19 on."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_stored_secret = bool(self.instance.pk and self.instance.secret)
        # The stored secret belongs to the server it was saved for: never sent anywhere else.
        self.secret_origin = origin_of(self.instance.url) if self.has_stored_secret else None
        if not self.has_stored_secret:
            self.fields["secret"].required = True
        # Left out of a post (an older page, a script): the connection keeps its cap.
        self.fields["max_concurrency"].required = False

    def clean_max_concurrency(self) -> int:
        value = self.cleaned_data.get("max_concurrency")
        return int(value) if value else self.instance.max_concurrency

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).rstrip("/")
        for suffix in ("/odoo", "/web", "/web/login"):
            if url.endswith(suffix):
                url = url[: -len(suffix)]
        try:
            parse_odoo_url(url, odoo_outbound_policy())
        except DestinationRefusedError as exc:
            raise forms.ValidationError(exc.message, code="destination") from None
        return url

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        url = cleaned.get("url")
        # Another server (scheme, host or port) gets the secret only if it is typed again. Database, login and
        # protocol may change on their own: the secret still only goes to the server it was given for.
        if (
            url
            and not cleaned.get("secret")
            and self.has_stored_secret
            and origin_of(url) != self.secret_origin
        ):
            self.add_error(
                "secret",
                forms.ValidationError(
                    _("Enter the password or API key again: it is only sent to the server it was saved for."),
                    code="secret_bound",
                ),
            )
        self._require_api_key_for_json2(cleaned)
        return cleaned

    def _require_api_key_for_json2(self, cleaned: dict[str, Any]) -> None:
        """JSON-2 takes only API keys (a password is refused with 401): say so before anything is sent."""
        if cleaned.get("protocol") != OdooConnection.Protocol.JSON2 or self.has_error("secret"):
            return
        secret = cleaned.get("secret") or (self.instance.secret if self.has_stored_secret else "")
        if secret and not looks_like_api_key(secret):
            self.add_error(
                "protocol",
                forms.ValidationError(
                    _(
                        "JSON-2 needs an API key, not a password: create one in Odoo (Preferences → Account "
                        "Security → New API Key) and enter it as the password, or choose Automatic."
                    ),
                    code="json2_needs_api_key",
                ),
            )

    def save(self, commit: bool = True) -> OdooConnection:
        connection: OdooConnection = super().save(commit=False)
        new_secret = self.cleaned_data.get("secret")
        if not new_secret and self.has_stored_secret:
            connection.secret = OdooConnection.objects.get(pk=connection.pk).secret
        if new_secret:
            # A new secret has no history: an old key's last login says nothing about it.
            connection.api_key_accepted_at = None
        if new_secret or any(name in self.changed_data for name in ("url", "database", "login", "protocol")):
            # Other settings than the ones checked: the last Test connection says nothing about them.
            connection.forget_check()
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


# Odoo's record ids are PostgreSQL integers (and XML-RPC ints are 32-bit): a larger number names no record.
MAX_ODOO_ID = 2**31 - 1


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]


class CommaListField(forms.CharField):
    """A list of words typed as 'a, b, c'."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = str(value or "")
        if "\x00" in text:
            # CharField's own check looks at the list's repr, where a NUL is escaped: refused here, as
            # PostgreSQL refuses it in a JSON column (a 500 before).
            raise forms.ValidationError(
                _("Null characters are not allowed."), code="null_characters_not_allowed"
            )
        return _split(text)


class OrderRulesForm(forms.ModelForm):
    """Which orders are synced and what they become in Odoo (matching has its own form)."""

    financial_statuses = forms.MultipleChoiceField(
        choices=FINANCIAL_STATUSES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only orders with one of these payment statuses are eligible. None ticked: any."),
    )
    fulfillment_statuses = forms.MultipleChoiceField(
        choices=FULFILLMENT_STATUSES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any fulfilment status."),
    )
    sources = CommaListField(
        required=False, help_text=_("Sales channels, e.g. web, pos, shopify_draft_order. Empty: any.")
    )
    include_tags = CommaListField(
        required=False, help_text=_("Only orders with one of these tags. Empty: any.")
    )
    exclude_tags = CommaListField(
        required=False, help_text=_("Orders with any of these tags are never synced.")
    )
    payment_journals = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: Shopify gateway = Odoo journal id, e.g. shopify_payments = 7; * = 6 for the rest."
        ),
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
            "auto_create_taxes",
            "discount_mode",
            "payment_journals",
            "totals_tolerance",
            "totals_action",
            "invoice_date_source",
            "return_restocked_items",
            "validate_return_pickings",
        ]
        widgets = {"created_after": forms.DateTimeInput(attrs={"type": "datetime-local"})}
        labels = {
            "create_as": _("Create in Odoo"),
            "use_shopify_order_number": _("Use the Shopify order number in the Odoo order name"),
            "sync_note": _("Copy the order note"),
            "sync_note_attributes": _("Copy the note attributes (additional details)"),
            "sync_tags": _("Copy the order tags"),
            "auto_sync": _("Sync eligible orders automatically"),
            "sweep_interval_minutes": _("Catch-up sweep every (minutes)"),
            "created_after": _("Only orders created after"),
            "exclude_test_orders": _("Never sync test orders"),
            "risk_threshold": _("Treat as risky"),
            "auto_create_taxes": _("Create missing taxes in Odoo"),
            "discount_mode": _("Discounts"),
            "totals_tolerance": _("Totals tolerance"),
            "totals_action": _("When totals differ by more"),
            "invoice_date_source": _("Invoice date"),
            "return_restocked_items": _("Return restocked items in Odoo"),
            "validate_return_pickings": _("Validate the return at once"),
        }
        help_texts = {
            "return_restocked_items": _(
                "When a Shopify refund restocks items (returned) of an order Odoo has "
                "delivered, Synco creates a return receipt of those quantities from the delivery, once per refund. "
                "Cancelled-before-shipping items need none: Odoo lowers the open delivery itself."
            ),
            "validate_return_pickings": _(
                "Off: the return waits, ready, for the warehouse to receive it. On: "
                "Synco validates it, putting the items back in stock right away."
            ),
            "create_as": _(
                "Risky orders always come in as quotations, whatever is chosen here. Invoices are "
                "created through Odoo's own invoicing; the payment goes to the journal mapped below."
            ),
            "order_prefix": _(
                "Put before the Shopify number in the Odoo order name, e.g. SHOP → SHOP#1001. "
                "No spaces; may be empty."
            ),
            "use_shopify_order_number": _(
                "Off: Odoo numbers the order itself (S00042). The Shopify number is "
                "always in the order's customer reference."
            ),
            "sync_note": _("The order's note goes into the Odoo order's terms and conditions."),
            "sync_tags": _("Tags are added to the note, so they can be searched in Odoo."),
            "auto_sync": _("Off: orders are only sent when you press Sync or Sync all eligible."),
            "sweep_interval_minutes": _(
                "Imports what webhooks may have missed and, with automatic sync, queues "
                "eligible orders never synced. 5 to 1440 minutes."
            ),
            "created_after": _(
                "Orders created before this are never eligible (e.g. your go-live date). "
                "Empty: any date. Times are in the shop's time zone."
            ),
            "exclude_test_orders": _("Orders placed with Shopify's test gateway (Bogus Gateway)."),
            "risk_threshold": _(
                "Risky orders come in as quotations, with the reason in the Odoo note, and are "
                "listed under Risky."
            ),
            "auto_create_taxes": _(
                "Off: an order whose tax rate has no matching Odoo sale tax fails with the rate to create."
            ),
            "discount_mode": _(
                "Separate discount lines keep the list price on each line (one discount line per "
                "tax rate). Otherwise each line's price is net of its discount (a line is split in two when the "
                "net does not divide by the quantity), so Odoo's line equals Shopify's to the cent."
            ),
            "totals_tolerance": _(
                "Largest difference between Odoo's and Shopify's total (or tax) that the action "
                "below may accept (0.00 to 10.00, in the order's currency). Beyond it: always Needs review."
            ),
            "totals_action": _(
                "Held orders stay quotations with the status Needs review, the differing lines "
                "shown on the order page."
            ),
            "invoice_date_source": _(
                "The day in the shop's time zone. The payment is dated on the day Shopify "
                "took it, never before the invoice."
            ),
        }

    SECTIONS = (
        (
            "What Synco creates in Odoo",
            (
                "create_as",
                "payment_journals",
                "invoice_date_source",
                "order_prefix",
                "use_shopify_order_number",
                "discount_mode",
                "auto_create_taxes",
                "sync_note",
                "sync_note_attributes",
                "sync_tags",
            ),
        ),
        (
            "Which orders are synced",
            (
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
            ),
        ),
        ("Totals check", ("totals_tolerance", "totals_action")),
    )

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields grouped as the page shows them (every field exactly once)."""
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        journals = self.instance.payment_journals or {}
        self.initial["payment_journals"] = "\n".join(
            f"{gateway} = {journal}" for gateway, journal in journals.items()
        )
        # A form posted without it (an older page, a script) keeps the rule as it is.
        self.fields["invoice_date_source"].required = False

    def clean_invoice_date_source(self) -> str:
        return str(self.cleaned_data.get("invoice_date_source") or self.instance.invoice_date_source)

    def clean_order_prefix(self) -> str:
        prefix = str(self.cleaned_data["order_prefix"])
        if any(char.isspace() for char in prefix):
            raise forms.ValidationError(_("The prefix cannot contain spaces."))
        return prefix

    def clean_created_after(self) -> datetime | None:
        moment: datetime | None = self.cleaned_data.get("created_after")
        if moment is not None and not MIN_DAY <= moment.date() <= MAX_DAY:
            raise forms.ValidationError(
                gettext("Choose a date between {first} and {last}, or leave it empty.").format(
                    first=MIN_DAY.year, last=MAX_DAY.year
                )
            )
        return moment

    def clean_sweep_interval_minutes(self) -> int:
        minutes = int(self.cleaned_data["sweep_interval_minutes"])
        if not 5 <= minutes <= 1440:
            raise forms.ValidationError(_("Choose between 5 minutes and 24 hours (1440)."))
        return minutes

    def clean_totals_tolerance(self) -> Decimal:
        tolerance = Decimal(self.cleaned_data["totals_tolerance"])
        if not Decimal("0") <= tolerance <= Decimal("10"):
            raise forms.ValidationError(_("Choose a tolerance between 0.00 and 10.00."))
        return tolerance

    def clean_payment_journals(self) -> dict[str, int]:
        mapping: dict[str, int] = {}
        for number, line in enumerate(str(self.cleaned_data["payment_journals"]).splitlines(), start=1):
            if not line.strip():
                continue
            gateway, sep, journal = line.partition("=")
            if not sep or not gateway.strip() or not re.fullmatch(r"[0-9]{1,19}", journal.strip()):
                raise forms.ValidationError(
                    gettext("Line {number} should read 'gateway = journal id', e.g. 'paypal = 8'.").format(
                        number=number
                    )
                )
            if int(journal.strip()) == 0:
                raise forms.ValidationError(
                    gettext("Line {number}: an Odoo journal id starts at 1.").format(number=number)
                )
            if int(journal.strip()) > MAX_ODOO_ID:
                raise forms.ValidationError(
                    gettext(
                        "Line {number}: {journal} is not an Odoo journal id (they go up to {max_id})."
                    ).format(number=number, journal=journal.strip(), max_id=MAX_ODOO_ID)
                )
            if gateway.strip() in mapping:
                raise forms.ValidationError(
                    gettext("Line {number}: '{gateway}' is mapped twice.").format(
                        number=number, gateway=gateway.strip()
                    )
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
                "exclude_tags",
                gettext("A tag cannot be both included and excluded: {tags}.").format(
                    tags=", ".join(sorted(both))
                ),
            )
        if data.get("create_as") == OrderRules.CreateAs.PAID_INVOICE and not data.get("payment_journals"):
            self.add_error("payment_journals", _("Map at least '* = <journal id>' to register payments."))
        return data


# Looks a contact up in Odoo: its name, or None if there is none (raises GatewayError if Odoo cannot be asked).
PartnerLookup = Callable[[int], str | None]


class MatchingForm(forms.ModelForm):
    """How Shopify products and customers are found (or created) in Odoo."""

    customer_match = forms.ChoiceField(
        label=_("Which Odoo contact gets the order"),
        choices=OrderRules.CustomerMatch.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "By e-mail: an Odoo contact (not a company's child contact) with the same e-mail, case "
            "ignored, gets the order; otherwise Synco creates one. New contact per customer: Synco never reuses "
            "your existing contacts. One contact: no name, address or e-mail of your customers is sent to Odoo "
            "(choose it when you fulfil in Shopify and use Odoo for accounting). Customers Synco already linked "
            "keep their contact when you switch between the first two."
        ),
    )
    single_partner_id = forms.IntegerField(
        label=_("Odoo contact id for every order"),
        required=False,
        min_value=1,
        max_value=MAX_ODOO_ID,
        error_messages={
            "max_value": format_lazy(
                _("Odoo contact ids go up to {max_id}: check the number."), max_id=MAX_ODOO_ID
            )
        },
        help_text=_(
            "Only with 'Put every order on one Odoo contact'. The number at the end of the contact's "
            "address in Odoo (…/odoo/contacts/42 → 42). Synco checks it in Odoo when you save."
        ),
    )

    class Meta:
        model = OrderRules
        fields = [
            "product_match",
            "auto_create_products",
            "customer_match",
            "single_partner_id",
            "guest_customer_name",
        ]
        widgets = {"product_match": forms.RadioSelect}
        labels = {
            "product_match": _("Find Odoo products by"),
            "auto_create_products": _("Create missing products in Odoo"),
            "guest_customer_name": _("Name of the contact for guest checkouts"),
        }
        help_texts = {
            "product_match": _(
                "A Shopify SKU is matched with the Odoo product's Internal Reference, a barcode "
                "with its Barcode. A value shared by several Odoo products stops the order with their names."
            ),
            "auto_create_products": _(
                "Off: an order with an unknown product fails, naming the SKU to create. "
                "On: Synco creates a storable product with the Shopify title, SKU, barcode and price."
            ),
            "guest_customer_name": _(
                "Orders without a Shopify customer go on one contact of this name, created "
                "the first time it is needed (not used with 'Put every order on one Odoo contact')."
            ),
        }

    def __init__(self, *args: Any, partner_lookup: PartnerLookup | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partner_lookup = partner_lookup
        self.partner_name = self.instance.single_partner_name

    def clean_guest_customer_name(self) -> str:
        name = str(self.cleaned_data["guest_customer_name"]).strip()
        if not name:
            raise forms.ValidationError(_("Give the guest contact a name, e.g. 'Shopify guest customer'."))
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("customer_match") != OrderRules.CustomerMatch.SINGLE:
            return data
        partner_id = data.get("single_partner_id")
        if not partner_id:
            if "single_partner_id" not in self.errors:
                self.add_error(
                    "single_partner_id", _("Enter the id of the Odoo contact every order goes on.")
                )
            return data
        if self.partner_lookup is None or (
            partner_id == self.instance.single_partner_id and self.instance.single_partner_name
        ):
            return data  # already checked when it was chosen
        try:
            name = self.partner_lookup(partner_id)
        except GatewayError as exc:
            self.add_error(
                "single_partner_id",
                gettext("Could not check contact #{id} in Odoo: {error}").format(
                    id=partner_id, error=exc.message
                ),
            )
            return data
        if name is None:
            self.add_error("single_partner_id", gettext("Odoo has no contact #{id}.").format(id=partner_id))
        else:
            self.partner_name = name
        return data

    def save(self, commit: bool = True) -> OrderRules:
        rules: OrderRules = super().save(commit=False)
        single = rules.customer_match == OrderRules.CustomerMatch.SINGLE
        rules.single_partner_name = self.partner_name if single else ""
        if not single:
            rules.single_partner_id = None
        if commit:
            rules.save()
        return rules
