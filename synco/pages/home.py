"""What the home page shows about one shop, read with a fixed number of bounded queries.

Counts come from the (shop, eligible, sync_status) index and the few failed orders (the same definitions as
the orders page's tabs); the chart, the last errors and the webhook health read only a time window through the
sync log's and the webhook receipts' (shop, time) indexes, so the page costs the same with 100 orders or 100,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.models import CustomerLink
from orders.dates import shop_zone
from orders.models import SYNCABLE_STATUSES, Order, SyncStatus
from orders.views import FILTERS
from products.problems import Summary as CatalogueSummary
from products.problems import get_summary as get_catalogue_summary
from stock.models import StockPush, StockSettings
from synclogs.models import SyncAttempt, WebhookReceipt
from synco.filters import day_start
from synco.models import OdooConnection, OrderRules, Shop

CHART_DAYS = 30
LAST_ERRORS = 5
# A receipt still unprocessed after this long is stuck (the requeue job retries after two minutes).
WEBHOOK_STUCK_AFTER = timedelta(minutes=5)
# Shopify changed orders this much later than the last webhook arrived: webhooks are probably not arriving.
WEBHOOK_SILENCE = timedelta(hours=1)
# Where the product matcher says a line has no (or more than one) Odoo product, and where the customer
# matcher says the chosen contact is missing: a failed order with one of these needs matching, not a retry.
PRODUCT_MATCH_ERRORS = (
    "No Odoo product has the",
    "Several Odoo products have the",
    "neither a SKU nor a barcode",
)
CUSTOMER_MATCH_ERRORS = ("Settings > Products and customers",)
COUNTED = ("synced", "not_synced", "eligible", "failed", "needs_review", "in_progress")


@dataclass(frozen=True)
class OrderCounts:
    total: int
    synced: int
    not_synced: int
    eligible: int
    failed: int
    needs_review: int
    in_progress: int
    # Eligible orders not in Odoo yet (Not Synced or Queued) and when the oldest of them was created.
    backlog: int
    oldest_waiting: datetime | None
    # Eligible orders not in Odoo because their sync failed (or their data cannot be read), and eligible orders
    # held for review: the backlog is not "none" while any of these waits for the merchant.
    backlog_failed: int
    backlog_review: int
    # Failed because a product or the customer could not be matched.
    unmatched_products: int
    unmatched_customers: int

    def tiles(self) -> list[tuple[str, str, int]]:
        """(orders page filter, label, count) in the order the home page shows them."""
        return [(key, FILTERS[key][0], getattr(self, key)) for key in COUNTED]


def _contains_any(column: str, needles: tuple[str, ...]) -> Q:
    query = Q()
    for needle in needles:
        query |= Q(**{f"{column}__contains": needle})
    return query


def get_order_counts(shop: Shop) -> OrderCounts:
    """The counts of the orders page's tabs, the backlog and the matching failures, in four bounded queries.

    Reading 100,000 orders' rows for one conditional aggregate costs ~100 ms on PostgreSQL; instead:
    1. every order counted by (status, eligible): only columns of the (shop, eligible, sync_status) index, so
       PostgreSQL counts from the index alone (an index-only scan, ~3x faster);
    2. the failed or unreadable orders (few, through the Failed tab's index) in one conditional aggregate:
       unreadable orders are listed as Failed, so they are taken out of the other counts here;
    3. and 4. the oldest order waiting, Not Synced or Queued, each the first row of an index in created order.
    """
    orders = Order.objects.filter(shop=shop)
    by_state: dict[tuple[str, bool], int] = {
        (status, eligible): count
        for status, eligible, count in orders.values_list("sync_status", "eligible")
        .annotate(count=Count("sync_status"))
        .values_list("sync_status", "eligible", "count")
        .order_by()
    }

    def count(statuses: tuple[str, ...], eligible_only: bool = False) -> int:
        return sum(
            n
            for (status, eligible), n in by_state.items()
            if status in statuses and (eligible or not eligible_only)
        )

    unreadable = ~Q(parse_error="")
    waiting_statuses = (SyncStatus.NOT_SYNCED, SyncStatus.QUEUED)
    failed = Q(sync_status=SyncStatus.FAILED)
    # Aliases are prefixed: an aggregate named like a field ("eligible") would shadow it in the filters.
    odd = orders.filter(FILTERS["failed"][1]).aggregate(
        n_failed=Count("sync_status"),
        n_unreadable_not_synced=Count(
            "sync_status", filter=unreadable & Q(sync_status=SyncStatus.NOT_SYNCED)
        ),
        n_unreadable_eligible=Count(
            "sync_status", filter=unreadable & Q(eligible=True, sync_status__in=SYNCABLE_STATUSES)
        ),
        n_unreadable_waiting=Count(
            "sync_status", filter=unreadable & Q(eligible=True, sync_status__in=waiting_statuses)
        ),
        n_backlog_failed=Count(
            "sync_status",
            filter=Q(eligible=True, sync_status__in=(SyncStatus.FAILED, *waiting_statuses)),
        ),
        n_unmatched_products=Count(
            "sync_status", filter=failed & _contains_any("sync_error", PRODUCT_MATCH_ERRORS)
        ),
        n_unmatched_customers=Count(
            "sync_status", filter=failed & _contains_any("sync_error", CUSTOMER_MATCH_ERRORS)
        ),
    )
    oldest = [
        first
        for status in waiting_statuses
        for first in orders.filter(eligible=True, parse_error="", sync_status=status)
        .order_by("created_at")
        .values_list("created_at", flat=True)[:1]
    ]
    return OrderCounts(
        total=sum(by_state.values()),
        synced=count((SyncStatus.SYNCED,)),
        not_synced=count((SyncStatus.NOT_SYNCED,)) - odd["n_unreadable_not_synced"],
        eligible=count(SYNCABLE_STATUSES, eligible_only=True) - odd["n_unreadable_eligible"],
        failed=odd["n_failed"],
        needs_review=count((SyncStatus.NEEDS_REVIEW,)),
        in_progress=count((SyncStatus.QUEUED, SyncStatus.IN_PROGRESS)),
        backlog=count(waiting_statuses, eligible_only=True) - odd["n_unreadable_waiting"],
        oldest_waiting=min(oldest, default=None),
        backlog_failed=odd["n_backlog_failed"],
        backlog_review=count((SyncStatus.NEEDS_REVIEW,), eligible_only=True),
        unmatched_products=odd["n_unmatched_products"],
        unmatched_customers=odd["n_unmatched_customers"],
    )


@dataclass(frozen=True)
class ChartDay:
    day: date
    synced: int
    failed: int
    synced_percent: float
    failed_percent: float


@dataclass(frozen=True)
class Chart:
    days: list[ChartDay]
    peak: int

    @property
    def synced(self) -> int:
        return sum(day.synced for day in self.days)

    @property
    def failed(self) -> int:
        return sum(day.failed for day in self.days)


def chart_days(
    today: date, synced: dict[date, int], failed: dict[date, int], days: int = CHART_DAYS
) -> Chart:
    """Every day of the window (empty days too), bar heights as a share of the busiest day."""
    dates = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    peak = max((synced.get(d, 0) + failed.get(d, 0) for d in dates), default=0)
    scale = 100 / peak if peak else 0
    return Chart(
        days=[
            ChartDay(
                day=d,
                synced=synced.get(d, 0),
                failed=failed.get(d, 0),
                synced_percent=round(synced.get(d, 0) * scale, 1),
                failed_percent=round(failed.get(d, 0) * scale, 1),
            )
            for d in dates
        ],
        peak=peak,
    )


def get_chart(shop: Shop, now: datetime | None = None) -> Chart:
    """Orders synced (a successful write to Odoo) and orders with a failed attempt, per day, from the sync log.

    Days are the shop's (its time zone): "today" starts at the shop's midnight, and an attempt at 23:30 shop time
    counts on that day even when it is already the next day in UTC.
    """
    zone = shop_zone(shop.iana_timezone)
    now = timezone.localtime(now or timezone.now(), zone)
    today = now.date()
    start = day_start(today - timedelta(days=CHART_DAYS - 1), zone)
    rows = (
        SyncAttempt.objects.filter(
            shop=shop,
            started_at__gte=start,
            object_type=SyncAttempt.Object.ORDER,
            operation="create_sale_order",
            status__in=(SyncAttempt.Status.SUCCESS, SyncAttempt.Status.FAILED),
        )
        .annotate(day=TruncDate("started_at", tzinfo=zone))
        .values("day", "status")
        .annotate(orders=Count("order", distinct=True))
        .order_by()
    )
    synced: dict[date, int] = {}
    failed: dict[date, int] = {}
    for row in rows:
        target = synced if row["status"] == SyncAttempt.Status.SUCCESS else failed
        target[row["day"]] = row["orders"]
    return chart_days(today, synced, failed)


def get_last_errors(shop: Shop) -> list[SyncAttempt]:
    return list(
        SyncAttempt.objects.filter(shop=shop, status=SyncAttempt.Status.FAILED)
        .order_by("-started_at", "-id")
        .only("pk", "order_id", "object_type", "object_ref", "operation", "message", "started_at")[
            :LAST_ERRORS
        ]
    )


@dataclass(frozen=True)
class WebhookHealth:
    last_received_at: datetime | None
    received_24h: int
    failed_24h: int
    stuck: int
    # Shopify's newest order change Synco imported, later than the last webhook by more than WEBHOOK_SILENCE.
    silent_since: datetime | None

    @property
    def healthy(self) -> bool:
        return (
            self.last_received_at is not None
            and not self.failed_24h
            and not self.stuck
            and not self.silent_since
        )


def get_webhook_health(shop: Shop, now: datetime | None = None) -> WebhookHealth:
    now = now or timezone.now()
    receipts = WebhookReceipt.objects.filter(shop_domain=shop.domain)
    last = receipts.order_by("-received_at", "-id").values_list("received_at", flat=True).first()
    window = receipts.filter(received_at__gte=now - timedelta(hours=24)).aggregate(
        received=Count("pk"),
        failed=Count("pk", filter=Q(status=WebhookReceipt.Status.FAILED)),
        stuck=Count(
            "pk",
            # A receipt waiting out the backoff of a passing fault is not stuck until its retry is overdue.
            filter=Q(
                status=WebhookReceipt.Status.RECEIVED,
                processed_at=None,
                received_at__lt=now - WEBHOOK_STUCK_AFTER,
            )
            & (Q(next_attempt_at=None) | Q(next_attempt_at__lt=now - WEBHOOK_STUCK_AFTER)),
        ),
    )
    imported = shop.orders_imported_until
    silent = imported if last is not None and imported and imported - last > WEBHOOK_SILENCE else None
    return WebhookHealth(
        last_received_at=last,
        received_24h=window["received"],
        failed_24h=window["failed"],
        stuck=window["stuck"],
        silent_since=silent,
    )


@dataclass(frozen=True)
class StockHealth:
    """Stock sync at a glance: on or off, the last drift report's result, the pushes that failed lately."""

    enabled: bool
    blocked_reason: str
    report_status: str  # "" when no drift report has finished yet
    report_finished_at: datetime | None
    report_items: int
    report_levels: int  # items x mapped locations compared
    report_drifted: int
    report_message: str
    failed_pushes_24h: int


def get_stock_health(shop: Shop, now: datetime | None = None) -> StockHealth | None:
    """None while the shop has never used stock sync; two bounded queries (the settings row, one indexed count)."""
    now = now or timezone.now()
    settings = StockSettings.objects.filter(shop=shop).first()
    if settings is None:
        return None
    summary = settings.last_drift_summary or {}
    finished = summary.get("finished_at")
    try:
        finished_at = datetime.fromisoformat(finished) if isinstance(finished, str) else None
    except ValueError:
        finished_at = None
    failed = (
        StockPush.objects.filter(shop=shop, created_at__gte=now - timedelta(hours=24))
        .exclude(outcome=StockPush.Outcome.SET)
        .count()
    )
    if not settings.enabled and not summary and not failed:
        return None
    return StockHealth(
        enabled=settings.enabled,
        blocked_reason=settings.blocked_reason,
        report_status=str(summary.get("status") or ""),
        report_finished_at=finished_at,
        report_items=int(summary.get("items") or 0),
        report_levels=int(summary.get("levels") or 0),
        report_drifted=int(summary.get("drifted") or 0),
        report_message=str(summary.get("message") or ""),
        failed_pushes_24h=failed,
    )


@dataclass(frozen=True)
class OdooHealth:
    connected: bool
    circuit_open_until: datetime | None
    consecutive_failures: int
    last_failure: str
    server_version: str
    last_checked_at: datetime | None
    last_check_ok: bool | None

    @property
    def circuit_open(self) -> bool:
        return self.circuit_open_until is not None


def get_odoo_health(connection: OdooConnection | None, now: datetime | None = None) -> OdooHealth:
    if connection is None:
        return OdooHealth(False, None, 0, "", "", None, None)
    now = now or timezone.now()
    until = connection.circuit_open_until
    return OdooHealth(
        connected=True,
        circuit_open_until=until if until and until > now else None,
        consecutive_failures=connection.consecutive_failures,
        last_failure=connection.last_failure,
        server_version=connection.server_version,
        last_checked_at=connection.last_checked_at,
        last_check_ok=connection.last_check_ok,
    )


@dataclass(frozen=True)
class SetupStep:
    key: str
    title: str
    done: bool
    detail: str
    fix_label: str
    fix_url: str


@dataclass(frozen=True)
class Links:
    """Where each checklist item is fixed (URLs reversed by the view)."""

    odoo: str
    rules: str
    matching: str
    failed_orders: str
    webhooks: str


def _variants(count: int) -> str:
    return ngettext("{count} variant", "{count} variants", count).format(count=count)


def _problems(count: int) -> str:
    return ngettext("{count} problem", "{count} problems", count).format(count=count)


def _customers(count: int) -> str:
    return ngettext("{count} customer", "{count} customers", count).format(count=count)


def _find_check(report: list[dict[str, object]], name: str) -> dict[str, object] | None:
    return next((item for item in report if item.get("name") == name), None)


def setup_steps(
    connection: OdooConnection | None,
    rules: OrderRules | None,
    counts: OrderCounts,
    customer_links: int,
    webhooks: WebhookHealth,
    links: Links,
    catalogue: CatalogueSummary | None = None,
) -> list[SetupStep]:
    """The setup checklist: each step says what is true now and where to fix it (pure: no queries)."""
    steps = [_odoo_step(connection, links), _modules_step(connection, links), _rules_step(rules, links)]
    steps.append(_matching_step(counts, customer_links, catalogue, links))
    steps.append(_webhooks_step(webhooks, links))
    return steps


def _odoo_step(connection: OdooConnection | None, links: Links) -> SetupStep:
    title = _("Odoo connected and checked")
    if connection is None:
        return SetupStep(
            "odoo", title, False, _("Enter your Odoo URL, database and login."), _("Connect Odoo"), links.odoo
        )
    if connection.secret_unreadable:
        detail = _(
            "Synco can no longer read the stored password or API key (its encryption key changed): enter it again."
        )
        return SetupStep("odoo", title, False, detail, _("Reconnect Odoo"), links.odoo)
    if connection.last_check_ok:
        checked = connection.last_checked_at
        # In the current time zone: the shop's (synco.timezones), which the page names.
        when = (
            _(" on {when}").format(when=dateformat.format(timezone.localtime(checked), "M j, H:i T"))
            if checked
            else ""
        )
        version = (
            _(" (Odoo {version})").format(version=connection.server_version)
            if connection.server_version
            else ""
        )
        return SetupStep(
            "odoo",
            title,
            True,
            _("Test connection passed{when}{version}.").format(when=when, version=version),
            _("Settings"),
            links.odoo,
        )
    if connection.last_check_ok is False:
        failed = next((item for item in connection.last_check_report if not item.get("ok")), None)
        detail = (
            _("The last Test connection failed at “{name}”: {detail}").format(
                name=failed["name"], detail=failed["detail"]
            )
            if failed
            else _("The last Test connection failed.")
        )
        return SetupStep("odoo", title, False, detail, _("Fix the connection"), links.odoo)
    return SetupStep(
        "odoo",
        title,
        False,
        _("Saved but not checked yet: run Test connection."),
        _("Test connection"),
        links.odoo,
    )


def _modules_step(connection: OdooConnection | None, links: Links) -> SetupStep:
    title = _("Required Odoo apps installed")
    report = connection.last_check_report if connection else []
    check = _find_check(report, "Required apps installed")
    if check is None:
        return SetupStep(
            "modules",
            title,
            False,
            _("Test connection checks that Sales, Inventory and Invoicing are installed."),
            _("Test connection"),
            links.odoo,
        )
    if check.get("ok"):
        detail = _("Installed: {apps}.").format(apps=check["detail"])
        return SetupStep("modules", title, True, detail, _("Settings"), links.odoo)
    return SetupStep("modules", title, False, str(check["detail"]), _("Check again"), links.odoo)


def _rules_step(rules: OrderRules | None, links: Links) -> SetupStep:
    title = _("Order rules set")
    if rules is None or rules.saved_at is None:
        return SetupStep(
            "rules",
            title,
            False,
            _("Choose what orders become in Odoo and which ones are synced, then save."),
            _("Set order rules"),
            links.rules,
        )
    mode = _("synced automatically") if rules.auto_sync else _("synced when you press Sync")
    return SetupStep(
        "rules",
        title,
        True,
        _("Orders become: {create_as}; {mode}.").format(
            create_as=str(rules.get_create_as_display()).lower(), mode=mode
        ),
        _("Edit rules"),
        links.rules,
    )


def _matching_step(
    counts: OrderCounts,
    customer_links: int,
    catalogue: CatalogueSummary | None,
    links: Links,
) -> SetupStep:
    title = _("Products and customers matched")
    if counts.unmatched_products or counts.unmatched_customers:
        parts = []
        if counts.unmatched_products:
            parts.append(
                _("{count} failed because a product has no single match in Odoo").format(
                    count=counts.unmatched_products
                )
            )
        if counts.unmatched_customers:
            parts.append(
                _("{count} failed because the chosen Odoo contact is missing").format(
                    count=counts.unmatched_customers
                )
            )
        return SetupStep(
            "matching",
            title,
            False,
            _("Orders: {failures}. Fix them in Odoo or in the matching options, then Retry.").format(
                failures="; ".join(parts)
            ),
            _("See failed orders"),
            links.failed_orders,
        )
    if catalogue is None or not catalogue.total:
        return SetupStep(
            "matching",
            title,
            False,
            _(
                "No Shopify product imported yet: import the catalogue to link every variant to its Odoo product "
                "before orders need them."
            ),
            _("Import products"),
            links.matching,
        )
    linked = _("{linked} of {variants} linked to Odoo products").format(
        linked=f"{catalogue.linked:,}", variants=_variants(catalogue.total)
    )
    if catalogue.unresolved:
        return SetupStep(
            "matching",
            title,
            False,
            _("{linked}; {problems} to fix on the product mapping.").format(
                linked=linked, problems=_problems(catalogue.unresolved)
            ),
            _("Fix the problems"),
            links.matching,
        )
    ignored = _(" ({count} ignored)").format(count=f"{catalogue.ignored:,}") if catalogue.ignored else ""
    customers = (
        _(" {customers} linked so far.").format(customers=_customers(customer_links))
        if customer_links
        else ""
    )
    return SetupStep(
        "matching",
        title,
        True,
        _("{linked}{ignored}; no problem.{customers}").format(
            linked=linked, ignored=ignored, customers=customers
        ),
        _("Product mapping"),
        links.matching,
    )


def _webhooks_step(health: WebhookHealth, links: Links) -> SetupStep:
    title = _("Webhooks healthy")
    if health.last_received_at is None:
        detail = _("No webhook from Shopify yet. One arrives when an order is created or updated in Shopify.")
    elif health.failed_24h or health.stuck:
        parts = []
        if health.failed_24h:
            parts.append(_("{count} failed in the last 24 hours").format(count=health.failed_24h))
        if health.stuck:
            parts.append(
                _("{count} not processed after {minutes} minutes").format(
                    count=health.stuck, minutes=int(WEBHOOK_STUCK_AFTER.total_seconds() // 60)
                )
            )
        detail = _("Webhooks: {problems}.").format(problems=", ".join(parts))
    elif health.silent_since is not None:
        detail = _(
            "Shopify changed orders after the last webhook arrived: webhooks may not be reaching Synco (the "
            "catch-up sweep imports those orders meanwhile)."
        )
    else:
        return SetupStep(
            "webhooks",
            title,
            True,
            _("Webhooks arrive and are processed; none failed or stuck in the last 24 hours."),
            _("Webhook log"),
            links.webhooks,
        )
    return SetupStep("webhooks", title, False, detail, _("Webhook log"), links.webhooks)


@dataclass(frozen=True)
class Home:
    counts: OrderCounts
    steps: list[SetupStep]
    chart: Chart
    last_errors: list[SyncAttempt]
    odoo: OdooHealth
    webhooks: WebhookHealth
    stock: StockHealth | None = None

    @property
    def steps_done(self) -> int:
        return sum(1 for step in self.steps if step.done)


def get_home(shop: Shop, links: Links) -> Home:
    """Everything the home page shows, in a fixed number of queries whatever the shop's size."""
    connection = OdooConnection.objects.filter(shop=shop).first()
    rules = OrderRules.objects.filter(shop=shop).first()
    counts = get_order_counts(shop)
    webhooks = get_webhook_health(shop)
    matched = counts.synced or counts.needs_review
    customer_links = CustomerLink.objects.filter(shop=shop).count() if matched else 0
    return Home(
        counts=counts,
        steps=setup_steps(
            connection, rules, counts, customer_links, webhooks, links, get_catalogue_summary(shop)
        ),
        chart=get_chart(shop),
        last_errors=get_last_errors(shop),
        odoo=get_odoo_health(connection),
        webhooks=webhooks,
        stock=get_stock_health(shop),
    )
