"""Issue 16: the raw calls of Synco's catalogue gateway (synco/odoo/catalog.py), one test per call.

Attributes and values, a template loaded with attribute lines (Odoo makes one variant per combination), variants
read with their attribute values, variant fields written with ``load`` and ``.id`` (no new record), extra prices,
values and options added later, archiving, lookups by SKU and barcode, template updates, B2B partners. Each test
runs over XML-RPC, and over JSON-2 where the target serves it (19). What Synco depends on is asserted (ids,
counts, value ids, prices, that nothing is created), not Odoo's wording.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from synco.odoo.json2 import MODEL_METHODS, RECORD_METHODS

from .conftest import OdooApi

Call = Callable[..., Any]
VARIANT_FIELDS = [
    "product_tmpl_id",
    "default_code",
    "barcode",
    "active",
    "product_template_attribute_value_ids",
]
PTAV_FIELDS = ["product_attribute_value_id", "attribute_id", "price_extra", "product_tmpl_id"]


@pytest.fixture(params=["xmlrpc", "json2"])
def call(request: pytest.FixtureRequest, odoo_api: OdooApi) -> Call:
    """``call(model, method, args, kwargs)`` over the transport of the test id."""
    if request.param == "xmlrpc":
        return odoo_api.call
    if odoo_api.version < 19:
        pytest.skip(f"Odoo {odoo_api.version} has no JSON-2")
    if not odoo_api.target.api_key:
        pytest.skip("set ODOO_TEST_API_KEY to run the catalogue calls over JSON-2 on a real Odoo 19")

    def json2(model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None) -> Any:
        if method in RECORD_METHODS:
            body = {"ids": args[0], **dict(zip(RECORD_METHODS[method], args[1:], strict=False))}
        else:
            body = dict(zip(MODEL_METHODS[method], args, strict=False))
        response = odoo_api.json2(model, method, {**body, **(kwargs or {})})
        assert response.status_code == 200, response.text[:1000]
        return response.json()

    return json2


def m2o(value: Any) -> Any:
    """A many2one as its id, whether read as ``[id, name]`` or as a bare id."""
    return value[0] if isinstance(value, list) else value


def ids_of(value: Any) -> list[int]:
    return [int(v) for v in value]


def make_attributes(
    api: OdooApi, call: Call, options: dict[str, list[str]]
) -> dict[str, tuple[int, list[int]]]:
    """Call 1: one multi-record create of attributes with their values -> name -> (attribute id, value ids)."""
    names = {option: api.unique(option) for option in options}
    created = call(
        "product.attribute",
        "create",
        [
            [
                {
                    "name": names[option],
                    "create_variant": "always",
                    "value_ids": [(0, 0, {"name": value}) for value in values],
                }
                for option, values in options.items()
            ]
        ],
    )
    rows = call(
        "product.attribute",
        "search_read",
        [[["name", "in", list(names.values())]], ["name", "create_variant", "value_ids"]],
    )
    by_name = {row["name"]: row for row in rows}
    made = {
        option: (int(by_name[names[option]]["id"]), ids_of(by_name[names[option]]["value_ids"]))
        for option in options
    }
    assert ids_of(created) == [made[option][0] for option in options]  # one id per attribute, in order
    return made


def template_fields(api: OdooApi) -> list[str]:
    return [
        "id",
        "name",
        "list_price",
        *api.f.storable,
        "description_sale",
        "attribute_line_ids/attribute_id/.id",
        "attribute_line_ids/value_ids/.id",
    ]


def template_rows(
    api: OdooApi, xmlid: str, name: str, price: str, lines: list[tuple[int, list[int]]]
) -> list[list[str]]:
    """Call 3's rows: the template's columns on the first row, one more row per further attribute line."""
    storable = [str(value) for value in api.f.storable.values()]
    rows = []
    for index, (attribute, values) in enumerate(lines or [(0, [])]):
        own = [xmlid, name, price, *storable, "Soft cotton"] if index == 0 else [""] * (4 + len(storable))
        refs = [str(attribute), ",".join(str(v) for v in values)] if attribute else ["", ""]
        rows.append(own + refs)
    return rows


def load_template(
    api: OdooApi, call: Call, name: str, lines: list[tuple[int, list[int]]], price: str = "20.0"
) -> tuple[str, int]:
    xmlid = f"synco_contract.product_{api.unique('tmpl').replace('-', '_')}"
    result = call(
        "product.template", "load", [template_fields(api), template_rows(api, xmlid, name, price, lines)]
    )
    assert result["messages"] == []
    assert len(result["ids"]) == 1
    return xmlid, int(result["ids"][0])


def read_variants(call: Call, templates: list[int]) -> list[dict[str, Any]]:
    """Call 4: the templates' variants, archived ones included, with their attribute values (ptav ids)."""
    return list(
        call(
            "product.product",
            "search_read",
            [[["product_tmpl_id", "in", templates]], VARIANT_FIELDS],
            {"context": {"active_test": False}, "order": "id"},
        )
    )


def read_ptavs(call: Call, templates: list[int]) -> dict[int, dict[str, Any]]:
    """Call 5: the templates' attribute values, by ptav id."""
    rows = call(
        "product.template.attribute.value",
        "search_read",
        [[["product_tmpl_id", "in", templates]], PTAV_FIELDS],
    )
    return {int(row["id"]): row for row in rows}


def combinations(call: Call, template: int) -> dict[int, frozenset[int]]:
    """variant id -> the product.attribute.value ids of its combination."""
    ptavs = read_ptavs(call, [template])
    return {
        int(row["id"]): frozenset(
            int(m2o(ptavs[ptav]["product_attribute_value_id"]))
            for ptav in row["product_template_attribute_value_ids"]
        )
        for row in read_variants(call, [template])
    }


def active_combinations(call: Call, template: int) -> dict[int, frozenset[int]]:
    active = {int(row["id"]) for row in read_variants(call, [template]) if row["active"]}
    return {variant: combo for variant, combo in combinations(call, template).items() if variant in active}


# -- 1, 2: attributes and values ------------------------------------------------------------------------


def test_it_creates_attributes_with_their_values_in_one_call(odoo_api: OdooApi, call: Call) -> None:
    made = make_attributes(odoo_api, call, {"Size": ["S", "M", "L"], "Color": ["Red", "Blue"]})
    size, size_values = made["Size"]
    color, color_values = made["Color"]
    rows = call(
        "product.attribute",
        "search_read",
        [[["id", "in", [size, color]]], ["name", "create_variant", "value_ids"]],
    )
    assert {row["id"]: row["create_variant"] for row in rows} == {size: "always", color: "always"}
    assert (len(size_values), len(color_values)) == (3, 2)
    values = call(
        "product.attribute.value",
        "search_read",
        [[["attribute_id", "in", [size, color]]], ["name", "attribute_id"]],
    )
    assert {(int(m2o(v["attribute_id"])), v["name"]) for v in values} == {
        (size, "S"),
        (size, "M"),
        (size, "L"),
        (color, "Red"),
        (color, "Blue"),
    }
    by_name = {v["name"]: int(v["id"]) for v in values if int(m2o(v["attribute_id"])) == size}
    assert size_values == [by_name["S"], by_name["M"], by_name["L"]]  # value_ids in creation order


def test_it_adds_values_to_an_existing_attribute_in_one_call(odoo_api: OdooApi, call: Call) -> None:
    made = make_attributes(odoo_api, call, {"Size": ["S"], "Fit": ["Slim"]})
    size, fit = made["Size"][0], made["Fit"][0]
    created = call(
        "product.attribute.value",
        "create",
        [
            [
                {"name": "M", "attribute_id": size},
                {"name": "L", "attribute_id": size},
                {"name": "Wide", "attribute_id": fit},
            ]
        ],
    )
    assert len(created) == 3
    values = call(
        "product.attribute.value",
        "search_read",
        [[["attribute_id", "in", [size, fit]]], ["name", "attribute_id"]],
    )
    found = {int(v["id"]): (int(m2o(v["attribute_id"])), v["name"]) for v in values}
    assert [found[v] for v in created] == [(size, "M"), (size, "L"), (fit, "Wide")]
    assert ids_of(call("product.attribute", "read", [[size], ["value_ids"]])[0]["value_ids"]) == [
        made["Size"][1][0],
        *created[:2],
    ]


def test_a_second_value_with_the_same_name_is_accepted_since_18(odoo_api: OdooApi) -> None:
    # Synco matches values by name (case-insensitive) and never creates a second one; Odoo 18 dropped the
    # unique(name, attribute_id) constraint that 17 has, so nothing else prevents a duplicate.
    size = make_attributes(odoo_api, odoo_api.call, {"Size": ["S"]})["Size"][0]
    if odoo_api.version >= 18:
        second = odoo_api.call("product.attribute.value", "create", [[{"name": "S", "attribute_id": size}]])
        assert len(second) == 1
        values = odoo_api.call(
            "product.attribute.value", "search", [[["attribute_id", "=", size], ["name", "=", "S"]]]
        )
        assert len(values) == 2
    else:
        fault = odoo_api.fault("product.attribute.value", "create", [[{"name": "S", "attribute_id": size}]])
        assert fault.faultCode in (1, 2)


# -- 3, 4, 5: templates with variants --------------------------------------------------------------------


def test_a_template_load_makes_one_variant_per_combination(odoo_api: OdooApi, call: Call) -> None:
    made = make_attributes(odoo_api, call, {"Size": ["S", "M", "L"], "Color": ["Red", "Blue"]})
    (size, sizes), (color, colors) = made["Size"], made["Color"]
    xmlid, template = load_template(odoo_api, call, odoo_api.unique("Tee"), [(size, sizes), (color, colors)])
    module, name = xmlid.split(".")
    assert odoo_api.call("ir.model.data", "check_object_reference", [module, name]) == [
        "product.template",
        template,
    ]
    row = call(
        "product.template",
        "read",
        [[template], ["product_variant_count", "product_variant_ids", "attribute_line_ids"]],
    )[0]
    assert row["product_variant_count"] == 6
    assert len(row["attribute_line_ids"]) == 2
    combos = combinations(call, template)
    assert sorted(combos) == sorted(ids_of(row["product_variant_ids"]))
    # one variant per combination, created in the order of the lines and of their values
    expected = [frozenset(pair) for pair in itertools.product(sizes, colors)]
    assert [combos[variant] for variant in sorted(combos)] == expected
    variants = read_variants(call, [template])
    assert {int(m2o(v["product_tmpl_id"])) for v in variants} == {template}
    assert all(v["active"] and not v["default_code"] and not v["barcode"] for v in variants)
    ptavs = read_ptavs(call, [template])
    assert len(ptavs) == 5
    assert {
        (int(m2o(p["attribute_id"])), int(m2o(p["product_attribute_value_id"]))) for p in ptavs.values()
    } == {
        *((size, v) for v in sizes),
        *((color, v) for v in colors),
    }
    assert {int(m2o(p["product_tmpl_id"])) for p in ptavs.values()} == {template}
    assert all(p["price_extra"] == 0.0 for p in ptavs.values())


def test_a_template_without_lines_loads_with_its_single_variant(odoo_api: OdooApi, call: Call) -> None:
    _xmlid, template = load_template(odoo_api, call, odoo_api.unique("Poster"), [])
    variants = read_variants(call, [template])
    assert len(variants) == 1
    assert variants[0]["product_template_attribute_value_ids"] == []
    assert (
        call("product.template", "read", [[template], ["product_variant_count"]])[0]["product_variant_count"]
        == 1
    )


def test_reloading_a_template_with_lines_adds_the_lines_again(odoo_api: OdooApi) -> None:
    # Why the gateway loads only templates whose external id does not exist yet.
    api = odoo_api
    made = make_attributes(api, api.call, {"Size": ["S", "M"]})
    size, sizes = made["Size"]
    xmlid, template = load_template(api, api.call, api.unique("Hoodie"), [(size, sizes)])
    again = api.call(
        "product.template",
        "load",
        [template_fields(api), template_rows(api, xmlid, "Hoodie", "20.0", [(size, sizes)])],
    )
    assert again["ids"] == [template]
    row = api.read_one("product.template", template, ["attribute_line_ids", "product_variant_count"])
    assert len(row["attribute_line_ids"]) == 2
    assert row["product_variant_count"] == 4


def test_it_reads_archived_variants_with_active_test_off(odoo_api: OdooApi, call: Call) -> None:
    made = make_attributes(odoo_api, call, {"Size": ["S", "M"]})
    _xmlid, template = load_template(odoo_api, call, odoo_api.unique("Cap"), [made["Size"]])
    first, second = sorted(int(v["id"]) for v in read_variants(call, [template]))
    assert call("product.product", "write", [[first], {"active": False}]) is True
    variants = {int(v["id"]): v["active"] for v in read_variants(call, [template])}
    assert variants == {first: False, second: True}
    assert call("product.product", "search", [[["product_tmpl_id", "=", template]]]) == [second]


# -- 6: variant fields through load('.id') ----------------------------------------------------------------


VARIANT_LOAD = [".id", "default_code", "barcode", "standard_price", "weight"]


def test_a_variant_load_by_database_id_updates_and_creates_nothing(odoo_api: OdooApi, call: Call) -> None:
    api = odoo_api
    made = make_attributes(api, call, {"Size": ["S", "M"]})
    _xmlid, template = load_template(api, call, api.unique("Sock"), [made["Size"]])
    first, second = sorted(int(v["id"]) for v in read_variants(call, [template]))
    before = api.missing_id("product.product")
    codes, barcodes = (api.unique("SKU-S"), api.unique("SKU-M")), (api.barcode(), api.barcode())
    rows = [
        [str(first), codes[0], barcodes[0], "3.5", "0.25"],
        [str(second), codes[1], barcodes[1], "4.0", "0.3"],
    ]
    result = call("product.product", "load", [VARIANT_LOAD, rows])
    assert result == {"ids": [first, second], "messages": [], "nextrow": 0}
    assert api.missing_id("product.product") == before  # no new product
    read = {
        row["id"]: row
        for row in call(
            "product.product",
            "read",
            [[first, second], ["default_code", "barcode", "standard_price", "weight"]],
        )
    }
    assert (
        read[first]["default_code"],
        read[first]["barcode"],
        read[first]["standard_price"],
        read[first]["weight"],
    ) == (
        codes[0],
        barcodes[0],
        3.5,
        0.25,
    )
    assert (read[second]["default_code"], read[second]["standard_price"], read[second]["weight"]) == (
        codes[1],
        4.0,
        0.3,
    )
    # the same rows again: the same ids, nothing new, nothing changed
    assert call("product.product", "load", [VARIANT_LOAD, rows]) == {
        "ids": [first, second],
        "messages": [],
        "nextrow": 0,
    }
    assert api.missing_id("product.product") == before
    assert len(read_variants(call, [template])) == 2
    # the template shows no variant field of its own when it has several variants
    assert (
        call("product.template", "read", [[template], ["default_code", "barcode"]])[0]["default_code"]
        is False
    )


def test_a_variant_load_with_an_unknown_database_id_creates_nothing(odoo_api: OdooApi, call: Call) -> None:
    api = odoo_api
    missing = api.missing_id("product.product")
    code = api.unique("SKU-GHOST")
    result = call("product.product", "load", [VARIANT_LOAD, [[str(missing), code, "", "1", "1"]]])
    assert result["ids"] is False
    assert result["messages"][0]["type"] == "error"
    assert result["messages"][0]["field"] == ".id"
    assert str(missing) in result["messages"][0]["message"]
    assert (
        call(
            "product.product", "search", [[["default_code", "=", code]]], {"context": {"active_test": False}}
        )
        == []
    )


def test_a_duplicate_barcode_refuses_the_whole_variant_load(odoo_api: OdooApi, call: Call) -> None:
    api = odoo_api
    made = make_attributes(api, call, {"Size": ["S", "M"]})
    _xmlid, template = load_template(api, call, api.unique("Glove"), [made["Size"]])
    first, second = sorted(int(v["id"]) for v in read_variants(call, [template]))
    taken = api.barcode()
    holder = api.call("product.product", "create", [{"name": api.unique("Holder"), "barcode": taken}])
    code = api.unique("SKU-G")
    rows = [[str(first), code, "", "1", "1"], [str(second), api.unique("SKU-H"), taken, "1", "1"]]
    result = call("product.product", "load", [VARIANT_LOAD, rows])
    assert result["ids"] is False
    assert result["messages"] and all(m["type"] == "error" for m in result["messages"])
    assert any(taken in m["message"] for m in result["messages"])
    # rolled back: the first row's SKU is not written either, the barcode stays with its holder
    assert (
        call(
            "product.product", "search", [[["default_code", "=", code]]], {"context": {"active_test": False}}
        )
        == []
    )
    assert call("product.product", "search", [[["barcode", "=", taken]]]) == [holder]


# -- 7: extra prices --------------------------------------------------------------------------------------


def test_extra_prices_load_by_database_id_and_add_up_in_lst_price(odoo_api: OdooApi, call: Call) -> None:
    api = odoo_api
    made = make_attributes(api, call, {"Size": ["S", "XL"], "Color": ["Red", "Gold"]})
    (size, (small, xl)), (color, (red, gold)) = made["Size"], made["Color"]
    _xmlid, template = load_template(
        api, call, api.unique("Scarf"), [(size, [small, xl]), (color, [red, gold])], "20.0"
    )
    ptavs = read_ptavs(call, [template])
    by_value = {int(m2o(p["product_attribute_value_id"])): ptav for ptav, p in ptavs.items()}
    result = call(
        "product.template.attribute.value",
        "load",
        [[".id", "price_extra"], [[str(by_value[xl]), "2.5"], [str(by_value[gold]), "10"]]],
    )
    assert result == {"ids": [by_value[xl], by_value[gold]], "messages": [], "nextrow": 0}
    assert len(read_ptavs(call, [template])) == 4
    combos = combinations(call, template)
    prices = {
        combos[row["id"]]: row["lst_price"]
        for row in call("product.product", "read", [list(combos), ["lst_price"]])
    }
    assert prices == {
        frozenset({small, red}): 20.0,
        frozenset({small, gold}): 30.0,
        frozenset({xl, red}): 22.5,
        frozenset({xl, gold}): 32.5,
    }


# -- 8: values and options added later --------------------------------------------------------------------


def _lines(call: Call, template: int) -> dict[int, int]:
    """attribute id -> its line on the template."""
    lines = call("product.template", "read", [[template], ["attribute_line_ids"]])[0]["attribute_line_ids"]
    rows = call("product.template.attribute.line", "read", [ids_of(lines), ["attribute_id"]])
    return {int(m2o(row["attribute_id"])): int(row["id"]) for row in rows}


def test_a_value_added_to_a_line_adds_its_variants_and_keeps_the_others(
    odoo_api: OdooApi, call: Call
) -> None:
    api = odoo_api
    made = make_attributes(api, call, {"Size": ["S", "M"], "Color": ["Red", "Blue"]})
    (size, sizes), (color, colors) = made["Size"], made["Color"]
    _xmlid, template = load_template(api, call, api.unique("Jacket"), [(size, sizes), (color, colors)])
    before = combinations(call, template)
    [large] = call("product.attribute.value", "create", [[{"name": "L", "attribute_id": size}]])
    line = _lines(call, template)[size]
    assert (
        call(
            "product.template",
            "write",
            [[template], {"attribute_line_ids": [(1, line, {"value_ids": [(4, large)]})]}],
        )
        is True
    )
    after = combinations(call, template)
    assert {v: c for v, c in after.items() if v in before} == before  # same variants, same combinations
    added = {c for v, c in after.items() if v not in before}
    assert added == {frozenset({large, red_or_blue}) for red_or_blue in colors}
    assert (
        call("product.template", "read", [[template], ["product_variant_count"]])[0]["product_variant_count"]
        == 6
    )
    # the whole set again with one more value, as (6, 0, ids): the same again
    [xl] = call("product.attribute.value", "create", [[{"name": "XL", "attribute_id": size}]])
    values = [*sizes, large, xl]
    command = {"attribute_line_ids": [(1, line, {"value_ids": [(6, 0, values)]})]}
    assert call("product.template", "write", [[template], command]) is True
    final = combinations(call, template)
    assert {v: c for v, c in final.items() if v in after} == after
    assert {c for v, c in final.items() if v not in after} == {frozenset({xl, c}) for c in colors}


def test_a_new_option_with_one_value_keeps_the_variants(odoo_api: OdooApi, call: Call) -> None:
    api = odoo_api
    made = make_attributes(api, call, {"Size": ["S", "M"], "Material": ["Cotton"]})
    (size, sizes), (material, [cotton]) = made["Size"], made["Material"]
    _xmlid, template = load_template(api, call, api.unique("Shirt"), [(size, sizes)])
    before = combinations(call, template)
    new_line = {"attribute_id": material, "value_ids": [(6, 0, [cotton])]}
    assert call("product.template", "write", [[template], {"attribute_line_ids": [(0, 0, new_line)]}]) is True
    after = combinations(call, template)
    assert set(after) == set(before)  # the same variants
    assert all(after[v] == before[v] | {cotton} for v in before)


def test_a_new_option_with_two_values_replaces_a_single_variant(odoo_api: OdooApi, call: Call) -> None:
    # A product that had no options in Odoo: its variant (and the SKU on it) gives way to the new combinations.
    api = odoo_api
    made = make_attributes(api, call, {"Color": ["Red", "Blue"]})
    color, colors = made["Color"]
    code = api.unique("SKU-MUG")
    template = call("product.template", "create", [[{"name": api.unique("Mug"), "default_code": code}]])[0]
    [single] = [int(v["id"]) for v in read_variants(call, [template])]
    new_line = {"attribute_id": color, "value_ids": [(6, 0, colors)]}
    assert call("product.template", "write", [[template], {"attribute_line_ids": [(0, 0, new_line)]}]) is True
    after = active_combinations(call, template)
    assert single not in after
    assert sorted(after.values(), key=sorted) == sorted((frozenset({c}) for c in colors), key=sorted)
    assert all(not v["default_code"] for v in read_variants(call, [template]) if v["active"])


def test_a_value_removed_from_a_line_drops_its_variants(odoo_api: OdooApi, call: Call) -> None:
    api = odoo_api
    made = make_attributes(api, call, {"Size": ["S", "M", "L"]})
    size, (small, medium, large) = made["Size"]
    _xmlid, template = load_template(api, call, api.unique("Belt"), [(size, [small, medium, large])])
    before = combinations(call, template)
    line = _lines(call, template)[size]
    assert (
        call(
            "product.template",
            "write",
            [[template], {"attribute_line_ids": [(1, line, {"value_ids": [(3, small)]})]}],
        )
        is True
    )
    after = active_combinations(call, template)
    assert sorted(sorted(combo) for combo in after.values()) == sorted([[medium], [large]])
    assert set(after) <= set(before)  # the remaining variants are the ones there were
    assert all(small not in combo for combo in after.values())


# -- 9: archiving ------------------------------------------------------------------------------------------


def test_archiving_a_template_archives_its_variants(odoo_api: OdooApi, call: Call) -> None:
    api = odoo_api
    made = make_attributes(api, call, {"Size": ["S", "M"]})
    _xmlid, template = load_template(api, call, api.unique("Boot"), [made["Size"]])
    assert call("product.template", "write", [[template], {"active": False}]) is True
    assert [v["active"] for v in read_variants(call, [template])] == [False, False]
    assert call("product.template", "write", [[template], {"active": True}]) is True
    assert [v["active"] for v in read_variants(call, [template])] == [True, True]
    first = min(int(v["id"]) for v in read_variants(call, [template]))
    assert call("product.product", "write", [[first], {"active": False}]) is True
    assert {int(v["id"]): v["active"] for v in read_variants(call, [template])}[first] is False
    assert call("product.template", "read", [[template], ["active", "product_variant_count"]])[0] == {
        "id": template,
        "active": True,
        "product_variant_count": 1,
    }


# -- 10: lookups by SKU and barcode ------------------------------------------------------------------------


def test_it_finds_variants_by_sku_or_barcode_archived_included(odoo_api: OdooApi, call: Call) -> None:
    api = odoo_api
    made = make_attributes(api, call, {"Size": ["S", "M"]})
    _xmlid, template = load_template(api, call, api.unique("Vest"), [made["Size"]])
    first, second = sorted(int(v["id"]) for v in read_variants(call, [template]))
    codes, barcode = [api.unique("SKU-V1"), api.unique("SKU-V2")], api.barcode()
    loaded = call(
        "product.product",
        "load",
        [[".id", "default_code", "barcode"], [[str(first), codes[0], barcode], [str(second), codes[1], ""]]],
    )
    assert loaded["messages"] == []
    call("product.product", "write", [[second], {"active": False}])
    context = {"context": {"active_test": False}}
    by_code = call(
        "product.product", "search_read", [[["default_code", "in", codes]], VARIANT_FIELDS], context
    )
    assert sorted(int(r["id"]) for r in by_code) == [first, second]
    assert {int(r["id"]): r["active"] for r in by_code} == {first: True, second: False}
    by_barcode = call(
        "product.product", "search_read", [[["barcode", "in", [barcode]]], VARIANT_FIELDS], context
    )
    assert [int(r["id"]) for r in by_barcode] == [first]
    assert call("product.product", "search_read", [[["default_code", "in", codes]], ["id"]]) == [
        {"id": first}
    ]
    # a template is found by any of its variants' barcodes (Odoo's _search_barcode), not by their SKUs
    assert call("product.template", "search", [[["barcode", "=", barcode]]]) == [template]
    assert call("product.template", "search", [[["default_code", "in", codes]]]) == []


# -- 11: template updates ----------------------------------------------------------------------------------


def test_a_template_load_by_database_id_updates_only_the_given_fields(odoo_api: OdooApi, call: Call) -> None:
    api = odoo_api
    made = make_attributes(api, call, {"Size": ["S", "M"]})
    _xmlid, template = load_template(api, call, api.unique("Parka"), [made["Size"]], "50.0")
    variants = sorted(int(v["id"]) for v in read_variants(call, [template]))
    before = api.missing_id("product.template")
    name = api.unique("Parka renamed")
    result = call(
        "product.template", "load", [[".id", "name", "list_price"], [[str(template), name, "55.5"]]]
    )
    assert result == {"ids": [template], "messages": [], "nextrow": 0}
    assert api.missing_id("product.template") == before
    row = call(
        "product.template",
        "read",
        [[template], ["name", "list_price", "description_sale", "product_variant_count"]],
    )[0]
    assert (row["name"], row["list_price"], row["description_sale"], row["product_variant_count"]) == (
        name,
        55.5,
        "Soft cotton",
        2,
    )
    assert sorted(int(v["id"]) for v in read_variants(call, [template])) == variants
    assert [r["lst_price"] for r in call("product.product", "read", [variants, ["lst_price"]])] == [
        55.5,
        55.5,
    ]


# -- 12: B2B partners --------------------------------------------------------------------------------------


def test_a_company_and_its_contacts_load_as_children(odoo_api: OdooApi, call: Call) -> None:
    api = odoo_api
    company_xmlid = f"synco_contract.company_{api.unique('co').replace('-', '_')}"
    company_name = api.unique("Acme")
    loaded = call(
        "res.partner",
        "load",
        [
            ["id", "name", "is_company", "email", "comment"],
            [[company_xmlid, company_name, "1", "ap@example.com", "<p>Net 30</p>"]],
        ],
    )
    assert loaded["messages"] == []
    [company] = loaded["ids"]
    fields = ["id", "name", "parent_id/.id", "type", "email", "street", "city"]
    rows = [
        [f"{company_xmlid}_buyer", "Jane Buyer", str(company), "contact", "jane@example.com", "", ""],
        [f"{company_xmlid}_bill", "Acme billing", str(company), "invoice", "", "1 Ledger Rd", "Springfield"],
        [f"{company_xmlid}_ship", "", str(company), "delivery", "", "9 Dock St", "Springfield"],
    ]
    children = call("res.partner", "load", [fields, rows])
    assert children["messages"] == []
    assert len(children["ids"]) == 3
    read = call(
        "res.partner",
        "read",
        [
            [company, *children["ids"]],
            ["is_company", "company_type", "parent_id", "type", "commercial_partner_id", "child_ids"],
        ],
    )
    by_id = {row["id"]: row for row in read}
    assert (by_id[company]["is_company"], by_id[company]["company_type"]) == (True, "company")
    assert sorted(ids_of(by_id[company]["child_ids"])) == sorted(children["ids"])
    for child, kind in zip(children["ids"], ["contact", "invoice", "delivery"], strict=True):
        assert int(m2o(by_id[child]["parent_id"])) == company
        assert by_id[child]["type"] == kind
        assert by_id[child]["company_type"] == "person"
        assert int(m2o(by_id[child]["commercial_partner_id"])) == company
    assert int(m2o(by_id[company]["commercial_partner_id"])) == company
    # the same rows again update the same partners
    assert call("res.partner", "load", [fields, rows])["ids"] == children["ids"]
    assert api.call("res.partner", "address_get", [[company], ["invoice", "delivery"]]) == {
        "invoice": children["ids"][1],
        "delivery": children["ids"][2],
        "contact": company,
    }
