"""The shapes of the operations endpoints: stock drift and pushes, product and customer mappings, refunds,
shipments. Every field says what it means; money is a string with the currency beside it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import MoneyField
from customers.models import CustomerLink, CustomerSettings
from products.models import CatalogueRun, ProductMapping
from refunds.models import Refund, RefundState
from shipments.models import Shipment
from stock.models import DriftReport, DriftRow, InventoryLink, LocationMapping, StockPush, StockSettings
from synco.filters import MAX_ID

# -- shared ------------------------------------------------------------------------------------------


class QueuedSerializer(serializers.Serializer[Any]):
    queued = serializers.BooleanField(help_text="True: the work is queued and runs in the background.")
    message = serializers.CharField(help_text="What was done, in words a person can act on.")


class DoneSerializer(serializers.Serializer[Any]):
    message = serializers.CharField(help_text="What was done, in words a person can act on.")


# -- stock -------------------------------------------------------------------------------------------


class DriftReportSerializer(serializers.ModelSerializer[DriftReport]):
    id = serializers.IntegerField(read_only=True, help_text="The drift report's id.")
    status = serializers.ChoiceField(
        DriftReport.Status.choices, help_text="running: still comparing; done; failed (see message)."
    )
    trigger = serializers.CharField(help_text="What started it: 'nightly' or 'on demand'.")
    started_at = serializers.DateTimeField(help_text="When the comparison started.")
    finished_at = serializers.DateTimeField(allow_null=True, help_text="When it finished (null: running).")
    items_checked = serializers.IntegerField(help_text="Linked Shopify inventory items compared.")
    levels_checked = serializers.IntegerField(help_text="Item and location levels compared.")
    drifted = serializers.IntegerField(help_text="Levels where Shopify's available differs from Odoo.")
    message = serializers.CharField(help_text="The outcome in words (Odoo's or Shopify's error if failed).")

    class Meta:
        model = DriftReport
        fields = [
            "id",
            "status",
            "trigger",
            "started_at",
            "finished_at",
            "items_checked",
            "levels_checked",
            "drifted",
            "message",
        ]


class DriftRowSerializer(serializers.ModelSerializer[DriftRow]):
    id = serializers.IntegerField(read_only=True, help_text="The drift row's id (what a repair names).")
    report = serializers.IntegerField(source="report_id", help_text="The drift report it belongs to.")
    inventory_item_gid = serializers.CharField(help_text="Shopify's inventory item (GraphQL gid).")
    location_gid = serializers.CharField(help_text="Shopify's location (GraphQL gid).")
    sku = serializers.CharField(help_text="The item's SKU ('' if it has none).")
    location_name = serializers.CharField(help_text="The Shopify location's name.")
    odoo_product_id = serializers.IntegerField(help_text="The Odoo product.product id the item is linked to.")
    shopify_available = serializers.IntegerField(
        allow_null=True, help_text="Shopify's available quantity (null: not stocked at that location)."
    )
    odoo_figure = serializers.DecimalField(
        max_digits=16,
        decimal_places=4,
        help_text="Odoo's figure (free, forecast or on hand) at the location.",
    )
    desired = serializers.IntegerField(
        help_text="What Shopify should show: Odoo's figure minus the buffer and units on orders not yet in Odoo."
    )
    pending = serializers.IntegerField(help_text="Units on Shopify orders not yet in Odoo, kept back.")
    difference = serializers.IntegerField(help_text="desired minus Shopify's available (the drift).")
    repaired_at = serializers.DateTimeField(
        allow_null=True, help_text="When a repair pushed Odoo's quantity (null: not repaired)."
    )

    class Meta:
        model = DriftRow
        fields = [
            "id",
            "report",
            "inventory_item_gid",
            "location_gid",
            "sku",
            "location_name",
            "odoo_product_id",
            "shopify_available",
            "odoo_figure",
            "desired",
            "pending",
            "difference",
            "repaired_at",
        ]


class RepairInputSerializer(serializers.Serializer[Any]):
    rows = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=5000,
        help_text="The drift rows to repair (ids from /stock/drift/). Leave out and set all=true for every row.",
    )
    all = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Repair every unrepaired row of the latest finished drift report.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("all") and attrs.get("rows"):
            raise serializers.ValidationError({"rows": ["Name rows or set all=true, not both."]})
        if not attrs.get("all") and not attrs.get("rows"):
            raise serializers.ValidationError(
                {"rows": ["Select the rows to repair first (or set all=true)."]}
            )
        return attrs


class RepairQueuedSerializer(QueuedSerializer):
    rows = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The drift rows queued for repair (this shop's, unrepaired).",
    )


class DriftQueuedSerializer(QueuedSerializer):
    after_report = serializers.IntegerField(
        help_text="The newest report before this run (0: none): the new report has a larger id."
    )


class StockPushSerializer(serializers.ModelSerializer[StockPush]):
    id = serializers.IntegerField(read_only=True, help_text="The push's id.")
    inventory_item_gid = serializers.CharField(help_text="Shopify's inventory item (GraphQL gid).")
    location_gid = serializers.CharField(help_text="Shopify's location (GraphQL gid).")
    sku = serializers.CharField(help_text="The item's SKU.")
    location_name = serializers.CharField(help_text="The Shopify location's name.")
    quantity = serializers.IntegerField(help_text="The available quantity sent to Shopify.")
    change_from = serializers.IntegerField(
        allow_null=True, help_text="What Synco believed Shopify had (Shopify's compare-and-set), if known."
    )
    outcome = serializers.ChoiceField(StockPush.Outcome.choices, help_text="set, failed or blocked.")
    error = serializers.CharField(help_text="Why it failed or was blocked ('' when set).")
    trigger = serializers.CharField(help_text="What caused it: notification, sweep, repair, initial...")
    created_at = serializers.DateTimeField(help_text="When it was sent.")

    class Meta:
        model = StockPush
        fields = [
            "id",
            "inventory_item_gid",
            "location_gid",
            "sku",
            "location_name",
            "quantity",
            "change_from",
            "outcome",
            "error",
            "trigger",
            "created_at",
        ]


class InventoryItemSerializer(serializers.ModelSerializer[InventoryLink]):
    id = serializers.IntegerField(read_only=True, help_text="The link's id.")
    inventory_item_gid = serializers.CharField(help_text="Shopify's inventory item (GraphQL gid).")
    sku = serializers.CharField(help_text="The item's SKU.")
    barcode = serializers.CharField(help_text="The item's barcode.")
    title = serializers.CharField(help_text="The product and variant title.")
    odoo_product_id = serializers.IntegerField(
        allow_null=True, help_text="The Odoo product.product it matched (null: unmatched)."
    )
    unmatched_reason = serializers.CharField(help_text="Why no Odoo product matched ('' when matched).")

    class Meta:
        model = InventoryLink
        fields = [
            "id",
            "inventory_item_gid",
            "sku",
            "barcode",
            "title",
            "odoo_product_id",
            "unmatched_reason",
        ]


class LocationMappingSerializer(serializers.ModelSerializer[LocationMapping]):
    id = serializers.IntegerField(read_only=True, help_text="The mapping's id (what PUT names).")
    shopify_location_gid = serializers.CharField(help_text="Shopify's location (GraphQL gid).")
    shopify_location_name = serializers.CharField(help_text="The Shopify location's name.")
    odoo_warehouse_id = serializers.IntegerField(
        allow_null=True,
        help_text="The Odoo warehouse whose stock it shows (null: internal locations or none).",
    )
    odoo_warehouse_name = serializers.CharField(help_text="That warehouse's name.")
    odoo_location_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="The Odoo internal locations read (empty: not synced)."
    )
    odoo_location_names = serializers.ListField(
        child=serializers.CharField(), help_text="Their names, in the same order."
    )
    is_mapped = serializers.BooleanField(help_text="False: Synco does not push stock to this location.")
    fulfills_online_orders = serializers.BooleanField(help_text="Shopify's fulfillsOnlineOrders.")

    class Meta:
        model = LocationMapping
        fields = [
            "id",
            "shopify_location_gid",
            "shopify_location_name",
            "odoo_warehouse_id",
            "odoo_warehouse_name",
            "odoo_location_ids",
            "odoo_location_names",
            "is_mapped",
            "fulfills_online_orders",
        ]


class LocationMappingInputSerializer(serializers.Serializer[Any]):
    warehouse = serializers.IntegerField(
        required=False, allow_null=True, help_text="An Odoo warehouse id (its stock and children)."
    )
    locations = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Or Odoo internal location ids. Neither: the Shopify location is not synced.",
    )


class PreviewLevelSerializer(serializers.Serializer[Any]):
    inventory_item_gid = serializers.CharField(help_text="Shopify's inventory item (GraphQL gid).")
    location_gid = serializers.CharField(help_text="Shopify's location (GraphQL gid).")
    sku = serializers.CharField(help_text="The item's SKU.")
    location_name = serializers.CharField(help_text="The Shopify location's name.")
    odoo_product_id = serializers.IntegerField(help_text="The Odoo product.product id.")
    odoo_figure = serializers.DecimalField(
        max_digits=16, decimal_places=4, help_text="Odoo's figure at the mapped locations."
    )
    quantity = serializers.IntegerField(help_text="What a push would set in Shopify.")
    pending = serializers.IntegerField(help_text="Units on Shopify orders not yet in Odoo, kept back.")


class StockOverviewSerializer(serializers.Serializer[Any]):
    enabled = serializers.BooleanField(help_text="Whether Synco pushes Odoo's stock levels to Shopify.")
    figure = serializers.ChoiceField(
        StockSettings.Figure.choices, help_text="The Odoo figure Shopify shows as available."
    )
    safety_buffer = serializers.IntegerField(help_text="Units kept back from every level.")
    blocked_reason = serializers.CharField(
        help_text="Why pushes are stopped until the shop's scopes change ('' when not blocked)."
    )
    blocked_at = serializers.DateTimeField(allow_null=True, help_text="Since when pushes are blocked.")
    last_swept_at = serializers.DateTimeField(allow_null=True, help_text="The last sweep of Odoo's changes.")
    latest_report = DriftReportSerializer(
        allow_null=True, help_text="The latest finished drift report (null: none yet)."
    )
    report_running = serializers.BooleanField(help_text="A drift report is running now.")
    failures = serializers.IntegerField(help_text="Pushes that failed or were blocked (all time).")
    unmatched_items = serializers.IntegerField(help_text="Shopify inventory items no Odoo product matched.")
    locations_mapped = serializers.IntegerField(help_text="Shopify locations Synco pushes stock to.")


# -- products ----------------------------------------------------------------------------------------


class ProblemSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(
        help_text="What is wrong: missing, conflict, duplicate_sku, duplicate_barcode, no_sku or note (a note "
        "changes nothing for orders)."
    )
    text = serializers.CharField(help_text="The problem in words, with what to do.")
    blocking = serializers.BooleanField(help_text="True: orders with this variant may not find it in Odoo.")
    fixes = serializers.ListField(
        child=serializers.ChoiceField(["link", "create", "ignore"]),
        help_text="The fixes that apply: link (to an Odoo product), create (in Odoo), ignore.",
    )


class ProductMappingSerializer(serializers.ModelSerializer[ProductMapping]):
    id = serializers.IntegerField(read_only=True, help_text="The mapping's id (what the fixes name).")
    shopify_product_id = serializers.IntegerField(help_text="Shopify's product id.")
    shopify_variant_id = serializers.IntegerField(help_text="Shopify's variant id.")
    product_title = serializers.CharField(help_text="The Shopify product's title.")
    variant_title = serializers.CharField(help_text="The variant's title.")
    sku = serializers.CharField(help_text="The variant's SKU in Shopify.")
    barcode = serializers.CharField(help_text="The variant's barcode in Shopify.")
    price = MoneyField(
        currency_of=lambda mapping, context: context["currency"], help_text="The variant's price in Shopify."
    )
    currency = serializers.SerializerMethodField(help_text="The shop's currency (ISO 4217) of `price`.")
    odoo_product_id = serializers.IntegerField(
        allow_null=True, help_text="The Odoo product.product it is linked to (null: none)."
    )
    odoo_template_id = serializers.IntegerField(allow_null=True, help_text="Its Odoo product.template.")
    odoo_url = serializers.SerializerMethodField(help_text="The Odoo product's page ('' when not linked).")
    state = serializers.ChoiceField(
        ProductMapping.State.choices,
        help_text="linked; missing (no Odoo product); conflict (several, never guessed); ignored; deleted.",
    )
    matched_by = serializers.CharField(
        help_text="How it was matched: created, external id, sku, barcode, manual ('' when not linked)."
    )
    problem = serializers.CharField(help_text="The import's reason when it is not linked ('' otherwise).")
    problems = serializers.SerializerMethodField(help_text="Every problem of the row with its fixes.")
    updated_at = serializers.DateTimeField(help_text="When Synco last changed the row.")

    class Meta:
        model = ProductMapping
        fields = [
            "id",
            "shopify_product_id",
            "shopify_variant_id",
            "product_title",
            "variant_title",
            "sku",
            "barcode",
            "price",
            "currency",
            "odoo_product_id",
            "odoo_template_id",
            "odoo_url",
            "state",
            "matched_by",
            "problem",
            "problems",
            "updated_at",
        ]

    def get_currency(self, mapping: ProductMapping) -> str:
        return str(self.context["currency"])

    def get_odoo_url(self, mapping: ProductMapping) -> str:
        odoo = self.context.get("odoo")
        if odoo is None or not mapping.odoo_product_id:
            return ""
        return str(odoo.record_url("product.product", mapping.odoo_product_id))

    @extend_schema_field(ProblemSerializer(many=True))
    def get_problems(self, mapping: ProductMapping) -> list[dict[str, Any]]:
        return [
            {"kind": p.kind, "text": p.text, "blocking": p.blocking, "fixes": list(p.fixes)}
            for p in self.context["problems"].get(mapping.pk, [])
        ]


class ProductFixSerializer(serializers.Serializer[Any]):
    message = serializers.CharField(help_text="What the fix did, in words.")
    mapping = ProductMappingSerializer(help_text="The row as it is now.")


class LinkInputSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(
        max_length=255, help_text="The Odoo product's id or its internal reference (default_code)."
    )


class ProductSummarySerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField(help_text="Variants Shopify has (deleted ones left out).")
    linked = serializers.IntegerField(help_text="Variants linked to an Odoo product.")
    missing = serializers.IntegerField(help_text="Variants no Odoo product matched (not created).")
    conflict = serializers.IntegerField(help_text="Variants several Odoo products match (never guessed).")
    ignored = serializers.IntegerField(help_text="Variants the merchant ignored.")
    deleted = serializers.IntegerField(help_text="Variants deleted in Shopify.")
    unresolved = serializers.IntegerField(help_text="Variants with at least one blocking problem.")
    notes = serializers.IntegerField(help_text="Linked variants with a note (nothing to fix).")
    duplicate_skus = serializers.IntegerField(help_text="Variants whose SKU another variant has.")
    duplicate_barcodes = serializers.IntegerField(help_text="Variants whose barcode another variant has.")
    without_code = serializers.IntegerField(help_text="Variants without a SKU Odoo could match.")


class OdooProductSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="Odoo's product.product id.")
    template_id = serializers.IntegerField(allow_null=True, help_text="Its product.template id.")
    name = serializers.CharField(help_text="Odoo's display name.")
    default_code = serializers.CharField(help_text="The internal reference.")
    barcode = serializers.CharField(help_text="The barcode.")
    active = serializers.BooleanField(help_text="False: archived in Odoo.")


class OdooOnlyPageSerializer(serializers.Serializer[Any]):
    products = OdooProductSerializer(
        many=True, help_text="Odoo products whose internal reference no variant has."
    )
    checked = serializers.IntegerField(
        help_text="Odoo products with an internal reference read on this page."
    )
    after_id = serializers.IntegerField(help_text="Where this page started (exclusive).")
    next_after_id = serializers.IntegerField(
        allow_null=True, help_text="Pass as `after` for the next page (null: the end)."
    )
    total = serializers.IntegerField(help_text="Odoo products with an internal reference.")


class CatalogueRunSerializer(serializers.ModelSerializer[CatalogueRun]):
    id = serializers.IntegerField(read_only=True, help_text="The run's id.")
    kind = serializers.CharField(help_text="What the run imports: products or customers.")
    status = serializers.ChoiceField(
        CatalogueRun.Status.choices, help_text="queued, starting, running, stopping, stopped, done or failed."
    )
    total = serializers.IntegerField(help_text="Shopify objects in the export (0 until known).")
    done = serializers.IntegerField(
        help_text="Objects handled so far (the checkpoint a resume starts after)."
    )
    created = serializers.IntegerField(help_text="Odoo records created.")
    linked = serializers.IntegerField(help_text="Existing Odoo records linked.")
    updated = serializers.IntegerField(help_text="Odoo records updated.")
    unchanged = serializers.IntegerField(help_text="Objects that needed no write.")
    failed = serializers.IntegerField(help_text="Objects that failed (see the sync log).")
    error = serializers.CharField(help_text="Why the run failed ('' otherwise).")
    created_at = serializers.DateTimeField(help_text="When it was asked for.")
    started_at = serializers.DateTimeField(allow_null=True, help_text="When it started.")
    finished_at = serializers.DateTimeField(allow_null=True, help_text="When it ended.")
    active = serializers.SerializerMethodField(help_text="True while queued, starting, running or stopping.")

    class Meta:
        model = CatalogueRun
        fields = [
            "id",
            "kind",
            "status",
            "total",
            "done",
            "created",
            "linked",
            "updated",
            "unchanged",
            "failed",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "active",
        ]

    def get_active(self, run: CatalogueRun) -> bool:
        return run.status in CatalogueRun.ACTIVE


class RunActionSerializer(DoneSerializer):
    run = CatalogueRunSerializer(help_text="The run as it is now.")


# -- refunds -----------------------------------------------------------------------------------------


class OdooDocumentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The Odoo record's id.")
    name = serializers.CharField(help_text="Its name in Odoo (e.g. RINV/2026/00003, WH/IN/00012).")
    url = serializers.CharField(help_text="Its page in Odoo ('' when Odoo is not connected).")


class CreditNoteSerializer(OdooDocumentSerializer):
    total = MoneyField(
        currency_of=lambda note, context: note["currency"], help_text="The credit note's total in Odoo."
    )
    currency = serializers.CharField(help_text="The order's currency (ISO 4217).")


class OrderRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="Synco's order id (as in /orders/{id}/).")
    name = serializers.CharField(help_text="The Shopify order's name, e.g. #1001.")


class RefundSerializer(serializers.ModelSerializer[Refund]):
    id = serializers.IntegerField(read_only=True, help_text="Synco's refund id (what retry names).")
    shopify_id = serializers.IntegerField(help_text="Shopify's refund id.")
    gid = serializers.CharField(help_text="Shopify's refund GraphQL gid.")
    order = serializers.SerializerMethodField(help_text="The order it refunds.")
    state = serializers.ChoiceField(
        RefundState.choices, help_text="pending (on its way to Odoo), held, synced or failed (see reason)."
    )
    reason = serializers.CharField(help_text="Why it is held or failed ('' otherwise).")
    amount = MoneyField(
        currency_of=lambda refund, context: refund.order.currency,
        allow_null=False,
        help_text="Shopify's refunded total, with the currency's decimals.",
    )
    currency = serializers.SerializerMethodField(help_text="The order's currency (ISO 4217).")
    credit_note = serializers.SerializerMethodField(
        help_text="The Odoo credit note it became (null: none yet)."
    )
    odoo_payment_id = serializers.IntegerField(allow_null=True, help_text="The Odoo refund payment, if any.")
    return_pickings = serializers.SerializerMethodField(help_text="Odoo return receipts of restocked items.")
    reduced_sale_order = serializers.BooleanField(
        help_text="True: before invoicing, the sale order's quantities were lowered instead of a credit note."
    )
    attempts = serializers.IntegerField(help_text="Attempts to write it into Odoo since the last retry.")
    can_retry = serializers.BooleanField(help_text="True when held or failed: POST retry/ queues it again.")
    created_at = serializers.DateTimeField(help_text="Shopify's createdAt.")
    processed_at = serializers.DateTimeField(allow_null=True, help_text="When Synco wrote it into Odoo.")

    class Meta:
        model = Refund
        fields = [
            "id",
            "shopify_id",
            "gid",
            "order",
            "state",
            "reason",
            "amount",
            "currency",
            "credit_note",
            "odoo_payment_id",
            "return_pickings",
            "reduced_sale_order",
            "attempts",
            "can_retry",
            "created_at",
            "processed_at",
        ]

    @extend_schema_field(OrderRefSerializer)
    def get_order(self, refund: Refund) -> dict[str, Any]:
        return {"id": refund.order_id, "name": refund.order.name}

    def get_currency(self, refund: Refund) -> str:
        return str(refund.order.currency)

    @extend_schema_field(CreditNoteSerializer(allow_null=True))
    def get_credit_note(self, refund: Refund) -> dict[str, Any] | None:
        if refund.odoo_credit_note_id is None:
            return None
        return dict(
            CreditNoteSerializer(
                {
                    "id": refund.odoo_credit_note_id,
                    "name": refund.odoo_credit_note_name,
                    "url": refund.credit_note_url(),
                    "total": refund.odoo_total,
                    "currency": refund.order.currency,
                }
            ).data
        )

    @extend_schema_field(OdooDocumentSerializer(many=True))
    def get_return_pickings(self, refund: Refund) -> list[dict[str, Any]]:
        return refund.return_pickings()


class RefundRetrySerializer(DoneSerializer):
    refund = RefundSerializer(help_text="The refund as it is now.")


# -- shipments (fulfilments) -------------------------------------------------------------------------


class TrackingSerializer(serializers.Serializer[Any]):
    company = serializers.CharField(help_text="The carrier ('' if none given).")
    number = serializers.CharField(help_text="The tracking number ('' if none).")
    url = serializers.CharField(help_text="The tracking link ('' if none).")


class ShipmentSerializer(serializers.ModelSerializer[Shipment]):
    id = serializers.IntegerField(read_only=True, help_text="Synco's shipment id (what retry names).")
    order = serializers.SerializerMethodField(help_text="The order it ships.")
    direction = serializers.ChoiceField(
        Shipment.Direction.choices,
        help_text="to_shopify: an Odoo delivery fulfilled in Shopify; to_odoo: a Shopify fulfilment validated "
        "in Odoo.",
    )
    state = serializers.ChoiceField(
        Shipment.State.choices,
        help_text="pending, sending, sent, validated, held, failed (retried), skipped, or cancelled in Shopify.",
    )
    reason = serializers.CharField(
        help_text="Why it is held, failed or cancelled, and what to do ('' otherwise)."
    )
    odoo_picking = serializers.SerializerMethodField(help_text="The Odoo delivery (null: not known yet).")
    odoo_backorder_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="Backorders Odoo made for what was not shipped."
    )
    fulfillment_gids = serializers.ListField(
        child=serializers.CharField(), help_text="The Shopify fulfilments (one per Shopify location)."
    )
    fulfillment_name = serializers.CharField(help_text="The Shopify fulfilment's name, e.g. #1001-F1.")
    quantity = serializers.IntegerField(help_text="Units in the shipment's lines.")
    tracking = serializers.SerializerMethodField(
        help_text="The carrier and tracking number sent or received."
    )
    attempts = serializers.IntegerField(help_text="Attempts so far.")
    can_retry = serializers.SerializerMethodField(help_text="True unless sent, validated or cancelled.")
    requested_at = serializers.DateTimeField(
        allow_null=True, help_text="When the remote write was last asked for (null: never)."
    )
    next_check_at = serializers.DateTimeField(
        allow_null=True, help_text="When a held shipment is looked at again."
    )
    created_at = serializers.DateTimeField(help_text="When Synco recorded it.")
    updated_at = serializers.DateTimeField(help_text="When it last changed.")

    class Meta:
        model = Shipment
        fields = [
            "id",
            "order",
            "direction",
            "state",
            "reason",
            "odoo_picking",
            "odoo_backorder_ids",
            "fulfillment_gids",
            "fulfillment_name",
            "quantity",
            "tracking",
            "attempts",
            "can_retry",
            "requested_at",
            "next_check_at",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(OrderRefSerializer)
    def get_order(self, shipment: Shipment) -> dict[str, Any]:
        return {"id": shipment.order_id, "name": shipment.order.name}

    @extend_schema_field(OdooDocumentSerializer(allow_null=True))
    def get_odoo_picking(self, shipment: Shipment) -> dict[str, Any] | None:
        if not shipment.odoo_picking_id:
            return None
        odoo: Any = getattr(shipment.shop, "odoo", None)
        return {
            "id": shipment.odoo_picking_id,
            "name": shipment.odoo_picking_name,
            "url": "" if odoo is None else str(odoo.record_url("stock.picking", shipment.odoo_picking_id)),
        }

    @extend_schema_field(TrackingSerializer)
    def get_tracking(self, shipment: Shipment) -> dict[str, str]:
        return {
            "company": shipment.tracking_company,
            "number": shipment.tracking_number,
            "url": shipment.tracking_url,
        }

    def get_can_retry(self, shipment: Shipment) -> bool:
        return shipment.state not in (Shipment.State.SENT, Shipment.State.VALIDATED, Shipment.State.CANCELLED)


class ShipmentRetrySerializer(serializers.Serializer[Any]):
    queued = serializers.IntegerField(
        help_text="Shipments queued again (deliveries pushed, fulfilments applied)."
    )
    message = serializers.CharField(help_text="What was done, in words.")


# -- customers ---------------------------------------------------------------------------------------


class CustomerSettingsSerializer(serializers.ModelSerializer[CustomerSettings]):
    match_phone = serializers.BooleanField(
        help_text="Also match existing Odoo contacts by phone number (after Synco's link and the e-mail)."
    )
    copy_marketing_consent = serializers.BooleanField(
        help_text="Copy e-mail marketing consent to Odoo as a contact tag."
    )
    import_companies = serializers.BooleanField(
        help_text="B2B: a Shopify company's contacts go under a company contact in Odoo."
    )
    saved_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When last saved (change them at /settings/)."
    )

    class Meta:
        model = CustomerSettings
        fields = ["match_phone", "copy_marketing_consent", "import_companies", "saved_at"]


class CustomerOverviewSerializer(serializers.Serializer[Any]):
    linked = serializers.IntegerField(help_text="Shopify customers linked to Odoo contacts.")
    customers_sent = serializers.BooleanField(
        help_text="False: every order goes on one chosen contact, no customer is sent to Odoo."
    )
    rule = serializers.CharField(help_text="The shop's customer rule, as Settings names it.")
    settings = CustomerSettingsSerializer(help_text="The customer settings.")
    latest_import = CatalogueRunSerializer(
        allow_null=True, help_text="The latest customer import (null: none)."
    )


class CustomerLinkSerializer(serializers.ModelSerializer[CustomerLink]):
    id = serializers.IntegerField(read_only=True, help_text="The link's id.")
    shopify_customer_id = serializers.IntegerField(help_text="Shopify's customer id.")
    odoo_partner_id = serializers.IntegerField(help_text="The Odoo res.partner it became.")
    odoo_url = serializers.SerializerMethodField(help_text="The Odoo contact's page ('' without Odoo).")
    addresses = serializers.SerializerMethodField(
        help_text="How many invoice and delivery addresses Synco made as child contacts."
    )
    created_at = serializers.DateTimeField(help_text="When Synco linked them.")

    class Meta:
        model = CustomerLink
        fields = ["id", "shopify_customer_id", "odoo_partner_id", "odoo_url", "addresses", "created_at"]

    def get_odoo_url(self, link: CustomerLink) -> str:
        odoo = self.context.get("odoo")
        return "" if odoo is None else str(odoo.record_url("res.partner", link.odoo_partner_id))

    def get_addresses(self, link: CustomerLink) -> int:
        return len(link.addresses or {})


class ContactSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The Odoo contact's id.")
    name = serializers.CharField(help_text="Its name in Odoo.")
    email = serializers.CharField(help_text="Its e-mail in Odoo.")
    phone = serializers.CharField(help_text="Its phone in Odoo.")
    shopify_customer_id = serializers.IntegerField(
        allow_null=True, help_text="The shop's Shopify customer Synco links to it (null: none)."
    )


class DuplicateGroupSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(help_text="'Same e-mail' or 'Same phone number'.")
    value = serializers.CharField(help_text="The shared e-mail or number.")
    keep = ContactSerializer(
        help_text="The contact to keep (the one Synco links, so orders keep finding it)."
    )
    others = ContactSerializer(
        many=True, help_text="The contacts to merge into it in Odoo (Contacts > Merge)."
    )
    relink = ContactSerializer(
        many=True, help_text="Other contacts Synco also links: after the merge, pick the kept one for them."
    )


class DuplicateReportSerializer(serializers.Serializer[Any]):
    groups = DuplicateGroupSerializer(
        many=True, help_text="Groups of Odoo contacts that look like one customer."
    )
    page = serializers.IntegerField(help_text="This page (of the shop's linked customers, 100 a page).")
    pages = serializers.IntegerField(help_text="How many pages.")
    customers_checked = serializers.IntegerField(help_text="Shopify customers this page checked.")


class OdooDeliverySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The Odoo delivery (stock.picking) id.")
    name = serializers.CharField(help_text="Its name, e.g. WH/OUT/00007.")
    state = serializers.CharField(
        help_text="Odoo's state: draft, waiting, confirmed (waiting), assigned (ready), done or cancel."
    )
    date_done = serializers.CharField(help_text="When it was validated, as Odoo says ('' until done).")
    backorder_of = serializers.IntegerField(help_text="The delivery it is a backorder of (0: none).")
    carrier = serializers.CharField(help_text="The carrier's name ('' when none).")
    tracking_ref = serializers.CharField(help_text="The tracking reference ('' when none).")
    tracking_url = serializers.CharField(help_text="The carrier's tracking link ('' without one).")


class ShopifyFulfillmentSerializer(serializers.Serializer[Any]):
    id = serializers.CharField(help_text="The Shopify fulfilment's gid.")
    name = serializers.CharField(help_text="Its name, e.g. #1001-F1.")
    status = serializers.CharField(
        help_text="Shopify's status: SUCCESS, CANCELLED, ERROR, FAILURE, OPEN, PENDING."
    )
    created_at = serializers.CharField(help_text="When Shopify created it (ISO 8601).")
    tracking = TrackingSerializer(
        help_text="Its first tracking (empty strings when none).", source="first_tracking"
    )


class ShopifyShipmentStateSerializer(serializers.Serializer[Any]):
    status = serializers.CharField(help_text="The order's fulfilment status in Shopify, e.g. FULFILLED.")
    fulfillments = ShopifyFulfillmentSerializer(many=True, help_text="The order's fulfilments in Shopify.")
    refusals = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why an open fulfilment order cannot be fulfilled by Synco (on hold, another service's...).",
    )


class OrderShipmentsSerializer(serializers.Serializer[Any]):
    order = OrderRefSerializer(help_text="The order.")
    shipper = serializers.ChoiceField(
        ["odoo", "shopify"],
        help_text="odoo: Odoo ships (deliveries become fulfilments); shopify: the reverse.",
    )
    shipments = ShipmentSerializer(
        many=True, help_text="What Synco sent between Odoo and Shopify, oldest first."
    )
    odoo_deliveries = OdooDeliverySerializer(many=True, help_text="The order's deliveries in Odoo, read now.")
    shopify = ShopifyShipmentStateSerializer(
        allow_null=True, help_text="The order's fulfilments in Shopify, read now (null if Shopify failed)."
    )
    read_errors = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why Odoo or Shopify could not be read ('Odoo: ...', 'Shopify: ...').",
    )
    can_retry = serializers.BooleanField(
        help_text="A shipment is held or failed: POST retry/ tries them again."
    )
