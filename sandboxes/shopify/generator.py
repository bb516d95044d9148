"""Deterministic, realistic orders in Shopify's REST / webhook shape.

The dicts produced here are what an ``orders/create`` webhook body looks like (the REST Order
resource, unwrapped). Field names and nesting follow Shopify's published REST examples; the data
is our own. Everything money-related is computed with ``Decimal`` and rounded to cents per tax
line, so that for every order::

    total_line_items_price - total_discounts + shipping + (total_tax unless taxes_included)
        == total_price

holds exactly, in the shop currency and (separately) in the presentment currency.

Transactions and risk assessments are not part of the REST order body, so they are returned next
to the orders (``SandboxDataset``) and derived from an order when the caller has none.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sandboxes.shopify.catalog import Variant, stable_id, variants

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SHOP_TIMEZONE = "America/New_York"
EUR_PER_USD = Decimal("0.92")  # fixed rate for the one multi-currency order
UNKNOWN_SKU = "SKU-DISCONTINUED"

Order = dict[str, Any]


def q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> str:
    return str(q(value))


def money_set(shop: Decimal, shop_currency: str, presentment: Decimal, presentment_currency: str) -> dict:
    return {
        "shop_money": {"amount": money(shop), "currency_code": shop_currency},
        "presentment_money": {"amount": money(presentment), "currency_code": presentment_currency},
    }


# --------------------------------------------------------------------------------------------------
# Places, people and taxes


@dataclass(frozen=True)
class Region:
    key: str
    country: str
    country_code: str
    province: str | None
    province_code: str | None
    city: str
    zip: str
    streets: tuple[str, ...]
    phone_prefix: str
    tax_title: str
    tax_rate: Decimal
    taxes_included: bool
    tax_shipping: bool


REGIONS: dict[str, Region] = {
    "NY": Region(
        "NY",
        "United States",
        "US",
        "New York",
        "NY",
        "New York",
        "10001",
        ("350 5th Ave", "11 W 53rd St", "200 Central Park W"),
        "+1212555",
        "NY State Tax",
        Decimal("0.08875"),
        False,
        False,
    ),
    "PA": Region(
        "PA",
        "United States",
        "US",
        "Pennsylvania",
        "PA",
        "Philadelphia",
        "19103",
        ("1500 Market St", "230 S Broad St", "701 Walnut St"),
        "+1215555",
        "PA State Tax",
        Decimal("0.06"),
        False,
        False,
    ),
    # Shopify has no provinces for France or Germany: province and province_code are null there.
    "FR": Region(
        "FR",
        "France",
        "FR",
        None,
        None,
        "Paris",
        "75002",
        ("12 Rue de la Paix", "8 Rue Montorgueil", "44 Rue de Rivoli"),
        "+33155",
        "FR TVA",
        Decimal("0.20"),
        True,
        True,
    ),
    "DE": Region(
        "DE",
        "Germany",
        "DE",
        None,
        None,
        "Berlin",
        "10115",
        ("Invalidenstraße 43", "Torstraße 109", "Chausseestraße 8"),
        "+49305",
        "DE MwSt",
        Decimal("0.19"),
        True,
        True,
    ),
}

FIRST_NAMES = (
    "Emily",
    "Marcus",
    "Olivia",
    "Noah",
    "Camille",
    "Lukas",
    "Sofia",
    "Ethan",
    "Chloé",
    "Jonas",
    "Ava",
    "Mateo",
    "Léa",
    "Felix",
    "Grace",
    "Hannah",
)
LAST_NAMES = (
    "Carter",
    "Johnson",
    "Nguyen",
    "Rivera",
    "Dubois",
    "Schmidt",
    "Rossi",
    "Walker",
    "Lefèvre",
    "Weber",
    "Kim",
    "García",
    "Martin",
    "Fischer",
    "O'Brien",
    "Patel",
)
COMPANIES = (None, None, None, "Northwind Traders", "Atelier Lumière", "Brightside GmbH")
CARRIERS = (
    ("UPS", "1Z{n:016d}", "https://www.ups.com/track?tracknum={t}"),
    ("USPS", "9400{n:018d}", "https://tools.usps.com/go/TrackConfirmAction?tLabels={t}"),
    ("DHL Express", "{n:010d}", "https://www.dhl.com/en/express/tracking.html?AWB={t}"),
)
TAG_POOL = ("vip", "repeat", "wholesale", "newsletter", "gift")
NOTES = (
    None,
    None,
    None,
    "Please leave the parcel with the concierge.",
    "Gift - no prices on the slip please.",
)


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str | None
    region: Region
    street: str
    company: str | None
    customer_id: int | None = None


def _person(rng: random.Random, first: str, last: str, region: Region, customer_id: int | None) -> Person:
    slug = f"{first}.{last}".lower().encode("ascii", "ignore").decode().replace("'", "").replace(" ", "")
    email = f"{slug or 'customer'}{rng.randint(1, 99)}@example.com"
    phone = f"{region.phone_prefix}{rng.randint(1000, 9999)}" if rng.random() < 0.7 else None
    return Person(
        first, last, email, phone, region, rng.choice(region.streets), rng.choice(COMPANIES), customer_id
    )


def _customer_pool(rng: random.Random, size: int) -> list[Person]:
    region_keys = ("NY", "NY", "PA", "FR", "DE")
    pool = []
    for k in range(size):
        region = REGIONS[region_keys[k % len(region_keys)]]
        pool.append(
            _person(
                rng,
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                region,
                stable_id("customer", f"pool-{k}", 7_000_000_000_000),
            )
        )
    # Non-ASCII names must survive every hop of the sync: keep them fixed.
    pool[0] = Person(
        "José",
        "Müller",
        "jose.mueller@example.de",
        "+4930555123",
        REGIONS["DE"],
        "Kastanienallee 12",
        None,
        stable_id("customer", "jose", 7_000_000_000_000),
    )
    pool[1] = Person(
        "花子",
        "佐藤",
        "hanako.sato@example.jp",
        None,
        REGIONS["FR"],
        "3 Rue Sainte-Anne",
        None,
        stable_id("customer", "sato", 7_000_000_000_000),
    )
    return pool


# --------------------------------------------------------------------------------------------------
# Money


@dataclass(frozen=True)
class LineDiscount:
    application_index: int
    value_type: str  # "percentage" | "fixed_amount"
    value: Decimal


@dataclass
class Amounts:
    """All amounts of one order in one currency."""

    units: list[Decimal]
    gross: list[Decimal]
    allocations: list[list[tuple[int, Decimal]]]
    net: list[Decimal]
    line_tax: list[Decimal]
    shipping: Decimal | None
    shipping_tax: Decimal
    total_line_items_price: Decimal
    total_discounts: Decimal
    subtotal: Decimal
    total_tax: Decimal
    total_price: Decimal
    order_discount_total: Decimal


def _tax(amount: Decimal, rate: Decimal, included: bool) -> Decimal:
    # Shopify rounds each tax line to cents; VAT-inclusive prices carry tax = net * r / (1 + r).
    return q(amount * rate / (1 + rate)) if included else q(amount * rate)


def compute_amounts(
    units: list[Decimal],
    quantities: list[int],
    line_discounts: list[LineDiscount | None],
    order_discount: tuple[int, Decimal] | None,
    shipping: Decimal | None,
    region: Region,
    taxable: list[bool],
) -> Amounts:
    gross = [q(u * n) for u, n in zip(units, quantities, strict=True)]
    allocations: list[list[tuple[int, Decimal]]] = [[] for _ in units]
    after_line = []
    for i, (g, disc) in enumerate(zip(gross, line_discounts, strict=True)):
        amount = ZERO
        if disc is not None:
            amount = q(g * disc.value / 100) if disc.value_type == "percentage" else min(q(disc.value), g)
            allocations[i].append((disc.application_index, amount))
        after_line.append(g - amount)
    order_discount_total = ZERO
    if order_discount is not None:
        index, percent = order_discount
        base = sum(after_line, ZERO)
        order_discount_total = q(base * percent / 100)
        remaining = order_discount_total
        eligible = [i for i, v in enumerate(after_line) if v > 0]
        for pos, i in enumerate(eligible):
            # Proportional split; the last line takes the rounding remainder so the sum is exact.
            share = remaining if pos == len(eligible) - 1 else q(order_discount_total * after_line[i] / base)
            share = min(share, after_line[i])
            remaining -= share
            allocations[i].append((index, share))
    net = [g - sum((a for _, a in allocs), ZERO) for g, allocs in zip(gross, allocations, strict=True)]
    line_tax = [
        _tax(v, region.tax_rate, region.taxes_included) if t else ZERO
        for v, t in zip(net, taxable, strict=True)
    ]
    shipping_tax = ZERO
    if shipping is not None and region.tax_shipping:
        shipping_tax = _tax(shipping, region.tax_rate, region.taxes_included)
    total_line_items_price = sum(gross, ZERO)
    total_discounts = sum((a for allocs in allocations for _, a in allocs), ZERO)
    subtotal = total_line_items_price - total_discounts
    total_tax = sum(line_tax, ZERO) + shipping_tax
    total_price = subtotal + (shipping or ZERO) + (ZERO if region.taxes_included else total_tax)
    return Amounts(
        units,
        gross,
        allocations,
        net,
        line_tax,
        shipping,
        shipping_tax,
        total_line_items_price,
        total_discounts,
        subtotal,
        total_tax,
        total_price,
        order_discount_total,
    )


# --------------------------------------------------------------------------------------------------
# The dataset


@dataclass
class SandboxDataset:
    orders: list[Order]
    transactions: dict[int, list[dict]] = field(default_factory=dict)
    risks: dict[int, dict] = field(default_factory=dict)


@dataclass(frozen=True)
class _Scenario:
    guest: bool = False
    region: str | None = None
    customer_index: int | None = None
    line_discount: bool = False
    order_discount: bool = False
    multi_currency: bool = False
    test: bool = False
    risky: bool = False
    unknown_sku: bool = False
    financial_status: str | None = None
    cancel_reason: str | None = None
    no_shipping: bool = False
    source_name: str | None = None


# Fixed scenarios at the start of every dataset, so that even small datasets cover the edge cases.
SCENARIOS: dict[int, _Scenario] = {
    0: _Scenario(customer_index=0, line_discount=True),  # José Müller, DE VAT
    1: _Scenario(customer_index=1),  # 佐藤 花子, FR VAT
    2: _Scenario(guest=True, region="NY"),
    3: _Scenario(region="NY", order_discount=True),  # discount code WELCOME10
    4: _Scenario(region="FR", multi_currency=True),  # presentment EUR
    5: _Scenario(region="PA", test=True),
    6: _Scenario(region="NY", risky=True),
    7: _Scenario(region="PA", unknown_sku=True),
    8: _Scenario(guest=True, region="NY", financial_status="voided", cancel_reason="customer"),
    9: _Scenario(region="DE", financial_status="refunded", cancel_reason="inventory"),
    10: _Scenario(region="NY", financial_status="refunded"),
    11: _Scenario(guest=True, region="PA", financial_status="partially_refunded", line_discount=True),
    12: _Scenario(region="FR", financial_status="pending", source_name="shopify_draft_order"),
    13: _Scenario(region="NY", financial_status="authorized"),
    14: _Scenario(guest=True, region="DE", no_shipping=True, source_name="pos"),
}


def _fmt(dt: datetime) -> str:
    return dt.astimezone(ZoneInfo(SHOP_TIMEZONE)).isoformat(timespec="seconds")


def _address(p: Person) -> dict:
    r = p.region
    return {
        "first_name": p.first_name,
        "address1": p.street,
        "phone": p.phone,
        "city": r.city,
        "zip": r.zip,
        "province": r.province,
        "country": r.country,
        "last_name": p.last_name,
        "address2": "",
        "company": p.company,
        "latitude": None,
        "longitude": None,
        "name": f"{p.first_name} {p.last_name}",
        "country_code": r.country_code,
        "province_code": r.province_code,
    }


def _customer(p: Person, created: datetime, currency: str) -> dict:
    assert p.customer_id is not None
    return {
        "id": p.customer_id,
        "email": p.email,
        "created_at": _fmt(created),
        "updated_at": _fmt(created),
        "first_name": p.first_name,
        "last_name": p.last_name,
        "state": "enabled",
        "note": None,
        "verified_email": True,
        "multipass_identifier": None,
        "tax_exempt": False,
        "phone": p.phone,
        "email_marketing_consent": {
            "state": "subscribed",
            "opt_in_level": "single_opt_in",
            "consent_updated_at": _fmt(created),
        },
        "sms_marketing_consent": None,
        "tags": "",
        "currency": currency,
        "tax_exemptions": [],
        "admin_graphql_api_id": f"gid://shopify/Customer/{p.customer_id}",
        "default_address": {
            **_address(p),
            "id": stable_id("address", str(p.customer_id), 9_000_000_000_000),
            "customer_id": p.customer_id,
            "country_name": p.region.country,
            "default": True,
        },
    }


def _pick_lines(rng: random.Random, count: int) -> list[tuple[Variant, int]]:
    chosen = rng.sample(list(variants()), count)
    return [(v, rng.choice((1, 1, 1, 2, 3))) for v in chosen]


def _line_item(
    line_id: int,
    v: Variant | None,
    qty: int,
    amounts: tuple[Amounts, Amounts],
    i: int,
    region: Region,
    currencies: tuple[str, str],
    unknown_title: str = "",
) -> dict:
    shop, pres = amounts
    shop_ccy, pres_ccy = currencies
    allocs = [
        {
            "amount": money(a),
            "amount_set": money_set(a, shop_ccy, pa, pres_ccy),
            "discount_application_index": idx,
        }
        for (idx, a), (_, pa) in zip(shop.allocations[i], pres.allocations[i], strict=True)
    ]
    tax_lines = [
        {
            "channel_liable": False,
            "price": money(shop.line_tax[i]),
            "price_set": money_set(shop.line_tax[i], shop_ccy, pres.line_tax[i], pres_ccy),
            "rate": float(region.tax_rate),
            "title": region.tax_title,
        }
    ]
    discount_total = shop.gross[i] - shop.net[i]
    pres_discount_total = pres.gross[i] - pres.net[i]
    return {
        "id": line_id,
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
        "attributed_staffs": [],
        "current_quantity": qty,
        "fulfillable_quantity": qty,
        "fulfillment_service": "manual",
        "fulfillment_status": None,
        "gift_card": False,
        "grams": 250 if v is None or v.storable else 0,
        "name": v.full_name if v else unknown_title,
        "price": money(shop.units[i]),
        "price_set": money_set(shop.units[i], shop_ccy, pres.units[i], pres_ccy),
        "product_exists": v is not None,
        "product_id": v.product_id if v else None,
        "properties": [],
        "quantity": qty,
        "requires_shipping": v is None or v.storable,
        "sku": v.sku if v else UNKNOWN_SKU,
        "taxable": True,
        "title": v.product_title if v else unknown_title,
        "total_discount": money(discount_total),
        "total_discount_set": money_set(discount_total, shop_ccy, pres_discount_total, pres_ccy),
        "variant_id": v.variant_id if v else None,
        "variant_inventory_management": "shopify" if v else None,
        "variant_title": v.variant_title if v else None,
        "vendor": "Synco Demo Goods",
        "tax_lines": tax_lines,
        "duties": [],
        "discount_allocations": allocs,
    }


def _build_order(
    i: int,
    rng: random.Random,
    pool: list[Person],
    created: datetime,
    now: datetime,
    order_id: int,
    number: int,
    currency: str,
    big_order: bool,
) -> tuple[Order, dict | None]:
    sc = SCENARIOS.get(i, _Scenario())
    if i not in SCENARIOS:
        guest = i % 3 == 2
        region_key = rng.choice(("NY", "NY", "PA", "FR", "DE"))
        sc = _Scenario(guest=guest, region=region_key, line_discount=rng.random() < 0.12)
        roll = rng.random()
        if roll < 0.05:
            sc = _Scenario(guest=guest, region=region_key, financial_status="pending")
        elif roll < 0.09:
            sc = _Scenario(guest=guest, region=region_key, financial_status="authorized")

    if sc.guest:
        region = REGIONS[sc.region or "NY"]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        person = _person(rng, first, last, region, None)
    else:
        if sc.customer_index is not None:
            person = pool[sc.customer_index]
        else:
            candidates = [p for p in pool[2:] if sc.region is None or p.region.key == sc.region]
            person = rng.choice(candidates or pool[2:])
        region = person.region

    presentment = "EUR" if sc.multi_currency else currency
    currencies = (currency, presentment)

    # Lines: (variant or None for the unknown SKU, quantity)
    if big_order:
        storable = [v for v in variants() if v.storable]
        picked: list[tuple[Variant | None, int]] = [(storable[k % len(storable)], 1) for k in range(250)]
    else:
        picked = list(_pick_lines(rng, rng.choice((1, 1, 2, 2, 3, 4))))
        if sc.unknown_sku:
            picked.append((None, 1))
    unknown_price = Decimal("9.00")
    units_shop = [v.price if v else unknown_price for v, _ in picked]
    units_pres = [q(u * EUR_PER_USD) for u in units_shop] if sc.multi_currency else list(units_shop)
    quantities = [n for _, n in picked]
    taxable = [True for _ in picked]

    discount_applications: list[dict] = []
    discount_codes: list[dict] = []
    line_discounts: list[LineDiscount | None] = [None for _ in picked]
    if sc.line_discount:
        idx = len(discount_applications)
        target = max(range(len(picked)), key=lambda k: units_shop[k] * quantities[k])
        if rng.random() < 0.5:
            discount_applications.append(
                {
                    "target_type": "line_item",
                    "type": "automatic",
                    "value": "15.0",
                    "value_type": "percentage",
                    "allocation_method": "across",
                    "target_selection": "entitled",
                    "title": "Autumn 15% off",
                    "description": "Autumn 15% off",
                }
            )
            line_discounts[target] = LineDiscount(idx, "percentage", Decimal(15))
        else:
            discount_applications.append(
                {
                    "target_type": "line_item",
                    "type": "manual",
                    "value": "5.0",
                    "value_type": "fixed_amount",
                    "allocation_method": "one",
                    "target_selection": "explicit",
                    "title": "Loyalty",
                    "description": "Loyalty",
                }
            )
            line_discounts[target] = LineDiscount(idx, "fixed_amount", Decimal(5))
    order_discount: tuple[int, Decimal] | None = None
    if sc.order_discount:
        order_discount = (len(discount_applications), Decimal(10))
        discount_applications.append(
            {
                "target_type": "line_item",
                "type": "discount_code",
                "value": "10.0",
                "value_type": "percentage",
                "allocation_method": "across",
                "target_selection": "all",
                "code": "WELCOME10",
            }
        )

    shipping_title, shipping_price = (
        ("Standard", Decimal("6.90")) if region.country_code == "US" else ("DHL Paket", Decimal("7.50"))
    )
    if rng.random() < 0.25 and not big_order:
        shipping_title, shipping_price = "Express", shipping_price + Decimal("10.00")
    ship_shop: Decimal | None = None if sc.no_shipping else shipping_price
    ship_pres = (
        None if ship_shop is None else (q(ship_shop * EUR_PER_USD) if sc.multi_currency else ship_shop)
    )

    def discounts_in(factor: Decimal | None) -> list[LineDiscount | None]:
        if factor is None:
            return line_discounts
        return [
            None
            if d is None
            else (
                d
                if d.value_type == "percentage"
                else LineDiscount(d.application_index, d.value_type, q(d.value * factor))
            )
            for d in line_discounts
        ]

    shop_amt = compute_amounts(
        units_shop, quantities, line_discounts, order_discount, ship_shop, region, taxable
    )
    pres_amt = compute_amounts(
        units_pres,
        quantities,
        discounts_in(EUR_PER_USD if sc.multi_currency else None),
        order_discount,
        ship_pres,
        region,
        taxable,
    )
    if order_discount is not None:
        discount_codes.append(
            {"code": "WELCOME10", "amount": money(shop_amt.order_discount_total), "type": "percentage"}
        )

    base_line = order_id * 1000
    line_items = [
        _line_item(
            base_line + k + 1,
            v,
            n,
            (shop_amt, pres_amt),
            k,
            region,
            currencies,
            unknown_title="Vintage Enamel Pin",
        )
        for k, (v, n) in enumerate(picked)
    ]
    if big_order:
        for k, line in enumerate(line_items):
            line["properties"] = [{"name": "Engraving", "value": f"No. {k + 1:03d}"}]

    shipping_lines = []
    if ship_shop is not None and ship_pres is not None:
        shipping_lines.append(
            {
                "id": base_line + 900,
                "carrier_identifier": None,
                "code": shipping_title,
                "discounted_price": money(ship_shop),
                "discounted_price_set": money_set(ship_shop, currency, ship_pres, presentment),
                "is_removed": False,
                "phone": None,
                "price": money(ship_shop),
                "price_set": money_set(ship_shop, currency, ship_pres, presentment),
                "requested_fulfillment_service_id": None,
                "source": "shopify",
                "title": shipping_title,
                "tax_lines": (
                    [
                        {
                            "channel_liable": False,
                            "price": money(shop_amt.shipping_tax),
                            "price_set": money_set(
                                shop_amt.shipping_tax, currency, pres_amt.shipping_tax, presentment
                            ),
                            "rate": float(region.tax_rate),
                            "title": region.tax_title,
                        }
                    ]
                    if region.tax_shipping
                    else []
                ),
                "discount_allocations": [],
            }
        )

    tax_total_lines = (
        []
        if shop_amt.total_tax == 0 and not any(line["tax_lines"] for line in line_items)
        else [
            {
                "price": money(shop_amt.total_tax),
                "rate": float(region.tax_rate),
                "title": region.tax_title,
                "price_set": money_set(shop_amt.total_tax, currency, pres_amt.total_tax, presentment),
                "channel_liable": False,
            }
        ]
    )

    financial_status = sc.financial_status or "paid"
    gateway = "bogus" if sc.test else ("manual" if financial_status == "pending" else "shopify_payments")
    updated = created + timedelta(minutes=rng.randint(1, 30))
    cancelled_at = None
    closed_at = None
    if sc.cancel_reason:
        cancelled_at = created + timedelta(hours=rng.randint(2, 20))
        closed_at = cancelled_at
        updated = cancelled_at
        for line in line_items:
            line["current_quantity"] = 0
            line["fulfillable_quantity"] = 0

    tags = sorted(rng.sample(TAG_POOL, rng.choice((0, 0, 1, 2))))
    if sc.test:
        tags.append("test")
    note_attributes = []
    if rng.random() < 0.3:
        note_attributes.append(
            {"name": "gift_message", "value": rng.choice(("Happy birthday!", "Joyeux Noël 🎄"))}
        )
    if rng.random() < 0.2:
        note_attributes.append({"name": "delivery_window", "value": "evening"})

    customer = None if sc.guest else _customer(person, created - timedelta(days=90), currency)
    billing = _address(person)
    shipping_address = None if sc.no_shipping else _address(person)
    if sc.risky:
        # A classic fraud signal: billing on another continent than shipping.
        billing = {
            **billing,
            "address1": "Flat 4, 22 Baker Street",
            "city": "London",
            "zip": "NW1 6XE",
            "country": "United Kingdom",
            "country_code": "GB",
            "province": "England",
            "province_code": "ENG",
        }

    order: Order = {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "app_id": 580111,
        "browser_ip": None if sc.source_name == "pos" else f"203.0.113.{rng.randint(1, 254)}",
        "buyer_accepts_marketing": not sc.guest and rng.random() < 0.5,
        "cancel_reason": sc.cancel_reason,
        "cancelled_at": _fmt(cancelled_at) if cancelled_at else None,
        "cart_token": None,
        "checkout_id": None,
        "checkout_token": None,
        "client_details": None,
        "closed_at": None,
        "confirmation_number": f"{stable_id('confirmation', str(order_id), 0):X}"[:9],
        "confirmed": True,
        "contact_email": person.email,
        "created_at": _fmt(created),
        "currency": currency,
        "customer_locale": {"FR": "fr", "DE": "de"}.get(region.country_code, "en"),
        "device_id": None,
        "discount_codes": discount_codes,
        "duties_included": False,
        "email": person.email,
        "estimated_taxes": False,
        "financial_status": financial_status,
        "fulfillment_status": None,
        "landing_site": "/",
        "landing_site_ref": None,
        "location_id": None,
        "merchant_of_record_app_id": None,
        "name": f"#{number}",
        "note": rng.choice(NOTES),
        "note_attributes": note_attributes,
        "number": number - 1000,
        "order_number": number,
        "order_status_url": f"https://synco-demo.myshopify.com/orders/{order_id:x}/authenticate",
        "original_total_additional_fees_set": None,
        "original_total_duties_set": None,
        "payment_gateway_names": [gateway],
        "phone": person.phone,
        "po_number": None,
        "presentment_currency": presentment,
        "processed_at": _fmt(created),
        "reference": None,
        "referring_site": None,
        "source_identifier": None,
        "source_name": sc.source_name or "web",
        "source_url": None,
        "subtotal_price": money(shop_amt.subtotal),
        "subtotal_price_set": money_set(shop_amt.subtotal, currency, pres_amt.subtotal, presentment),
        "tags": ", ".join(tags),
        "tax_exempt": False,
        "tax_lines": tax_total_lines,
        "taxes_included": region.taxes_included,
        "test": sc.test,
        "token": f"{stable_id('token', str(order_id), 0):032x}"[-32:],
        "total_discounts": money(shop_amt.total_discounts),
        "total_discounts_set": money_set(
            shop_amt.total_discounts, currency, pres_amt.total_discounts, presentment
        ),
        "total_line_items_price": money(shop_amt.total_line_items_price),
        "total_line_items_price_set": money_set(
            shop_amt.total_line_items_price, currency, pres_amt.total_line_items_price, presentment
        ),
        "total_outstanding": money(
            shop_amt.total_price if financial_status in ("pending", "authorized") else ZERO
        ),
        "total_price": money(shop_amt.total_price),
        "total_price_set": money_set(shop_amt.total_price, currency, pres_amt.total_price, presentment),
        "total_shipping_price_set": money_set(ship_shop or ZERO, currency, ship_pres or ZERO, presentment),
        "total_tax": money(shop_amt.total_tax),
        "total_tax_set": money_set(shop_amt.total_tax, currency, pres_amt.total_tax, presentment),
        "total_tip_received": "0.00",
        "total_weight": sum(li["grams"] * li["quantity"] for li in line_items),
        "updated_at": _fmt(updated),
        "user_id": None,
        "billing_address": billing,
        "customer": customer,
        "discount_applications": discount_applications,
        "fulfillments": [],
        "line_items": line_items,
        "payment_terms": None,
        "refunds": [],
        "shipping_address": shipping_address,
        "shipping_lines": shipping_lines,
    }

    # Fulfilment: paid orders older than two days have shipped, some of them only partly.
    age = now - created
    if (
        financial_status in ("paid", "partially_refunded", "refunded")
        and not sc.cancel_reason
        and age > timedelta(days=2)
        and not sc.no_shipping
        and not big_order
    ):
        partial = len(line_items) > 1 and rng.random() < 0.2
        shipped = line_items[:1] if partial else line_items
        fulfilled_at = min(created + timedelta(hours=rng.randint(20, 44)), now - timedelta(hours=1))
        company, number_fmt, url_fmt = rng.choice(CARRIERS)
        tracking = number_fmt.format(n=rng.randint(10**8, 10**9))
        fulfillment_id = base_line + 850
        for line in shipped:
            line["fulfillment_status"] = "fulfilled"
            line["fulfillable_quantity"] = 0
        order["fulfillments"] = [
            {
                "id": fulfillment_id,
                "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}",
                "created_at": _fmt(fulfilled_at),
                "location_id": 71_000_000_001,
                "name": f"#{number}.1",
                "order_id": order_id,
                "origin_address": {},
                "receipt": {},
                "service": "manual",
                "shipment_status": "delivered" if age > timedelta(days=6) else "in_transit",
                "status": "success",
                "tracking_company": company,
                "tracking_number": tracking,
                "tracking_numbers": [tracking],
                "tracking_url": url_fmt.format(t=tracking),
                "tracking_urls": [url_fmt.format(t=tracking)],
                "updated_at": _fmt(fulfilled_at),
                "line_items": [dict(line) for line in shipped],
            }
        ]
        order["fulfillment_status"] = "partial" if partial else "fulfilled"
        if not partial and financial_status == "paid" and age > timedelta(days=10):
            closed_at = fulfilled_at
        updated = max(updated, fulfilled_at)

    if financial_status in ("refunded", "partially_refunded"):
        refund_at = min(created + timedelta(days=3, hours=rng.randint(0, 20)), now - timedelta(minutes=30))
        if sc.cancel_reason:
            refund_at = cancelled_at or refund_at
        order["refunds"] = [
            _refund(
                order,
                shop_amt,
                pres_amt,
                region,
                full=financial_status == "refunded",
                restock_type="cancel"
                if sc.cancel_reason
                else ("return" if financial_status == "refunded" else "no_restock"),
                at=refund_at,
                gateway=gateway,
            )
        ]
        updated = max(updated, refund_at)

    order["closed_at"] = _fmt(closed_at) if closed_at else None
    order["updated_at"] = _fmt(min(updated, now))
    _set_current_totals(order, shop_amt, pres_amt)

    risk = None
    if sc.risky:
        risk = {
            "recommendation": "CANCEL",
            "assessments": [
                {
                    "riskLevel": "HIGH",
                    "facts": [
                        {
                            "description": "Billing address is in a different country than the shipping address",
                            "sentiment": "NEGATIVE",
                        },
                        {
                            "description": "Card was declined twice before this payment succeeded",
                            "sentiment": "NEGATIVE",
                        },
                        {"description": "The customer has no previous orders", "sentiment": "NEUTRAL"},
                    ],
                }
            ],
        }
    return order, risk


def _refund(
    order: Order,
    shop: Amounts,
    pres: Amounts,
    region: Region,
    *,
    full: bool,
    restock_type: str,
    at: datetime,
    gateway: str,
) -> dict:
    shop_ccy, pres_ccy = order["currency"], order["presentment_currency"]
    refund_id = order["id"] * 1000 + 800
    refund_lines = []
    total_shop = ZERO
    total_pres = ZERO
    indices = range(len(order["line_items"])) if full else [0]
    for k, i in enumerate(indices):
        line = order["line_items"][i]
        qty = line["quantity"] if full else 1
        if full:
            sub, sub_p, tax, tax_p = shop.net[i], pres.net[i], shop.line_tax[i], pres.line_tax[i]
        else:
            # One unit of the first line: its share of the line's net amount and tax.
            sub, sub_p = q(shop.net[i] / line["quantity"]), q(pres.net[i] / line["quantity"])
            tax, tax_p = q(shop.line_tax[i] / line["quantity"]), q(pres.line_tax[i] / line["quantity"])
        line["current_quantity"] = line["current_quantity"] - qty if line["current_quantity"] else 0
        line["fulfillable_quantity"] = max(0, min(line["fulfillable_quantity"], line["current_quantity"]))
        refund_lines.append(
            {
                "id": refund_id + 10 + k,
                "line_item_id": line["id"],
                "location_id": 71_000_000_001,
                "quantity": qty,
                "restock_type": restock_type,
                "subtotal": float(sub),
                "subtotal_set": money_set(sub, shop_ccy, sub_p, pres_ccy),
                "total_tax": float(tax),
                "total_tax_set": money_set(tax, shop_ccy, tax_p, pres_ccy),
                "line_item": {k2: v for k2, v in line.items() if k2 != "line_item"},
            }
        )
        total_shop += sub + (ZERO if region.taxes_included else tax)
        total_pres += sub_p + (ZERO if region.taxes_included else tax_p)
    adjustments = []
    if full and shop.shipping:
        ship_shop = shop.shipping + (ZERO if region.taxes_included else shop.shipping_tax)
        ship_pres = (pres.shipping or ZERO) + (ZERO if region.taxes_included else pres.shipping_tax)
        adjustments.append(
            {
                "id": refund_id + 5,
                "order_id": order["id"],
                "refund_id": refund_id,
                "kind": "shipping_refund",
                "reason": "Shipping refund",
                "amount": money(-shop.shipping),
                "tax_amount": money(-shop.shipping_tax),
                "amount_set": money_set(-shop.shipping, shop_ccy, -(pres.shipping or ZERO), pres_ccy),
                "tax_amount_set": money_set(-shop.shipping_tax, shop_ccy, -pres.shipping_tax, pres_ccy),
            }
        )
        total_shop += ship_shop
        total_pres += ship_pres
    transaction_id = order["id"] * 1000 + 701
    transaction = _transaction(
        order,
        transaction_id,
        "refund",
        "success",
        total_shop,
        total_pres,
        at,
        gateway,
        parent_id=order["id"] * 1000 + 700,
    )
    return {
        "id": refund_id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "created_at": _fmt(at),
        "note": "Customer returned the parcel" if full else "One item arrived damaged",
        "order_id": order["id"],
        "processed_at": _fmt(at),
        "restock": restock_type != "no_restock",
        "total_duties_set": money_set(ZERO, shop_ccy, ZERO, pres_ccy),
        "total_additional_fees_set": money_set(ZERO, shop_ccy, ZERO, pres_ccy),
        "user_id": None,
        "order_adjustments": adjustments,
        "transactions": [transaction],
        "refund_line_items": refund_lines,
        "duties": [],
        "additional_fees": [],
    }


def _set_current_totals(order: Order, shop: Amounts, pres: Amounts) -> None:
    refunded_shop = sum(
        (
            Decimal(t["amount_set"]["shop_money"]["amount"])
            for r in order["refunds"]
            for t in r["transactions"]
        ),
        ZERO,
    )
    refunded_pres = sum((Decimal(t["amount"]) for r in order["refunds"] for t in r["transactions"]), ZERO)
    shop_ccy, pres_ccy = order["currency"], order["presentment_currency"]
    current_shop = ZERO if order["cancelled_at"] else shop.total_price - refunded_shop
    current_pres = ZERO if order["cancelled_at"] else pres.total_price - refunded_pres
    order["current_total_price"] = money(current_shop)
    order["current_total_price_set"] = money_set(current_shop, shop_ccy, current_pres, pres_ccy)


def _transaction(
    order: Order,
    tid: int,
    kind: str,
    status: str,
    amount_shop: Decimal,
    amount_pres: Decimal,
    at: datetime | str,
    gateway: str,
    parent_id: int | None = None,
) -> dict:
    when = at if isinstance(at, str) else _fmt(at)
    return {
        "id": tid,
        "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{tid}",
        "order_id": order["id"],
        "kind": kind,
        "gateway": gateway,
        "status": status,
        # REST transactions carry the presentment amount; amount_set (shop + presentment) is kept
        # alongside so the GraphQL layer can answer amountSet without a currency table.
        "amount": money(amount_pres),
        "currency": order["presentment_currency"],
        "amount_set": money_set(amount_shop, order["currency"], amount_pres, order["presentment_currency"]),
        "created_at": when,
        "processed_at": when,
        "test": order["test"],
        "parent_id": parent_id,
        "authorization": None if kind == "refund" else f"ch_{tid:x}",
        "source_name": "web",
        "message": None,
        "error_code": None,
        "payment_id": f"{order['name']}.{tid % 1000 - 699}",
        "receipt": {},
        "user_id": None,
        "location_id": None,
        "device_id": None,
    }


def derive_transactions(order: Order) -> list[dict]:
    """The order's transactions as Shopify would have recorded them, from its financial status.

    Refund transactions are taken from ``order["refunds"]`` so both views agree.
    """
    status = order.get("financial_status") or "pending"
    gateway = (order.get("payment_gateway_names") or ["manual"])[0]
    total_shop = Decimal(order["total_price_set"]["shop_money"]["amount"])
    total_pres = Decimal(order["total_price_set"]["presentment_money"]["amount"])
    at = order.get("processed_at") or order["created_at"]
    base = order["id"] * 1000 + 700
    out: list[dict] = []
    if status in ("paid", "partially_refunded", "refunded"):
        out.append(_transaction(order, base, "sale", "success", total_shop, total_pres, at, gateway))
    elif status == "partially_paid":
        half_shop, half_pres = q(total_shop / 2), q(total_pres / 2)
        out.append(_transaction(order, base, "sale", "success", half_shop, half_pres, at, gateway))
    elif status == "authorized":
        out.append(_transaction(order, base, "authorization", "success", total_shop, total_pres, at, gateway))
    elif status == "pending":
        out.append(_transaction(order, base, "sale", "pending", total_shop, total_pres, at, gateway))
    elif status == "voided":
        out.append(_transaction(order, base, "authorization", "success", total_shop, total_pres, at, gateway))
        out.append(
            _transaction(
                order,
                base + 2,
                "void",
                "success",
                total_shop,
                total_pres,
                order.get("cancelled_at") or at,
                gateway,
                parent_id=base,
            )
        )
    for refund in order.get("refunds") or []:
        out.extend(refund.get("transactions") or [])
    return out


def default_risk(order: Order) -> dict:
    """Shopify's own assessment for an unremarkable order."""
    return {
        "recommendation": "ACCEPT",
        "assessments": [
            {
                "riskLevel": "LOW",
                "facts": [
                    {"description": "Card verification (CVV) matched", "sentiment": "POSITIVE"},
                    {"description": "Billing address matches the card's address", "sentiment": "POSITIVE"},
                ],
            }
        ],
    }


def _default_now() -> datetime:
    # Truncated to the day, so repeated runs on one day produce identical data.
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def generate_dataset(
    n: int,
    *,
    seed: int = 1,
    start_id: int = 5550001001,
    start_number: int = 1001,
    now: datetime | None = None,
    currency: str = "USD",
    big_order: bool = False,
    span_days: int = 45,
) -> SandboxDataset:
    """`n` orders (plus one 250-line order at the end if `big_order`), their transactions and risks."""
    now = now or _default_now()
    rng = random.Random(seed)
    pool = _customer_pool(random.Random(seed * 7919 + 1), 24)
    total = n + (1 if big_order else 0)
    dataset = SandboxDataset(orders=[])
    for i in range(total):
        # Oldest first: order numbers increase with time, like a real shop.
        created = (
            now
            - timedelta(days=span_days) * (total - i) / max(total, 1)
            - timedelta(minutes=rng.randint(0, 300))
        )
        created = created.replace(microsecond=0)
        order_rng = random.Random(f"{seed}:{i}")
        order, risk = _build_order(
            i,
            order_rng,
            pool,
            created,
            now,
            start_id + i,
            start_number + i,
            currency,
            big_order=big_order and i == total - 1,
        )
        dataset.orders.append(order)
        dataset.transactions[order["id"]] = derive_transactions(order)
        dataset.risks[order["id"]] = risk or default_risk(order)
    return dataset


def generate_orders(
    n: int,
    *,
    seed: int = 1,
    start_id: int = 5550001001,
    start_number: int = 1001,
    now: datetime | None = None,
    currency: str = "USD",
    big_order: bool = False,
) -> list[Order]:
    """Orders in REST / webhook shape; see :func:`generate_dataset` for transactions and risks."""
    return generate_dataset(
        n,
        seed=seed,
        start_id=start_id,
        start_number=start_number,
        now=now,
        currency=currency,
        big_order=big_order,
    ).orders


def demo_customers(seed: int = 1, currency: str = "USD") -> list[dict]:
    """The customers the generated orders use (the same ids, e-mails, phones and default addresses), in REST
    shape, created on one fixed day: what the sandbox's customer store starts with."""
    created = datetime(2025, 1, 2, 10, 0, tzinfo=UTC)
    out, seen = [], set()
    for person in _customer_pool(random.Random(seed * 7919 + 1), 24):
        if person.customer_id in seen:
            continue
        seen.add(person.customer_id)
        out.append(_customer(person, created, currency))
    return out
