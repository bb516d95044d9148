"""The demo catalogue shared by both sandboxes: the same SKUs exist in Shopify and in Odoo."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CatalogueItem:
    sku: str
    barcode: str
    title: str
    price: Decimal
    storable: bool = True


CATALOGUE: tuple[CatalogueItem, ...] = (
    CatalogueItem("SKU-TSHIRT-S", "0012345678905", "Organic T-Shirt - S", Decimal("25.00")),
    CatalogueItem("SKU-TSHIRT-M", "0012345678912", "Organic T-Shirt - M", Decimal("25.00")),
    CatalogueItem("SKU-TSHIRT-L", "0012345678929", "Organic T-Shirt - L", Decimal("25.00")),
    CatalogueItem("SKU-HOODIE-M", "0012345678936", "Merino Hoodie - M", Decimal("89.00")),
    CatalogueItem("SKU-HOODIE-L", "0012345678943", "Merino Hoodie - L", Decimal("89.00")),
    CatalogueItem("SKU-MUG", "0012345678950", "Stoneware Mug", Decimal("12.00")),
    CatalogueItem("SKU-CAP", "0012345678967", "Canvas Cap", Decimal("18.00")),
    CatalogueItem("SKU-TOTE", "0012345678974", "Tote Bag", Decimal("15.50")),
    CatalogueItem("SKU-SOCKS-3", "0012345678981", "Wool Socks (3 pack)", Decimal("21.90")),
    CatalogueItem("SKU-BEANIE", "0012345678998", "Ribbed Beanie", Decimal("22.00")),
    CatalogueItem("SKU-POSTER-A2", "0012345679001", "Mountain Poster A2", Decimal("29.99")),
    CatalogueItem("SKU-NOTEBOOK", "0012345679018", "Dotted Notebook", Decimal("9.95")),
    CatalogueItem("SKU-BOTTLE", "0012345679025", "Steel Bottle 750 ml", Decimal("34.00")),
    CatalogueItem("SKU-CANDLE", "0012345679032", "Café Crème Candle", Decimal("27.50")),
    CatalogueItem("SKU-GIFTWRAP", "0012345679049", "Gift wrap", Decimal("3.50"), storable=False),
)

# Odoo's delivery module installs this service product; shipping lines use it.
DELIVERY_PRODUCT_CODE = "Delivery_007"


@dataclass(frozen=True)
class ShopifyOnlyProduct:
    """A demo product that exists only in the Shopify sandbox (the Odoo seed does not create it), with up to three
    options. A variant's price is `base_price` plus the `extras` of its option values (additive, as Odoo's
    attribute price extras model it); SKUs are `sku_prefix` and the option values joined by "-", except for the
    variants listed in `without_sku` (by variant title, "S / White / Slim")."""

    title: str
    product_type: str
    vendor: str
    description_html: str
    options: tuple[tuple[str, tuple[str, ...]], ...]
    base_price: Decimal
    cost: Decimal
    weight_grams: int
    sku_prefix: str
    extras: tuple[tuple[str, str, Decimal], ...] = ()  # (option name, value, price extra)
    status: str = "ACTIVE"
    without_sku: tuple[str, ...] = ()


SHOPIFY_ONLY_PRODUCTS: tuple[ShopifyOnlyProduct, ...] = (
    ShopifyOnlyProduct(
        "Trail Runner",
        "Shoes",
        "Synco Outdoor",
        "<p>A light <strong>trail running</strong> shoe with a recycled mesh upper.</p>",
        (("Size", ("40", "41", "42")), ("Color", ("Black", "Sand"))),
        Decimal("120.00"),
        Decimal("48.00"),
        780,
        "SKU-TRAIL",
        extras=(("Size", "42", Decimal("5.00")),),
    ),
    ShopifyOnlyProduct(
        "Linen Shirt",
        "Shirts",
        "Synco Demo Goods",
        "<p>Breathable <em>European linen</em>, garment washed.</p>",
        (("Size", ("S", "M", "L")), ("Color", ("White", "Navy")), ("Fit", ("Regular", "Slim"))),
        Decimal("65.00"),
        Decimal("22.50"),
        240,
        "SKU-LINEN",
        extras=(("Size", "L", Decimal("3.00")), ("Color", "Navy", Decimal("2.00"))),
    ),
    ShopifyOnlyProduct(
        "Enamel Pin Set",
        "Accessories",
        "Synco Demo Goods",
        "<p>Three enamel pins: mountain, wave and pine.</p>",
        (("Finish", ("Gold", "Silver")),),
        Decimal("14.00"),
        Decimal("3.10"),
        30,
        "SKU-PINS",
        extras=(("Finish", "Gold", Decimal("2.00")),),
    ),
    ShopifyOnlyProduct(
        "Vintage Rain Jacket",
        "Outerwear",
        "Synco Outdoor",
        "<p>Last season's rain jacket, no longer sold.</p>",
        (("Size", ("M", "L")),),
        Decimal("140.00"),
        Decimal("61.00"),
        520,
        "SKU-RAINJKT",
        status="ARCHIVED",
    ),
)
