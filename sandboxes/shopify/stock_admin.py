"""The sandbox admin's stock page: locations, levels, and the orders left to fulfil, with forms.

    GET  /store/{shop}/admin/stock          this page
    POST /store/{shop}/admin/stock          form: action=set_level (inventory_item_id, location_id, available)
                                                  | fulfil (order_id, company, number, url)
                                                  | hold | release | assign_to_service (order_id)
                                            then 303 back to the page

What the merchant does here goes through the same server methods as the tests (`set_level`,
`fulfil_in_admin`, ...), so the app receives the same signed webhooks it would from Shopify.
"""

from __future__ import annotations

from html import escape
from typing import Any

from sandboxes.shopify import inventory

Json = dict[str, Any]


def handle_form(server: Any, shop: str, form: dict[str, str]) -> str:
    """Apply one form post; returns a short message for the page."""
    action = form.get("action", "")
    if action == "set_level":
        row = server.set_level(
            shop, int(form["inventory_item_id"]), int(form["location_id"]), int(form["available"])
        )
        return f"Set available to {row['available']} (item {row['item_id']}, location {row['location_id']})."
    order_id = int(form.get("order_id") or 0)
    if action == "fulfil":
        tracking = {k: form[k] for k in ("company", "number", "url") if form.get(k)}
        f = server.fulfil_in_admin(order_id, shop, tracking=tracking or None)
        return f"Fulfilment {f['name']} created."
    if action == "hold":
        server.hold_fulfillment_order(order_id, shop, reason="OTHER", notes=form.get("notes") or None)
        return f"Order {order_id} on hold."
    if action == "release":
        server.release_fulfillment_order(order_id, shop)
        return f"Hold released on order {order_id}."
    if action == "assign_to_service":
        server.assign_to_service(order_id, shop)
        return f"Order {order_id} assigned to the fulfilment service."
    raise ValueError(f"unknown action {action!r}")


def render(server: Any, shop: str, message: str = "") -> str:
    locations = server.locations(shop)
    names = {loc["id"]: loc["name"] for loc in locations}
    levels = server.levels(shop)
    skus = server.store.transact(
        lambda s: {i["id"]: i["sku"] for i in inventory.items(s, shop)},
        write=False,
    )
    loc_rows = "".join(
        f"<tr><td>{loc['id']}</td><td>{escape(loc['name'])}</td><td>{'yes' if loc['active'] else 'no'}</td>"
        f"<td>{'yes' if loc['fulfills_online_orders'] else 'no'}</td>"
        f"<td>{escape(loc['fulfillment_service'] or '')}</td></tr>"
        for loc in locations
    )
    level_rows = "".join(
        f"<tr><td>{escape(skus.get(r['item_id'], str(r['item_id'])))}</td><td>{escape(names.get(r['location_id'], ''))}</td>"
        f"<td>{r['available']}</td><td>{r['committed']}</td><td>{r['on_hand']}</td><td>"
        f"<form method='post'><input type='hidden' name='action' value='set_level'>"
        f"<input type='hidden' name='inventory_item_id' value='{r['item_id']}'>"
        f"<input type='hidden' name='location_id' value='{r['location_id']}'>"
        f"<input name='available' type='number' value='{r['available']}' style='width:6em' "
        f"aria-label='available {escape(skus.get(r['item_id'], ''))} at {escape(names.get(r['location_id'], ''))}'>"
        f"<button>Set</button></form></td></tr>"
        for r in levels
    )
    open_orders = []
    for order in sorted(server.store.orders(shop), key=lambda o: -int(o["id"])):
        if order.get("cancelled_at") or order.get("fulfillment_status") == "fulfilled":
            continue
        fos = server.fulfillment_orders(int(order["id"]), shop)
        status = ", ".join(
            f"{fo['status']} @ {names.get(fo['location_id'], fo['location_id'])}" for fo in fos
        )
        oid = int(order["id"])

        def button(action: str, label: str, oid: int = oid) -> str:
            return (
                f"<form method='post' style='display:inline'><input type='hidden' name='action' value='{action}'>"
                f"<input type='hidden' name='order_id' value='{oid}'><button>{label}</button></form>"
            )

        open_orders.append(
            f"<tr><td>{escape(str(order.get('name')))}</td><td>{oid}</td><td>{escape(status)}</td><td>"
            f"<form method='post' style='display:inline'><input type='hidden' name='action' value='fulfil'>"
            f"<input type='hidden' name='order_id' value='{oid}'>"
            f"<input name='company' placeholder='carrier' value='UPS' style='width:5em'>"
            f"<input name='number' placeholder='tracking number' style='width:10em'>"
            f"<input name='url' placeholder='tracking URL' style='width:10em'><button>Fulfil</button></form> "
            f"{button('hold', 'Hold')} {button('release', 'Release hold')} {button('assign_to_service', 'To 3PL')}"
            f"</td></tr>"
        )
        if len(open_orders) >= 50:
            break
    note = f"<p role='status' class='note'>{escape(message)}</p>" if message else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(shop)} · stock · Shopify sandbox</title>
<style>
 body {{ font-family: system-ui, sans-serif; margin: 16px; }}
 table {{ border-collapse: collapse; margin-bottom: 24px; }}
 td, th {{ border: 1px solid #ccc; padding: 3px 6px; font-size: 13px; text-align: left; }}
 .note {{ background: #eef7ee; padding: 6px 10px; }}
</style></head><body>
<h1>Shopify sandbox admin · {escape(shop)} · stock</h1>{note}
<h2>Locations</h2>
<table><tr><th>id</th><th>name</th><th>active</th><th>fulfils online orders</th><th>fulfilment service</th></tr>
{loc_rows}</table>
<h2>Inventory levels</h2>
<table><tr><th>SKU</th><th>location</th><th>available</th><th>committed</th><th>on hand</th><th>set available</th></tr>
{level_rows}</table>
<h2>Orders to fulfil</h2>
<table><tr><th>order</th><th>id</th><th>fulfilment orders</th><th>actions</th></tr>
{"".join(open_orders)}</table>
</body></html>
"""
