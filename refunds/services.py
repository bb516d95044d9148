"""Shopify refunds into Odoo: a credit note per refund (paid back in the gateway's journal), or, before the
order is invoiced, lower quantities on its sale order. Idempotent: each refund is keyed in Odoo."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from orders.edits import with_edits
from orders.mapping import XMLID_MODULE, MappingError
from orders.models import Order, SyncStatus
from orders.money import TaxRate, currency_unit
from products.services import ensure_service_product
from refunds.mapping import (
    CENT,
    CreditLine,
    CreditNoteDraft,
    RefundMappingError,
    RefundRefs,
    ReturnAllocation,
    SaleLineRef,
    Settlement,
    allocate_returns,
    credit_note_draft,
    expected_total,
    reduced_quantities,
    refund_problem,
    returned_quantities,
    returns_goods,
    sale_order_extras,
    settlement,
    unreturned_note,
)
from refunds.models import Refund, RefundState
from refunds.taxes import TaxContext
from synclogs.models import SyncAttempt
from synclogs.records import finish_attempt, start_attempt
from synco import queue
from synco.errors import GatewayError, TransientGatewayError
from synco.formatting import format_money
from synco.gateways import odoo_client_for, shopify_client_for
from synco.models import OrderRules, Shop
from synco.odoo.cache import cached
from synco.odoo.client import (
    OdooClient,
    OdooInvoice,
    OdooMoveHeader,
    OdooPicking,
    OdooSaleLine,
    OdooSaleOrder,
)
from synco.shopify.queries import REFUND_LINES
from synco.shopify.types import OrderParseError, ShopifyOrder, parse_order
from synco.shopify.types import Refund as ShopifyRefund

logger = logging.getLogger(__name__)

ADJUSTMENT_PRODUCT_CODE = "SHOPIFY-REFUND-ADJUSTMENT"
CLAIM_SECONDS = 600
MAX_ATTEMPTS = 8
WAITS_FOR_ORDER = "Waits for its order to be synced to Odoo."


def refund_ref(shopify_id: int | str) -> str:
    """The key Synco writes into the credit note's reference to find it again (one per Shopify refund)."""
    return f"shopify:refund:{shopify_id}"


# -- storing --------------------------------------------------------------------------------


def store_refunds(order: Order, parsed: ShopifyOrder, node: dict[str, Any]) -> list[int]:
    """Create or refresh the order's Refund rows; queue those that can go to Odoo. Returns the queued ids."""
    raw_refunds = [item for item in node.get("refunds") or [] if isinstance(item, dict)]
    queued: list[int] = []
    for refund, raw in zip(parsed.refunds, raw_refunds, strict=False):
        if not refund.number.isdigit():
            continue
        row, created = Refund.objects.get_or_create(
            shop_id=order.shop_id,
            shopify_id=int(refund.number),
            defaults={
                "order": order,
                "gid": refund.id,
                "payload": raw,
                "amount": refund.amount,
                "created_at": refund.created_at or parsed.updated_at,
            },
        )
        if not created and refund.detailed and row.state in (RefundState.PENDING, RefundState.HELD):
            # A held refund whose transaction has settled since is tried again.
            Refund.objects.filter(pk=row.pk, state__in=(RefundState.PENDING, RefundState.HELD)).update(
                payload=raw, amount=refund.amount, state=RefundState.PENDING, reason=""
            )
            row.state = RefundState.PENDING
        if (
            row.state == RefundState.PENDING
            and order.odoo_id is not None
            and (order.sync_status == SyncStatus.SYNCED or held_by_refunds(order))
        ):
            queue_refund(row.pk)
            queued.append(row.pk)
    return queued


def queue_refund(refund_id: int) -> None:
    queue.delay_on_commit("refunds.tasks.sync_refund_task", refund_id)


def queue_refunds(shop_id: int, refund_ids: list[int]) -> None:
    """The refunds of a batch of orders follow them: one task for them all (refunds.batching), one at a time
    for a single one."""
    if len(refund_ids) == 1:
        queue_refund(refund_ids[0])
    elif refund_ids:
        queue.delay_on_commit("refunds.tasks.sync_refunds_task", shop_id, [int(i) for i in refund_ids])


def queue_order_refunds(order_id: int) -> int:
    """After the order reached Odoo: its waiting refunds follow."""
    ids = list(
        Refund.objects.filter(order_id=order_id, state=RefundState.PENDING).values_list("pk", flat=True)
    )
    for refund_id in ids:
        queue_refund(refund_id)
    return len(ids)


def waiting_refunds(shop_id: int) -> QuerySet[Refund]:
    """The shop's pending refunds of orders already in Odoo (ready_for_odoo), not being worked on."""
    return (
        Refund.objects.filter(
            shop_id=shop_id,
            state=RefundState.PENDING,
            order__odoo_id__isnull=False,
        )
        .filter(
            Q(order__sync_status=SyncStatus.SYNCED)
            | Q(
                order__sync_status=SyncStatus.NEEDS_REVIEW,
                order__review_reason__startswith=REFUND_REVIEW_PREFIX,
            )
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=timezone.now()))
    )


def queue_pending_refunds(shop_id: int) -> int:
    """The sweep: every pending refund of an order already in Odoo, not being worked on, is queued."""
    ids = list(waiting_refunds(shop_id).values_list("pk", flat=True))
    for refund_id in ids:
        queue_refund(refund_id)
    return len(ids)


def retry_refund(refund: Refund) -> bool:
    """Retry of a held or failed refund (the order page's button)."""
    updated = Refund.objects.filter(pk=refund.pk, state__in=(RefundState.HELD, RefundState.FAILED)).update(
        state=RefundState.PENDING, reason="", attempts=0
    )
    if updated:
        queue_refund(refund.pk)
    return bool(updated)


# -- the figure the order page compares with Shopify's current total ----------------------------


def invoiced_net_of_credit_notes(order: Order) -> Decimal | None:
    """Odoo's invoice total minus the credit notes Synco made for the order's refunds (None: not invoiced)."""
    if order.odoo_invoice_id is None or order.odoo_total is None:
        return None
    credited = Refund.objects.filter(
        order=order, state=RefundState.SYNCED, odoo_credit_note_id__isnull=False
    ).aggregate(total=Sum("odoo_total"))["total"]
    return (order.odoo_total - (credited or Decimal("0"))).quantize(CENT)


# -- syncing ---------------------------------------------------------------------------------


def _claim(refund_id: int) -> Refund | float | None:
    """Take the refund for this run: None if done, gone or another worker has it; seconds to wait if another
    refund of the same order is being written (they change the same documents)."""
    now = timezone.now()
    row = Refund.objects.filter(pk=refund_id).select_related("order", "shop").first()
    if row is None or row.state != RefundState.PENDING:
        return None
    busy = Refund.objects.filter(order_id=row.order_id, claimed_until__gt=now).exclude(pk=row.pk).exists()
    if busy:
        return 5.0
    taken = (
        Refund.objects.filter(pk=refund_id, state=RefundState.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=row.attempts + 1)
    )
    if not taken:
        return None
    row.attempts += 1
    return row


def sync_refund(refund_id: int, task_id: str = "") -> float | None:
    """Write one refund into Odoo exactly once; returns seconds until a retry when Odoo is unreachable."""
    claim = _claim(refund_id)
    if claim is None or isinstance(claim, float):
        return claim
    return sync_claimed(claim, task_id)


def ready_for_odoo(order: Order) -> bool:
    """The order's refunds may go to Odoo: it is there, Synced (or held only because of its refunds)."""
    return order.odoo_id is not None and (order.sync_status == SyncStatus.SYNCED or held_by_refunds(order))


def object_ref(refund: Refund) -> str:
    """The refund as its sync log entry names it."""
    return f"{refund.order.name} refund {refund.shopify_id}"


def sync_claimed(refund: Refund, task_id: str = "", record: SyncAttempt | None = None) -> float | None:
    """Write a refund this run has claimed, one at a time (with the log entry a batch opened for it, if any);
    returns seconds until a retry when Odoo is unreachable."""
    order = refund.order
    if not ready_for_odoo(order):
        # Not in Odoo yet, or held for review (its documents are the merchant's to fix): the order's next
        # successful sync queues the refund again. An order held only because of its refunds takes them.
        _finish(refund, RefundState.PENDING, WAITS_FOR_ORDER)
        if record is not None:
            finish_attempt(record, succeeded=False, message=WAITS_FOR_ORDER)
        return None
    if record is None:
        record = start_attempt(
            shop_id=refund.shop_id,
            order_id=order.pk,
            object_ref=object_ref(refund),
            operation=OPERATION,
            attempt=refund.attempts,
            task_id=task_id,
        )
    client: OdooClient | None = None
    try:
        parsed, shopify_refund = _read_refund(order, refund)
        problem = refund_problem(parsed, shopify_refund)
        if problem:
            raise RefundMappingError(problem)
        client = odoo_client_for(refund.shop)
        message = write_refund(
            client, refund.shop, _rules(refund.shop), order, parsed, shopify_refund, refund
        )
    except REFUND_ERRORS as exc:
        return settle_failure(refund, record, exc, _calls(client))
    finally:
        if client is not None:
            client.close()
    settle_success(refund, record, message, _calls(client))
    return None


# What a refund's run may end with besides success: held (the merchant's to fix), failed, or a retry later.
REFUND_ERRORS = (RefundMappingError, GatewayError, MappingError, OrderParseError)
OPERATION = "create_credit_note"


def settle_failure(refund: Refund, record: SyncAttempt, exc: Exception, rpc_calls: int) -> float | None:
    """Record why the refund did not land (one at a time and in a batch alike): held with its reason, failed,
    or pending with the seconds until its retry (failed after MAX_ATTEMPTS)."""
    order = refund.order
    if isinstance(exc, _Held):
        finish_attempt(
            record,
            succeeded=False,
            message="Held: the credit note differs from Shopify's refund.",
            rpc_calls=rpc_calls,
        )
        review_order_refunds(order.pk)
        return None
    if isinstance(exc, RefundMappingError):
        _finish(refund, RefundState.HELD, str(exc))
        finish_attempt(record, succeeded=False, message=f"Held: {exc}", rpc_calls=rpc_calls)
        review_order_refunds(order.pk)
        return None
    if isinstance(exc, TransientGatewayError):
        if refund.attempts >= MAX_ATTEMPTS:
            _finish(refund, RefundState.FAILED, exc.message)
            finish_attempt(record, succeeded=False, message=exc.message, rpc_calls=rpc_calls)
            review_order_refunds(order.pk)
            return None
        _finish(refund, RefundState.PENDING, exc.message)
        finish_attempt(record, succeeded=False, message=exc.message, rpc_calls=rpc_calls)
        return float(min(30 * 2 ** (refund.attempts - 1), 1800))
    _finish(refund, RefundState.FAILED, str(exc))
    finish_attempt(record, succeeded=False, message=str(exc), rpc_calls=rpc_calls)
    review_order_refunds(order.pk)
    return None


def settle_success(refund: Refund, record: SyncAttempt, message: str, rpc_calls: int) -> None:
    """Record the refund written (its row already says what it became in Odoo), and the order's status."""
    refund.refresh_from_db()
    finish_attempt(
        record,
        succeeded=True,
        message=message,
        odoo_model="account.move" if refund.odoo_credit_note_id else "sale.order",
        odoo_id=refund.odoo_credit_note_id or refund.order.odoo_id,
        rpc_calls=rpc_calls,
    )
    review_order_refunds(refund.order_id)


# -- the order's status after its refunds ----------------------------------------------------

# The start of the review reason of an order held because of its refunds (not its own documents).
REFUND_REVIEW_PREFIX = "Refunds: "


def held_by_refunds(order: Order) -> bool:
    return order.sync_status == SyncStatus.NEEDS_REVIEW and order.review_reason.startswith(
        REFUND_REVIEW_PREFIX
    )


def refund_review_reason(order: Order, refunds: list[Refund], current: Decimal | None) -> str:
    """Why the order needs the merchant after its refunds ("" when it does not): a refund held or failed, or
    Odoo's figure (invoices net of credit notes, or the lowered sale order) off Shopify's current total."""
    stuck = [r for r in refunds if r.state in (RefundState.HELD, RefundState.FAILED)]
    if stuck:
        return REFUND_REVIEW_PREFIX + " ".join(
            f"refund {r.shopify_id} is {r.get_state_display().lower()}: {r.reason}" for r in stuck
        )
    if not refunds or any(r.state != RefundState.SYNCED for r in refunds) or current is None:
        return ""
    net = invoiced_net_of_credit_notes(order)
    odoo, figure = (
        (net, "invoices net of credit notes") if net is not None else (order.odoo_total, "sale order")
    )
    if odoo is None:
        return ""
    difference = odoo - current
    if abs(difference) <= _rules(order.shop).totals_tolerance:
        return ""
    return REFUND_REVIEW_PREFIX + (
        f"after its refunds, Odoo's {figure} come to {format_money(odoo, order.currency)} but Shopify's current "
        f"total is {format_money(current, order.currency)} ({format_money(difference, order.currency, signed=True)}); "
        "compare the refunds with Shopify's order."
    )


def review_order_refunds(order_id: int) -> None:
    """An order whose refunds did not all land as Shopify has them is visibly Needs review with the reason;
    once they do, it is Synced again. An order held for its own documents is left as it is."""
    order = Order.objects.select_related("shop").filter(pk=order_id).first()
    if order is None or not (order.sync_status == SyncStatus.SYNCED or held_by_refunds(order)):
        return
    try:
        current = parse_order(order.payload).current_total
    except OrderParseError:
        current = None
    reason = refund_review_reason(order, list(Refund.objects.filter(order=order)), current)
    if reason:
        Order.objects.filter(
            pk=order.pk, sync_status__in=(SyncStatus.SYNCED, SyncStatus.NEEDS_REVIEW)
        ).update(sync_status=SyncStatus.NEEDS_REVIEW, review_reason=reason, status_changed_at=timezone.now())
    elif held_by_refunds(order):
        Order.objects.filter(pk=order.pk, sync_status=SyncStatus.NEEDS_REVIEW).update(
            sync_status=SyncStatus.SYNCED, review_reason="", status_changed_at=timezone.now()
        )


def _calls(client: OdooClient | None) -> int:
    return client.rpc_calls if client is not None else 0


def _rules(shop: Shop) -> OrderRules:
    rules, _ = OrderRules.objects.get_or_create(shop=shop)
    return rules


def _finish(refund: Refund, state: str, reason: str, **values: Any) -> None:
    Refund.objects.filter(pk=refund.pk).update(state=state, reason=reason, claimed_until=None, **values)


def _read_refund(order: Order, refund: Refund) -> tuple[ShopifyOrder, ShopifyRefund]:
    """The order and this refund with its lines; an order stored by a bulk import has refund summaries only,
    so it is read again from Shopify (the refund's lines are kept for the next runs)."""
    parsed = parse_order(order.payload)
    found = next((r for r in parsed.refunds if r.number == str(refund.shopify_id)), None)
    if found is not None and found.detailed:
        return parsed, found
    result = shopify_client_for(refund.shop).fetch_order(order.gid)
    if result.order is None:
        raise RefundMappingError(f"Shopify's order could not be read: {result.error}")
    raw = next((item for item in result.node.get("refunds") or [] if str(item.get("id")) == refund.gid), None)
    found = next((r for r in result.order.refunds if r.number == str(refund.shopify_id)), None)
    if raw is None or found is None or not found.detailed:
        raise RefundMappingError(
            f"Synco reads up to {REFUND_LINES} lines of a refund and this one has more (or Shopify no longer "
            "lists it): credit it in Odoo by hand."
        )
    Refund.objects.filter(pk=refund.pk).update(payload=raw)
    return result.order, found


def _refs(client: OdooClient, shop: Shop, parsed: ShopifyOrder, refund: ShopifyRefund) -> RefundRefs:
    """The sale order lines the refund touches (by the external ids the order sync gave them)."""
    return refs_many(client, shop, [(parsed, refund)])[0]


def _ref_keys(parsed: ShopifyOrder, refund: ShopifyRefund) -> tuple[dict[str, str], dict[str, int]]:
    """External id names of the refund's lines (-> Shopify line number) and of the order's shipping lines
    (-> index)."""
    items = {line.id: line for line in parsed.line_items}
    line_keys = {
        f"line_{items[line.line_item_id].number}": items[line.line_item_id].number
        for line in refund.lines
        if line.line_item_id in items
    }
    shipping_keys = {f"shipping_{parsed.id}_{index}": index for index in range(len(parsed.shipping_lines))}
    return line_keys, shipping_keys


def refs_many(
    client: OdooClient,
    shop: Shop,
    refunds: list[tuple[ShopifyOrder, ShopifyRefund]],
    lines: dict[int, OdooSaleLine] | None = None,
) -> list[RefundRefs]:
    """The sale order lines each refund touches, for many refunds with two calls in all (their external ids,
    then the lines), one when the orders' ``lines`` were read already."""
    keys = [_ref_keys(parsed, refund) for parsed, refund in refunds]
    names = [
        name
        for (line_keys, shipping_keys), (_, refund) in zip(keys, refunds, strict=True)
        for name in [*line_keys, *(shipping_keys if refund.shipping else {})]
    ]
    targets = client.xmlid_targets(XMLID_MODULE, names)
    sale_lines = dict(lines or {})
    missing = [target for target in targets.values() if target not in sale_lines]
    if missing:
        sale_lines.update({line.id: line for line in client.read_sale_lines(missing)})
    return [
        _refs_from(client, shop, parsed, refund, line_keys, shipping_keys, targets, sale_lines)
        for (parsed, refund), (line_keys, shipping_keys) in zip(refunds, keys, strict=True)
    ]


def _refs_from(
    client: OdooClient,
    shop: Shop,
    parsed: ShopifyOrder,
    refund: ShopifyRefund,
    line_keys: dict[str, str],
    shipping_keys: dict[str, int],
    targets: dict[str, int],
    sale_lines: dict[int, OdooSaleLine],
) -> RefundRefs:
    def ref(key: str) -> SaleLineRef | None:
        line = sale_lines.get(targets.get(key, 0))
        if line is None:
            return None
        return SaleLineRef(
            id=line.id,
            product_id=line.product_id,
            quantity=line.quantity,
            tax_ids=line.tax_ids,
            price_unit=line.price_unit,
            discount=line.discount,
        )

    lines = {number: found for key, number in line_keys.items() if (found := ref(key)) is not None}
    shipping = {index: found for key, index in shipping_keys.items() if (found := ref(key)) is not None}
    adjustment = adjustment_product(client, shop) if refund.adjustments else None
    return RefundRefs(
        lines=lines,
        shipping=shipping,
        adjustment_product_id=adjustment,
        tax_context=_tax_context(client, shop, parsed, refund),
    )


def adjustment_product(client: OdooClient, shop: Shop) -> int:
    """The untaxed service product of refund adjustments and rounding lines (created once if missing)."""
    return ensure_service_product(client, shop, ADJUSTMENT_PRODUCT_CODE, "Shopify refund adjustment")


def _tax_context(
    client: OdooClient, shop: Shop, parsed: ShopifyOrder, refund: ShopifyRefund
) -> TaxContext | None:
    """Odoo's sale taxes, rounding and rounding product, when the refund gives back tax (cached: no call
    once the order sync has read them)."""
    if not any(line.tax for line in refund.lines) and not any(s.tax for s in refund.shipping):
        return None
    taxes = cached(client, "taxes", client.find_sale_taxes)
    rules = _rules(shop)
    return TaxContext(
        rates={tax.id: TaxRate(tax.id, tax.amount, tax.price_included, tax.sequence) for tax in taxes},
        names={tax.id: tax.name for tax in taxes},
        unit=currency_unit(parsed.currency),
        method=cached(client, "tax_rounding", client.company_tax_rounding),
        correction_product_id=ensure_service_product(
            client, shop, rules.rounding_product_code, "Shopify rounding"
        ),
    )


def write_refund(
    client: OdooClient,
    shop: Shop,
    rules: OrderRules,
    order: Order,
    parsed: ShopifyOrder,
    shopify_refund: ShopifyRefund,
    refund: Refund,
) -> str:
    """Credit note (posted, paid back) once the order is invoiced; lower sale order quantities before."""
    assert order.odoo_id is not None
    key = refund_ref(refund.shopify_id)
    returned = _return_restocked(client, shop, rules, order, parsed, shopify_refund, refund)
    credit_id = client.find_credit_note(key)
    if credit_id is None:
        sale = client.read_sale_order(order.odoo_id)
        refs = _refs(client, shop, parsed, shopify_refund)
        draft = credit_note_draft(parsed, shopify_refund, refs)
        if not sale.invoice_ids and sale.state == "cancel":
            _finish(refund, RefundState.SYNCED, "", odoo_total=Decimal("0"), processed_at=timezone.now())
            return f"Nothing to lower: {sale.name} is cancelled in Odoo."
        if not sale.invoice_ids:
            reduced = _reduce_sale_order(
                client, shop, rules, order, parsed, shopify_refund, refs, draft, refund
            )
            return " ".join(filter(None, [reduced, returned]))
        values, lines = credit_note(order, refund, draft, client.read_move_header(max(sale.invoice_ids)))
        credit_id = client.create_credit_note(values, lines)
        line_count = len(draft.lines)
    else:
        # An earlier run created it and lost Odoo's answer (or stopped before posting): finish that one.
        line_count = (
            1 + len(shopify_refund.lines) + len(shopify_refund.shipping) + len(shopify_refund.adjustments)
        )
    done = post_and_pay(
        client,
        shop,
        rules,
        settlement(parsed, shopify_refund),
        line_count,
        credit_id,
        refund,
        parsed.currency,
    )
    return " ".join(filter(None, [done, returned]))


DRAFT_INVOICE = "The order's invoice is still a draft in Odoo: post it (or delete it), then retry the refund."


def credit_note(
    order: Order, refund: Refund, draft: CreditNoteDraft, invoice: OdooMoveHeader
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The credit note's values and lines for Odoo, against the order's (posted) invoice."""
    if invoice.state != "posted":
        raise RefundMappingError(DRAFT_INVOICE)
    values = {
        "partner_id": invoice.partner_id,
        "currency_id": invoice.currency_id,
        "ref": refund_ref(refund.shopify_id),
        "invoice_origin": order.name,
        "invoice_date": draft.settlement.paid_on,
    }
    return values, [_line_values(line) for line in draft.lines]


def _return_restocked(
    client: OdooClient,
    shop: Shop,
    rules: OrderRules,
    order: Order,
    parsed: ShopifyOrder,
    shopify_refund: ShopifyRefund,
    refund: Refund,
) -> str:
    """When the shop wants it: the items Shopify restocked as returned come back through Odoo's return
    wizard, one return per done delivery they are taken from (newest delivery first, never more than it
    delivered minus what its returns already took back: Odoo does not check). Each return's origin carries
    the refund's key, so a rerun finds those made and creates only the rest; a return an earlier run created
    without learning of it is recognised by the mark left before asking for it and by its quantities.
    What cannot be returned is said in the message; the refund syncs all the same."""
    if not rules.return_restocked_items or refund.odoo_return_picking_id or not returns_goods(shopify_refund):
        return ""
    assert order.odoo_id is not None
    tag = f"({refund_ref(refund.shopify_id)})"
    refs = _refs(client, shop, parsed, shopify_refund)
    wanted = returned_quantities(parsed, shopify_refund, refs)
    deliveries = list(reversed(client.done_deliveries(order.odoo_id)))  # newest first
    returns = {delivery.id: client.return_pickings(delivery.id) for delivery in deliveries}
    ours = [p for pickings in returns.values() for p in pickings if tag in p.origin]
    # What an earlier run already returned is not asked again.
    for picking in ours:
        for product, quantity in picking.quantities.items():
            if product in wanted:
                wanted[product] -= quantity
    wanted = {product: quantity for product, quantity in wanted.items() if quantity > 0}
    marks = {int(k): int(v) for k, v in (refund.return_picking_marks or {}).items()}
    # Returns without any refund's key made after this refund's mark on their delivery: maybe the one a run
    # created without learning of it. They are set aside, then taken as its own if their quantities are those
    # it would ask for; otherwise they count as returned like any other return.
    unsure = {
        delivery_id: [
            p
            for p in pickings
            if "shopify:refund:" not in p.origin and delivery_id in marks and p.id > marks[delivery_id]
        ]
        for delivery_id, pickings in returns.items()
    }
    allocation = _allocate(wanted, deliveries, returns, unsure)
    adopted = {
        delivery_id: found
        for delivery_id, quantities in allocation.by_delivery.items()
        if (found := next((p for p in unsure[delivery_id] if p.quantities == quantities), None)) is not None
    }
    if any(p not in adopted.values() for ps in unsure.values() for p in ps):
        unsure = {d: [adopted[d]] if d in adopted else [] for d in unsure}
        allocation = _allocate(wanted, deliveries, returns, unsure)
    made = list(ours)
    by_id = {delivery.id: delivery for delivery in deliveries}
    for delivery_id, quantities in allocation.by_delivery.items():
        known = adopted.get(delivery_id)
        if known is not None and known.quantities == quantities:
            picking_id = known.id
        else:
            _mark_return(refund, delivery_id, max((p.id for p in returns[delivery_id]), default=0))
            picking_id = client.create_return_picking(delivery_id, quantities)
        client.set_picking_origin(picking_id, f"Return of {by_id[delivery_id].name} {tag}")
        made.extend(client.read_pickings([["id", "=", picking_id]]))
    if rules.validate_return_pickings:
        for picking in made:
            if picking.state != "done":
                # A later return of the same delivery unreserves it (its state may still say assigned).
                client.assign_picking(picking.id)
                client.validate_picking(picking.id)
    note = unreturned_note(allocation.unreturned, _product_names(parsed, refs))
    if not made:
        return " ".join(["No return picking.", note]).strip()
    made.sort(key=lambda p: p.id)
    Refund.objects.filter(pk=refund.pk).update(
        odoo_return_picking_id=made[0].id,
        odoo_return_picking_name=made[0].name,
        odoo_return_pickings=[{"id": p.id, "name": p.name} for p in made],
    )
    refund.odoo_return_picking_id = made[0].id
    state = "validated" if rules.validate_return_pickings else "ready to receive"
    listed = ", ".join(f"{p.name} (id {p.id})" for p in made)
    plural = "s" if len(made) > 1 else ""
    return " ".join(filter(None, [f"Return picking{plural} {listed}, {state}.", note]))


def _allocate(
    wanted: dict[int, Decimal],
    deliveries: list[OdooPicking],
    returns: dict[int, list[OdooPicking]],
    unsure: dict[int, list[OdooPicking]],
) -> ReturnAllocation:
    """The wanted quantities over the deliveries (newest first), each delivery's returns counted as returned
    except those set aside as maybe this refund's own."""
    skip = {p.id for pickings in unsure.values() for p in pickings}
    returned: dict[int, dict[int, Decimal]] = {}
    for delivery_id, pickings in returns.items():
        totals = returned.setdefault(delivery_id, {})
        for picking in pickings:
            if picking.id not in skip:
                for product, quantity in picking.quantities.items():
                    totals[product] = totals.get(product, Decimal("0")) + quantity
    return allocate_returns(wanted, [(d.id, d.quantities) for d in deliveries], returned)


def _mark_return(refund: Refund, delivery_id: int, last_return_id: int) -> None:
    """Before asking Odoo's wizard for a return: if its answer is lost, the next run knows where to look."""
    marks = dict(refund.return_picking_marks or {})
    marks[str(delivery_id)] = last_return_id
    Refund.objects.filter(pk=refund.pk).update(return_picking_marks=marks)
    refund.return_picking_marks = marks


def _product_names(parsed: ShopifyOrder, refs: RefundRefs) -> dict[int, str]:
    """Odoo product id -> the order line's title in Shopify (for the messages)."""
    titles = {item.number: item.title for item in parsed.line_items}
    return {ref.product_id: titles[number] for number, ref in refs.lines.items() if number in titles}


def _line_values(line: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "product_id": line.product_id,
        "name": line.name,
        "quantity": line.quantity,
        "price_unit": line.price_unit,
        "tax_ids": list(line.tax_ids),
    }
    if line.sale_line_id is not None:
        values["sale_line_ids"] = [(6, 0, [line.sale_line_id])]
    return values


def post_and_pay(
    client: OdooClient,
    shop: Shop,
    rules: OrderRules,
    draft: Settlement,
    line_count: int,
    credit_id: int,
    refund: Refund,
    currency: str,
) -> str:
    credit = client.read_invoice(credit_id)
    notes = []
    if credit.state == "draft":
        difference = draft.expected_total - credit.amount_total
        if difference:
            if abs(difference) > CENT * line_count:
                _finish(
                    refund,
                    RefundState.HELD,
                    f"Odoo's credit note totals {format_money(credit.amount_total, currency)}, Shopify refunded "
                    f"{format_money(draft.expected_total, currency)}: it is left as a draft in Odoo to fix "
                    "(then Retry).",
                    odoo_credit_note_id=credit.id,
                    odoo_credit_note_name=credit.name,
                    odoo_total=credit.amount_total,
                )
                raise _Held(credit.id)
            product_id = adjustment_product(client, shop)
            client.add_move_line(
                credit.id,
                {
                    "product_id": product_id,
                    "name": "Rounding to Shopify's refund",
                    "quantity": 1,
                    "price_unit": difference,
                    "tax_ids": [(6, 0, [])],
                },
            )
            notes.append(f"Added a rounding line of {format_money(difference, currency, signed=True)}.")
        client.post_invoice(credit.id)
    payment_id: int | None = None
    if draft.paid_amount:
        current = client.read_invoice(credit.id)
        if current.is_paid:
            payment_id = max(current.payment_ids) if current.payment_ids else None
        else:
            payment_id = client.register_payment(credit.id, rules.journal_for(draft.gateway), draft.paid_on)
    return credited(refund, client.read_invoice(credit.id), payment_id, currency, client.rpc_calls, notes)


def credited(
    refund: Refund,
    credit: OdooInvoice,
    payment_id: int | None,
    currency: str,
    rpc_calls: int,
    notes: list[str] | None = None,
) -> str:
    """The refund Synced as its credit note (posted, paid back when money went back), and what to say of it."""
    _finish(
        refund,
        RefundState.SYNCED,
        "",
        odoo_credit_note_id=credit.id,
        odoo_credit_note_name=credit.name,
        odoo_total=credit.amount_total,
        odoo_payment_id=payment_id,
        processed_at=timezone.now(),
        rpc_calls=rpc_calls,
    )
    paid = f", paid back ({credit.payment_state})" if payment_id else ""
    amount = format_money(credit.amount_total, currency)
    return " ".join([f"Credit note {credit.name} (id {credit.id}) for {amount}{paid}.", *(notes or [])])


class _Held(RefundMappingError):
    def __init__(self, credit_id: int) -> None:
        super().__init__("held with a draft credit note")
        self.credit_id = credit_id


def _refunds_up_to(parsed: ShopifyOrder, refund: ShopifyRefund) -> list[ShopifyRefund]:
    refunds = []
    for earlier in parsed.refunds:
        refunds.append(earlier)
        if earlier.number == refund.number:
            break
    return refunds


def _reduce_sale_order(
    client: OdooClient,
    shop: Shop,
    rules: OrderRules,
    order: Order,
    parsed: ShopifyOrder,
    shopify_refund: ShopifyRefund,
    refs: RefundRefs,
    draft: CreditNoteDraft,
    refund: Refund,
) -> str:
    """Before invoicing: lower the refunded lines' quantities; shipping and adjustments become negative lines
    (each named after the refund, so a second run finds it instead of adding it again)."""
    assert order.odoo_id is not None
    quantities, prices, extras = reduction(parsed, shopify_refund, refs, draft)
    client.set_sale_line_quantities(order.odoo_id, quantities, prices)
    for line in extras:
        tag = extra_line_name(refund, line)
        existing = client.call(
            "sale.order.line", "search", [["order_id", "=", order.odoo_id], ["name", "=", tag]], limit=1
        )
        if not existing:
            client.add_order_line(order.odoo_id, extra_line_values(client, refund, line))
    return check_reduced(
        client,
        shop,
        rules,
        order,
        parsed,
        shopify_refund,
        refund,
        draft,
        client.read_sale_order(order.odoo_id),
        len(quantities),
        len(extras),
    )


def reduction(
    parsed: ShopifyOrder, refund: ShopifyRefund, refs: RefundRefs, draft: CreditNoteDraft
) -> tuple[dict[int, Decimal], dict[int, tuple[Decimal, Decimal]], list[CreditLine]]:
    """What lowering the sale order writes: each refunded line's new quantity (absolute), its price and
    discount as read (kept), and the negative lines (shipping, adjustments)."""
    # The sale order holds Shopify's edited quantities (orders/edits.py): the refunds come off those.
    quantities = reduced_quantities(with_edits(parsed), refund, refs)
    prices = {line.id: (line.price_unit, line.discount) for line in refs.lines.values()}
    return quantities, prices, sale_order_extras(draft)


def extra_line_name(refund: Refund, line: CreditLine) -> str:
    """A negative line's name on the sale order: named after the refund, so a second run finds it."""
    return f"Refund {refund.shopify_id}: {line.name}"


def extra_line_values(client: OdooClient, refund: Refund, line: CreditLine) -> dict[str, Any]:
    """A negative sale order line (shipping, an adjustment) with its taxes."""
    return {
        "product_id": line.product_id,
        "name": extra_line_name(refund, line),
        "product_uom_qty": 1,
        "price_unit": line.price_unit,
        client.sale_line_tax_field: [(6, 0, list(line.tax_ids))],
    }


def remaining_total(parsed: ShopifyOrder, refund: ShopifyRefund) -> Decimal:
    """Shopify's total of the order after its refunds up to this one (edits in)."""
    return with_edits(parsed).total - sum(
        (expected_total(parsed, r) for r in _refunds_up_to(parsed, refund)), Decimal("0")
    )


def rounds(rules: OrderRules, difference: Decimal, changed_lines: int) -> bool:
    """Odoo's lowered sale order is off Shopify's remaining total by a rounding (a cent per line changed, or
    the shop's tolerance): a rounding line takes it; beyond, the refund is held.
    Odoo rounds the lowered line's tax on what is left; Shopify kept the refunded share: a cent may differ."""
    return abs(difference) <= max(rules.totals_tolerance, CENT * changed_lines)


def rounding_line_name(refund: Refund) -> str:
    return f"Refund {refund.shopify_id}: rounding to Shopify's total"


def rounding_line_values(
    client: OdooClient, shop: Shop, refund: Refund, difference: Decimal
) -> dict[str, Any]:
    """The sale order line that brings Odoo's total to Shopify's (no tax)."""
    return {
        "product_id": adjustment_product(client, shop),
        "name": rounding_line_name(refund),
        "product_uom_qty": 1,
        "price_unit": difference,
        client.sale_line_tax_field: [(6, 0, [])],
    }


def check_reduced(
    client: OdooClient,
    shop: Shop,
    rules: OrderRules,
    order: Order,
    parsed: ShopifyOrder,
    shopify_refund: ShopifyRefund,
    refund: Refund,
    draft: CreditNoteDraft,
    sale: OdooSaleOrder,
    lowered: int,
    extras: int,
    rpc_calls: int | None = None,
) -> str:
    """After lowering: Odoo's total against Shopify's remaining total (a rounding line for a cent per line
    changed, held beyond), the refund Synced, and what to say of it. ``rpc_calls``: the refund's share of a
    batch's calls (None: the client's count, one at a time)."""
    assert order.odoo_id is not None
    remaining = remaining_total(parsed, shopify_refund)
    difference = remaining - sale.amount_total
    if difference:
        if not rounds(rules, difference, lowered + extras):
            Order.objects.filter(pk=order.pk).update(odoo_total=sale.amount_total)
            raise RefundMappingError(
                f"After lowering {sale.name}, Odoo's total is {format_money(sale.amount_total, parsed.currency)} "
                f"and Shopify's is {format_money(remaining, parsed.currency)}: check the sale order in Odoo, then "
                "Retry."
            )
        tag = rounding_line_name(refund)
        if not client.call(
            "sale.order.line", "search", [["order_id", "=", order.odoo_id], ["name", "=", tag]], limit=1
        ):
            client.add_order_line(order.odoo_id, rounding_line_values(client, shop, refund, difference))
            sale = client.read_sale_order(order.odoo_id)
    Order.objects.filter(pk=order.pk).update(odoo_total=sale.amount_total)
    _finish(
        refund,
        RefundState.SYNCED,
        "",
        reduced_sale_order=True,
        odoo_total=draft.settlement.expected_total,
        processed_at=timezone.now(),
        rpc_calls=client.rpc_calls if rpc_calls is None else rpc_calls,
    )
    return (
        f"Not invoiced yet: lowered {lowered} line(s) of {sale.name}"
        + (f" and added {extras} negative line(s)" if extras else "")
        + f"; its total is now {format_money(sale.amount_total, parsed.currency)}."
    )


@dataclass(frozen=True)
class OrderRefunds:
    """The order's refunds for its page (oldest first); `pending`: one is on its way (the fragment polls)."""

    rows: list[Refund]

    def __iter__(self) -> Iterator[Refund]:
        return iter(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    @property
    def pending(self) -> bool:
        return any(row.state == RefundState.PENDING for row in self.rows)


def order_refunds(order: Order) -> OrderRefunds:
    rows = list(Refund.objects.filter(order=order).defer("payload"))
    for row in rows:
        row.shop = order.shop  # already read: their Odoo links need no query
    return OrderRefunds(rows)
