"""Sale order states read in one call (issue 14): Synco refreshes the Odoo state of the orders it knows as
quotations, so that a quotation confirmed by hand in Odoo stops counting as Shopify demand Odoo does not hold.

Verified on Odoo 18.0-20250702: ``search_read`` of ``[('id', 'in', ids)]`` answers only the orders that exist
(``read`` refuses a deleted id); a quotation confirmed by ``action_confirm`` reads 'sale', one cancelled by
``action_cancel`` reads 'cancel'.
"""

from __future__ import annotations

from synco.odoo.client import OdooClient

from .conftest import Customer, OdooApi, Refs, make_product


def quotation(api: OdooApi, customer: Customer, product: int) -> int:
    return int(
        api.call(
            "sale.order",
            "create",
            [
                {
                    "partner_id": customer.id,
                    "partner_invoice_id": customer.invoice,
                    "partner_shipping_id": customer.delivery,
                    "order_line": [(0, 0, {"product_id": product, "product_uom_qty": 1})],
                }
            ],
        )
    )


def test_states_of_quotations_confirmed_and_cancelled_by_rpc(
    odoo_api: OdooApi, client: OdooClient, refs: Refs, customer: Customer
) -> None:
    del refs  # the company's defaults (taxes, journals) are set up by it
    product = make_product(odoo_api, "Quoted", type="consu", list_price=10.0)
    confirmed, cancelled, untouched = (quotation(odoo_api, customer, product) for _ in range(3))
    assert client.sale_order_states([confirmed, cancelled, untouched]) == {
        confirmed: "draft",
        cancelled: "draft",
        untouched: "draft",
    }

    assert odoo_api.call("sale.order", "action_confirm", [[confirmed]]) is True
    odoo_api.call("sale.order", "action_cancel", [[cancelled]], {"context": {"disable_cancel_warning": True}})

    assert client.sale_order_states([untouched, confirmed, cancelled, confirmed]) == {
        confirmed: "sale",
        cancelled: "cancel",
        untouched: "draft",
    }


def test_a_deleted_order_is_left_out_and_no_ids_make_no_call(
    odoo_api: OdooApi, client: OdooClient, customer: Customer
) -> None:
    product = make_product(odoo_api, "Quoted then deleted", type="consu", list_price=10.0)
    kept, deleted = quotation(odoo_api, customer, product), quotation(odoo_api, customer, product)
    assert odoo_api.call("sale.order", "unlink", [[deleted]]) is True
    assert client.sale_order_states([kept, deleted]) == {kept: "draft"}
    assert client.sale_order_states([]) == {}
