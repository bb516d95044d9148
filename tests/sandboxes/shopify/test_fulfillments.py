"""Fulfilment orders, fulfillmentCreate and fulfillmentTrackingInfoUpdate of the Shopify sandbox."""

from __future__ import annotations

import json
from typing import Any

from sandboxes.shopify.generator import SandboxDataset, generate_orders
from sandboxes.shopify.inventory import MAIN_WAREHOUSE
from sandboxes.shopify.server import SandboxServer
from sandboxes.shopify.store import DEMO_ACCESS_TOKEN, DEMO_SHOP_DOMAIN

FOS = """query($id: ID!) { order(id: $id) { displayFulfillmentStatus
  fulfillments(first: 5) { id status trackingInfo(first: 5) { company number url } }
  fulfillmentOrders(first: 10) { nodes { id status requestStatus assignedLocation { location { id } }
    supportedActions { action }
    lineItems(first: 50) { nodes { id remainingQuantity totalQuantity lineItem { id sku } } } } } } }"""
CREATE = """mutation Fulfill($fulfillment: FulfillmentInput!) { fulfillmentCreate(fulfillment: $fulfillment) {
  fulfillment { id status trackingInfo(first: 5) { company number url } } userErrors { field message } } }"""
TRACKING = """mutation T($id: ID!, $t: FulfillmentTrackingInput!) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $t, notifyCustomer: false) {
  fulfillment { id trackingInfo(first: 5) { company number url } } userErrors { field message } } }"""


def _new_order(server: SandboxServer, now: Any, order_id: int = 7_990_001) -> dict[str, Any]:
    order = generate_orders(1, now=now, seed=31, start_id=order_id, start_number=7001)[0]
    order["fulfillment_status"] = None
    order["fulfillments"] = []
    for li in order["line_items"]:
        li["fulfillment_status"] = None
        li["fulfillable_quantity"] = li["quantity"]
    server.add_orders([order])
    return order


def _fos(gql: Any, base: str, order_id: int) -> dict[str, Any]:
    _, body, _ = gql(base, FOS, {"id": f"gid://shopify/Order/{order_id}"})
    assert "errors" not in body, body
    return body["data"]["order"]  # type: ignore[no-any-return]


def test_a_placed_order_has_an_open_fulfillment_order_and_commits_its_stock(
    sandbox: tuple[SandboxServer, str], gql: Any, now: Any
) -> None:
    server, base = sandbox
    from sandboxes.shopify.catalog import variants_by_id

    before = {}
    for r in server.levels(location=MAIN_WAREHOUSE):
        before[r["item_id"]] = r
    order = _new_order(server, now)
    view = _fos(gql, base, order["id"])
    (fo,) = view["fulfillmentOrders"]["nodes"]
    assert fo["status"] == "OPEN" and fo["requestStatus"] == "UNSUBMITTED"
    assert fo["assignedLocation"]["location"]["id"] == f"gid://shopify/Location/{MAIN_WAREHOUSE}"
    assert "CREATE_FULFILLMENT" in [a["action"] for a in fo["supportedActions"]]
    lines = fo["lineItems"]["nodes"]
    assert [(n["lineItem"]["sku"], n["remainingQuantity"], n["totalQuantity"]) for n in lines] == [
        (li["sku"], li["quantity"], li["quantity"]) for li in order["line_items"]
    ]
    li = next(li for li in order["line_items"] if variants_by_id()[li["variant_id"]].storable)
    item = variants_by_id()[li["variant_id"]].inventory_item_id
    after = server.levels(item=item, location=MAIN_WAREHOUSE)[0]
    units = sum(x["quantity"] for x in order["line_items"] if x["variant_id"] == li["variant_id"])
    assert after["available"] == before[item]["available"] - units
    assert after["committed"] == before[item]["committed"] + units
    assert after["on_hand"] == before[item]["on_hand"]


def test_partial_then_full_fulfilment_with_tracking_and_no_idempotency(
    sandbox: tuple[SandboxServer, str], gql: Any, now: Any
) -> None:
    server, base = sandbox
    order = _new_order(server, now, 7_990_002)
    fo = _fos(gql, base, order["id"])["fulfillmentOrders"]["nodes"][0]
    first = fo["lineItems"]["nodes"][0]
    one = {
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": fo["id"],
                "fulfillmentOrderLineItems": [{"id": first["id"], "quantity": 1}],
            }
        ],
        "trackingInfo": {"company": "DHL", "number": "JD0001", "url": "https://dhl.example/JD0001"},
        "notifyCustomer": True,
    }
    _, body, _ = gql(base, CREATE, {"fulfillment": one})
    created = body["data"]["fulfillmentCreate"]
    assert created["userErrors"] == []
    assert created["fulfillment"]["status"] == "SUCCESS"
    assert created["fulfillment"]["trackingInfo"] == [
        {"company": "DHL", "number": "JD0001", "url": "https://dhl.example/JD0001"}
    ]
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10
    view = _fos(gql, base, order["id"])
    (fo,) = view["fulfillmentOrders"]["nodes"]
    remaining = {n["id"]: n["remainingQuantity"] for n in fo["lineItems"]["nodes"]}
    assert remaining[first["id"]] == first["remainingQuantity"] - 1
    assert fo["status"] == "IN_PROGRESS" and view["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
    # the same call again is a second fulfilment while quantity remains (Shopify has no idempotency here)
    if remaining[first["id"]] >= 1:
        _, body, _ = gql(base, CREATE, {"fulfillment": one})
        assert body["data"]["fulfillmentCreate"]["userErrors"] == []
    # more than remains
    too_many = {
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": fo["id"],
                "fulfillmentOrderLineItems": [{"id": first["id"], "quantity": 99}],
            }
        ]
    }
    _, body, _ = gql(base, CREATE, {"fulfillment": too_many})
    assert body["data"]["fulfillmentCreate"]["userErrors"] == [
        {"field": ["fulfillment"], "message": "Invalid fulfillment order line item quantity requested."}
    ]
    # the rest: no line items given fulfils everything remaining
    _, body, _ = gql(
        base, CREATE, {"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}}
    )
    assert body["data"]["fulfillmentCreate"]["userErrors"] == []
    view = _fos(gql, base, order["id"])
    (fo,) = view["fulfillmentOrders"]["nodes"]
    assert fo["status"] == "CLOSED" and fo["supportedActions"] == []
    assert view["displayFulfillmentStatus"] == "FULFILLED"
    assert len(view["fulfillments"]) >= 2
    # a closed fulfilment order
    _, body, _ = gql(
        base, CREATE, {"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}}
    )
    number = fo["id"].rsplit("/", 1)[1]
    assert body["data"]["fulfillmentCreate"]["userErrors"] == [
        {
            "field": ["fulfillment"],
            "message": f"Fulfillment order {number} has an unfulfillable status= closed.",
        }
    ]
    # tracking added later
    fulfillment_id = view["fulfillments"][0]["id"]
    _, body, _ = gql(
        base,
        TRACKING,
        {
            "id": fulfillment_id,
            "t": {"company": "UPS", "number": "1Z999", "url": "https://ups.example/1Z999"},
        },
    )
    assert body["data"]["fulfillmentTrackingInfoUpdate"] == {
        "fulfillment": {
            "id": fulfillment_id,
            "trackingInfo": [{"company": "UPS", "number": "1Z999", "url": "https://ups.example/1Z999"}],
        },
        "userErrors": [],
    }
    assert server.store.order(DEMO_SHOP_DOMAIN, order["id"])["fulfillments"][0]["tracking_number"] == "1Z999"


def test_on_hold_and_fulfilment_service_orders_cannot_be_fulfilled_by_the_app(
    sandbox: tuple[SandboxServer, str], gql: Any, now: Any
) -> None:
    server, base = sandbox
    held = _new_order(server, now, 7_990_003)
    server.hold_fulfillment_order(held["id"], reason="AWAITING_PAYMENT", emit=False)
    (fo,) = _fos(gql, base, held["id"])["fulfillmentOrders"]["nodes"]
    assert fo["status"] == "ON_HOLD" and "CREATE_FULFILLMENT" not in [
        a["action"] for a in fo["supportedActions"]
    ]
    _, body, _ = gql(
        base, CREATE, {"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}}
    )
    number = fo["id"].rsplit("/", 1)[1]
    assert body["data"]["fulfillmentCreate"]["userErrors"][0]["message"] == (
        f"Fulfillment order {number} has an unfulfillable status= on_hold."
    )
    server.release_fulfillment_order(held["id"], emit=False)
    assert _fos(gql, base, held["id"])["fulfillmentOrders"]["nodes"][0]["status"] == "OPEN"

    third_party = _new_order(server, now, 7_990_004)
    server.assign_to_service(third_party["id"], emit=False)
    # with the app's scopes (merchant-managed only) the fulfilment order is not even listed
    assert _fos(gql, base, third_party["id"])["fulfillmentOrders"]["nodes"] == []
    server.store.set_token_scope(
        DEMO_SHOP_DOMAIN,
        DEMO_ACCESS_TOKEN,
        "read_orders,write_merchant_managed_fulfillment_orders,read_third_party_fulfillment_orders",
    )
    try:
        (fo,) = _fos(gql, base, third_party["id"])["fulfillmentOrders"]["nodes"]
        assert fo["supportedActions"][0]["action"] == "REQUEST_FULFILLMENT"
        _, body, _ = gql(
            base, CREATE, {"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}}
        )
        assert body["data"]["fulfillmentCreate"]["userErrors"] == [
            {
                "field": ["fulfillment"],
                "message": "The api_client does not have access to the fulfillment order.",
            }
        ]
        server.store.set_token_scope(DEMO_SHOP_DOMAIN, DEMO_ACCESS_TOKEN, "read_orders")
        _, body, _ = gql(
            base, CREATE, {"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}}
        )
        assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"
    finally:
        server.store.set_token_scope(DEMO_SHOP_DOMAIN, DEMO_ACCESS_TOKEN, None)


def test_fulfilled_in_the_admin_sends_the_webhooks_and_history_orders_get_fulfillment_orders(
    sandbox: tuple[SandboxServer, str], gql: Any, post: Any, now: Any, dataset: SandboxDataset
) -> None:
    server, base = sandbox
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    got: list[tuple[str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            got.append(
                (self.headers["X-Shopify-Topic"], self.rfile.read(int(self.headers["Content-Length"])))
            )
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        server.control(app={"application_url": f"http://127.0.0.1:{httpd.server_address[1]}"})
        order = _new_order(server, now, 7_990_005)
        status, raw, _ = post(
            f"{base}/sandbox/fulfillments",
            {
                "order_id": order["id"],
                "tracking": {"company": "DHL", "number": "JD7", "url": "https://dhl.example/JD7"},
            },
        )
        assert status == 200
        assert json.loads(raw)["tracking_number"] == "JD7"
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(got) < 3:
            time.sleep(0.02)
        topics = [t for t, _ in got]
        assert (
            topics.count("fulfillments/create") == 1
            and "orders/fulfilled" in topics
            and "orders/updated" in topics
        )
        body = json.loads(next(b for t, b in got if t == "fulfillments/create"))
        assert body["order_id"] == order["id"] and body["tracking_numbers"] == ["JD7"]
        assert _fos(gql, base, order["id"])["displayFulfillmentStatus"] == "FULFILLED"
    finally:
        httpd.shutdown()
        httpd.server_close()
    # an order from before fulfilment orders existed: what Shopify shows for its history
    partial = next(o for o in dataset.orders if o.get("fulfillment_status") == "partial")
    view = _fos(gql, base, partial["id"])
    (fo,) = view["fulfillmentOrders"]["nodes"]
    assert fo["status"] in ("IN_PROGRESS", "OPEN")
    assert sum(n["remainingQuantity"] for n in fo["lineItems"]["nodes"]) == sum(
        int(li.get("fulfillable_quantity") or 0) for li in partial["line_items"]
    )


def test_an_order_split_over_two_locations_fulfils_one_location_per_call_and_a_cancel_reopens(
    sandbox: tuple[SandboxServer, str], gql: Any, now: Any
) -> None:
    from sandboxes.shopify.inventory import RETAIL_STORE

    server, base = sandbox
    order = _new_order(server, now, 7_990_007)
    moved = order["line_items"][0]
    new_fo = server.split_fulfillment_order(order["id"], RETAIL_STORE, {moved["id"]: 1})
    view = _fos(gql, base, order["id"])
    first, second = view["fulfillmentOrders"]["nodes"]
    assert second["id"] == f"gid://shopify/FulfillmentOrder/{new_fo['id']}"
    assert second["assignedLocation"]["location"]["id"] == f"gid://shopify/Location/{RETAIL_STORE}"
    assert [(n["lineItem"]["id"], n["remainingQuantity"]) for n in second["lineItems"]["nodes"]] == [
        (f"gid://shopify/LineItem/{moved['id']}", 1)
    ]
    assert sum(n["remainingQuantity"] for n in first["lineItems"]["nodes"]) == (
        sum(li["quantity"] for li in order["line_items"]) - 1
    )
    # one call over both locations is refused, as Shopify does
    both = {
        "lineItemsByFulfillmentOrder": [
            {"fulfillmentOrderId": first["id"]},
            {"fulfillmentOrderId": second["id"]},
        ]
    }
    _, body, _ = gql(base, CREATE, {"fulfillment": both})
    assert body["data"]["fulfillmentCreate"]["userErrors"] == [
        {"field": ["fulfillment"], "message": "All fulfillment orders must be assigned to the same location."}
    ]
    # one per location works
    for fo in (first, second):
        _, body, _ = gql(
            base, CREATE, {"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}]}}
        )
        assert body["data"]["fulfillmentCreate"]["userErrors"] == []
    view = _fos(gql, base, order["id"])
    assert view["displayFulfillmentStatus"] == "FULFILLED"

    # the merchant cancels the second fulfilment: its unit is to fulfil again at the store
    cancelled_gid = view["fulfillments"][1]["id"]
    cancelled = server.cancel_fulfillment_in_admin(int(cancelled_gid.rsplit("/", 1)[1]), emit=False)
    assert cancelled["status"] == "cancelled"
    view = _fos(gql, base, order["id"])
    assert [f["status"] for f in view["fulfillments"]] == ["SUCCESS", "CANCELLED"]
    _first, second = view["fulfillmentOrders"]["nodes"]
    assert second["status"] == "OPEN" and second["lineItems"]["nodes"][0]["remainingQuantity"] == 1
    assert view["displayFulfillmentStatus"] == "PARTIALLY_FULFILLED"
