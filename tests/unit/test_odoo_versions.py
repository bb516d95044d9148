"""Which dialect (synco/odoo/versions.py) a server's reported version gets, from real version strings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from synco.odoo.versions import DIALECTS, UnsupportedOdooVersion, dialect_for, is_saas, series_from_info

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("server_version", "series", "tax_field", "access_method", "storable"),
    [
        ("17.0", "17.0", "tax_id", "check_access_rights", {"type": "product"}),
        ("17.0+e-20240216", "17.0", "tax_id", "check_access_rights", {"type": "product"}),
        ("saas~17.2", "17.0", "tax_id", "check_access_rights", {"type": "product"}),
        ("saas~17.4+e", "saas~17.3", "tax_id", "check_access_rights", {"type": "consu", "is_storable": True}),
        ("18.0+e-20241005", "18.0", "tax_id", "has_access", {"type": "consu", "is_storable": True}),
        ("18.0-20250702", "18.0", "tax_id", "has_access", {"type": "consu", "is_storable": True}),
        ("saas~18.1", "saas~18.1", "tax_ids", "has_access", {"type": "consu", "is_storable": True}),
        ("saas~18.3+e", "saas~18.2", "tax_ids", "has_access", {"type": "consu", "is_storable": True}),
        ("19.0+e-20251227", "19.0", "tax_ids", "has_access", {"type": "consu", "is_storable": True}),
        ("saas~19.1", "saas~19.1", "tax_ids", "has_access", {"type": "consu", "is_storable": True}),
        ("saas~19.3+e", "saas~19.1", "tax_ids", "has_access", {"type": "consu", "is_storable": True}),
    ],
)
def test_it_maps_real_version_strings_to_their_row(
    server_version, series, tax_field, access_method, storable
):
    dialect = dialect_for(server_version)

    assert dialect.series == series
    assert dialect.sale_line_tax_field == tax_field
    assert dialect.access_check_method == access_method
    assert dict(dialect.storable_product) == storable


@pytest.mark.parametrize("server_version", ["20.0", "20.0+e-20270101", "saas~20.1", "16.0", "16.0+e", "15.0"])
def test_it_refuses_majors_whose_names_are_not_known(server_version):
    with pytest.raises(
        UnsupportedOdooVersion, match=r"is not supported: Synco works with Odoo 17, 18 and 19\."
    ):
        dialect_for(server_version)


@pytest.mark.parametrize("server_version", ["", "garbage", "Werkzeug/3.0.1", "saas~", "v19", "nineteen.0"])
def test_it_refuses_what_is_not_an_odoo_version(server_version):
    with pytest.raises(UnsupportedOdooVersion, match=r"is not an Odoo version Synco recognises"):
        dialect_for(server_version)


def test_it_reads_the_series_from_server_version_info_when_the_string_says_nothing():
    assert dialect_for("", [19, 0, 0, "final", 0, ""]).series == "19.0"
    assert dialect_for("", ["saas~18", 3, 0, "final", 0, ""]).series == "saas~18.2"
    assert series_from_info(["saas~17", 4, 0, "final", 0, ""]) == (17, 4, True)
    assert series_from_info(["master", 0]) is None
    with pytest.raises(UnsupportedOdooVersion):
        dialect_for("", [16, 0, 0, "final", 0, ""])


def test_the_19_row_holds_what_the_real_19_server_showed():
    dialect = dialect_for("19.0+e-20251227")

    assert dialect.verified.startswith("real 19.0+e-20251227")
    assert (dialect.sale_line_uom_field, dialect.user_groups_field) == ("product_uom_id", "group_ids")
    assert (dialect.partner_has_mobile, dialect.stock_move_has_name) == (False, False)
    assert dialect.picking_has_moves_without_package is False
    assert dialect.cancel_wizard_model is None and dialect.payment_memo_field == "memo"
    assert {"check_access", "exists", "browse", "sudo", "search_fetch"} <= dialect.private_methods
    assert dialect.is_private("_create_invoices") and dialect.is_private("exists")
    assert not dialect.is_private("has_access")
    assert (
        "*.check_access_rights" in dialect.none_fault_methods
        and "*.check_access" not in dialect.none_fault_methods
    )
    assert dialect.has_json2 and dialect.xmlrpc_deprecated
    assert dialect.invoice_payments_field == "matched_payment_ids"


def test_17_reads_an_invoices_payment_state_without_18s_matched_payments():
    dialect = dialect_for("17.0")

    assert dialect.invoice_payments_field is None
    assert dialect.tax_price_include_field == "price_include" and dialect.payment_memo_field == "ref"


def test_the_18_row_holds_what_the_real_18_server_showed():
    dialect = dialect_for("18.0+e-20241005")

    assert dialect.verified.startswith("real 18.0+e-20241005")
    assert (dialect.sale_line_uom_field, dialect.user_groups_field) == ("product_uom", "groups_id")
    assert dialect.partner_has_mobile and dialect.stock_move_has_name
    assert dialect.cancel_wizard_model == "sale.order.cancel" and dialect.payment_memo_field == "memo"
    assert dialect.private_methods == frozenset() and not dialect.is_private("exists")
    assert "*.check_access" in dialect.none_fault_methods
    assert not dialect.has_json2 and not dialect.xmlrpc_deprecated


def test_every_row_not_run_on_a_real_server_says_so():
    unverified = [row.series for row in DIALECTS if not row.verified.startswith("real ")]

    assert unverified == ["17.0", "saas~17.3", "saas~18.1", "saas~18.2", "saas~18.4", "saas~19.1"]
    assert all(
        row.verified.startswith(("source only", "assumed")) for row in DIALECTS if row.series in unverified
    )


def test_the_rows_are_in_order_and_within_the_supported_majors():
    starts = [row.since for row in DIALECTS]

    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert {row.major for row in DIALECTS} == {17, 18, 19}


def test_only_saas_builds_count_as_saas():
    assert is_saas("saas~18.3+e") and is_saas("saas~19.1")
    assert not is_saas("19.0+e-20251227") and not is_saas("garbage")


def _odoo_calls() -> list[tuple[str, str, str]]:
    """(file, method, how) for every `<client>.call(...)` / `call_allowing_none(...)` with a literal method."""
    found = []
    folders = ["synco", "orders", "refunds", "stock", "shipments", "customers", "products"]
    files = [
        path for folder in folders for path in (ROOT / folder).rglob("*.py") if "migrations" not in path.parts
    ]
    files.append(ROOT / "sandboxes" / "management" / "commands" / "seed_demo.py")
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in ("call", "call_allowing_none") or len(node.args) < 2:
                continue
            method = node.args[1]
            if isinstance(method, ast.Constant) and isinstance(method.value, str):
                found.append((str(path.relative_to(ROOT)), method.value, node.func.attr))
    return found


def test_synco_calls_no_method_any_supported_odoo_refuses_remotely():
    calls = _odoo_calls()
    private = [(file, method) for file, method, _ in calls for row in DIALECTS if row.is_private(method)]

    assert len(calls) > 50  # the scan sees Synco's calls
    assert private == []


def test_methods_that_answer_none_over_xmlrpc_are_called_allowing_none():
    none_methods = {name.rsplit(".", 1)[1] for row in DIALECTS for name in row.none_fault_methods}
    # The access check is chosen per row (OdooClient.has_access): check_access_rights only where it is the
    # row's method (17, with raise_exception=False: a bool), check_access never.
    none_methods -= {"check_access_rights", "check_access"}

    plain = [
        (file, method) for file, method, how in _odoo_calls() if method in none_methods and how == "call"
    ]

    assert plain == []
