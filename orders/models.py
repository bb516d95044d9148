"""Shopify orders as Synco knows them, with their sync state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from synco.filters import search_text
from synco.models import Shop


class SyncStatus(models.TextChoices):
    NOT_SYNCED = "not_synced", _("Not Synced")
    QUEUED = "queued", _("Queued")
    IN_PROGRESS = "in_progress", _("In Progress")
    SYNCED = "synced", _("Synced")
    FAILED = "failed", _("Failed")
    NEEDS_REVIEW = "needs_review", _("Needs review")


SYNCABLE_STATUSES = (SyncStatus.NOT_SYNCED, SyncStatus.FAILED, SyncStatus.NEEDS_REVIEW)

# The orders page's tabs that no plain index serves; each has a partial index in the page's order (below),
# so a tab's first page and its capped count read only its own rows.
ELIGIBLE = Q(eligible=True, sync_status__in=SYNCABLE_STATUSES, parse_error="")
FAILED = Q(sync_status=SyncStatus.FAILED) | ~Q(parse_error="")
IN_ODOO_AS_SALE_ORDER = Q(odoo_id__isnull=False, odoo_invoice_id__isnull=True)
IN_ODOO_WITH_INVOICE = Q(odoo_invoice_id__isnull=False)
RISKY = ~Q(risk_reason="")
# Orders whose units Odoo may not reserve yet (not in Odoo as a confirmed sale order, not restocked; shipped in
# Shopify too: Odoo counts those units on hand until a delivery of a confirmed order takes them): stock pushes
# keep those units back (stock.services.unheld_demand); a partial index keeps that read to them.
NOT_HELD_IN_ODOO = (Q(odoo_id__isnull=True) | ~Q(odoo_state__in=("sale", "done"))) & ~Q(
    fulfillment_status__in=("RESTOCKED",)
)


@dataclass(frozen=True)
class SyncState:
    """What an order's sync is doing, as the pages say it: one of the states below, never a guess.

    queued (waiting for a worker), retrying (a try failed; the next one is at `at`), waiting_for_odoo (Odoo is
    not answering: the circuit is open until `at`), writing (a worker holds a live lease), stalled (its worker
    stopped renewing the lease: the watchdog queues it again), failed, needs_review, synced, not_synced, invalid.
    """

    key: str
    label: str
    # The badge's style (app.css: badge-<style>).
    badge: str
    # The last error the state is about ('' when none applies).
    error: str = ""
    # When the next try happens (retrying, waiting_for_odoo).
    at: datetime | None = None
    # The number of the next try and how many there may be (retrying).
    next_attempt: int = 0
    max_attempts: int = 0

    @property
    def busy(self) -> bool:
        """A spinner: something is being done for it right now (a worker is on it or about to be)."""
        return self.key in ("queued", "writing")


# Shopify fulfilment statuses of an order Shopify has (at least partly) shipped: its Odoo delivery may follow
# the sync (shipments.services.order_synced); an order in none of them needs no follow-up after its sync.
SHOPIFY_FULFILLED = ("FULFILLED", "PARTIALLY_FULFILLED", "PARTIAL", "fulfilled", "partial")


SEARCHED_FIELDS = {"name", "customer_name", "email"}


def order_search_text(name: str, customer_name: str, email: str) -> str:
    """Order.search_text for these values (the number without its "#", as it may be typed either way)."""
    return search_text(name.lstrip("#"), customer_name, email)


class OrderQuerySet(models.QuerySet["Order"]):
    def bulk_create(self, objs: Iterable[Order], *args: Any, **kwargs: Any) -> list[Order]:
        """Rows created in bulk (no save()) carry their search text too."""
        objs = list(objs)
        for obj in objs:
            obj.search_text = order_search_text(obj.name, obj.customer_name, obj.email)
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        """An update of the number, customer or e-mail that does not write search_text itself rewrites it for the
        rows it changed (store_order writes it with them; this keeps any other writer from leaving it stale)."""
        if "search_text" in kwargs or not SEARCHED_FIELDS & set(kwargs):
            return super().update(**kwargs)
        pks = list(self.values_list("pk", flat=True))
        count = super().update(**kwargs)
        rows = list(Order.objects.filter(pk__in=pks).only("pk", "name", "customer_name", "email"))
        for row in rows:
            row.search_text = order_search_text(row.name, row.customer_name, row.email)
        Order.objects.bulk_update(rows, ["search_text"], batch_size=500)
        return count


class Order(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="orders")
    shopify_id = models.BigIntegerField()
    gid = models.CharField(max_length=100)
    name = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(help_text="Shopify's updatedAt of the stored state")
    financial_status = models.CharField(max_length=32, blank=True)
    fulfillment_status = models.CharField(max_length=32, blank=True)
    customer_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=255, blank=True)
    # What the orders page's search looks in: number, customer and e-mail, case-folded and without accents
    # (synco.filters.search_text), kept by save() and store_order; a trigram index serves it on PostgreSQL.
    search_text = models.TextField(blank=True, default="", editable=False)
    currency = models.CharField(max_length=3, default="USD")
    total_price = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    # The GraphQL node as Shopify sent it; parsed into a ShopifyOrder whenever it is used.
    payload = models.JSONField(default=dict)
    parse_error = models.TextField(blank=True)

    eligible = models.BooleanField(default=False)
    ineligible_reason = models.CharField(max_length=255, blank=True)
    risk_reason = models.TextField(blank=True)

    sync_status = models.CharField(max_length=20, choices=SyncStatus.choices, default=SyncStatus.NOT_SYNCED)
    # Set while a transient failure waits for its automatic retry ("Waiting to retry"), or for Odoo to answer.
    next_retry_at = models.DateTimeField(null=True, blank=True)
    # The lease of the worker running it (In Progress): renewed while it talks to Odoo; only an expired lease is
    # taken over by the watchdog, and a worker whose token is gone stops before writing anything more.
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    # The id of the order's newest sync task re-sent while it is Queued (a deferral, a hand-over, a retry, the
    # watchdog): an older copy of its task finds another id here and stops without re-sending itself, so a
    # waiting order never gathers copies of its task. Empty: any task of the order may run it.
    sync_task = models.CharField(max_length=36, blank=True, default="")
    sync_error = models.TextField(blank=True)
    sync_attempts = models.PositiveIntegerField(default=0)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    odoo_model = models.CharField(max_length=64, blank=True)
    odoo_id = models.IntegerField(null=True, blank=True)
    odoo_name = models.CharField(max_length=64, blank=True)
    odoo_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    odoo_state = models.CharField(max_length=20, blank=True)
    odoo_invoice_id = models.IntegerField(null=True, blank=True)
    odoo_invoice_name = models.CharField(max_length=64, blank=True)
    odoo_payment_id = models.IntegerField(null=True, blank=True)
    totals_difference = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    review_reason = models.TextField(blank=True)

    imported_at = models.DateTimeField(auto_now_add=True)
    batch = models.ForeignKey(
        "orders.SyncBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "shopify_id"], name="order_unique_per_shop"),
        ]
        indexes = [
            models.Index(fields=["shop", "sync_status", "-created_at"], name="order_shop_status_idx"),
            models.Index(fields=["shop", "-created_at", "-id"], name="order_shop_created_idx"),
            models.Index(fields=["shop", "eligible", "sync_status"], name="order_shop_eligible_idx"),
            models.Index(
                fields=["shop", "-created_at", "-id"], condition=ELIGIBLE, name="order_tab_eligible_idx"
            ),
            models.Index(
                fields=["shop", "-created_at", "-id"], condition=FAILED, name="order_tab_failed_idx"
            ),
            models.Index(
                fields=["shop", "-created_at", "-id"],
                condition=IN_ODOO_AS_SALE_ORDER,
                name="order_tab_sale_idx",
            ),
            models.Index(
                fields=["shop", "-created_at", "-id"],
                condition=IN_ODOO_WITH_INVOICE,
                name="order_tab_invoice_idx",
            ),
            models.Index(fields=["shop", "-created_at", "-id"], condition=RISKY, name="order_tab_risky_idx"),
            models.Index(
                fields=["shop", "created_at"], condition=NOT_HELD_IN_ODOO, name="order_not_held_idx"
            ),
            # Orders waiting for a worker, of any shop: the per-shop fairness asks whether another shop has some.
            models.Index(
                fields=["shop"],
                condition=Q(sync_status=SyncStatus.QUEUED, next_retry_at__isnull=True),
                name="order_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop.domain} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = order_search_text(self.name, self.customer_name, self.email)
        fields = kwargs.get("update_fields")
        if fields is not None and SEARCHED_FIELDS & set(fields):
            # A redaction that saves only customer_name and email must not leave them readable in the search text.
            kwargs["update_fields"] = {*fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def is_pending(self) -> bool:
        """Queued or running: the page polls these rows."""
        return self.sync_status in (SyncStatus.QUEUED, SyncStatus.IN_PROGRESS)

    @property
    def sync_state(self) -> SyncState:
        """The state the pages show (uses the shop's Odoo connection already read with the order, if any)."""
        if self.parse_error:
            return SyncState("invalid", gettext("Invalid"), "failed", error=self.parse_error)
        now = timezone.now()
        if self.sync_status == SyncStatus.QUEUED:
            circuit_until = self._circuit_open_until(now)
            if circuit_until is not None:
                return SyncState(
                    "waiting_for_odoo",
                    gettext("Waiting for Odoo"),
                    "waiting",
                    error=self._odoo_failure(),
                    at=circuit_until,
                )
            if self.next_retry_at:
                return SyncState(
                    "retrying",
                    gettext("Waiting to retry"),
                    "waiting",
                    error=self.sync_error,
                    at=self.next_retry_at,
                    next_attempt=self.sync_attempts + 1,
                    max_attempts=settings.SYNCO_MAX_ATTEMPTS,
                )
            return SyncState("queued", gettext("Queued"), "queued")
        if self.sync_status == SyncStatus.IN_PROGRESS:
            if self.lease_until is not None and self.lease_until > now:
                return SyncState("writing", gettext("Being written"), "in_progress")
            return SyncState("stalled", gettext("Queued"), "queued")
        if self.sync_status == SyncStatus.FAILED:
            return SyncState("failed", gettext("Failed"), "failed", error=self.sync_error)
        if self.sync_status == SyncStatus.NEEDS_REVIEW:
            return SyncState(
                "needs_review", gettext("Needs review"), "needs_review", error=self.review_reason
            )
        if self.sync_status == SyncStatus.SYNCED:
            return SyncState("synced", gettext("Synced"), "synced")
        return SyncState("not_synced", str(self.get_sync_status_display()), "not_synced")

    def _odoo_connection(self) -> Any:
        # Only what the page already read: a shop without a connection is cached as None by the views.
        return getattr(self.shop, "odoo", None)

    def _circuit_open_until(self, now: datetime) -> datetime | None:
        until = getattr(self._odoo_connection(), "circuit_open_until", None)
        return until if until is not None and until > now else None

    def _odoo_failure(self) -> str:
        return str(getattr(self._odoo_connection(), "last_failure", "") or self.sync_error)

    @property
    def status_label(self) -> str:
        return self.sync_state.label

    @property
    def is_syncable(self) -> bool:
        return self.sync_status in SYNCABLE_STATUSES and not self.parse_error

    @property
    def origin(self) -> str:
        """The key Synco writes into Odoo's `origin` to find this order again."""
        return f"shopify:order:{self.shopify_id}"

    @property
    def status_badge(self) -> str:
        """The badge's style: an unreadable order shows as failed whatever its state."""
        return self.sync_state.badge

    @property
    def status_notes(self) -> list[tuple[str, str]]:
        """What else to say under the state (its own error and time are shown with it), as (style, text)."""
        notes = []
        if self.review_reason and self.sync_status != SyncStatus.NEEDS_REVIEW:
            notes.append(("reason", self.review_reason))
        if self.sync_status == SyncStatus.NOT_SYNCED and not self.parse_error:
            if self.sync_error:
                notes.append(("muted small", self.sync_error))
            if not self.eligible and self.ineligible_reason:
                notes.append(
                    ("muted small", gettext("Not eligible: {reason}").format(reason=self.ineligible_reason))
                )
        return notes

    @property
    def sync_action(self) -> str:
        """The row's button: Sync, Retry, or none while it is queued, running or done."""
        if not self.is_syncable:
            return ""
        return gettext("Retry") if self.is_retry else gettext("Sync")

    @property
    def is_retry(self) -> bool:
        """A failed or held order: its action is Retry rather than Sync."""
        return self.sync_status in (SyncStatus.FAILED, SyncStatus.NEEDS_REVIEW)

    @property
    def financial_status_label(self) -> str:
        return _shopify_label(self.financial_status)

    @property
    def fulfillment_status_label(self) -> str:
        return _shopify_label(self.fulfillment_status)

    def odoo_url(self) -> str:
        return self._odoo_record_url(self.odoo_model or "sale.order", self.odoo_id)

    def odoo_invoice_url(self) -> str:
        return self._odoo_record_url("account.move", self.odoo_invoice_id)

    def odoo_payment_url(self) -> str:
        return self._odoo_record_url("account.payment", self.odoo_payment_id)

    def _odoo_record_url(self, model: str, record_id: int | None) -> str:
        if record_id is None:
            return ""
        odoo: Any = getattr(self.shop, "odoo", None)
        if odoo is None:
            return ""
        return str(odoo.record_url(model, record_id))


def _shopify_label(status: str) -> str:
    """Shopify's PARTIALLY_REFUNDED as the admin shows it: "Partially refunded"."""
    return status.replace("_", " ").capitalize()


class SyncBatch(models.Model):
    """Orders sent to Odoo together by one bulk action: its progress is its orders' states."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sync_batches")
    total = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"batch of {self.total} for {self.shop}"


class ImportRun(models.Model):
    """One import from Shopify: a date-range backfill (resumable) or a bulk operation."""

    class Kind(models.TextChoices):
        BACKFILL = "backfill", _("Backfill")
        BULK = "bulk", _("Bulk operation")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        STOPPING = "stopping", _("Stopping")
        STOPPED = "stopped", _("Stopped")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="import_runs")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BACKFILL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_from = models.DateTimeField()
    created_to = models.DateTimeField()
    # Where the run stopped: resuming continues after this cursor.
    cursor = models.TextField(blank=True)
    reached = models.DateTimeField(null=True, blank=True, help_text="createdAt of the last order imported")
    bulk_operation_id = models.CharField(max_length=100, blank=True)
    # Who may work on the run (orders/imports.py): "" anyone, "next:<task id>" only that queued step (a step
    # hands over to the next one it sends), "step:<token>" the step working on it now; with the step's last sign
    # of life, so a run whose worker died is resumed from its cursor, and never worked on twice at once.
    claim = models.CharField(max_length=80, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    orders_seen = models.PositiveIntegerField(default=0)
    orders_created = models.PositiveIntegerField(default=0)
    orders_updated = models.PositiveIntegerField(default=0)
    orders_invalid = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_from:%Y-%m-%d} to {self.created_to:%Y-%m-%d} {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING, self.Status.STOPPING)

    @property
    def percent(self) -> int:
        """Progress through the date range (orders are read oldest first)."""
        if self.status == self.Status.DONE:
            return 100
        if self.reached is None:
            return 0
        span = (self.created_to - self.created_from).total_seconds()
        done = (self.reached - self.created_from).total_seconds()
        return max(0, min(99, int(done * 100 / span))) if span > 0 else 0


class ProposedChange(models.Model):
    """A Shopify edit of an order Odoo has already delivered or invoiced: shown for the merchant to decide."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        DISMISSED = "dismissed", _("Dismissed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="proposed_changes")
    created_at = models.DateTimeField(auto_now_add=True)
    # Shopify's updatedAt of the edit: one proposal per state of the order.
    shopify_updated_at = models.DateTimeField()
    # {"lines": [{"key", "title", "quantity", "price_unit", ...}], "total": "..."}: what Odoo has, what it would get.
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.TextField(blank=True, help_text="Why it was not applied directly")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    decided_by = models.CharField(max_length=255, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="What Accept applied in Odoo, and what it could not")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "shopify_updated_at"], name="proposed_change_once_per_edit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} change of {self.shopify_updated_at:%Y-%m-%d %H:%M} ({self.state})"
