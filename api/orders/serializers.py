"""The orders API's shapes. Views build plain dicts from the pages' own helpers; these describe and render them.

Money is a string with the currency's decimals (JPY "6480", USD "61.77") beside a `currency`; datetimes are ISO 8601
with the shop's offset.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.fields import DecimalString, MoneyField
from orders.models import ImportRun, ProposedChange, SyncStatus
from orders.queries import FILTERS
from synclogs.models import SyncAttempt
from synco.filters import MAX_ID

STATE_KEYS = [
    "not_synced",
    "queued",
    "retrying",
    "waiting_for_odoo",
    "writing",
    "stalled",
    "synced",
    "failed",
    "needs_review",
    "invalid",
]
TABS = list(FILTERS)


class OrderSyncStateSerializer(serializers.Serializer):
    key = serializers.ChoiceField(
        STATE_KEYS,
        help_text=(
            "What the sync is doing, as the orders page says it: not_synced, queued (waiting for a worker), "
            "retrying (a try failed; the next one is at `at`), waiting_for_odoo (Odoo's circuit is open until `at`), "
            "writing (a worker is writing it to Odoo now), stalled (its worker stopped: it is queued again), "
            "synced, failed, needs_review, invalid (Shopify's data cannot be read)."
        ),
    )
    # `label` names a Field attribute too; the metaclass takes declared fields out of the class, so it is safe.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="The state as the page's badge says it, e.g. “Waiting to retry”."
    )
    busy = serializers.BooleanField(
        help_text="True while a worker is on it or about to be (queued, writing)."
    )
    error = serializers.CharField(
        help_text="The error the state is about (the last failure, the review reason); empty when none."
    )
    at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the next try happens (retrying) or Odoo's circuit closes (waiting_for_odoo).",
    )
    next_attempt = serializers.IntegerField(
        help_text="The number of the next automatic try (retrying), else 0."
    )
    max_attempts = serializers.IntegerField(
        help_text="How many automatic tries there may be (retrying), else 0."
    )


class OrderSaleOrderRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The Odoo record id (sale.order).")
    name = serializers.CharField(help_text="Odoo's reference, e.g. S00042.")
    state = serializers.CharField(help_text="Odoo's state as last synced (draft, sent, sale, cancel).")
    state_label = serializers.CharField(help_text="The state as the page says it, e.g. “Sales order”.")
    total = MoneyField(help_text="Odoo's total as last synced, in the order's currency.")
    url = serializers.CharField(help_text="The record in Odoo's web client ('' when Odoo is not connected).")


class OrderOdooRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The Odoo record id.")
    name = serializers.CharField(help_text="Odoo's reference ('' for a payment).")
    url = serializers.CharField(help_text="The record in Odoo's web client ('' when Odoo is not connected).")


class OrderOdooDocumentsSerializer(serializers.Serializer):
    sale_order = OrderSaleOrderRefSerializer(
        allow_null=True, help_text="The sale order (or quotation) Synco wrote; null before the first sync."
    )
    invoice = OrderOdooRecordSerializer(
        allow_null=True, help_text="The invoice (account.move), if Synco made one."
    )
    payment = OrderOdooRecordSerializer(
        allow_null=True, help_text="The payment (account.payment), if Synco registered one."
    )


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Synco's id of the order (use it in /api/v1/orders/{id}/).")
    shopify_id = serializers.IntegerField(help_text="Shopify's numeric order id.")
    name = serializers.CharField(help_text="Shopify's order name, e.g. #1001.")
    created_at = serializers.DateTimeField(help_text="When the order was placed in Shopify.")
    financial_status = serializers.CharField(help_text="Shopify's financial status, e.g. PAID.")
    fulfillment_status = serializers.CharField(help_text="Shopify's fulfillment status, e.g. UNFULFILLED.")
    customer_name = serializers.CharField(
        help_text="The customer's name as the page shows it (“(redacted)” after a customers/redact request)."
    )
    email = serializers.CharField(help_text="The customer's e-mail as the page shows it ('' once redacted).")
    currency = serializers.CharField(help_text="ISO 4217 currency of the amounts.")
    total = MoneyField(help_text="Shopify's total as imported.")
    eligible = serializers.BooleanField(help_text="Whether the order rules let it be sent to Odoo.")
    ineligible_reason = serializers.CharField(help_text="Why it is not eligible ('' when it is).")
    risk_reason = serializers.CharField(help_text="Why it is held as risky ('' when it is not).")
    sync_status = serializers.ChoiceField(
        [value for value, _label in SyncStatus.choices], help_text="The stored sync status."
    )
    sync_state = OrderSyncStateSerializer(
        help_text="The state as the page shows it, with its error and times."
    )
    action = serializers.ChoiceField(
        ["sync", "retry", ""],
        help_text=(
            "The page's button for it: sync, retry, or '' while it is queued, being written or done, or when "
            "the order rules leave it out (see `ineligible_reason`)."
        ),
    )
    synced_at = serializers.DateTimeField(allow_null=True, help_text="When it was last synced.")
    odoo = OrderOdooDocumentsSerializer(help_text="The Odoo documents Synco wrote for it.")


class OrderLineSerializer(serializers.Serializer):
    title = serializers.CharField(help_text="The line's title (shipping lines start with “Shipping:”).")
    sku = serializers.CharField(help_text="The variant's SKU, or the shipping code.")
    quantity = serializers.IntegerField(help_text="Units ordered.")
    current_quantity = serializers.IntegerField(
        allow_null=True, help_text="Units left after Shopify edits and refunds, when it differs; else null."
    )
    unit_price = MoneyField(help_text="Price per unit before discounts.")
    discount = MoneyField(help_text="The line's discount.")
    tax = MoneyField(help_text="The line's taxes.")
    total = MoneyField(help_text="Unit price x quantity - discount.")
    is_shipping = serializers.BooleanField(help_text="A shipping line.")


class OrderShopifySideSerializer(serializers.Serializer):
    unreadable = serializers.CharField(help_text="Why Shopify's data cannot be read ('' when it can).")
    lines = OrderLineSerializer(
        many=True, help_text="The order's lines and shipping lines, as on the order page."
    )
    current_total = MoneyField(
        help_text="Shopify's total after edits, refunds and returns (null if unknown)."
    )


class OrderTotalsSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="ISO 4217 currency of the totals.")
    shopify_total = MoneyField(help_text="Shopify's total as imported.")
    odoo_total = MoneyField(help_text="The Odoo sale order's total as last synced (null before).")
    difference = MoneyField(help_text="Odoo's total minus Shopify's (null before the first sync).")
    tolerance = MoneyField(
        help_text="The difference the order rules accept before holding an order for review."
    )
    invoiced_net = MoneyField(help_text="Invoiced in Odoo, net of credit notes (null without an invoice).")


class OrderAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The sync log entry's id.")
    started_at = serializers.DateTimeField(help_text="When the attempt started.")
    operation = serializers.CharField(help_text="What was tried, e.g. create_sale_order, sync_refused.")
    outcome = serializers.ChoiceField(
        [value for value, _label in SyncAttempt.Status.choices], help_text="running, success or failed."
    )
    message = serializers.CharField(help_text="What happened, in the log's words.")
    attempt = serializers.IntegerField(help_text="The try's number.")
    duration_ms = serializers.IntegerField(
        allow_null=True, help_text="How long it took (null while running)."
    )
    odoo_model = serializers.CharField(help_text="The Odoo model written, if any.")
    odoo_id = serializers.IntegerField(allow_null=True, help_text="The Odoo record written, if any.")


class ProposedChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The proposed change's id (accept or dismiss it with it).")
    created_at = serializers.DateTimeField(help_text="When Synco saw the Shopify edit.")
    state = serializers.ChoiceField(
        [value for value, _label in ProposedChange.State.choices],
        help_text="proposed, accepted or dismissed.",
    )
    reason = serializers.CharField(help_text="Why Synco did not apply the edit to Odoo by itself.")
    before = serializers.DictField(
        help_text="What Odoo has: {lines: [{key, title, quantity, price_unit, …}], total}."
    )
    after = serializers.DictField(help_text="What Odoo would get, in the same shape.")
    decided_by = serializers.CharField(help_text="Who accepted or dismissed it ('' while proposed).")
    decided_at = serializers.DateTimeField(allow_null=True, help_text="When it was decided.")
    outcome = serializers.CharField(help_text="What accepting applied in Odoo, and what it could not.")


class OrderDetailSerializer(OrderSerializer):
    shopify = OrderShopifySideSerializer(help_text="The Shopify side: lines and the current total.")
    totals = OrderTotalsSerializer(help_text="Shopify's total beside Odoo's.")
    warehouse = serializers.CharField(help_text="The Odoo warehouse the last sync chose ('' when none).")
    attempts = OrderAttemptSerializer(
        many=True, help_text="The latest sync attempts, newest first (at most 50)."
    )
    more_attempts = serializers.BooleanField(help_text="True when older attempts exist (see the sync log).")
    proposed_changes = ProposedChangeSerializer(
        many=True,
        help_text="Shopify edits of an order Odoo already delivered or invoiced, for the merchant to decide (latest 10).",
    )


class OrderSyncAnswerSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What happened, as the page's message says it.")
    queued_for_later = serializers.BooleanField(
        help_text="True when the task queue did not answer: the order is queued and starts once it does."
    )
    order = OrderSerializer(help_text="The order now.")


class OrderPreviewLineSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The sale order line's description.")
    product = serializers.CharField(help_text="The Odoo product it would use (or would create).")
    quantity = DecimalString(help_text="Quantity.")
    price_unit = DecimalString(help_text="Unit price, as Odoo would store it.")
    discount = DecimalString(help_text="Discount in percent.")
    taxes = serializers.CharField(help_text="The Odoo taxes, by name.")
    subtotal = MoneyField(help_text="The line's untaxed subtotal.")


class OrderPreviewSerializer(serializers.Serializer):
    order_id = serializers.IntegerField(help_text="The order previewed.")
    document = serializers.CharField(help_text="What would be created, e.g. “Confirmed sale order”.")
    customer = serializers.CharField(help_text="The partner it would use or create.")
    addresses = serializers.ListField(
        child=serializers.CharField(), help_text="Addresses it would use or create."
    )
    warehouse = serializers.CharField(
        help_text="The warehouse the deliveries would leave from ('' by default)."
    )
    lines = OrderPreviewLineSerializer(many=True, help_text="The sale order lines Odoo would receive.")
    notes = serializers.ListField(
        child=serializers.CharField(), help_text="What would be created or matched."
    )
    problems = serializers.ListField(
        child=serializers.CharField(), help_text="What would make the sync fail; empty when it would succeed."
    )
    currency = serializers.CharField(help_text="ISO 4217 currency of the amounts.")
    amount_untaxed = MoneyField(help_text="Untaxed total Odoo would compute.")
    amount_tax = MoneyField(help_text="Taxes Odoo would compute.")
    amount_total = MoneyField(help_text="Total Odoo would compute.")
    shopify_total = MoneyField(help_text="Shopify's total.")
    difference = MoneyField(help_text="Odoo's total minus Shopify's.")


class OrderLiveSaleOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The Odoo record id.")
    name = serializers.CharField(help_text="Odoo's reference.")
    state = serializers.CharField(help_text="Odoo's state now.")
    state_label = serializers.CharField(help_text="The state as the page says it.")
    amount_total = MoneyField(help_text="Odoo's total now.")
    currency = serializers.CharField(help_text="Odoo's currency of the sale order.")


class OrderLiveInvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The Odoo record id.")
    name = serializers.CharField(help_text="Odoo's reference.")
    state = serializers.CharField(help_text="draft, posted or cancel.")
    state_label = serializers.CharField(help_text="The state as the page says it.")
    payment_state = serializers.CharField(help_text="Odoo's payment state, e.g. paid.")
    payment_state_label = serializers.CharField(help_text="The payment state as the page says it.")
    amount_total = MoneyField(help_text="The invoice's total.")
    amount_residual = MoneyField(help_text="What is left to pay.")


class OrderLiveDocumentsSerializer(serializers.Serializer):
    order_id = serializers.IntegerField(help_text="The order.")
    checked_at = serializers.DateTimeField(help_text="When Odoo was read.")
    sale_order = OrderLiveSaleOrderSerializer(help_text="The sale order as Odoo has it now.")
    invoice = OrderLiveInvoiceSerializer(allow_null=True, help_text="The invoice as Odoo has it now, if any.")
    total_changed = serializers.BooleanField(
        help_text="Odoo's total differs from what the last sync recorded."
    )
    state_changed = serializers.BooleanField(
        help_text="Odoo's state differs from what the last sync recorded."
    )


class BulkSyncSerializer(serializers.Serializer):
    order_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=1000,
        help_text="The orders to sync (Synco ids, at most 1,000); orders of other shops are ignored.",
    )
    all_eligible = serializers.BooleanField(
        required=False, default=False, help_text="true: every eligible order not yet synced (as “Sync all”)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("order_ids")) == bool(attrs.get("all_eligible")):
            raise serializers.ValidationError(
                {"order_ids": ["Send either order_ids (a non-empty list) or all_eligible: true."]}
            )
        return attrs


class BulkSyncRefusedSerializer(serializers.Serializer):
    order_id = serializers.IntegerField(help_text="A chosen order bulk sync left out.")
    reason = serializers.CharField(help_text="Why, as the sync log records it.")


class SyncBatchSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The batch's id: poll /api/v1/orders/batches/{id}/.")
    created_at = serializers.DateTimeField(help_text="When the bulk sync was asked.")
    total = serializers.IntegerField(help_text="How many orders were queued.")
    done = serializers.IntegerField(help_text="How many are finished (synced, failed or held for review).")
    synced = serializers.IntegerField(help_text="How many are synced.")
    failed = serializers.IntegerField(help_text="How many failed.")
    needs_review = serializers.IntegerField(help_text="How many are held for review.")
    queued = serializers.IntegerField(help_text="How many still wait for a worker.")
    in_progress = serializers.IntegerField(help_text="How many are being written.")
    running = serializers.BooleanField(help_text="True while any of its orders is queued or being written.")


class BulkSyncAnswerSerializer(SyncBatchSerializer):
    refused = BulkSyncRefusedSerializer(
        many=True, help_text="Chosen orders left out as not eligible (none for all_eligible)."
    )
    queued_for_later = serializers.BooleanField(
        help_text="True when the task queue did not answer: the orders are queued and start once it does."
    )


class OrderImportStartSerializer(serializers.Serializer):
    created_from = serializers.DateField(help_text="First day (YYYY-MM-DD, the shop's time zone), inclusive.")
    created_to = serializers.DateField(help_text="Last day (YYYY-MM-DD, the shop's time zone), inclusive.")
    kind = serializers.ChoiceField(
        [value for value, _label in ImportRun.Kind.choices],
        required=False,
        default="backfill",
        help_text="backfill: page by page (stoppable, resumable); bulk: one Shopify bulk export (large ranges).",
    )


class OrderImportRunSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The import's id.")
    kind = serializers.ChoiceField(
        [value for value, _label in ImportRun.Kind.choices], help_text="backfill or bulk."
    )
    status = serializers.ChoiceField(
        [value for value, _label in ImportRun.Status.choices],
        help_text="queued, running, stopping, stopped, done or failed.",
    )
    created_from = serializers.DateTimeField(help_text="Start of the range of Shopify creation times.")
    created_to = serializers.DateTimeField(help_text="End of the range (inclusive).")
    percent = serializers.IntegerField(help_text="Progress through the range, 0 to 100.")
    reached = serializers.DateTimeField(
        allow_null=True, help_text="Creation time of the last order imported."
    )
    orders_seen = serializers.IntegerField(help_text="Orders read from Shopify.")
    orders_created = serializers.IntegerField(help_text="Orders new to Synco.")
    orders_updated = serializers.IntegerField(help_text="Orders Synco already had, updated.")
    orders_invalid = serializers.IntegerField(help_text="Orders whose data could not be read.")
    message = serializers.CharField(help_text="What went wrong, if anything.")
    active = serializers.BooleanField(help_text="Queued, running or stopping.")
    started_at = serializers.DateTimeField(help_text="When the import was asked.")
    finished_at = serializers.DateTimeField(allow_null=True, help_text="When it ended.")


class ProposedChangeAnswerSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What was done, as the order page's message says it.")
    change = ProposedChangeSerializer(help_text="The proposed change now.")


class CheckShopifyAnswerSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What was started, as the page's message says it.")
