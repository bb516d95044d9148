from __future__ import annotations

import xmlrpc.client

import pytest


def _none_fault(call) -> None:
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call()
    assert caught.value.faultString.strip().endswith(
        "TypeError: cannot marshal None unless allow_none is enabled"
    )


def test_it_runs_the_verified_golden_path_through_odoolib(odoo) -> None:
    """§14: customer, products, stock, order, confirm, deliver, invoice, post, pay."""
    connection = odoo.lib()
    partners = connection.get_model("res.partner")
    products = connection.get_model("product.product")
    orders = connection.get_model("sale.order")

    # E1-E2 customer
    assert partners.search_read(domain=[["email", "=ilike", "amy@example.com"]], fields=["id"], limit=1) == []
    customer = partners.create(
        {
            "name": "Amy Shopper",
            "email": "amy@example.com",
            "country_id": 233,
            "state_id": 13,
            "child_ids": [
                (0, 0, {"type": "delivery", "name": "Amy (ship)", "city": "LA"}),
                (0, 0, {"type": "invoice", "name": "Amy (bill)"}),
            ],
        }
    )
    addresses = partners.address_get([customer], ["delivery", "invoice"])
    # E3-E4 products by SKU
    mug = products.search([["default_code", "=", "SKU-MUG"]])[0]
    cap = products.search([["default_code", "=", "SKU-CAP"]])[0]
    # E5 stock: upsert quants and apply (None-fault, applied)
    quants = connection.get_model("stock.quant")
    for product in (mug, cap):
        quant = quants.create(
            {"product_id": product, "location_id": 8, "inventory_quantity": 50},
            context={"inventory_mode": True},
        )
        _none_fault(lambda quant=quant: quants.action_apply_inventory([quant]))
    # E6-E7 order
    assert orders.search([["client_order_ref", "=", "#2001"]]) == []
    order = orders.create(
        {
            "name": "SHOP#2001",
            "partner_id": customer,
            "partner_invoice_id": addresses["invoice"],
            "partner_shipping_id": addresses["delivery"],
            "client_order_ref": "#2001",
            "order_line": [
                (
                    0,
                    0,
                    {"product_id": mug, "product_uom_qty": 2, "price_unit": 12.0, "tax_id": [(6, 0, [1])]},
                ),
                (
                    0,
                    0,
                    {
                        "product_id": cap,
                        "product_uom_qty": 1,
                        "price_unit": 18.0,
                        "discount": 5.0,
                        "tax_id": [(6, 0, [1])],
                    },
                ),
                (
                    0,
                    0,
                    {
                        "product_id": 1,
                        "name": "Shipping",
                        "price_unit": 7.5,
                        "tax_id": [(6, 0, [])],
                        "is_delivery": True,
                    },
                ),
            ],
        }
    )
    # E8 confirm
    assert orders.action_confirm([order]) is True
    row = orders.read(order, ["amount_untaxed", "amount_tax", "amount_total", "picking_ids"])
    assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"]) == (48.6, 6.17, 54.77)
    picking = row["picking_ids"][0]
    # E9-E10 tracking and quantities in one write, then validate
    pickings = connection.get_model("stock.picking")
    moves = connection.get_model("stock.move").search_read(
        domain=[["picking_id", "=", picking]], fields=["product_uom_qty"]
    )
    assert (
        pickings.write(
            [picking],
            {
                "carrier_tracking_ref": "1Z999",
                "move_ids": [
                    (1, move["id"], {"quantity": move["product_uom_qty"], "picked": True}) for move in moves
                ],
            },
        )
        is True
    )
    assert pickings.button_validate([picking]) is True
    assert pickings.read(picking, ["state"])["state"] == "done"
    # E11 invoice (None-fault, the invoice exists)
    ctx = {"active_model": "sale.order", "active_ids": [order], "active_id": order}
    wizards = connection.get_model("sale.advance.payment.inv")
    wizard = wizards.create({"advance_payment_method": "delivered"}, context=ctx)
    _none_fault(lambda: wizards.create_invoices([wizard], context=ctx))
    invoice = orders.read(order, ["invoice_ids"])["invoice_ids"][0]
    # E12 post
    invoices = connection.get_model("account.move")
    assert invoices.action_post([invoice]) is False
    assert invoices.read(invoice, ["state"])["state"] == "posted"
    # E13 pay
    registers = connection.get_model("account.payment.register")
    pay_ctx = {"active_model": "account.move", "active_ids": [invoice]}
    register = registers.create({"journal_id": 6}, context=pay_ctx)
    action = registers.action_create_payments([register], context=pay_ctx)
    assert action["res_model"] == "account.payment"
    assert invoices.read(invoice, ["payment_state"])["payment_state"] == "paid"
    assert orders.read(order, ["invoice_status", "delivery_status"]) == {
        "id": order,
        "invoice_status": "invoiced",
        "delivery_status": "full",
    }
    stock = products.read([mug, cap], ["qty_available"])
    assert [p["qty_available"] for p in stock] == [48.0, 49.0]
