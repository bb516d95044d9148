"""Order edits in the Shopify sandbox: what Shopify's orderEdit* mutations commit, and the orders/edited body."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sandboxes.shopify.server import SandboxServer
from sandboxes.shopify.store import DEMO_SHOP_DOMAIN

ORDER_QUERY = """
query($id: ID!) { order(id: $id) { updatedAt
  totalPriceSet { shopMoney { amount } } currentTotalPriceSet { shopMoney { amount } }
  totalTaxSet { shopMoney { amount } }
  lineItems(first: 50) { nodes { id quantity currentQuantity sku taxLines { priceSet { shopMoney { amount } } } } }
} }
"""


def _order(server: SandboxServer, gql: Any, base: str, order_id: int) -> dict[str, Any]:
    status, body, _ = gql(base, ORDER_QUERY, {"id": f"gid://shopify/Order/{order_id}"})
    assert status == 200, body
    return body["data"]["order"]


def _editable(server: SandboxServer) -> dict[str, Any]:
    return next(
        o
        for o in server.store.orders(DEMO_SHOP_DOMAIN)
        if len(o["line_items"]) >= 2 and not o.get("refunds") and not o.get("cancelled_at")
    )


def test_removing_a_line_keeps_its_quantity_and_lowers_current_quantity_and_totals(
    sandbox: tuple[SandboxServer, str], post: Any, gql: Any
) -> None:
    server, base = sandbox
    source = _editable(server)
    line = source["line_items"][1]
    before = _order(server, gql, base, source["id"])

    status, raw, _ = post(
        f"{base}/sandbox/orders/edit",
        {"order_id": source["id"], "set_quantities": {str(line["id"]): 0}, "emit": False},
    )

    assert status == 200
    assert json.loads(raw)["order_edit"]["line_items"] == {
        "additions": [],
        "removals": [{"id": line["id"], "delta": line["quantity"]}],
    }
    after = _order(server, gql, base, source["id"])
    [edited] = [n for n in after["lineItems"]["nodes"] if n["id"].endswith(f"/{line['id']}")]
    assert (edited["quantity"], edited["currentQuantity"]) == (line["quantity"], 0)
    # As in Shopify's 2026-10 schema: taxLines and totalPriceSet include removed units; currentTotal does not.
    assert [t["priceSet"]["shopMoney"]["amount"] for t in edited["taxLines"]] == [
        t["priceSet"]["shopMoney"]["amount"]
        for n in before["lineItems"]["nodes"]
        if n["id"] == edited["id"]
        for t in n["taxLines"]
    ]
    removed_net = Decimal(line["price_set"]["shop_money"]["amount"]) * line["quantity"] - sum(
        (Decimal(a["amount_set"]["shop_money"]["amount"]) for a in line["discount_allocations"]), Decimal(0)
    )
    removed_tax = sum(
        (Decimal(t["price_set"]["shop_money"]["amount"]) for t in line["tax_lines"]), Decimal(0)
    )
    total = Decimal(before["totalPriceSet"]["shopMoney"]["amount"])
    expected = total - removed_net - (Decimal(0) if source.get("taxes_included") else removed_tax)
    assert Decimal(after["totalPriceSet"]["shopMoney"]["amount"]) == total
    assert Decimal(after["currentTotalPriceSet"]["shopMoney"]["amount"]) == expected
    assert after["updatedAt"] > before["updatedAt"]


def test_adding_a_variant_adds_a_line_with_its_tax(
    sandbox: tuple[SandboxServer, str], post: Any, gql: Any
) -> None:
    server, base = sandbox
    source = _editable(server)
    before = _order(server, gql, base, source["id"])

    status, raw, _ = post(
        f"{base}/sandbox/orders/edit",
        {
            "order_id": source["id"],
            "add": [{"sku": "SKU-TSHIRT-L", "title": "Organic T-Shirt - L", "price": "25.00", "quantity": 2}],
            "emit": False,
        },
    )

    assert status == 200
    [addition] = json.loads(raw)["order_edit"]["line_items"]["additions"]
    after = _order(server, gql, base, source["id"])
    [added] = [n for n in after["lineItems"]["nodes"] if n["id"].endswith(f"/{addition['id']}")]
    assert (added["sku"], added["quantity"], added["currentQuantity"]) == ("SKU-TSHIRT-L", 2, 2)
    grown = Decimal(after["totalPriceSet"]["shopMoney"]["amount"]) - Decimal(
        before["totalPriceSet"]["shopMoney"]["amount"]
    )
    tax = sum((Decimal(t["priceSet"]["shopMoney"]["amount"]) for t in added["taxLines"]), Decimal(0))
    assert grown == Decimal("50.00") + (Decimal(0) if source.get("taxes_included") else tax)


def test_an_edit_of_an_unknown_line_is_refused_and_changes_nothing(
    sandbox: tuple[SandboxServer, str], post: Any, gql: Any
) -> None:
    server, base = sandbox
    source = _editable(server)
    before = _order(server, gql, base, source["id"])

    status, raw, _ = post(
        f"{base}/sandbox/orders/edit", {"order_id": source["id"], "set_quantities": {"1": 0}, "emit": False}
    )

    assert status == 400
    assert "no line item 1" in json.loads(raw)["errors"]
    assert _order(server, gql, base, source["id"]) == before


EDIT_BEGIN = """mutation($id: ID!) { orderEditBegin(id: $id) {
  calculatedOrder { id } orderEditSession { id } userErrors { field message } } }"""
EDIT_SET = """mutation($id: ID!, $line: ID!, $q: Int!) { orderEditSetQuantity(id: $id, lineItemId: $line, quantity: $q) {
  calculatedLineItem { id } userErrors { field message } } }"""
EDIT_ADD = """mutation($id: ID!, $variant: ID!, $q: Int!) { orderEditAddVariant(id: $id, variantId: $variant, quantity: $q) {
  calculatedLineItem { id } userErrors { field message } } }"""
EDIT_COMMIT = """mutation($id: ID!) { orderEditCommit(id: $id, notifyCustomer: false, staffNote: "x") {
  order { id totalPriceSet { shopMoney { amount } } } userErrors { field message } } }"""


def test_the_order_edit_mutations_commit_an_edit(sandbox: tuple[SandboxServer, str], gql: Any) -> None:
    from sandboxes.shopify.catalog import variants_by_sku

    server, base = sandbox
    source = _editable(server)
    line = source["line_items"][0]
    order_gid = f"gid://shopify/Order/{source['id']}"
    variant = variants_by_sku()["SKU-TSHIRT-L"]

    _, begun, _ = gql(base, EDIT_BEGIN, {"id": order_gid})
    calculated = begun["data"]["orderEditBegin"]["calculatedOrder"]["id"]
    line_gid = f"gid://shopify/CalculatedLineItem/{line['id']}"
    _, changed, _ = gql(base, EDIT_SET, {"id": calculated, "line": line_gid, "q": 0})
    variant_gid = f"gid://shopify/ProductVariant/{variant.variant_id}"
    _, added, _ = gql(base, EDIT_ADD, {"id": calculated, "variant": variant_gid, "q": 1})
    _, committed, _ = gql(base, EDIT_COMMIT, {"id": calculated})

    assert changed["data"]["orderEditSetQuantity"]["userErrors"] == []
    assert added["data"]["orderEditAddVariant"]["userErrors"] == []
    assert committed["data"]["orderEditCommit"]["userErrors"] == []
    after = _order(server, gql, base, source["id"])
    quantities = {n["sku"]: n["currentQuantity"] for n in after["lineItems"]["nodes"]}
    assert quantities[line["sku"]] == 0 and quantities["SKU-TSHIRT-L"] == 1
    assert committed["data"]["orderEditCommit"]["order"]["totalPriceSet"] == after["totalPriceSet"]
    # a committed session is closed
    _, again, _ = gql(base, EDIT_COMMIT, {"id": calculated})
    assert again["data"]["orderEditCommit"]["userErrors"] == [{"field": ["id"], "message": "Invalid id"}]
