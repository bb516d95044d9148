"""Typed Shopify orders, parsed once at the edge from GraphQL nodes (money as Decimal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any


class OrderParseError(ValueError):
    """A Shopify order could not be read; the message says which field and why."""


@dataclass(frozen=True)
class TaxLine:
    title: str
    rate: Decimal  # 0.2 for 20 %
    amount: Decimal


@dataclass(frozen=True)
class Address:
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    zip: str = ""
    province_code: str = ""
    country_code: str = ""
    phone: str = ""

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part).strip()


@dataclass(frozen=True)
class Customer:
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part).strip()


@dataclass(frozen=True)
class LineItem:
    id: str
    sku: str
    title: str
    quantity: int
    unit_price: Decimal
    discount: Decimal  # total discount allocated to this line
    tax_lines: tuple[TaxLine, ...]
    barcode: str = ""
    variant_id: int | None = None
    is_gift_card: bool = False
    product_id: int | None = None
    # After edits and refunds (Shopify's currentQuantity); None when Shopify did not send it: `quantity`.
    current_quantity: int | None = None
    # Units not fulfilled yet (Shopify's unfulfilledQuantity); None when Shopify did not send it (older payloads).
    unfulfilled_quantity: int | None = None

    @property
    def number(self) -> str:
        """The numeric part of the line's GID: stable, used in Odoo external ids."""
        return self.id.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ShippingLine:
    title: str
    code: str
    price: Decimal
    discount: Decimal
    tax_lines: tuple[TaxLine, ...]
    id: str = ""


@dataclass(frozen=True)
class Transaction:
    gateway: str
    kind: str
    status: str
    amount: Decimal
    processed_at: datetime | None = None


@dataclass(frozen=True)
class Tracking:
    company: str
    number: str
    url: str


@dataclass(frozen=True)
class Fulfillment:
    id: str
    status: str
    tracking: tuple[Tracking, ...]


@dataclass(frozen=True)
class RefundLine:
    """A refunded quantity of one order line: Shopify's subtotal (after discounts) and tax for it."""

    line_item_id: str  # the LineItem's GID
    quantity: int
    restock_type: str  # NO_RESTOCK, CANCEL, RETURN, LEGACY_RESTOCK
    subtotal: Decimal
    tax: Decimal


@dataclass(frozen=True)
class RefundShipping:
    shipping_line_id: str
    subtotal: Decimal
    tax: Decimal


@dataclass(frozen=True)
class OrderAdjustment:
    """A refund's discrepancy or shipping adjustment (amounts as Shopify signs them)."""

    id: str
    reason: str
    amount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class RefundTransaction:
    id: str
    gateway: str
    kind: str
    status: str
    amount: Decimal
    processed_at: datetime | None = None


@dataclass(frozen=True)
class Refund:
    id: str
    created_at: datetime | None
    note: str
    amount: Decimal
    lines: tuple[RefundLine, ...] = ()
    shipping: tuple[RefundShipping, ...] = ()
    adjustments: tuple[OrderAdjustment, ...] = ()
    transactions: tuple[RefundTransaction, ...] = ()
    # False when the query asked only for the summary (bulk imports): the lines must be fetched to map it.
    detailed: bool = False

    @property
    def number(self) -> str:
        """The numeric part of the refund's GID: stable, used in Odoo external ids."""
        return self.id.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ShopifyOrder:
    id: int
    gid: str
    name: str
    created_at: datetime
    updated_at: datetime
    processed_at: datetime | None
    cancelled_at: datetime | None
    financial_status: str
    fulfillment_status: str
    source_name: str
    currency: str
    presentment_currency: str
    taxes_included: bool
    test: bool
    email: str
    note: str
    tags: tuple[str, ...]
    note_attributes: tuple[tuple[str, str], ...]
    subtotal: Decimal
    total_discounts: Decimal
    total_shipping: Decimal
    total_tax: Decimal
    total: Decimal
    total_tip: Decimal
    # What the customer saw and paid, in the presentment currency.
    presentment_total: Decimal
    presentment_tax: Decimal
    customer: Customer | None
    billing_address: Address | None
    shipping_address: Address | None
    line_items: tuple[LineItem, ...]
    shipping_lines: tuple[ShippingLine, ...] = ()
    transactions: tuple[Transaction, ...] = ()
    risk_levels: tuple[str, ...] = field(default=())
    risk_recommendation: str = ""
    risk_facts: tuple[str, ...] = ()
    cancel_reason: str = ""
    fulfillments: tuple[Fulfillment, ...] = ()
    refunds: tuple[Refund, ...] = ()
    # Shopify's currentTotalPriceSet: the total after edits, refunds and returns (None: not sent, `total`).
    current_total: Decimal | None = None
    # The Shopify location the order ships from (a Location GID; "" when unknown): see `order_location`.
    location_id: str = ""

    @property
    def number(self) -> str:
        return self.name.lstrip("#")

    @property
    def customer_name(self) -> str:
        if self.customer and self.customer.name:
            return self.customer.name
        for address in (self.billing_address, self.shipping_address):
            if address and address.name:
                return address.name
        return ""


def _money(bag: Any, path: str, side: str = "shopMoney") -> Decimal:
    """Read `shopMoney.amount` (or `presentmentMoney.amount`) from a MoneyBag; missing means zero."""
    if not bag:
        return Decimal("0")
    amount = (bag.get(side) or bag.get("shopMoney") or {}).get("amount")
    if amount is None:
        return Decimal("0")
    try:
        return Decimal(str(amount))
    except InvalidOperation as exc:
        raise OrderParseError(f"{path}: '{amount}' is not an amount") from exc


def _datetime(value: Any, path: str) -> datetime:
    if not value:
        raise OrderParseError(f"{path} is missing")
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise OrderParseError(f"{path}: '{value}' is not a date") from exc
    if parsed.tzinfo is None:
        raise OrderParseError(f"{path}: '{value}' has no time zone")
    return parsed


def _optional_datetime(value: Any, path: str) -> datetime | None:
    return _datetime(value, path) if value else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _legacy_id(gid: str) -> int:
    tail = gid.rsplit("/", 1)[-1].split("?", 1)[0]
    if not tail.isdigit():
        raise OrderParseError(f"'{gid}' is not a Shopify id")
    return int(tail)


def _tax_lines(raw: Any, path: str) -> tuple[TaxLine, ...]:
    lines = []
    for index, item in enumerate(raw or []):
        rate = item.get("rate")
        lines.append(
            TaxLine(
                title=_text(item.get("title")),
                rate=Decimal(str(rate)) if rate is not None else Decimal("0"),
                amount=_money(item.get("priceSet"), f"{path}[{index}].priceSet"),
            )
        )
    return tuple(lines)


def _discount(raw: Any, path: str) -> Decimal:
    return sum(
        (_money(item.get("allocatedAmountSet"), f"{path}[{index}]") for index, item in enumerate(raw or [])),
        Decimal("0"),
    )


def _address(raw: Any) -> Address | None:
    if not raw:
        return None
    return Address(
        first_name=_text(raw.get("firstName")),
        last_name=_text(raw.get("lastName")),
        company=_text(raw.get("company")),
        address1=_text(raw.get("address1")),
        address2=_text(raw.get("address2")),
        city=_text(raw.get("city")),
        zip=_text(raw.get("zip")),
        province_code=_text(raw.get("provinceCode")),
        country_code=_text(raw.get("countryCodeV2")),
        phone=_text(raw.get("phone")),
    )


def _customer(raw: Any) -> Customer | None:
    if not raw:
        return None
    return Customer(
        id=_legacy_id(_text(raw.get("id"))),
        first_name=_text(raw.get("firstName")),
        last_name=_text(raw.get("lastName")),
        email=_text((raw.get("defaultEmailAddress") or {}).get("emailAddress")),
        phone=_text((raw.get("defaultPhoneNumber") or {}).get("phoneNumber")),
    )


def _line_item(raw: Any, index: int) -> LineItem:
    path = f"lineItems[{index}]"
    quantity = raw.get("quantity")
    if not isinstance(quantity, int):
        raise OrderParseError(f"{path}.quantity is missing")
    variant = raw.get("variant") or {}
    sku = _text(raw.get("sku")) or _text(variant.get("sku"))
    return LineItem(
        id=_text(raw.get("id")),
        sku=sku.strip(),
        title=_text(raw.get("title") or raw.get("name")),
        quantity=quantity,
        unit_price=_money(raw.get("originalUnitPriceSet"), f"{path}.originalUnitPriceSet"),
        discount=_discount(raw.get("discountAllocations"), f"{path}.discountAllocations"),
        tax_lines=_tax_lines(raw.get("taxLines"), f"{path}.taxLines"),
        barcode=_text(variant.get("barcode")),
        variant_id=_legacy_id(variant["id"]) if variant.get("id") else None,
        is_gift_card=bool(raw.get("isGiftCard")),
        product_id=_legacy_id(variant["product"]["id"]) if (variant.get("product") or {}).get("id") else None,
        current_quantity=raw["currentQuantity"] if isinstance(raw.get("currentQuantity"), int) else None,
        unfulfilled_quantity=(
            raw["unfulfilledQuantity"] if isinstance(raw.get("unfulfilledQuantity"), int) else None
        ),
    )


def _shipping_line(raw: Any, index: int) -> ShippingLine:
    path = f"shippingLines[{index}]"
    return ShippingLine(
        id=_text(raw.get("id")),
        title=_text(raw.get("title")) or "Shipping",
        code=_text(raw.get("code")),
        price=_money(raw.get("originalPriceSet"), f"{path}.originalPriceSet"),
        discount=_discount(raw.get("discountAllocations"), f"{path}.discountAllocations"),
        tax_lines=_tax_lines(raw.get("taxLines"), f"{path}.taxLines"),
    )


def _nodes(raw: Any) -> list[Any]:
    """A connection's nodes (or a bulk row's edges), a plain list as it is."""
    if isinstance(raw, list):
        return raw
    if not isinstance(raw, dict):
        return []
    if "nodes" in raw:
        return list(raw.get("nodes") or [])
    return [edge.get("node") for edge in raw.get("edges") or [] if edge.get("node")]


def parse_refund(raw: Any, index: int = 0) -> Refund:
    """Parse one Refund node (detailed or a summary) into a Refund."""
    path = f"refunds[{index}]"
    lines = []
    for k, item in enumerate(_nodes(raw.get("refundLineItems"))):
        quantity = item.get("quantity")
        if not isinstance(quantity, int):
            raise OrderParseError(f"{path}.refundLineItems[{k}].quantity is missing")
        lines.append(
            RefundLine(
                line_item_id=_text((item.get("lineItem") or {}).get("id")),
                quantity=quantity,
                restock_type=_text(item.get("restockType")) or "NO_RESTOCK",
                subtotal=_money(item.get("subtotalSet"), f"{path}.refundLineItems[{k}].subtotalSet"),
                tax=_money(item.get("totalTaxSet"), f"{path}.refundLineItems[{k}].totalTaxSet"),
            )
        )
    return Refund(
        id=_text(raw.get("id")),
        created_at=_optional_datetime(raw.get("createdAt"), f"{path}.createdAt"),
        note=_text(raw.get("note")),
        amount=_money(raw.get("totalRefundedSet"), f"{path}.totalRefundedSet"),
        lines=tuple(lines),
        shipping=tuple(
            RefundShipping(
                shipping_line_id=_text((item.get("shippingLine") or {}).get("id")),
                subtotal=_money(item.get("subtotalAmountSet"), f"{path}.refundShippingLines[{k}]"),
                tax=_money(item.get("taxAmountSet"), f"{path}.refundShippingLines[{k}].taxAmountSet"),
            )
            for k, item in enumerate(_nodes(raw.get("refundShippingLines")))
        ),
        adjustments=tuple(
            OrderAdjustment(
                id=_text(item.get("id")),
                reason=_text(item.get("reason")),
                amount=_money(item.get("amountSet"), f"{path}.orderAdjustments[{k}].amountSet"),
                tax=_money(item.get("taxAmountSet"), f"{path}.orderAdjustments[{k}].taxAmountSet"),
            )
            for k, item in enumerate(_nodes(raw.get("orderAdjustments")))
        ),
        transactions=tuple(
            RefundTransaction(
                id=_text(item.get("id")),
                gateway=_text(item.get("gateway")),
                kind=_text(item.get("kind")),
                status=_text(item.get("status")),
                amount=_money(item.get("amountSet"), f"{path}.transactions[{k}].amountSet"),
                processed_at=_optional_datetime(
                    item.get("processedAt"), f"{path}.transactions[{k}].processedAt"
                ),
            )
            for k, item in enumerate(_nodes(raw.get("transactions")))
        ),
        detailed="refundLineItems" in raw
        and not ((raw.get("refundLineItems") or {}).get("pageInfo") or {}).get("hasNextPage"),
    )


def order_location(node: dict[str, Any]) -> str:
    """The Shopify location an order ships from (its Location GID), "" when the node does not say.

    The assigned location of its fulfilment orders: the first one holding goods, or, when its fulfilment
    orders sit at several locations, the one with the most units (summed over the lines the query counted:
    the first 10 of each fulfilment order; ties go to the first). Cancelled fulfilment orders do not count.
    Bulk imports carry no lines per fulfilment order (Shopify nests connections two deep at most): the first
    fulfilment order's location then. Without any (an app without fulfilment-order scopes, an old stored
    payload): the POS order's `retailLocation`.
    """
    units: dict[str, int] = {}
    counted = False
    for fo in _nodes(node.get("fulfillmentOrders")):
        if not isinstance(fo, dict) or fo.get("status") == "CANCELLED":
            continue
        location = _text(((fo.get("assignedLocation") or {}).get("location") or {}).get("id"))
        if not location:
            continue
        lines = fo.get("lineItems")
        quantities = (
            [item.get("totalQuantity") for item in _nodes(lines) if isinstance(item, dict)]
            if lines is not None
            else []
        )
        counted = counted or lines is not None
        units[location] = units.get(location, 0) + sum(q for q in quantities if isinstance(q, int))
    if units:
        if counted and any(units.values()):
            return max(units, key=lambda location: units[location])  # the first of equals wins
        return next(iter(units))
    return _text((node.get("retailLocation") or {}).get("id"))


def parse_order(node: dict[str, Any]) -> ShopifyOrder:
    """Parse one GraphQL Order node (the OrderFields fragment) into a ShopifyOrder."""
    if not isinstance(node, dict) or not node.get("id"):
        raise OrderParseError("the order has no id")
    gid = _text(node["id"])
    risk = node.get("risk") or {}
    return ShopifyOrder(
        id=_legacy_id(gid),
        gid=gid,
        name=_text(node.get("name")) or f"#{_legacy_id(gid)}",
        created_at=_datetime(node.get("createdAt"), "createdAt"),
        updated_at=_datetime(node.get("updatedAt"), "updatedAt"),
        processed_at=_optional_datetime(node.get("processedAt"), "processedAt"),
        cancelled_at=_optional_datetime(node.get("cancelledAt"), "cancelledAt"),
        financial_status=_text(node.get("displayFinancialStatus")),
        fulfillment_status=_text(node.get("displayFulfillmentStatus")),
        source_name=_text(node.get("sourceName")),
        currency=_text(node.get("currencyCode")) or "USD",
        presentment_currency=_text(node.get("presentmentCurrencyCode")) or _text(node.get("currencyCode")),
        taxes_included=bool(node.get("taxesIncluded")),
        test=bool(node.get("test")),
        email=_text(node.get("email")),
        note=_text(node.get("note")),
        tags=tuple(_text(tag) for tag in node.get("tags") or []),
        note_attributes=tuple(
            (_text(item.get("key")), _text(item.get("value"))) for item in node.get("customAttributes") or []
        ),
        subtotal=_money(node.get("subtotalPriceSet"), "subtotalPriceSet"),
        total_discounts=_money(node.get("totalDiscountsSet"), "totalDiscountsSet"),
        total_shipping=_money(node.get("totalShippingPriceSet"), "totalShippingPriceSet"),
        total_tax=_money(node.get("totalTaxSet"), "totalTaxSet"),
        total=_money(node.get("totalPriceSet"), "totalPriceSet"),
        total_tip=_money(node.get("totalTipReceivedSet"), "totalTipReceivedSet"),
        presentment_total=_money(node.get("totalPriceSet"), "totalPriceSet", "presentmentMoney"),
        presentment_tax=_money(node.get("totalTaxSet"), "totalTaxSet", "presentmentMoney"),
        current_total=_money(node.get("currentTotalPriceSet"), "currentTotalPriceSet")
        if node.get("currentTotalPriceSet")
        else None,
        customer=_customer(node.get("customer")),
        billing_address=_address(node.get("billingAddress")),
        shipping_address=_address(node.get("shippingAddress")),
        line_items=tuple(
            _line_item(item, index)
            for index, item in enumerate((node.get("lineItems") or {}).get("nodes") or [])
        ),
        shipping_lines=tuple(
            _shipping_line(item, index)
            for index, item in enumerate((node.get("shippingLines") or {}).get("nodes") or [])
        ),
        transactions=tuple(
            Transaction(
                gateway=_text(item.get("gateway")),
                kind=_text(item.get("kind")),
                status=_text(item.get("status")),
                amount=_money(item.get("amountSet"), f"transactions[{index}].amountSet"),
                processed_at=_optional_datetime(
                    item.get("processedAt"), f"transactions[{index}].processedAt"
                ),
            )
            for index, item in enumerate(node.get("transactions") or [])
        ),
        risk_levels=tuple(_text(item.get("riskLevel")) for item in risk.get("assessments") or []),
        risk_recommendation=_text(risk.get("recommendation")),
        risk_facts=tuple(
            _text(fact.get("description"))
            for item in risk.get("assessments") or []
            for fact in item.get("facts") or []
            if fact.get("description")
        ),
        cancel_reason=_text(node.get("cancelReason")),
        fulfillments=tuple(
            Fulfillment(
                id=_text(item.get("id")),
                status=_text(item.get("status")),
                tracking=tuple(
                    Tracking(_text(t.get("company")), _text(t.get("number")), _text(t.get("url")))
                    for t in item.get("trackingInfo") or []
                ),
            )
            for item in node.get("fulfillments") or []
        ),
        refunds=tuple(parse_refund(item, index) for index, item in enumerate(node.get("refunds") or [])),
        location_id=order_location(node),
    )
