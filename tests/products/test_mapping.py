"""Pure mapping: a Shopify product as Odoo template values, variant rows, price extras, and what to write."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from itertools import product as combinations

from products import mapping
from products.mapping import Ownership
from synco.shopify.catalog import ProductOption, ShopifyProduct, ShopifyVariant

STORABLE = {"type": "consu", "is_storable": True}
SERVICE = {"type": "service"}
ALL = Ownership(frozenset(mapping.OWNED_FIELDS))


def variant(
    variant_id: int,
    price: str,
    options: tuple[tuple[str, str], ...] = (),
    *,
    sku: str = "",
    barcode: str = "",
    cost: str | None = None,
    weight: str | None = None,
    tracked: bool = True,
    requires_shipping: bool = True,
) -> ShopifyVariant:
    return ShopifyVariant(
        id=variant_id,
        gid=f"gid://shopify/ProductVariant/{variant_id}",
        product_id=1,
        title=" / ".join(value for _, value in options) or "Default Title",
        sku=sku,
        barcode=barcode,
        price=Decimal(price),
        cost=Decimal(cost) if cost is not None else None,
        weight_kg=Decimal(weight) if weight is not None else None,
        options=options,
        inventory_item_id=variant_id + 1000,
        tracked=tracked,
        requires_shipping=requires_shipping,
        position=1,
    )


def product(
    variants: list[ShopifyVariant],
    options: dict[str, list[str]] | None = None,
    *,
    status: str = "ACTIVE",
    description: str = "",
) -> ShopifyProduct:
    return ShopifyProduct(
        id=1,
        gid="gid://shopify/Product/1",
        title="Tee",
        description_html=description,
        product_type="Shirts",
        vendor="Synco",
        status=status,
        options=tuple(ProductOption(name, tuple(values)) for name, values in (options or {}).items()),
        variants=tuple(variants),
        image_url="",
        updated_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


def grid(prices: dict[tuple[str, str], str]) -> ShopifyProduct:
    """A Size x Color product with the given price per (size, color)."""
    sizes = list(dict.fromkeys(size for size, _ in prices))
    colors = list(dict.fromkeys(color for _, color in prices))
    variants = [
        variant(n, price, (("Size", size), ("Color", color)))
        for n, ((size, color), price) in enumerate(prices.items(), start=1)
    ]
    return product(variants, {"Size": sizes, "Color": colors})


def test_it_gives_one_option_exact_extras_over_the_lowest_price():
    tee = product(
        [
            variant(1, "10.00", (("Size", "S"),)),
            variant(2, "12.50", (("Size", "M"),)),
            variant(3, "15", (("Size", "L"),)),
        ],
        {"Size": ["S", "M", "L"]},
    )

    extras = mapping.price_extras(tee)

    assert extras.additive
    assert extras.base == Decimal("10.00")
    assert extras.extras == {("Size", "M"): Decimal("2.50"), ("Size", "L"): Decimal("5.00")}


def test_it_solves_additive_prices_over_two_options_exactly():
    sizes = {"S": Decimal("0"), "M": Decimal("1.10"), "L": Decimal("2.20")}
    colors = {"Red": Decimal("0.30"), "Blue": Decimal("0"), "Green": Decimal("0.05")}
    tee = grid({(s, c): str(Decimal("19.99") + sizes[s] + colors[c]) for s, c in combinations(sizes, colors)})

    extras = mapping.price_extras(tee)

    assert extras.additive
    assert extras.base == Decimal("19.99")
    for v in tee.variants:
        assert extras.base + sum(extras.extras.get(pair, Decimal("0")) for pair in v.options) == v.price
    assert extras.extras[("Size", "L")] == Decimal("2.20")
    assert extras.extras[("Color", "Red")] == Decimal("0.30")


def test_it_flags_prices_that_are_not_additive_and_keeps_the_lowest():
    tee = grid({("S", "Red"): "10", ("S", "Blue"): "11", ("M", "Red"): "12", ("M", "Blue"): "14"})

    extras = mapping.price_extras(tee)

    assert not extras.additive
    assert extras.base == Decimal("10")
    assert extras.extras == {}


def test_it_solves_a_product_without_every_combination():
    tee = grid({("S", "Red"): "10", ("M", "Red"): "12", ("M", "Blue"): "13"})

    extras = mapping.price_extras(tee)

    assert extras.additive
    assert extras.extras == {("Size", "M"): Decimal("2"), ("Color", "Blue"): Decimal("1")}


def test_a_single_variant_product_has_its_price_and_no_extras():
    extras = mapping.price_extras(product([variant(1, "7.25", sku="A")]))

    assert (extras.base, extras.extras, extras.additive) == (Decimal("7.25"), {}, True)


def test_it_turns_description_html_into_plain_text():
    html = (
        "<p>Soft <strong>cotton</strong> &amp; linen&nbsp;tee.</p><ul><li>Machine wash</li><li>Made in EU</li>"
        "</ul><script>alert(1)</script><p>Fits &lt;true&gt; to size<br>Model wears M</p>"
    )

    assert mapping.html_to_text(html) == (
        "Soft cotton & linen tee.\n- Machine wash\n- Made in EU\nFits <true> to size\nModel wears M"
    )
    assert mapping.html_to_text("") == ""


def test_template_values_follow_the_product():
    tee = product(
        [variant(1, "9", (("Size", "S"),)), variant(2, "8", (("Size", "M"),))],
        {"Size": ["S", "M"]},
        status="DRAFT",
        description="<p>Hi</p>",
    )

    values = mapping.template_values(tee, storable_values=STORABLE, service_values=SERVICE)

    assert values == {
        "name": "Tee",
        "description_sale": "Hi",
        "list_price": Decimal("8"),
        "type": "consu",
        "is_storable": True,
        "active": False,
    }


def test_a_product_neither_tracked_nor_shipped_is_a_service_with_the_same_columns():
    gift = product([variant(1, "25", tracked=False, requires_shipping=False)])

    values = mapping.template_values(gift, storable_values=STORABLE, service_values=SERVICE)

    assert values["type"] == "service" and values["is_storable"] is False
    assert mapping.is_storable(product([variant(1, "1", tracked=False, requires_shipping=True)]))


def test_variant_values_carry_codes_cost_and_weight():
    v = variant(1, "5", sku="TEE-S", barcode="123", cost="2.10", weight="0.25")

    assert mapping.variant_values(v, active=True) == {
        "default_code": "TEE-S",
        "barcode": "123",
        "active": True,
        "standard_price": Decimal("2.10"),
        "weight": Decimal("0.25"),
    }
    unknown = variant(2, "5", sku="TEE-M")
    assert "standard_price" not in mapping.variant_values(unknown, active=True)
    assert mapping.variant_values(unknown, active=True, creating=True)["standard_price"] is None


def test_changes_write_only_owned_fields_that_differ_from_what_synco_wrote():
    desired = {"name": "Tee 2", "list_price": Decimal("10.0"), "description_sale": "x", "active": True}
    written = mapping.digest(
        {"name": "Tee", "list_price": Decimal("10.00"), "description_sale": "x", "active": True}
    )
    names_only = Ownership(frozenset({"name", "sale_price"}))

    assert mapping.changes(desired, written, mapping.TEMPLATE_FIELD_OWNERS, names_only) == {"name": "Tee 2"}
    assert mapping.changes(desired, mapping.digest(desired), mapping.TEMPLATE_FIELD_OWNERS, ALL) == {}
    assert (
        mapping.changes(desired, {}, mapping.TEMPLATE_FIELD_OWNERS, Ownership(frozenset()), everything=True)
        == desired
    )
    # An Odoo-owned field is never written on update, even when Shopify's value changed.
    odoo_owns_names = Ownership(frozenset({"sale_price"}))
    assert mapping.changes(desired, written, mapping.TEMPLATE_FIELD_OWNERS, odoo_owns_names) == {}


def test_extras_changes_reset_a_removed_extra_to_zero():
    pairs = [("Size", "S"), ("Size", "M")]
    written = mapping.extras_digest({("Size", "M"): Decimal("2")})

    assert mapping.extras_changes({("Size", "M"): Decimal("2.00")}, written, pairs, ALL) == {}
    assert mapping.extras_changes({}, written, pairs, ALL) == {("Size", "M"): Decimal("0")}
    assert mapping.extras_changes({}, written, pairs, Ownership(frozenset({"name"}))) == {}


def test_link_keys_are_the_sku_or_the_barcode():
    assert mapping.link_key(variant(1, "1", sku="A", barcode="9")) == "A"
    assert mapping.link_key(variant(1, "1", barcode="9")) == "barcode:9"
    assert mapping.link_key(variant(1, "1")) == ""
