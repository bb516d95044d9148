"""Other calls Synco's Odoo client makes: web_read/web_save, module and rights checks, line edits, nil args."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Catalogue, Customer, OdooApi, Refs

REQUIRED_MODULES = ["sale_management", "stock", "account", "delivery"]


def test_it_lists_the_required_modules_as_installed(odoo_api: OdooApi) -> None:
    rows = odoo_api.call(
        "ir.module.module",
        "search_read",
        [[["name", "in", REQUIRED_MODULES], ["state", "=", "installed"]]],
        {"fields": ["name"]},
    )
    assert sorted(row["name"] for row in rows) == sorted(REQUIRED_MODULES)


def test_it_still_answers_the_deprecated_check_access_rights(odoo_api: OdooApi) -> None:
    assert odoo_api.call("sale.order", "check_access_rights", ["create"], {"raise_exception": False}) is True


def test_it_denies_a_uid_that_does_not_match_the_password(
    odoo_api: OdooApi, norights: tuple[int, str]
) -> None:
    uid, _password = norights
    fault = odoo_api.fault("res.partner", "search", [[]], uid=uid)  # the admin's password with another uid
    assert (fault.faultCode, fault.faultString) == (3, "Access Denied")


def test_it_accepts_nil_in_arguments_from_a_client_that_allows_none(
    odoo_api: OdooApi, customer: Customer
) -> None:
    proxy = odoo_api.proxy("object", allow_none=True)
    found = proxy.execute_kw(
        odoo_api.target.db,
        odoo_api.uid,
        odoo_api.target.password,
        "res.partner",
        "search",
        [[["id", "=", customer.id], ["email", "!=", None]]],
        {},
    )
    assert found == [customer.id]


def test_it_web_reads_many2one_as_an_id_or_as_the_fields_asked_for(
    odoo_api: OdooApi, refs: Refs, spec_order: Any
) -> None:
    order = spec_order()
    rows = odoo_api.call(
        "sale.order",
        "web_read",
        [
            [order],
            {
                "name": {},
                "partner_id": {},
                "currency_id": {"fields": {"display_name": {}}},
                "invoice_ids": {},
            },
        ],
    )
    name = odoo_api.read_one("sale.order", order, ["name", "partner_id", "currency_id"])
    assert rows == [
        {
            "id": order,
            "name": name["name"],
            "partner_id": name["partner_id"][0],
            "currency_id": {"id": refs.company_currency, "display_name": name["currency_id"][1]},
            "invoice_ids": [],
        }
    ]


def test_it_web_reads_a_missing_record_as_an_empty_list(odoo_api: OdooApi) -> None:
    missing = odoo_api.missing_id("sale.order")
    assert odoo_api.call("sale.order", "web_read", [[missing], {"name": {}}]) == []


def test_it_web_saves_and_answers_like_web_read(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    rows = odoo_api.call(
        "sale.order",
        "web_save",
        [[order], {"date_order": "2026-11-21 09:30:00"}, {"date_order": {}, "state": {}, "amount_total": {}}],
    )
    assert rows == [
        {"id": order, "date_order": "2026-11-21 09:30:00", "state": "draft", "amount_total": 61.77}
    ]


def test_it_adds_a_line_to_an_order_with_a_create_command(
    odoo_api: OdooApi, refs: Refs, catalogue: Catalogue, spec_order: Any
) -> None:
    order = spec_order()
    line = {
        "product_id": catalogue.wrap,
        "product_uom_qty": 2,
        "price_unit": 3.5,
        odoo_api.f.tax: [(6, 0, [refs.tax15])],
    }
    assert odoo_api.call("sale.order", "write", [[order], {"order_line": [(0, 0, line)]}]) is True
    row = odoo_api.read_one(
        "sale.order", order, ["order_line", "amount_untaxed", "amount_tax", "amount_total"]
    )
    assert len(row["order_line"]) == 4
    assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"]) == (61.49, 8.33, 69.82)


def test_it_clears_line_taxes_with_a_clear_command(odoo_api: OdooApi, spec_order: Any) -> None:
    order = spec_order()
    lines = odoo_api.read_one("sale.order", order, ["order_line"])["order_line"]
    tax = odoo_api.f.tax
    assert odoo_api.call("sale.order.line", "write", [lines, {tax: [(5, 0, 0)]}]) is True
    rows = odoo_api.call("sale.order.line", "read", [lines], {"fields": [tax]})
    assert [row[tax] for row in rows] == [[], [], []]
    row = odoo_api.read_one("sale.order", order, ["amount_untaxed", "amount_tax", "amount_total"])
    assert (row["amount_untaxed"], row["amount_tax"], row["amount_total"]) == (54.49, 0.0, 54.49)


def test_it_creates_a_tax_excluded_sale_tax(odoo_api: OdooApi) -> None:
    tax = odoo_api.call(
        "account.tax",
        "create",
        [
            {
                "name": odoo_api.unique("Shopify 7.5%"),
                "amount": 7.5,
                "amount_type": "percent",
                "type_tax_use": "sale",
                **odoo_api.f.tax_price_include(False),
            }
        ],
    )
    excluded = odoo_api.f.tax_price_include(False)
    row = odoo_api.read_one("account.tax", tax, ["amount", "price_include", *excluded])
    assert row == {"id": tax, "amount": 7.5, "price_include": False, **excluded}


def test_it_finds_external_ids_by_module_and_name(odoo_api: OdooApi, customer: Customer) -> None:
    name = f"partner_{odoo_api.run_id}"
    odoo_api.call(
        "ir.model.data",
        "create",
        [{"module": "synco_contract", "name": name, "model": "res.partner", "res_id": customer.id}],
    )
    rows = odoo_api.call(
        "ir.model.data",
        "search_read",
        [[["module", "=", "synco_contract"], ["name", "in", [name, f"{name}_missing"]]]],
        {"fields": ["name", "res_id"]},
    )
    assert [(row["name"], row["res_id"]) for row in rows] == [(name, customer.id)]


def test_it_reads_the_company_currency(odoo_api: OdooApi) -> None:
    rows = odoo_api.call(
        "res.company", "search_read", [[]], {"fields": ["currency_id"], "limit": 1, "order": "id"}
    )
    assert len(rows) == 1
    currency = rows[0]["currency_id"]
    assert isinstance(currency[0], int) and len(currency[1]) == 3


@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
def test_it_passes_odoolib_keyword_arguments_through(
    odoo_api: OdooApi, customer: Customer, protocol: str
) -> None:
    partners = odoo_api.lib(protocol).get_model("res.partner")
    found = partners.search(
        [["email", "=ilike", customer.email], ["parent_id", "=", False]], limit=1, order="id"
    )
    assert found == [customer.id]
    assert partners.search_count([["id", "=", customer.id]]) == 1


def test_synco_and_the_suite_name_the_fields_this_server_has(odoo_api: OdooApi, odoo_target: Any) -> None:
    """Synco's dialect row for this server (synco/odoo/versions.py) and the suite's names (api.f) against the
    server's own fields_get: the names a connector sends must exist, the other version's must not."""
    from synco.odoo.versions import UnsupportedOdooVersion, dialect_for

    try:
        dialect = dialect_for(odoo_target.build)
    except UnsupportedOdooVersion as refused:
        pytest.skip(f"Synco refuses this version: {refused}")

    def fields(model: str) -> set[str]:
        return set(odoo_api.call(model, "fields_get", [], {"attributes": ["type"]}))

    names = odoo_api.f
    line = fields("sale.order.line")
    assert (dialect.sale_line_tax_field, dialect.sale_line_uom_field) == (names.tax, names.uom)
    assert {names.tax, names.uom} <= line
    assert not set(names.renamed) & line
    users = fields("res.users")
    assert dialect.user_groups_field == names.groups
    assert names.groups in users and ({"groups_id", "group_ids"} - {names.groups}).isdisjoint(users)
    assert ("mobile" in fields("res.partner")) is dialect.partner_has_mobile
    assert ("name" in fields("stock.move")) is dialect.stock_move_has_name is (names.move_name == "name")
    assert (
        "move_ids_without_package" in fields("stock.picking")
    ) is dialect.picking_has_moves_without_package
    assert dict(dialect.storable_product) == names.storable
    assert set(names.storable) <= fields("product.product")
    assert dialect.payment_memo_field == names.payment_memo
    assert names.payment_memo in fields("account.payment")
    assert set(names.tax_price_include(True)) <= fields("account.tax")
    assert dialect.uses_has_access is names.has_access
    cancel_wizard = odoo_api.call("ir.model", "search", [[["model", "=", "sale.order.cancel"]]])
    assert bool(cancel_wizard) is (dialect.cancel_wizard_model == "sale.order.cancel")


def test_synco_reads_each_sale_tax_with_its_sequence(odoo_api: OdooApi, client: Any) -> None:
    """Odoo applies a line's taxes in (sequence, id) order; Synco's totals prediction follows it."""
    tax = odoo_api.call(
        "account.tax",
        "create",
        [
            {
                "name": odoo_api.unique("Shopify seq 3%"),
                "amount": 3.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "sequence": 17,
                **odoo_api.f.tax_price_include(False),
            }
        ],
    )
    try:
        found = {found.id: found for found in client.find_sale_taxes()}
        assert found[tax].sequence == 17
        assert found[tax].price_included is False
    finally:
        odoo_api.call("account.tax", "write", [[tax], {"active": False}])
