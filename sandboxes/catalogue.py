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
