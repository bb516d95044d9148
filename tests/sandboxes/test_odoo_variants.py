"""The Odoo sandbox's attributes and variants (sandboxes/odoo/models/attributes.py, product.py), in process.

What the contract suite (tests/contract/odoo/test_catalogue.py) cannot reach cheaply or safely on a shared real
server: a variant held by a sale order (archived, not deleted, and back when its value returns: run side by side
with a real 18.0), attributes that create no variants, the variant limit, databases saved before variants held
their own codes, and the versions' differences.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from sandboxes.odoo.errors import UserError, ValidationError
from sandboxes.odoo.models import build_registry
from sandboxes.odoo.orm import Environment
from sandboxes.odoo.seed import seed_database


@pytest.fixture(params=[17, 18, 19], ids=lambda v: f"odoo{v}")
def env(request: pytest.FixtureRequest) -> Iterator[Environment]:
    registry = build_registry(int(request.param))
    db = seed_database(registry)
    environment = Environment(registry, db, uid=2)
    with db.transaction():
        yield environment


def attribute(env: Environment, name: str, values: list[str], mode: str = "always") -> tuple[int, list[int]]:
    attribute_id = env["product.attribute"].create(
        {"name": name, "create_variant": mode, "value_ids": [(0, 0, {"name": v}) for v in values]}
    )
    return attribute_id, list(env["product.attribute"].value(attribute_id, "value_ids"))


def template(env: Environment, name: str, lines: list[tuple[int, list[int]]], **values: Any) -> int:
    commands = [(0, 0, {"attribute_id": a, "value_ids": [(6, 0, v)]}) for a, v in lines]
    return int(env["product.template"].create({"name": name, "attribute_line_ids": commands, **values}))


def variants(env: Environment, template_id: int) -> list[dict[str, Any]]:
    """The template's variants, archived ones included, in id order."""
    return (
        env["product.product"]
        .with_context(active_test=False)
        .search_read(
            [["product_tmpl_id", "=", template_id]],
            ["active", "product_template_attribute_value_ids", "display_name", "lst_price", "default_code"],
            order="id",
        )
    )


def values_of(env: Environment, variant: dict[str, Any]) -> frozenset[int]:
    ptavs = env["product.template.attribute.value"]
    return frozenset(
        ptavs.raw(p)["product_attribute_value_id"] for p in variant["product_template_attribute_value_ids"]
    )


def line_of(env: Environment, template_id: int, attribute_id: int) -> int:
    lines = env["product.template.attribute.line"].with_context(active_test=False)
    return next(
        line
        for line in lines.children_of("product_tmpl_id", template_id)
        if lines.raw(line)["attribute_id"] == attribute_id
    )


def test_one_variant_per_combination_in_the_order_of_lines_and_values(env: Environment) -> None:
    size, sizes = attribute(env, "Size", ["S", "M", "L"])
    color, colors = attribute(env, "Color", ["Red", "Blue"])
    tee = template(env, "Tee", [(size, sizes), (color, colors)], list_price=10.0)
    rows = variants(env, tee)
    assert [values_of(env, row) for row in rows] == [frozenset(c) for c in itertools.product(sizes, colors)]
    assert [row["display_name"] for row in rows[:2]] == ["Tee (S, Red)", "Tee (S, Blue)"]
    assert env["product.template"].read([tee], ["product_variant_count"])[0]["product_variant_count"] == 6


def test_a_variant_held_by_an_order_is_archived_and_comes_back_with_its_value(env: Environment) -> None:
    # The same steps on a real 18.0 gave the same variants, states and attribute values (HO1's probe).
    size, (small, medium, large) = attribute(env, "Size", ["S", "M", "L"])
    tee = template(env, "Tee", [(size, [small, medium, large])])
    first, second, third = (row["id"] for row in variants(env, tee))
    partner = env["res.partner"].create({"name": "Buyer"})
    env["sale.order"].create(
        {"partner_id": partner, "order_line": [(0, 0, {"product_id": first, "product_uom_qty": 1})]}
    )
    line = line_of(env, tee, size)
    templates = env["product.template"]
    templates.write([tee], {"attribute_line_ids": [(1, line, {"value_ids": [(3, small)]})]})
    assert [(row["id"], row["active"]) for row in variants(env, tee)] == [
        (first, False),
        (second, True),
        (third, True),
    ]
    ptavs = env["product.template.attribute.value"]
    assert [ptavs.raw(p)["ptav_active"] for p in ptavs.search([["product_tmpl_id", "=", tee]])] == [
        False,
        True,
        True,
    ]
    templates.write([tee], {"attribute_line_ids": [(1, line, {"value_ids": [(4, small)]})]})
    assert [(row["id"], row["active"]) for row in variants(env, tee)] == [
        (first, True),
        (second, True),
        (third, True),
    ]
    # a deleted line is archived while a variant holds one of its values; the others go
    env["product.template.attribute.line"].unlink([line])
    rows = variants(env, tee)
    assert [(row["id"], row["active"]) for row in rows[:1]] == [(first, False)]
    assert [(row["active"], row["product_template_attribute_value_ids"]) for row in rows[1:]] == [(True, [])]
    assert env["product.template.attribute.line"].with_context(active_test=False).read(
        [line], ["active"]
    ) == [{"id": line, "active": False}]
    # the same attribute again reactivates the archived line, and the held variant with it
    templates.write(
        [tee],
        {"attribute_line_ids": [(0, 0, {"attribute_id": size, "value_ids": [(6, 0, [small, medium])]})]},
    )
    rows = variants(env, tee)
    active = [row["id"] for row in rows if row["active"]]
    assert len(active) == 2  # the held variant back (S) and a new one for M (its old one was deleted)
    assert active[0] == first
    assert line_of(env, tee, size) == line


def test_extra_prices_add_up_and_lst_price_writes_back_the_base(env: Environment) -> None:
    size, (small, large) = attribute(env, "Size", ["S", "L"])
    tee = template(env, "Tee", [(size, [small, large])], list_price=10.0)
    ptavs = env["product.template.attribute.value"]
    big = ptavs.search([["product_tmpl_id", "=", tee], ["product_attribute_value_id", "=", large]])
    ptavs.write(big, {"price_extra": 2.5})
    rows = variants(env, tee)
    assert [row["lst_price"] for row in rows] == [10.0, 12.5]
    env["product.product"].write([rows[1]["id"]], {"lst_price": 20.0})
    assert env["product.template"].read([tee], ["list_price"])[0]["list_price"] == 17.5


def test_dynamic_and_no_variant_attributes(env: Environment) -> None:
    dynamic, dynamic_values = attribute(env, "Engraving", ["Yes", "No"], "dynamic")
    assert variants(env, template(env, "Pen", [(dynamic, dynamic_values)])) == []
    never, never_values = attribute(env, "Gift note", ["A", "B"], "no_variant")
    size, sizes = attribute(env, "Size", ["S", "M"])
    rows = variants(env, template(env, "Card", [(never, never_values), (size, sizes)]))
    assert [values_of(env, row) for row in rows] == [frozenset({s}) for s in sizes]
    assert [row["display_name"] for row in rows] == ["Card (S)", "Card (M)"]


def test_more_than_1000_new_variants_is_refused(env: Environment) -> None:
    a, a_values = attribute(env, "A", [str(i) for i in range(26)])
    b, b_values = attribute(env, "B", [str(i) for i in range(39)])
    with pytest.raises(UserError, match="above allowed limit"):
        template(env, "Huge", [(a, a_values), (b, b_values)])


def test_the_template_shows_and_sets_its_single_variants_fields(env: Environment) -> None:
    mug = template(
        env, "Mug", [], default_code="MUG-1", barcode="4006381333931", weight=0.4, standard_price=2.0
    )
    [row] = variants(env, mug)
    products = env["product.product"]
    assert (products.value(row["id"], "default_code"), products.value(row["id"], "weight")) == ("MUG-1", 0.4)
    env["product.template"].write([mug], {"default_code": "MUG-2"})
    assert products.value(row["id"], "default_code") == "MUG-2"
    color, colors = attribute(env, "Color", ["Red", "Blue"])
    env["product.template"].write(
        [mug], {"attribute_line_ids": [(0, 0, {"attribute_id": color, "value_ids": [(6, 0, colors)]})]}
    )
    assert env["product.template"].read([mug], ["default_code", "barcode", "product_variant_count"])[0] == {
        "id": mug,
        "default_code": False,
        "barcode": False,
        "product_variant_count": 2,
    }
    assert not products.exists([row["id"]])  # nothing held it: deleted, with its code


def test_a_barcode_belongs_to_one_active_variant(env: Environment) -> None:
    size, sizes = attribute(env, "Size", ["S", "M"])
    first, second = (row["id"] for row in variants(env, template(env, "Sock", [(size, sizes)])))
    products = env["product.product"]
    products.write([first], {"barcode": "111"})
    with pytest.raises(ValidationError, match='Barcode "111" already assigned'):
        products.write([second], {"barcode": "111"})
    products.write([first], {"active": False})
    products.write([second], {"barcode": "111"})  # an archived holder does not count
    assert products.search([["barcode", "=", "111"]]) == [second]


def test_archiving_the_last_variant_archives_the_template(env: Environment) -> None:
    size, sizes = attribute(env, "Size", ["S", "M"])
    tee = template(env, "Tee", [(size, sizes)])
    first, second = (row["id"] for row in variants(env, tee))
    products = env["product.product"]
    assert products.action_archive([first]) is None
    assert env["product.template"].raw(tee)["active"] is True
    products.action_archive([second])
    assert env["product.template"].raw(tee)["active"] is False
    products.action_unarchive([first])
    assert env["product.template"].raw(tee)["active"] is True


def test_a_database_saved_before_variants_held_their_codes_still_reads_them(env: Environment) -> None:
    mug = template(env, "Mug", [])
    [row] = variants(env, mug)
    products = env["product.product"]
    raw = env.db.table("product.product")[row["id"]]
    for name in ("default_code", "barcode", "active"):
        raw.pop(name, None)
    env.db.table("product.template")[mug].update(default_code="OLD-1", barcode="999")
    assert products.read([row["id"]], ["default_code", "barcode", "active"])[0] == {
        "id": row["id"],
        "default_code": "OLD-1",
        "barcode": "999",
        "active": True,
    }
    assert products.search([["default_code", "=", "OLD-1"]]) == [row["id"]]


def test_value_names_are_unique_per_attribute_only_in_17(env: Environment) -> None:
    size, _sizes = attribute(env, "Size", ["S"])
    values = env["product.attribute.value"]
    if env.version == 17:
        with pytest.raises(ValidationError, match="same name for the same attribute"):
            values.create({"name": "S", "attribute_id": size})
    else:
        values.create({"name": "S", "attribute_id": size})
        assert len(values.search([["attribute_id", "=", size], ["name", "=", "S"]])) == 2


def test_a_variant_load_with_an_unknown_id_names_the_missing_template_name(env: Environment) -> None:
    result = env["product.product"].load([".id", "default_code"], [["999999", "GHOST"]])
    assert result["ids"] is False
    assert [m.get("field") for m in result["messages"]] == [".id", None]
    assert result["messages"][0]["message"] == "Unknown database identifier '999999'"
    second = result["messages"][1]["message"]
    if env.version >= 19:
        assert second.startswith("Missing required value for the field 'Name' (name).\nModel: Unknown\n")
    else:
        assert second == "Missing required value for the field 'name' on a linked model [product_template]"
    assert (
        env["product.product"].with_context(active_test=False).search([["default_code", "=", "GHOST"]]) == []
    )


def test_the_seeded_catalogue_keeps_its_codes_on_the_variants(env: Environment) -> None:
    products = env["product.product"]
    rows = products.search_read(
        [["default_code", "!=", False]], ["default_code", "barcode", "product_tmpl_id"]
    )
    assert rows
    for row in rows:
        assert env.db.table("product.product")[row["id"]].get("default_code") == row["default_code"]
