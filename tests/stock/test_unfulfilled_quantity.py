"""Each order line's unfulfilledQuantity, as Synco's order query reads it from the Shopify sandbox: after a partial
fulfilment, a cancelled fulfilment, and units edited away before anything was shipped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from synco.gateways import shopify_client_for
from synco.models import Shop
from synco.shopify.types import _line_item
from tests.conftest import ShopifySandbox

from .test_unheld_demand import new_order

pytestmark = pytest.mark.usefixtures("added_shopify_orders_removed")


@pytest.fixture
def levels_put_back(shopify: ShopifySandbox) -> Iterator[None]:
    """The order commits and ships units in the (session-wide) Shopify sandbox: its levels are put back after."""
    before = shopify.server.levels()
    yield
    for level in before:
        shopify.server.set_level(None, level["item_id"], level["location_id"], level["available"], emit=False)


def unfulfilled(shop: Shop, order_id: int) -> dict[int, tuple[int | None, int | None]]:
    """(currentQuantity, unfulfilledQuantity) per line id, through Synco's OrderById query."""
    result = shopify_client_for(shop).fetch_order(f"gid://shopify/Order/{order_id}")
    assert result.order is not None, result.error
    return {
        int(line.number): (line.current_quantity, line.unfulfilled_quantity)
        for line in result.order.line_items
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("levels_put_back")
def test_unfulfilled_quantity_follows_partial_fulfilments_cancellations_and_edits(
    shop: Shop, shopify: ShopifySandbox
) -> None:
    Shop.objects.filter(pk=shop.pk).update(access_token=shopify.token)
    shop.refresh_from_db()
    order, line = new_order(shopify)
    line.update(quantity=5, current_quantity=5, fulfillable_quantity=5)
    shopify.server.add_orders([order])
    line_id = int(line["id"])

    assert unfulfilled(shop, order["id"])[line_id] == (5, 5)

    # Two of five edited away before anything shipped: neither fulfilled nor left to fulfil.
    shopify.server.edit_order(order["id"], set_quantities={line_id: 3}, emit=False)
    assert unfulfilled(shop, order["id"])[line_id] == (3, 3)

    first = shopify.server.fulfil_in_admin(order["id"], lines={line_id: 1}, emit=False)
    assert unfulfilled(shop, order["id"])[line_id] == (3, 2)

    shopify.server.fulfil_in_admin(order["id"], lines={line_id: 2}, emit=False)
    assert unfulfilled(shop, order["id"])[line_id] == (3, 0)

    shopify.server.cancel_fulfillment_in_admin(int(first["id"]), emit=False)
    assert unfulfilled(shop, order["id"])[line_id] == (3, 1)


def test_an_old_payload_without_unfulfilled_quantity_still_parses() -> None:
    node = {
        "id": "gid://shopify/LineItem/1",
        "sku": "TEE",
        "title": "Tee",
        "quantity": 2,
        "currentQuantity": 2,
        "originalUnitPriceSet": {"shopMoney": {"amount": "10.00", "currencyCode": "USD"}},
    }
    assert _line_item(node, 0).unfulfilled_quantity is None
    assert _line_item({**node, "unfulfilledQuantity": 1}, 0).unfulfilled_quantity == 1
