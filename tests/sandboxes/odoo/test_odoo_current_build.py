"""Details the sandbox follows from the current Odoo 18.0 build (18.0-20250702, checked on a real server)."""

from __future__ import annotations

import pytest
from odoolib.tools import JsonRPCException

NONE_FAULT = "TypeError: cannot marshal None unless allow_none is enabled"


def _posted_invoice(odoo, partner: int | None = None) -> int:
    order = odoo.spec_order(partner)
    odoo.call("sale.order", "action_confirm", [[order]])
    ctx = {"context": {"active_model": "sale.order", "active_ids": [order], "active_id": order}}
    wizard = odoo.call("sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered"}], ctx)
    fault = odoo.fault("sale.advance.payment.inv", "create_invoices", [[wizard]], ctx)
    assert odoo.last_line(fault) == NONE_FAULT
    invoice = int(odoo.read_one("sale.order", order, ["invoice_ids"])["invoice_ids"][0])
    assert odoo.call("account.move", "action_post", [[invoice]]) is False
    return invoice


def test_it_looks_the_model_up_before_refusing_a_private_method(odoo) -> None:
    fault = odoo.fault("sale.orderz", "_create_invoices", [[1]])
    assert (fault.faultCode, fault.faultString) == (2, "Object sale.orderz doesn't exist")


def test_it_answers_json_rpc_with_the_current_texts(odoo) -> None:
    model = odoo.lib("jsonrpc").get_model("sale.order")
    with pytest.raises(JsonRPCException) as private:
        model._create_invoices([1])
    with pytest.raises(JsonRPCException) as unknown:
        model.do_magic([1])
    assert (private.value.error["data"]["name"], private.value.error["data"]["message"]) == (
        "odoo.exceptions.AccessError",
        "Private methods (such as 'sale.order._create_invoices') cannot be called remotely.",
    )
    assert (unknown.value.error["data"]["name"], unknown.value.error["data"]["message"]) == (
        "builtins.AttributeError",
        "The method 'sale.order.do_magic' does not exist",
    )


def test_it_memos_a_payment_with_the_payment_reference_else_the_customer_reference(odoo) -> None:
    invoice = _posted_invoice(odoo)
    move = odoo.read_one("account.move", invoice, ["name", "ref", "payment_reference"])
    assert (move["ref"], move["payment_reference"]) == ("#1001", move["name"])
    ctx = {"context": {"active_model": "account.move", "active_ids": [invoice]}}
    wizard = odoo.call("account.payment.register", "create", [{}], ctx)
    assert (
        odoo.read_one("account.payment.register", wizard, ["communication"])["communication"] == move["name"]
    )
    assert odoo.call("account.move", "write", [[invoice], {"payment_reference": False}]) is True
    wizard = odoo.call("account.payment.register", "create", [{}], ctx)
    assert odoo.read_one("account.payment.register", wizard, ["communication"])["communication"] == "#1001"
    action = odoo.call("account.payment.register", "action_create_payments", [[wizard]], ctx)
    assert odoo.read_one("account.payment", action["res_id"], ["memo"])["memo"] == "#1001"


def test_it_raises_customer_rank_with_each_posted_invoice(odoo) -> None:
    jane = odoo.jane()
    invoice_address, delivery_address = odoo.read_one("res.partner", jane, ["child_ids"])["child_ids"]

    def ranks() -> list[int]:
        rows = odoo.call(
            "res.partner", "read", [[jane, invoice_address, delivery_address]], {"fields": ["customer_rank"]}
        )
        return [row["customer_rank"] for row in rows]

    assert ranks() == [1, 0, 0]
    order = odoo.spec_order(jane)
    odoo.call("sale.order", "action_confirm", [[order]])
    assert ranks() == [1, 0, 0]
    _posted_invoice(odoo, jane)
    assert ranks() == [2, 1, 0]
    _posted_invoice(odoo, jane)
    assert ranks() == [3, 2, 0]


def test_it_names_the_counting_user_in_inventory_adjustments(odoo) -> None:
    mug = odoo.product("SKU-MUG")
    ctx = {"context": {"inventory_mode": True}}
    values = {"product_id": mug, "location_id": 8, "inventory_quantity": 10}
    quant = odoo.call("stock.quant", "create", [values], ctx)
    assert odoo.read_one("stock.quant", quant, ["user_id"])["user_id"] == [2, "Administrator"]
    assert odoo.last_line(odoo.fault("stock.quant", "action_apply_inventory", [[quant]])) == NONE_FAULT
    assert odoo.read_one("stock.quant", quant, ["user_id"])["user_id"] is False
    assert odoo.call("stock.quant", "create", [values], ctx) == quant
    assert odoo.last_line(odoo.fault("stock.quant", "action_apply_inventory", [[quant]])) == NONE_FAULT
    moves = odoo.call(
        "stock.move",
        "search_read",
        [[["product_id", "=", mug], ["is_inventory", "=", True]]],
        {"fields": ["name", "reference", "quantity", "state"], "order": "id"},
    )
    assert [(move["name"], move["reference"], move["quantity"], move["state"]) for move in moves] == [
        (
            "Product Quantity Updated (Administrator)",
            "Product Quantity Updated (Administrator)",
            10.0,
            "done",
        ),
        (
            "Product Quantity Confirmed (Administrator)",
            "Product Quantity Confirmed (Administrator)",
            0.0,
            "done",
        ),
    ]
    assert odoo.read_one("product.product", mug, ["qty_available"])["qty_available"] == 10.0
