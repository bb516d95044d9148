"""Shopify edits of an order that is already in Odoo: lines added, removed, quantities changed.

While Odoo's sale order can take the change without touching a delivery or an invoice (a quotation, or a
confirmed order nothing of which is delivered or invoiced), the change is applied to it. Otherwise it is
recorded as a ProposedChange, shown on the order page with what Odoo has and what it would receive, for the
merchant to accept or dismiss: never silently overwritten, never silently ignored (the sync log says which).

Odoo 18's rules for a confirmed order's lines (sale, sale_stock), which the sandbox enforces too: a line cannot
be deleted ("Set the quantity to 0 instead"); the ordered quantity of a goods line cannot go below what was
delivered ("create a return in your inventory"). Accepting a proposal applies what Odoo allows on the sale order
and says what it could not; it never touches a posted invoice or a delivery: a credit note, an extra invoice or
a return stays the merchant's accounting decision in Odoo.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.documents import build_draft
from orders.mapping import XMLID_MODULE, MappingError, SaleLine, SaleOrderDraft, lines_to_untax
from orders.models import Order, ProposedChange, SyncStatus
from products.services import products_with_default_taxes
from refunds.models import Refund
from synclogs.models import SyncAttempt
from synclogs.records import finish_attempt, start_attempt
from synco import queue
from synco.errors import GatewayError, TransientGatewayError
from synco.formatting import format_money
from synco.gateways import odoo_client_for
from synco.models import OrderRules, Shop
from synco.odoo.client import OdooClient, OdooOrderLine, OdooSaleOrder
from synco.shopify.types import LineItem, OrderParseError, ShopifyOrder, TaxLine, parse_order

logger = logging.getLogger(__name__)

APPLY_OPERATION = "apply_order_edit"
ACCEPT_OPERATION = "accept_order_edit"
CENT = Decimal("0.01")
# Shown with the order (under its status and its totals) while a proposed change waits for the merchant.
WAITING_NOTE = "Changed in Shopify after it reached Odoo: accept or dismiss the change on this page."
# While the order is being written to Odoo, wait for that to finish before comparing.
WAIT_FOR_SYNC_SECONDS = 30.0


# -- what Shopify's order is after its edits (pure) -------------------------------------------


def refunded_quantities(order: ShopifyOrder, reduced: Collection[str] = ()) -> dict[str, int]:
    """Line GID -> units refunded: Shopify's currentQuantity leaves out refunded and removed units alike.

    Refunds whose GID is in `reduced` already lowered the sale order's quantities (before invoicing): their
    units stay out of it, so an edit check never puts them back."""
    refunded: dict[str, int] = {}
    for refund in order.refunds:
        if refund.id in reduced:
            continue
        for line in refund.lines:
            refunded[line.line_item_id] = refunded.get(line.line_item_id, 0) + line.quantity
    return refunded


def edited_quantity(line: LineItem, refunded: Mapping[str, int]) -> int:
    """Units on the order after its edits, refunds not deducted (a refund becomes a credit note, not an edit)."""
    if line.current_quantity is None:
        return line.quantity
    return min(line.quantity, line.current_quantity + refunded.get(line.id, 0))


def refunds_known(order: ShopifyOrder) -> bool:
    """Every refund's lines are known: only then can removed units be told from refunded ones."""
    return all(refund.detailed or not refund.amount for refund in order.refunds)


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _tax_on(net: Decimal, rate: Decimal, included: bool) -> Decimal:
    return _half_up(net * rate / (1 + rate)) if included else _half_up(net * rate)


def edited_line_amounts(
    line: LineItem, quantity: int, taxes_included: bool
) -> tuple[Decimal, tuple[TaxLine, ...]]:
    """The line's discount and tax lines for `quantity` of its units, as Shopify works them out after an edit.

    The line's price after discounts is spread over its units (rounded to the cent); the discount is what is
    left of the units' list price. Shopify recalculates a tax it computed (rate x price after discounts) on
    the new price; a tax that was not rate x price (entered by hand, charged before an order discount) is
    scaled with the quantity instead."""
    if not line.quantity:
        return Decimal(0), tuple(dataclasses.replace(tax, amount=Decimal(0)) for tax in line.tax_lines)
    share = Decimal(quantity) / Decimal(line.quantity)
    net_before = line.unit_price * line.quantity - line.discount
    net = _half_up(net_before * share)
    discount = line.unit_price * quantity - net
    taxes = []
    for tax in line.tax_lines:
        computed = bool(tax.rate) and tax.amount == _tax_on(net_before, tax.rate, taxes_included)
        amount = _tax_on(net, tax.rate, taxes_included) if computed else _half_up(tax.amount * share)
        taxes.append(dataclasses.replace(tax, amount=amount))
    return discount, tuple(taxes)


def with_edits(order: ShopifyOrder, reduced: Collection[str] = ()) -> ShopifyOrder:
    """The order as edited in Shopify: each line at its edited quantity, its discount and taxes scaled with it,
    and the order's totals less what the removed units came to.

    Shopify's line figures (quantity, taxLines, discountAllocations) and its totalPriceSet count every unit
    ordered, removed and refunded ones included; added lines are in both. Only currentQuantity and
    currentTotalPriceSet leave out removed units, and refunded ones too: refunds become credit notes."""
    refunded = refunded_quantities(order, reduced)
    lines = []
    removed_net = removed_tax = removed_discount = Decimal(0)
    for line in order.line_items:
        quantity = edited_quantity(line, refunded)
        if quantity == line.quantity:
            lines.append(line)
            continue
        discount, taxes = edited_line_amounts(line, quantity, order.taxes_included)
        removed_net += line.unit_price * (line.quantity - quantity) - (line.discount - discount)
        removed_tax += sum((tax.amount for tax in line.tax_lines), Decimal(0)) - sum(
            (tax.amount for tax in taxes), Decimal(0)
        )
        removed_discount += line.discount - discount
        lines.append(dataclasses.replace(line, quantity=quantity, discount=discount, tax_lines=taxes))
    if not removed_net and not removed_tax and not removed_discount:
        return dataclasses.replace(order, line_items=tuple(lines))
    removed_total = removed_net + (Decimal(0) if order.taxes_included else removed_tax)
    return dataclasses.replace(
        order,
        line_items=tuple(lines),
        subtotal=order.subtotal - removed_net,
        total_discounts=order.total_discounts - removed_discount,
        total_tax=order.total_tax - removed_tax,
        total=order.total - removed_total,
    )


def has_edits(order: ShopifyOrder) -> bool:
    """Shopify's order differs from what it was when placed (units removed by an edit)."""
    refunded = refunded_quantities(order)
    return any(edited_quantity(line, refunded) != line.quantity for line in order.line_items)


def edit_signature(order: ShopifyOrder) -> tuple[tuple[str, int], ...]:
    """The lines and their quantities after edits (refunded units counted back in): what only an edit changes,
    so a refund alone does not start an edit check."""
    refunded = refunded_quantities(order)
    return tuple(sorted((line.id, edited_quantity(line, refunded)) for line in order.line_items))


def edited_total(order: ShopifyOrder) -> Decimal:
    """Shopify's total of the order as edited, before refunds (totalPriceSet still counts removed units;
    currentTotalPriceSet also deducts refunds): what the sale order should come to."""
    return with_edits(order).total


# -- the plan: Odoo's lines against what Odoo would receive (pure) ----------------------------


@dataclass(frozen=True)
class LineChange:
    key: str
    title: str
    before: Decimal  # 0: a line Odoo does not have yet
    after: Decimal  # 0: removed
    price_unit: Decimal
    line_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "before": str(self.before.normalize()),
            "after": str(self.after.normalize()),
            "price_unit": str(self.price_unit.quantize(CENT)),
        }


@dataclass
class EditPlan:
    """The commands that make Odoo's sale order what Shopify's edited order maps to."""

    changes: list[LineChange] = field(default_factory=list)
    additions: list[SaleLine] = field(default_factory=list)
    updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    removals: list[int] = field(default_factory=list)
    # What Odoo would refuse, said to the merchant (only when accepting a proposal).
    refused: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.additions or self.updates or self.removals)

    def describe(self) -> str:
        parts = []
        for change in self.changes:
            if not change.before:
                parts.append(f"added {change.title} x {change.after.normalize()}")
            elif not change.after:
                parts.append(f"removed {change.title}")
            else:
                parts.append(f"{change.title}: {change.before.normalize()} -> {change.after.normalize()}")
        return "; ".join(parts)


def _same(a: Decimal, b: Decimal) -> bool:
    return a.quantize(CENT) == b.quantize(CENT)


def plan_edit(
    odoo_lines: Sequence[OdooOrderLine],
    keys: Mapping[int, str],
    draft: SaleOrderDraft,
    *,
    confirmed: bool,
) -> EditPlan:
    """Compare the sale order's lines (by the external id Synco gave each) with the edited order's draft.

    Lines Synco did not write (a rounding line, lines added in Odoo) are left alone. On a confirmed order a line
    is never deleted: its quantity becomes 0, as Odoo asks.
    """
    plan = EditPlan()
    existing = {keys[line.id]: line for line in odoo_lines if line.id in keys and not line.display_type}
    wanted = {line.key: line for line in draft.lines}
    for key, line in wanted.items():
        have = existing.get(key)
        if have is None:
            plan.additions.append(line)
            plan.changes.append(LineChange(key, line.name, Decimal(0), line.quantity, line.price_unit))
        elif (
            not _same(have.quantity, line.quantity)
            or not _same(have.price_unit, line.price_unit)
            or not _same(have.discount, line.discount)
        ):
            # Price and discount go with the quantity, always: Odoo recomputes both from the pricelist when
            # only the quantity is written (`_compute_price_unit`, `_compute_discount`), but leaves fields
            # written in the same call as they are.
            values: dict[str, Any] = {
                "product_uom_qty": line.quantity,
                "price_unit": line.price_unit,
                "discount": line.discount,
            }
            plan.updates.append((have.id, values))
            plan.changes.append(
                LineChange(key, line.name, have.quantity, line.quantity, line.price_unit, have.id)
            )
    for key, have in existing.items():
        if key in wanted or not have.quantity:
            continue
        if confirmed:
            values = {"product_uom_qty": Decimal(0), "price_unit": have.price_unit, "discount": have.discount}
            plan.updates.append((have.id, values))
        else:
            plan.removals.append(have.id)
        plan.changes.append(
            LineChange(key, have.name.splitlines()[0], have.quantity, Decimal(0), have.price_unit, have.id)
        )
    return plan


def within_odoo_rules(plan: EditPlan, odoo_lines: Sequence[OdooOrderLine]) -> EditPlan:
    """The plan as Odoo 18 accepts it on a confirmed order: a goods line never below what was delivered."""
    by_id = {line.id: line for line in odoo_lines}
    updates = []
    refused = list(plan.refused)
    for line_id, values in plan.updates:
        line = by_id[line_id]
        wanted = Decimal(values["product_uom_qty"])
        if line.is_storable and wanted < line.qty_delivered:
            refused.append(
                f"{line.name.splitlines()[0]}: {line.qty_delivered.normalize()} already delivered, so its "
                f"quantity stays {line.qty_delivered.normalize()} (not {wanted.normalize()}): create the return "
                "in Odoo's inventory."
            )
            if _same(line.qty_delivered, line.quantity):
                continue
            values = {**values, "product_uom_qty": line.qty_delivered}
        updates.append((line_id, values))
    return dataclasses.replace(plan, updates=updates, refused=refused)


def blocker(sale: OdooSaleOrder, odoo_lines: Sequence[OdooOrderLine]) -> str:
    """Why Odoo's order cannot simply take an edit ('' when it can)."""
    if sale.state == "cancel":
        return f"{sale.name} is cancelled in Odoo"
    if sale.invoice_ids or any(line.qty_invoiced for line in odoo_lines):
        return f"{sale.name} is invoiced in Odoo"
    if any(line.qty_delivered for line in odoo_lines):
        return f"{sale.name} is (partly) delivered in Odoo"
    return ""


def snapshot(odoo_lines: Sequence[OdooOrderLine], keys: Mapping[int, str], total: Decimal) -> dict[str, Any]:
    """What Odoo has, for the proposal's "before"."""
    return {
        "lines": [
            {
                "key": keys.get(line.id, ""),
                "title": line.name.splitlines()[0] if line.name else "",
                "quantity": str(line.quantity.normalize()),
                "price_unit": str(line.price_unit),
                "delivered": str(line.qty_delivered.normalize()),
                "invoiced": str(line.qty_invoiced.normalize()),
            }
            for line in odoo_lines
            if not line.display_type
        ],
        "total": str(total),
    }


def proposal_after(plan: EditPlan, before: dict[str, Any], shopify_total: Decimal) -> dict[str, Any]:
    """What Odoo would receive: each changed line before and after, and Shopify's total as edited."""
    return {
        "changes": [change.as_json() for change in plan.changes],
        "total": str(shopify_total.quantize(CENT)),
    }


# -- writing the plan into Odoo ---------------------------------------------------------------


def _addition_rows(
    sale_id: int, lines: Sequence[SaleLine], tax_field: str
) -> tuple[list[str], list[list[str]]]:
    fields = [
        "id",
        "order_id/.id",
        "product_id/.id",
        "name",
        "product_uom_qty",
        "price_unit",
        "discount",
        f"{tax_field}/.id",
        "is_delivery",
    ]
    rows = [
        [
            f"{XMLID_MODULE}.{line.key}",
            str(sale_id),
            str(line.product_id),
            line.name,
            format(line.quantity.normalize(), "f"),
            format(line.price_unit.normalize(), "f"),
            format(line.discount.normalize(), "f"),
            ",".join(str(tax) for tax in line.tax_ids),
            "1" if line.is_delivery else "0",
        ]
        for line in lines
    ]
    return fields, rows


def write_plan(client: OdooClient, shop: Shop, sale_id: int, plan: EditPlan, draft: SaleOrderDraft) -> None:
    """Updates and removals in one write; new lines through the import, with their external ids, so that
    doing it again finds them instead of adding them twice."""
    commands: list[tuple[Any, ...]] = [(1, line_id, values) for line_id, values in plan.updates]
    commands += [(2, line_id, 0) for line_id in plan.removals]
    if commands:
        client.write_order_lines(sale_id, commands)
    if plan.additions:
        tax_field = client.sale_line_tax_field
        client.load("sale.order.line", *_addition_rows(sale_id, plan.additions, tax_field))
        added = dataclasses.replace(draft, lines=tuple(plan.additions))
        untaxed = lines_to_untax(
            added, products_with_default_taxes(shop, {line.product_id for line in plan.additions})
        )
        if untaxed:
            line_ids = list(client.xmlid_targets(XMLID_MODULE, untaxed).values())
            client.call("sale.order.line", "write", line_ids, {tax_field: [(5, 0, 0)]})


# -- the service ------------------------------------------------------------------------------


@dataclass
class Comparison:
    sale: OdooSaleOrder
    lines: list[OdooOrderLine]
    keys: dict[int, str]
    draft: SaleOrderDraft
    plan: EditPlan


def _compare(
    client: OdooClient, shop: Shop, rules: OrderRules, order: Order, parsed: ShopifyOrder
) -> Comparison:
    assert order.odoo_id is not None
    sale = client.read_sale_order(order.odoo_id)
    lines = client.read_order_lines(sale.id)
    keys = client.order_line_keys(XMLID_MODULE, [line.id for line in lines])
    reduced = set(Refund.objects.filter(order=order, reduced_sale_order=True).values_list("gid", flat=True))
    draft = build_draft(client, shop, rules, with_edits(parsed, reduced))
    plan = plan_edit(lines, keys, draft, confirmed=sale.state == "sale")
    return Comparison(sale, lines, keys, draft, plan)


def _rules(shop: Shop) -> OrderRules:
    rules, _ = OrderRules.objects.get_or_create(shop=shop)
    return rules


def schedule_edit(order_id: int) -> None:
    """Compare with Odoo once the transaction that stored Shopify's edited order has committed."""
    queue.delay_on_commit("orders.tasks.apply_edit_task", order_id)


def apply_shopify_edit(order_id: int, task_id: str = "") -> float | None:
    """Bring Shopify's edit of an order already in Odoo into Odoo, or propose it; seconds to wait, if due."""
    order = Order.objects.select_related("shop").filter(pk=order_id).first()
    if order is None or order.odoo_id is None:
        return None  # not in Odoo: the sync writes the order as it is now
    if order.sync_status in (SyncStatus.QUEUED, SyncStatus.IN_PROGRESS):
        return WAIT_FOR_SYNC_SECONDS
    if order.shop.sync_paused:
        return 300.0
    try:
        parsed = parse_order(order.payload)
    except OrderParseError:
        return None
    if not refunds_known(parsed):
        logger.info("edit check waits for the refund lines", extra={"order_id": order.pk})
        return None

    # The log line is written once there is something to say (a repeat, or a refund alone, says nothing).
    def attempt() -> SyncAttempt:
        return start_attempt(
            shop_id=order.shop_id,
            order_id=order.pk,
            object_ref=order.name,
            operation=APPLY_OPERATION,
            task_id=task_id,
        )

    client: OdooClient | None = None
    record: SyncAttempt | None = None
    try:
        client = odoo_client_for(order.shop)
        seen = _compare(client, order.shop, _rules(order.shop), order, parsed)
        if seen.plan.is_empty:
            return None
        reason = blocker(seen.sale, seen.lines)
        if reason:
            message = _propose(order, parsed, seen, reason)
            if message:
                finish_attempt(
                    attempt(),
                    succeeded=True,
                    message=message,
                    odoo_model="sale.order",
                    odoo_id=seen.sale.id,
                    rpc_calls=client.rpc_calls,
                )
            return None
        record = attempt()
        write_plan(client, order.shop, seen.sale.id, seen.plan, seen.draft)
        sale = client.read_sale_order(seen.sale.id)
    except TransientGatewayError as exc:
        finish_attempt(
            record or attempt(), succeeded=False, message=f"{exc.message} Trying again in a minute."
        )
        return 60.0
    except (GatewayError, MappingError) as exc:
        finish_attempt(
            record or attempt(),
            succeeded=False,
            message=f"Shopify's edit of {order.name} could not be applied in Odoo: {exc}",
            rpc_calls=client.rpc_calls if client else 0,
        )
        return None
    finally:
        if client is not None:
            client.close()
    expected = _record_odoo(order, sale, parsed)
    difference = sale.amount_total - expected
    if abs(difference) > _rules(order.shop).totals_tolerance:
        # Never silently wrong: an applied edit that does not land on Shopify's figure is held for review.
        reason = (
            f"After Shopify's edit, Odoo's {sale.name} totals {format_money(sale.amount_total, sale.currency)} but "
            f"Shopify's order now totals {format_money(expected, sale.currency)} "
            f"({format_money(difference, sale.currency, signed=True)}); check the sale order's lines in Odoo."
        )
        Order.objects.filter(pk=order.pk).update(sync_status=SyncStatus.NEEDS_REVIEW, review_reason=reason)
        finish_attempt(
            record,
            succeeded=False,
            message=f"Applied Shopify's edit to {sale.name}: {seen.plan.describe()}. Held for review: {reason}",
            odoo_model="sale.order",
            odoo_id=sale.id,
            rpc_calls=client.rpc_calls,
        )
        logger.warning("shopify edit applied with a totals difference", extra={"order_id": order.pk})
        return None
    finish_attempt(
        record,
        succeeded=True,
        message=f"Applied Shopify's edit to {sale.name}: {seen.plan.describe()}. Total now "
        f"{format_money(sale.amount_total, sale.currency, with_code=True)}; Shopify's edited total "
        f"{format_money(expected, sale.currency, with_code=True)}.",
        odoo_model="sale.order",
        odoo_id=sale.id,
        rpc_calls=client.rpc_calls,
        summary={
            "before": snapshot(seen.lines, seen.keys, seen.sale.amount_total),
            "after": proposal_after(seen.plan, {}, expected),
            "sale_order": {"id": sale.id, "state": sale.state, "amount_total": str(sale.amount_total)},
        },
    )
    logger.info("shopify edit applied in odoo", extra={"order_id": order.pk, "sale_order": sale.id})
    return None


def expected_sale_total(parsed: ShopifyOrder) -> Decimal:
    """What the sale order should come to after an applied edit: Shopify's current total when no refund is in
    play (it is then exactly the edited order), else the edited total before refunds."""
    if parsed.current_total is not None and not parsed.refunds:
        return parsed.current_total
    return edited_total(parsed)


def _record_odoo(order: Order, sale: OdooSaleOrder, parsed: ShopifyOrder) -> Decimal:
    """Odoo's total against Shopify's edited total, as the order page compares them; returns Shopify's."""
    expected = expected_sale_total(parsed)
    Order.objects.filter(pk=order.pk).update(
        odoo_total=sale.amount_total,
        odoo_state=sale.state,
        totals_difference=sale.amount_total - expected,
    )
    return expected


def _clear_waiting_note(order_id: int) -> None:
    """The decision is taken: the order no longer says it waits for one (another reason is left as it is)."""
    Order.objects.filter(pk=order_id, review_reason=WAITING_NOTE).update(review_reason="")


def _propose(order: Order, parsed: ShopifyOrder, seen: Comparison, reason: str) -> str:
    """Record the change for the merchant (once per Shopify state); earlier open proposals are superseded."""
    before = snapshot(seen.lines, seen.keys, seen.sale.amount_total)
    after = proposal_after(seen.plan, before, edited_total(parsed))
    with transaction.atomic():
        ProposedChange.objects.filter(order=order, state=ProposedChange.State.PROPOSED).exclude(
            shopify_updated_at=parsed.updated_at
        ).update(
            state=ProposedChange.State.DISMISSED,
            decided_by="superseded by a later Shopify edit",
            decided_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                ProposedChange.objects.create(
                    order=order,
                    shopify_updated_at=parsed.updated_at,
                    before=before,
                    after=after,
                    reason=f"{reason}: Synco does not change it without you.",
                )
        except IntegrityError:
            # The same edit seen again (orders/updated and orders/edited both came): proposed already.
            return ""
    # Visible until decided: Odoo's total now differs from Shopify's, and the page says why.
    _record_odoo(order, seen.sale, parsed)
    Order.objects.filter(pk=order.pk, review_reason="").update(review_reason=WAITING_NOTE)
    return (
        f"Shopify's edit of {order.name} was not applied: {reason}. Proposed on the order page for you to accept "
        f"or dismiss: {seen.plan.describe()}."
    )


class ProposalClosedError(Exception):
    """The proposal was already accepted, dismissed or superseded."""


def dismiss_proposal(proposal: ProposedChange, decided_by: str) -> None:
    """The merchant keeps Odoo as it is; recorded with who decided."""
    if not ProposedChange.objects.filter(pk=proposal.pk, state=ProposedChange.State.PROPOSED).update(
        state=ProposedChange.State.DISMISSED,
        decided_by=decided_by[:255],
        decided_at=timezone.now(),
        outcome="Dismissed: Odoo was left as it is.",
    ):
        raise ProposalClosedError("This change was already decided.")
    order = proposal.order
    _clear_waiting_note(order.pk)
    record = start_attempt(
        shop_id=order.shop_id, order_id=order.pk, object_ref=order.name, operation=ACCEPT_OPERATION
    )
    finish_attempt(record, succeeded=True, message=f"{decided_by} dismissed Shopify's edit of {order.name}.")


def accept_proposal(proposal: ProposedChange, decided_by: str) -> str:
    """Apply to the sale order what Odoo allows of the edit, as Odoo is now; returns what was done and what not.

    The invoice and deliveries are not touched: Odoo then shows what is left to invoice (or to credit) and to
    deliver or return, which the merchant settles in Odoo.
    """
    if not ProposedChange.objects.filter(pk=proposal.pk, state=ProposedChange.State.PROPOSED).update(
        state=ProposedChange.State.ACCEPTED, decided_by=decided_by[:255], decided_at=timezone.now()
    ):
        raise ProposalClosedError("This change was already decided.")
    order = Order.objects.select_related("shop").get(pk=proposal.order_id)
    record = start_attempt(
        shop_id=order.shop_id, order_id=order.pk, object_ref=order.name, operation=ACCEPT_OPERATION
    )
    client: OdooClient | None = None
    try:
        parsed = parse_order(order.payload)
        client = odoo_client_for(order.shop)
        seen = _compare(client, order.shop, _rules(order.shop), order, parsed)
        plan = within_odoo_rules(seen.plan, seen.lines) if seen.sale.state == "sale" else seen.plan
        if seen.sale.state == "cancel":
            plan = EditPlan(refused=[f"{seen.sale.name} is cancelled in Odoo: nothing was changed."])
        write_plan(client, order.shop, seen.sale.id, plan, seen.draft)
        sale = client.read_sale_order(seen.sale.id)
    except (GatewayError, MappingError, OrderParseError) as exc:
        message = f"Accepting Shopify's edit of {order.name} failed: {exc}"
        ProposedChange.objects.filter(pk=proposal.pk).update(
            state=ProposedChange.State.PROPOSED, decided_by="", decided_at=None, outcome=message
        )
        finish_attempt(record, succeeded=False, message=message, rpc_calls=client.rpc_calls if client else 0)
        return message
    finally:
        if client is not None:
            client.close()
    _record_odoo(order, sale, parsed)
    _clear_waiting_note(order.pk)
    applied = plan.describe() if not plan.is_empty else "nothing left to change"
    untouched = (
        f" Invoice {order.odoo_invoice_name + ' ' if order.odoo_invoice_name else ''}and deliveries are unchanged: "
        "settle the difference in Odoo "
        "(credit note, extra invoice or return)."
        if seen.sale.invoice_ids or any(line.qty_delivered for line in seen.lines)
        else ""
    )
    total = format_money(sale.amount_total, sale.currency, with_code=True)
    outcome = f"Applied to {sale.name}: {applied}. Total now {total}.{untouched}"
    if plan.refused:
        outcome += " Not applied: " + " ".join(plan.refused)
    ProposedChange.objects.filter(pk=proposal.pk).update(outcome=outcome)
    finish_attempt(
        record,
        succeeded=True,
        message=f"{decided_by} accepted Shopify's edit of {order.name}. {outcome}",
        odoo_model="sale.order",
        odoo_id=sale.id,
        rpc_calls=client.rpc_calls,
    )
    return outcome
