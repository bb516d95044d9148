"""Shopify customers into Odoo partners, many at a time (full import, webhooks, sweep).

A batch costs a fixed number of Odoo calls whatever its size: one external-id read (customers and companies),
one e-mail search, one phone search when the shop matches by phone, one `load()` for new companies, one or two
for partners (created / updated), one for addresses. Every write carries an external id, so a retry after a
lost answer finds the records instead of creating twins.

Matching order: Synco's link, Synco's external id (per shop, then the legacy `customer_<id>`), then the shop's
rule: e-mail (case-insensitive, top-level contacts) and, when the shop asks for it, the phone number. A partner
found by e-mail or phone is the merchant's: Synco links it and adds the missing addresses, but never rewrites
its name, e-mail, phone or note.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from customers.mapping import (
    PartnerValues,
    other_addresses,
    partner_values,
)
from customers.models import CustomerLink, CustomerSettings
from customers.services import (
    ADDRESS_FIELDS,
    address_cells,
    address_digest,
    customer_keys,
    customer_ref,
    partners_by_email,
    partners_by_phone,
    set_consent_tag,
)
from products.models import CatalogueRun
from synclogs.models import SyncAttempt
from synclogs.records import finish_attempt, start_attempt
from synco.errors import GatewayError, PermanentGatewayError
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import OrderRules, Shop
from synco.odoo.client import OdooClient
from synco.shopify.catalog import (
    ShopifyCustomerRecord,
    iter_bulk_customers,
    iter_customers,
    start_bulk_customers,
)
from synco.shopify.types import Address
from synco.xmlids import MODULE, company_xmlid

PARTNER_FIELDS = ["name", "email", "phone", "ref", "comment", *ADDRESS_FIELDS[1:], "parent_id/.id"]


class CustomersNotSent(PermanentGatewayError):
    """The shop's rules send no customer to Odoo (every order goes on one chosen contact)."""


@dataclass
class BatchResult:
    created: int = 0  # new partners
    linked: int = 0  # existing partners (the merchant's) linked for the first time
    updated: int = 0  # Synco's partners rewritten because the customer changed
    unchanged: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: BatchResult) -> None:
        for name in ("created", "linked", "updated", "unchanged", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems.extend(other.problems)


@dataclass
class _Target:
    record: ShopifyCustomerRecord
    values: PartnerValues
    link: CustomerLink | None
    partner_id: int | None = None
    key: str = ""  # Synco's external id name when the partner is Synco's (written by the import)
    how: str = ""  # "link", "external id", "e-mail", "phone", "created"
    stale: bool = False  # the linked contact no longer exists in Odoo


def check_customers_sent(rules: OrderRules) -> None:
    if rules.customer_match == OrderRules.CustomerMatch.SINGLE:
        raise CustomersNotSent(
            "Customers are not sent to Odoo: every order goes on one chosen contact (Settings > Products and "
            "customers). Choose another customer rule to import customers."
        )


def write_customers(client: OdooClient, shop: Shop, records: Sequence[ShopifyCustomerRecord]) -> BatchResult:
    """Bring the customers into Odoo (created, linked or updated) and log the batch; a customer Odoo refuses
    is counted as failed with Odoo's reason, the others of the batch still go through."""
    latest: dict[int, ShopifyCustomerRecord] = {}
    for record in records:
        latest[record.id] = record
    if not latest:
        return BatchResult()
    rules, _ = OrderRules.objects.get_or_create(shop=shop)
    check_customers_sent(rules)
    attempt = start_attempt(
        shop_id=shop.pk,
        operation="import_customers",
        object_type=SyncAttempt.Object.CUSTOMER,
        object_ref=_ref(list(latest)),
    )
    result = _write_or_split(client, shop, rules, list(latest.values()))
    message = (
        f"{len(latest)} Shopify customers: {result.created} created, {result.linked} linked to existing "
        f"contacts, {result.updated} updated, {result.unchanged} unchanged, {result.failed} failed."
    )
    if result.problems:
        message += " " + " ".join(result.problems[:10])
    finish_attempt(
        attempt,
        succeeded=not result.failed,
        message=message,
        odoo_model="res.partner",
        summary={
            "created": result.created,
            "linked": result.linked,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "failed": result.failed,
        },
    )
    return result


def _ref(ids: list[int]) -> str:
    text = f"customer {ids[0]}" if len(ids) == 1 else f"customers {ids[0]}…{ids[-1]} ({len(ids)})"
    return text[:100]


def _write_or_split(
    client: OdooClient, shop: Shop, rules: OrderRules, records: list[ShopifyCustomerRecord]
) -> BatchResult:
    try:
        return _write_batch(client, shop, rules, records)
    except PermanentGatewayError as exc:
        if len(records) == 1:
            return BatchResult(failed=1, problems=[f"Shopify customer {records[0].id}: {exc.message}"])
    # Odoo refused something in the batch: each customer alone, so one bad record fails only itself.
    result = BatchResult()
    for record in records:
        result.add(_write_or_split(client, shop, rules, [record]))
    return result


def _write_batch(
    client: OdooClient, shop: Shop, rules: OrderRules, records: list[ShopifyCustomerRecord]
) -> BatchResult:
    settings = CustomerSettings.of(shop)
    links = {
        link.shopify_customer_id: link
        for link in CustomerLink.objects.filter(shop=shop, shopify_customer_id__in=[r.id for r in records])
    }
    targets = [
        _Target(
            record=record,
            values=partner_values(
                record,
                copy_consent=settings.copy_marketing_consent,
                with_companies=settings.import_companies,
            ),
            link=links.get(record.id),
        )
        for record in records
    ]
    companies = {t.values.company[0]: t.values.company[1] for t in targets if t.values.company}
    company_keys = {company_id: company_xmlid(shop.domain, company_id) for company_id in companies}
    names = [key for t in targets for key in customer_keys(shop, t.record.id)] + list(company_keys.values())
    found = client.xmlid_targets(MODULE, names)
    _resolve(client, shop, rules, settings, targets, found)
    company_ids = _ensure_companies(client, companies, company_keys, found)
    result = BatchResult()
    _write_partners(client, targets, company_ids, result)
    for t in targets:
        assert t.partner_id is not None
        if t.link is None:
            t.link = CustomerLink(shop=shop, shopify_customer_id=t.record.id, odoo_partner_id=t.partner_id)
        t.link.odoo_partner_id = t.partner_id
    _write_addresses(client, targets)
    _write_consent(client, targets)
    with transaction.atomic():
        for t in targets:
            assert t.link is not None
            t.link.written = t.values.digest()
            t.link.save()
    return result


def _resolve(
    client: OdooClient,
    shop: Shop,
    rules: OrderRules,
    settings: CustomerSettings,
    targets: list[_Target],
    found: dict[str, int],
) -> None:
    """Which partner each customer is: Synco's link or external id, else the shop's matching rule."""
    linked = sorted({t.link.odoo_partner_id for t in targets if t.link is not None})
    if linked:
        # A linked contact merged away or deleted in Odoo since: the customer is matched again (one search).
        alive = set(
            client.call("res.partner", "search", [["id", "in", linked], ["active", "in", [True, False]]])
        )
        for t in targets:
            if t.link is not None and t.link.odoo_partner_id not in alive:
                t.link.addresses = {}
                t.link.written = ""
                t.stale = True
    for t in targets:
        keys = customer_keys(shop, t.record.id)
        owned = next(((key, found[key]) for key in keys if key in found), None)
        if t.link is not None and not t.stale:
            t.partner_id, t.how = t.link.odoo_partner_id, "link"
            if owned is not None and owned[1] == t.link.odoo_partner_id:
                t.key = owned[0]
        elif owned is not None:
            t.key, t.partner_id, t.how = owned[0], owned[1], "external id"
    open_targets = [t for t in targets if t.partner_id is None]
    if rules.customer_match == OrderRules.CustomerMatch.EMAIL:
        by_email = partners_by_email(client, [t.record.email for t in open_targets if t.record.email])
        for t in open_targets:
            partner = by_email.get(t.record.email.lower()) if t.record.email else None
            if partner is not None:
                t.partner_id, t.how = partner, "e-mail"
        open_targets = [t for t in open_targets if t.partner_id is None]
        if settings.match_phone:
            by_phone = partners_by_phone(client, [t.values.phone for t in open_targets if t.values.phone])
            for t in open_targets:
                partner = by_phone.get(t.values.phone) if t.values.phone else None
                if partner is not None:
                    t.partner_id, t.how = partner, "phone"
    for t in targets:
        if t.partner_id is None:
            t.key, t.how = customer_keys(shop, t.record.id)[0], "created"


def _ensure_companies(
    client: OdooClient, companies: dict[int, str], keys: dict[int, str], found: dict[str, int]
) -> dict[int, int]:
    """Shopify company id -> its Odoo company partner (is_company), the missing ones created in one load."""
    ids = {company_id: found[key] for company_id, key in keys.items() if key in found}
    missing = [company_id for company_id in companies if company_id not in ids]
    if missing:
        loaded = client.load(
            "res.partner",
            ["id", "name", "is_company", "customer_rank", "ref"],
            [
                [
                    f"{MODULE}.{keys[company_id]}",
                    companies[company_id],
                    "1",
                    "1",
                    f"shopify:company:{company_id}",
                ]
                for company_id in missing
            ],
        )
        ids.update(zip(missing, loaded, strict=True))
    return ids


def _note_html(note: str) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in note.splitlines())


def _partner_cells(client: OdooClient, t: _Target, company_ids: dict[int, int]) -> list[str]:
    values = t.values
    if values.address is not None:
        cells = address_cells(client, values.address, values.name)
    else:
        cells = {name: "" for name in ADDRESS_FIELDS}
        cells["name"] = values.name
    cells.update(
        {
            "email": values.email,
            "phone": values.phone,
            "ref": customer_ref(t.record.id),
            "comment": _note_html(values.note),
            "parent_id/.id": str(company_ids[values.company[0]]) if values.company else "",
        }
    )
    return [cells[name] for name in PARTNER_FIELDS]


def _write_partners(
    client: OdooClient, targets: list[_Target], company_ids: dict[int, int], result: BatchResult
) -> None:
    """Synco's partners: the new ones in one load (with customer_rank), the changed ones in another."""
    create = [t for t in targets if t.how == "created"]
    update = [
        t
        for t in targets
        if t.key and t.how != "created" and (t.link is None or t.link.written != t.values.digest())
    ]
    if create:
        ids = client.load(
            "res.partner",
            ["id", "customer_rank", *PARTNER_FIELDS],
            [[f"{MODULE}.{t.key}", "1", *_partner_cells(client, t, company_ids)] for t in create],
        )
        for t, partner_id in zip(create, ids, strict=True):
            t.partner_id = partner_id
    if update:
        client.load(
            "res.partner",
            ["id", *PARTNER_FIELDS],
            [[f"{MODULE}.{t.key}", *_partner_cells(client, t, company_ids)] for t in update],
        )
    for t in targets:
        if t.how == "created":
            result.created += 1
        elif any(t is u for u in update):
            result.updated += 1
        elif t.link is None or t.stale:
            result.linked += 1
        else:
            result.unchanged += 1


def _write_consent(client: OdooClient, targets: list[_Target]) -> None:
    """The e-mail marketing tag, when the merchant copies consent, on the contacts whose consent is new or
    changed since Synco last wrote them (`CustomerLink.written`)."""
    changed = [
        t
        for t in targets
        if t.values.accepts_marketing is not None
        and (t.link is None or t.stale or not t.link.pk or t.link.written != t.values.digest())
    ]
    set_consent_tag(
        client,
        [t.partner_id for t in changed if t.values.accepts_marketing and t.partner_id],
        [t.partner_id for t in changed if not t.values.accepts_marketing and t.partner_id],
    )


def _write_addresses(client: OdooClient, targets: list[_Target]) -> None:
    """Each customer's addresses as the order path keeps them (CustomerLink.addresses: digest -> contact), so
    an order whose billing or shipping address equals one of them finds it instead of creating it.

    The default address is the partner's own when Synco wrote it there; every other address (and the default
    one of a partner that is the merchant's) is a 'delivery' child, found for an order's invoice address too.
    """
    rows: list[list[str]] = []
    pending: list[tuple[_Target, str, str]] = []  # target, delivery digest, invoice digest
    for t in targets:
        partner_id = t.partner_id
        assert partner_id is not None
        assert t.link is not None
        known: dict[str, int] = dict(t.link.addresses)
        addresses: list[Address] = other_addresses(t.record)
        if t.values.address is not None:
            if t.key:
                for kind in ("invoice", "delivery"):
                    known.setdefault(address_digest(partner_id, kind, t.values.address), partner_id)
            else:
                addresses.insert(0, t.values.address)
        for address in addresses:
            delivery = address_digest(partner_id, "delivery", address)
            invoice = address_digest(partner_id, "invoice", address)
            existing = known.get(delivery) or known.get(invoice)
            if existing:
                known.setdefault(delivery, existing)
                known.setdefault(invoice, existing)
                continue
            cells = address_cells(client, address, address.name)
            rows.append(
                [
                    f"{MODULE}.address_{delivery}",
                    str(partner_id),
                    "delivery",
                    *(cells[name] for name in ADDRESS_FIELDS),
                ]
            )
            pending.append((t, delivery, invoice))
        t.link.addresses = known
    if rows:
        ids = client.load("res.partner", ["id", "parent_id/.id", "type", *ADDRESS_FIELDS], rows)
        for (t, delivery, invoice), contact_id in zip(pending, ids, strict=True):
            assert t.link is not None
            t.link.addresses[delivery] = contact_id
            t.link.addresses[invoice] = contact_id


# ------------------------------------------------------------------------------------------- full import

BATCH = 200  # customers per Odoo batch (a fixed number of calls each)
BULK_POLL_SECONDS = 3.0
STEP_SECONDS = 60.0  # one task works this long, then hands the run to the next task (resumable checkpoint)


class ImportAlreadyRunning(PermanentGatewayError):
    """The shop already has a customer import under way."""


def start_customer_import(shop: Shop) -> CatalogueRun:
    """A new full import (the caller queues its task); refused while another one is under way or when the
    shop's rules send no customer to Odoo."""
    rules, _ = OrderRules.objects.get_or_create(shop=shop)
    check_customers_sent(rules)
    with transaction.atomic():
        Shop.objects.select_for_update().filter(pk=shop.pk).first()
        if CatalogueRun.objects.filter(
            shop=shop, kind=CatalogueRun.Kind.CUSTOMERS, status__in=CatalogueRun.ACTIVE
        ).exists():
            raise ImportAlreadyRunning("A customer import is already under way: wait for it or stop it.")
        return CatalogueRun.objects.create(shop=shop, kind=CatalogueRun.Kind.CUSTOMERS)


def latest_run(shop: Shop) -> CatalogueRun | None:
    return CatalogueRun.objects.filter(shop=shop, kind=CatalogueRun.Kind.CUSTOMERS).order_by("-pk").first()


def request_stop(shop: Shop, run_id: int) -> bool:
    """Ask the shop's run to stop after its current batch (a run still waiting for Shopify stops at once)."""
    runs = CatalogueRun.objects.filter(shop=shop, pk=run_id, kind=CatalogueRun.Kind.CUSTOMERS)
    stopped = runs.filter(status__in=[CatalogueRun.Status.QUEUED, CatalogueRun.Status.STARTING]).update(
        status=CatalogueRun.Status.STOPPED, stop_requested=True, finished_at=timezone.now()
    )
    return bool(
        stopped
        or runs.filter(status=CatalogueRun.Status.RUNNING).update(
            status=CatalogueRun.Status.STOPPING, stop_requested=True
        )
    )


def resume(shop: Shop, run_id: int) -> bool:
    """Continue a stopped or failed run from its checkpoint (its Shopify file is kept); False when it cannot
    be resumed (no file yet: start a new import)."""
    return bool(
        CatalogueRun.objects.filter(
            shop=shop,
            pk=run_id,
            kind=CatalogueRun.Kind.CUSTOMERS,
            status__in=[CatalogueRun.Status.STOPPED, CatalogueRun.Status.FAILED],
        )
        .exclude(result_url="")
        .update(status=CatalogueRun.Status.RUNNING, stop_requested=False, error="", finished_at=None)
    )


def run_customer_import(run_id: int) -> float | None:
    """One step of a full import: start Shopify's bulk operation, poll it, or write the next batches to Odoo
    from the checkpoint. Returns the seconds after which to take the next step, None when the run ended."""
    run = (
        CatalogueRun.objects.select_related("shop")
        .filter(pk=run_id, kind=CatalogueRun.Kind.CUSTOMERS)
        .first()
    )
    if run is None:
        return None
    try:
        if run.status == CatalogueRun.Status.QUEUED:
            operation = start_bulk_customers(shopify_client_for(run.shop))
            CatalogueRun.objects.filter(pk=run.pk, status=CatalogueRun.Status.QUEUED).update(
                status=CatalogueRun.Status.STARTING, bulk_operation_id=operation, started_at=timezone.now()
            )
            return BULK_POLL_SECONDS
        if run.status == CatalogueRun.Status.STARTING:
            return _poll(run)
        if run.status == CatalogueRun.Status.STOPPING:
            _end(run, CatalogueRun.Status.STOPPED)
            return None
        if run.status == CatalogueRun.Status.RUNNING:
            return _write_from_checkpoint(run)
    except GatewayError as exc:
        _end(run, CatalogueRun.Status.FAILED, exc.message)
    return None


def _end(run: CatalogueRun, status: str, error: str = "") -> None:
    CatalogueRun.objects.filter(pk=run.pk).update(status=status, error=error, finished_at=timezone.now())


def _poll(run: CatalogueRun) -> float | None:
    client = shopify_client_for(run.shop)
    status = client.bulk_status(run.bulk_operation_id)
    if not status.finished:
        return BULK_POLL_SECONDS
    if status.status != "COMPLETED":
        reason = f"Shopify's bulk operation ended {status.status.lower()}"
        _end(
            run,
            CatalogueRun.Status.FAILED,
            reason + (f" ({status.error_code})" if status.error_code else "") + ".",
        )
        return None
    # Counted once, for the progress bar (a customer file streams in seconds; Odoo is the slow part).
    total = (
        sum(1 for _ in iter_bulk_customers(client, status.url, on_error=lambda exc: None))
        if status.url
        else 0
    )
    CatalogueRun.objects.filter(pk=run.pk, status=CatalogueRun.Status.STARTING).update(
        status=CatalogueRun.Status.RUNNING, result_url=status.url, total=total
    )
    return 0.0


def _write_from_checkpoint(run: CatalogueRun) -> float | None:
    shopify = shopify_client_for(run.shop)
    odoo = odoo_client_for(run.shop)
    deadline = time.monotonic() + STEP_SECONDS
    parse_failures: list[str] = []
    records = iter_bulk_customers(
        shopify, run.result_url, on_error=lambda exc: parse_failures.append(str(exc))
    )
    position = 0
    batch: list[ShopifyCustomerRecord] = []
    failed_before = 0
    for record in records:
        position += 1
        if position <= run.done:
            failed_before = len(parse_failures)
            continue
        batch.append(record)
        if len(batch) >= BATCH:
            if not _commit_batch(run, odoo, batch, len(parse_failures) - failed_before):
                return None
            failed_before = len(parse_failures)
            batch = []
            if time.monotonic() > deadline:
                return 0.0  # the next task continues from the checkpoint
    pending = batch or len(parse_failures) > failed_before
    if pending and not _commit_batch(run, odoo, batch, len(parse_failures) - failed_before):
        return None
    CatalogueRun.objects.filter(pk=run.pk, status=CatalogueRun.Status.RUNNING).update(
        status=CatalogueRun.Status.DONE, finished_at=timezone.now()
    )
    return None


def _commit_batch(
    run: CatalogueRun, odoo: OdooClient, batch: list[ShopifyCustomerRecord], unreadable: int
) -> bool:
    """Write one batch and move the checkpoint past it; False when the run was asked to stop."""
    result = write_customers(odoo, run.shop, batch) if batch else BatchResult()
    run.done += len(batch)
    CatalogueRun.objects.filter(pk=run.pk).update(
        done=run.done,
        created=F("created") + result.created,
        linked=F("linked") + result.linked,
        updated=F("updated") + result.updated,
        unchanged=F("unchanged") + result.unchanged,
        failed=F("failed") + result.failed + unreadable,
    )
    if CatalogueRun.objects.filter(pk=run.pk, stop_requested=True).exists():
        _end(run, CatalogueRun.Status.STOPPED)
        return False
    return True


# ------------------------------------------------------------------------------------------- sweep


def sweep_customers(shop: Shop) -> BatchResult:
    """Customers updated in Shopify since the watermark (a missed webhook is caught here), in batches."""
    settings = CustomerSettings.of(shop)
    rules, _ = OrderRules.objects.get_or_create(shop=shop)
    if rules.customer_match == OrderRules.CustomerMatch.SINGLE:
        return BatchResult()
    since = settings.swept_until
    if since is None:
        # Never imported: the full import brings everyone; the sweep starts from now.
        CustomerSettings.objects.filter(pk=settings.pk).update(swept_until=timezone.now())
        return BatchResult()
    query = f"updated_at:>='{since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    odoo = odoo_client_for(shop)
    result = BatchResult()
    newest = since
    batch: list[ShopifyCustomerRecord] = []
    for record in iter_customers(shopify_client_for(shop), query=query):
        batch.append(record)
        newest = max(newest, record.updated_at)
        if len(batch) >= BATCH:
            result.add(write_customers(odoo, shop, batch))
            batch = []
    if batch:
        result.add(write_customers(odoo, shop, batch))
    CustomerSettings.objects.filter(pk=settings.pk).update(swept_until=newest)
    return result


def shops_to_sweep() -> list[int]:
    """Installed shops whose customers Synco keeps in step (a full import was started at least once)."""
    return list(
        Shop.objects.filter(
            uninstalled_at__isnull=True,
            catalogue_runs__kind=CatalogueRun.Kind.CUSTOMERS,
        )
        .distinct()
        .values_list("pk", flat=True)
    )
