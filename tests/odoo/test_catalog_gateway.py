"""The catalogue gateway (synco/odoo/catalog.py) against the Odoo sandbox as 17, 18 and 19 (XML-RPC, and JSON-2
on 19), and against a real Odoo when ODOO_TEST_URL / _DB / _LOGIN / _PASSWORD are set (ids ``real``,
``real-json2`` with ODOO_TEST_API_KEY on 19+).

What Odoo received is read back over plain XML-RPC; the calls each function makes are counted with the client's
``rpc_calls`` (its login done first). Names carry a run id: a real target is a shared database and is never reset.
"""

from __future__ import annotations

import itertools
import os
import secrets
import xmlrpc.client
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest

from synco.errors import PermanentGatewayError
from synco.odoo import cache
from synco.odoo import catalog as gateway
from synco.odoo.catalog import (
    AttributeModeError,
    CatalogueLoadError,
    CatalogueMissingRecordError,
    OdooVariant,
    TemplateSpec,
)
from synco.odoo.client import OdooClient, OdooSettings, forget_sessions
from synco.odoo.destination import OutboundPolicy
from tests.conftest import ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD

REAL = all(os.environ.get(name) for name in ("ODOO_TEST_URL", "ODOO_TEST_DB", "ODOO_TEST_LOGIN"))
TARGETS = ["odoo17", "odoo18", "odoo19", "odoo19-json2", *(["real", "real-json2"] if REAL else [])]


@dataclass
class Target:
    """An Odoo to test against: Synco's client on it, and a plain XML-RPC line to read what it holds."""

    name: str
    major: int
    base_url: str
    db: str
    login: str
    password: str
    client: OdooClient
    run: str

    def execute(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        uid = xmlrpc.client.ServerProxy(f"{self.base_url}/xmlrpc/2/common").authenticate(
            self.db, self.login, self.password, {}
        )
        proxy = xmlrpc.client.ServerProxy(f"{self.base_url}/xmlrpc/2/object", allow_none=True)
        return proxy.execute_kw(self.db, uid, self.password, model, method, list(args), kwargs)

    def unique(self, name: str) -> str:
        return f"{name} {self.run}"

    def spent(self, function: Callable[..., Any], *args: Any) -> tuple[Any, int]:
        """What `function(client, *args)` returns, and how many calls to Odoo it made."""
        before = self.client.rpc_calls
        result = function(self.client, *args)
        return result, self.client.rpc_calls - before


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[int, Any]]:
    from sandboxes.odoo.server import start_in_thread

    started: dict[int, Any] = {}

    class Lazy(dict[int, Any]):
        def __missing__(self, version: int) -> Any:
            server, _url = start_in_thread(state_path=None, port=0, version=version)
            started[version] = server
            self[version] = server
            return server

    yield Lazy()
    for server in started.values():
        server.shutdown()
        server.server_close()


def _settings(host: str, port: int, db: str, login: str, secret: str, protocol: str) -> OdooSettings:
    return OdooSettings(
        host=host,
        port=port,
        use_tls=False,
        database=db,
        login=login,
        secret=secret,
        protocol=protocol,
        policy=OutboundPolicy(allow_loopback=True, allowed_ports=frozenset({port})),
    )


@pytest.fixture(params=TARGETS)
def odoo(request: pytest.FixtureRequest, sandboxes: dict[int, Any]) -> Iterator[Target]:
    cache.forget()
    forget_sessions()
    name = str(request.param)
    json2 = name.endswith("-json2")
    if name.startswith("real"):
        url = os.environ["ODOO_TEST_URL"].rstrip("/")
        parts = urlsplit(url)
        if parts.scheme != "http":
            pytest.skip("these tests reach a real Odoo over plain http on a local port")
        db, login, password = (os.environ[f"ODOO_TEST_{key}"] for key in ("DB", "LOGIN", "PASSWORD"))
        info: Any = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()
        major = int(info["server_version_info"][0])
        key = os.environ.get("ODOO_TEST_API_KEY", "")
        if json2 and (major < 19 or not key):
            pytest.skip("JSON-2 needs Odoo 19+ and ODOO_TEST_API_KEY")
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
    else:
        major = int(name.removeprefix("odoo").removesuffix("-json2"))
        server = sandboxes[major]
        server.reset_database()
        url, db, login, password = server.base_url, ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD
        host, port, key = "127.0.0.1", server.server_address[1], server.api_key
    settings = _settings(host, port, db, login, key if json2 else password, "json2" if json2 else "xmlrpc")
    client = OdooClient(settings)
    client.authenticate()
    assert client.dialect  # the version is read before anything is counted
    yield Target(name, major, url, db, login, password, client, secrets.token_hex(3))
    client.close()
    cache.forget()
    forget_sessions()


# -- helpers ---------------------------------------------------------------------------------------


def make_attribute(odoo: Target, name: str, values: list[str], mode: str = "always") -> tuple[int, list[int]]:
    """An attribute made the way a merchant makes one in Odoo (not through the gateway)."""
    attribute = odoo.execute(
        "product.attribute",
        "create",
        {"name": name, "create_variant": mode, "value_ids": [(0, 0, {"name": value}) for value in values]},
    )
    rows = odoo.execute(
        "product.attribute.value",
        "search_read",
        [["attribute_id", "=", attribute]],
        fields=["name"],
        order="id",
    )
    return int(attribute), [int(row["id"]) for row in rows]


def attributes_named(odoo: Target, name: str) -> list[dict[str, Any]]:
    rows = odoo.execute(
        "product.attribute", "search_read", [["name", "=ilike", name]], fields=["name", "create_variant"]
    )
    return list(rows)


def values_of(odoo: Target, attribute: int) -> dict[str, int]:
    rows = odoo.execute(
        "product.attribute.value",
        "search_read",
        [["attribute_id", "=", attribute]],
        fields=["name"],
        context={"active_test": False},
    )
    return {str(row["name"]): int(row["id"]) for row in rows}


@dataclass
class Catalogue:
    """Options ensured in Odoo, and specs of products over them."""

    size: int  # attribute ids
    color: int
    values: dict[tuple[str, str], int]

    def lines(self, sizes: list[str], colors: list[str] | None = None) -> list[tuple[int, list[int]]]:
        lines = [(self.size, [self.values[("Size", s)] for s in sizes])]
        if colors:
            lines.append((self.color, [self.values[("Color", c)] for c in colors]))
        return lines


SIZES = ["XS", "S", "M", "L", "XL"]
COLORS = ["Red", "Blue", "Green"]


def catalogue(odoo: Target) -> Catalogue:
    size, color = odoo.unique("Size"), odoo.unique("Color")
    found = gateway.ensure_attributes(odoo.client, {size: SIZES, color: COLORS})
    ids = gateway.attribute_ids(odoo.client, [size, color])
    values = {("Size", s): found[(size, s)] for s in SIZES} | {
        ("Color", c): found[(color, c)] for c in COLORS
    }
    return Catalogue(ids[size], ids[color], values)


def spec(odoo: Target, key: str, lines: list[tuple[int, list[int]]], **values: Any) -> TemplateSpec:
    return TemplateSpec(
        xmlid=f"shopify.product_test_{odoo.run}_{key}",
        values={
            "name": odoo.unique(f"Tee {key}"),
            "list_price": Decimal("20.00"),
            "description_sale": "Soft cotton",
            **odoo.client.storable_product_values,
            "active": True,
            **values,
        },
        lines=lines,
    )


def combinations(lines: list[tuple[int, list[int]]]) -> set[tuple[int, ...]]:
    return {tuple(sorted(combo)) for combo in itertools.product(*(values for _attribute, values in lines))}


def by_template(variants: list[OdooVariant]) -> dict[int, list[OdooVariant]]:
    grouped: dict[int, list[OdooVariant]] = {}
    for variant in variants:
        grouped.setdefault(variant.template_id, []).append(variant)
    return grouped


def read(odoo: Target, model: str, ids: list[int], fields: list[str]) -> dict[int, dict[str, Any]]:
    rows = odoo.execute(model, "read", ids, fields)
    return {int(row["id"]): row for row in rows}


# -- attributes ------------------------------------------------------------------------------------


def test_it_creates_missing_attributes_and_values_then_answers_from_its_cache(odoo: Target) -> None:
    # given: a merchant's own attribute, with one of the values
    material = odoo.unique("Material")
    existing, [cotton] = make_attribute(odoo, material, ["Cotton"])
    size = odoo.unique("Size")

    # when: the options name it in another case
    found, calls = odoo.spent(
        gateway.ensure_attributes, {material.upper(): ["cotton", "Wool"], size: ["S", "M"]}
    )

    # then: the attribute and its value are reused, what is missing is created, in at most 4 calls
    assert calls <= 4
    assert [row["id"] for row in attributes_named(odoo, material)] == [existing]
    wool = values_of(odoo, existing)["Wool"]
    [created] = attributes_named(odoo, size)
    assert created["create_variant"] == "always"
    sizes = values_of(odoo, created["id"])
    assert found == {
        (material.upper(), "cotton"): cotton,
        (material.upper(), "Wool"): wool,
        (size, "S"): sizes["S"],
        (size, "M"): sizes["M"],
    }

    # when: the same options again, and the attribute ids
    again, calls_again = odoo.spent(gateway.ensure_attributes, {material: ["Cotton", "wool"], size: ["m"]})
    ids, calls_ids = odoo.spent(gateway.attribute_ids, [material, size.lower()])

    # then: no call at all
    assert (calls_again, calls_ids) == (0, 0)
    assert again == {(material, "Cotton"): cotton, (material, "wool"): wool, (size, "m"): sizes["M"]}
    assert ids == {material: existing, size.lower(): created["id"]}


def test_it_matches_names_ignoring_the_spaces_around_them(odoo: Target) -> None:
    fabric = odoo.unique("Fabric")
    existing, [silk] = make_attribute(odoo, fabric, ["Silk"])

    found, _calls = odoo.spent(gateway.ensure_attributes, {f" {fabric.lower()} ": [" silk "]})

    assert found == {(f" {fabric.lower()} ", " silk "): silk}
    assert [row["id"] for row in attributes_named(odoo, f"%{fabric}%")] == [existing]
    assert values_of(odoo, existing) == {"Silk": silk}


def test_it_finds_attribute_ids_without_creating_any(odoo: Target) -> None:
    material = odoo.unique("Material")
    existing, _values = make_attribute(odoo, material, ["Linen"])

    ids, calls = odoo.spent(gateway.attribute_ids, [material.lower(), odoo.unique("Nothing")])

    assert (ids, calls) == ({material.lower(): existing}, 1)
    assert attributes_named(odoo, odoo.unique("Nothing")) == []


def test_it_treats_like_wildcards_in_names_as_plain_characters(odoo: Target) -> None:
    # given: "Size_1%" would match "SizeX1abc" as a LIKE pattern
    decoy, _values = make_attribute(odoo, odoo.unique("SizeX1abc"), ["S"])

    found, _calls = odoo.spent(gateway.ensure_attributes, {odoo.unique("Size_1%"): ["S"]})

    [made] = [row for row in attributes_named(odoo, odoo.unique("Size%")) if row["id"] != decoy]
    assert made["id"] != decoy
    assert made["name"] == odoo.unique("Size_1%")
    assert found == {(odoo.unique("Size_1%"), "S"): values_of(odoo, made["id"])["S"]}


def test_it_restores_a_value_the_merchant_archived(odoo: Target) -> None:
    color = odoo.unique("Color")
    attribute, [red, _blue] = make_attribute(odoo, color, ["Red", "Blue"])
    odoo.execute("product.attribute.value", "write", [red], {"active": False})

    found, calls = odoo.spent(gateway.ensure_attributes, {color: ["Red"]})

    assert found == {(color, "Red"): red}
    assert calls <= 5
    assert read(odoo, "product.attribute.value", [red], ["active"])[red]["active"] is True
    assert sorted(values_of(odoo, attribute)) == ["Blue", "Red"]


def test_it_refuses_an_attribute_that_does_not_create_variants(odoo: Target) -> None:
    engraving = odoo.unique("Engraving")
    make_attribute(odoo, engraving, ["Yes"], mode="no_variant")

    with pytest.raises(AttributeModeError) as refused:
        gateway.ensure_attributes(odoo.client, {engraving.lower(): ["Yes", "No"]})

    assert f"Odoo's attribute '{engraving}' does not create a variant for each value" in refused.value.message
    assert "no_variant" in refused.value.message
    assert len(attributes_named(odoo, engraving)) == 1  # nothing created instead


def test_it_refuses_an_empty_option_value_before_calling_odoo(odoo: Target) -> None:
    with pytest.raises(PermanentGatewayError, match="option name or value is empty"):
        odoo.spent(gateway.ensure_attributes, {odoo.unique("Size"): ["S", " "]})


# -- templates and variants ------------------------------------------------------------------------


def test_it_creates_templates_with_one_variant_per_combination_in_one_load(odoo: Target) -> None:
    # given: 20 products of 5 variants each (sizes alone, or sizes x colours)
    options = catalogue(odoo)
    specs = [spec(odoo, f"s{i}", options.lines(SIZES)) for i in range(15)] + [
        spec(odoo, f"sc{i}", options.lines(["S", "M"], ["Red", "Blue"])) for i in range(4)
    ]
    specs.append(spec(odoo, "single", []))

    # when
    created, calls = odoo.spent(gateway.create_templates, specs)

    # then: the external ids were looked up, and one load() made everything
    assert calls == 2
    assert sorted(created) == sorted(s.xmlid for s in specs)
    templates = read(
        odoo, "product.template", list(created.values()), ["name", "list_price", "description_sale", "active"]
    )
    for item in specs:
        row = templates[created[item.xmlid]]
        assert (row["name"], row["list_price"], row["description_sale"], row["active"]) == (
            item.values["name"],
            20.0,
            "Soft cotton",
            True,
        )
    storable = read(
        odoo, "product.template", [created[specs[0].xmlid]], list(odoo.client.storable_product_values)
    )
    assert {k: v for k, v in storable[created[specs[0].xmlid]].items() if k != "id"} == (
        odoo.client.storable_product_values
    )
    assert gateway.templates_by_xmlid(odoo.client, created) == created

    # when: their variants are read
    variants, read_calls = odoo.spent(gateway.read_variants, list(created.values()))

    # then: one per combination of each template's values, the single product's without any
    assert read_calls == 2
    assert len(variants) == 15 * 5 + 4 * 4 + 1
    grouped = by_template(variants)
    for item in specs:
        mine = grouped[created[item.xmlid]]
        assert {v.value_ids for v in mine} == (combinations(item.lines) if item.lines else {()})
        assert all(v.active and v.default_code == "" and v.barcode == "" for v in mine)


def test_creating_again_loads_only_the_templates_odoo_lacks(odoo: Target) -> None:
    # given: two products already created
    options = catalogue(odoo)
    first = [spec(odoo, "a", options.lines(["S", "M"])), spec(odoo, "b", options.lines(["L"]))]
    before = gateway.create_templates(odoo.client, first)

    # when: a retry (the answer was lost) with a third product
    third = spec(odoo, "c", options.lines(["XS", "XL"]))
    after, calls = odoo.spent(gateway.create_templates, [*first, third])

    # then: the same two templates, a new one for the third, and no duplicated lines or variants
    assert calls == 2
    assert {k: after[k] for k in before} == before
    assert after[third.xmlid] not in before.values()
    variants = by_template(gateway.read_variants(odoo.client, after.values()))
    assert [len(variants[after[s.xmlid]]) for s in (*first, third)] == [2, 1, 2]
    names = odoo.execute("product.template", "search_read", [["name", "like", odoo.run]], fields=["name"])
    assert len(names) == 3

    # when: nothing is missing
    again, calls = odoo.spent(gateway.create_templates, [*first, third])

    # then: only the lookup
    assert (again, calls) == (after, 1)


def test_a_refused_product_is_named_and_nothing_of_the_load_is_saved(odoo: Target) -> None:
    options = catalogue(odoo)
    missing_value = max(options.values.values()) + 100000
    specs = [
        spec(odoo, "good", options.lines(["S"])),
        spec(odoo, "gone", [(options.size, [missing_value])]),
        spec(odoo, "mismatch", [(options.size, [options.values[("Color", "Red")]])]),
    ]

    with pytest.raises(CatalogueMissingRecordError) as refused:
        gateway.create_templates(odoo.client, specs)

    problems = {problem.key: problem for problem in refused.value.problems}
    assert sorted(problems) == sorted([specs[1].xmlid, specs[2].xmlid])
    assert str(missing_value) in problems[specs[1].xmlid].message
    assert problems[specs[1].xmlid].label == specs[1].values["name"]
    assert f"product {specs[1].xmlid} ({specs[1].values['name']})" in refused.value.message
    assert gateway.templates_by_xmlid(odoo.client, [s.xmlid for s in specs]) == {}
    assert odoo.execute("product.template", "search", [["name", "like", odoo.run]]) == []


def test_a_product_with_more_combinations_than_odoo_makes_is_named_with_the_way_out(odoo: Target) -> None:
    # given: 11 x 10 x 10 = 1,100 combinations, over Odoo's default limit of 1,000 new variants per product
    names = [odoo.unique(name) for name in ("Length", "Width", "Depth")]
    found = gateway.ensure_attributes(
        odoo.client,
        {name: [str(n) for n in range(count)] for name, count in zip(names, (11, 10, 10), strict=True)},
    )
    ids = gateway.attribute_ids(odoo.client, names)
    lines = [(ids[name], [v for (n, _value), v in found.items() if n == name]) for name in names]
    big = spec(odoo, "big", lines)

    # when: after a product Odoo accepts (Odoo then puts the batch's error first, as if that one's)
    with pytest.raises(CatalogueLoadError) as refused:
        gateway.create_templates(odoo.client, [spec(odoo, "fine", []), big])

    # then: only the big one is named, and nothing was saved
    [problem] = refused.value.problems
    assert problem.key == big.xmlid
    assert "product.dynamic_variant_limit" in problem.message
    assert gateway.templates_by_xmlid(odoo.client, [big.xmlid, f"shopify.product_test_{odoo.run}_fine"]) == {}


def test_it_writes_variant_fields_in_one_load_archived_variants_too(odoo: Target) -> None:
    # given: 100 variants, one of them archived
    options = catalogue(odoo)
    created = gateway.create_templates(
        odoo.client, [spec(odoo, f"p{i}", options.lines(SIZES)) for i in range(20)]
    )
    variants = gateway.read_variants(odoo.client, created.values())
    gateway.archive_variants(odoo.client, [variants[0].id])
    rows = {
        variant.id: {
            "default_code": f"SKU-{odoo.run}-{n}",
            "barcode": f"20{odoo.run}{n:04d}",
            "standard_price": Decimal("4.25"),
            "weight": Decimal("0.35"),
            "active": n != 1,  # the archived one back, the next one archived
        }
        for n, variant in enumerate(variants)
    }

    # when
    _none, calls = odoo.spent(gateway.write_variants, rows)

    # then
    assert calls == 1
    written = {
        int(row["id"]): row
        for row in odoo.execute(
            "product.product",
            "read",
            list(rows),
            ["default_code", "barcode", "standard_price", "weight", "active"],
            context={"active_test": False},
        )
    }
    for variant_id, values in rows.items():
        row = written[variant_id]
        assert (row["default_code"], row["barcode"], row["standard_price"], row["weight"], row["active"]) == (
            values["default_code"],
            values["barcode"],
            4.25,
            0.35,
            values["active"],
        )
    found, find_calls = odoo.spent(
        gateway.find_variants, "default_code", [rows[variants[0].id]["default_code"]]
    )
    assert find_calls == 2
    assert found == [
        OdooVariant(
            id=variants[0].id,
            template_id=variants[0].template_id,
            default_code=str(rows[variants[0].id]["default_code"]),
            barcode=str(rows[variants[0].id]["barcode"]),
            active=True,
            value_ids=variants[0].value_ids,
        )
    ]


def test_a_duplicate_barcode_names_the_barcode_and_the_product_that_has_it(odoo: Target) -> None:
    # given: a product of the merchant's with a barcode
    barcode = f"30{odoo.run}0001"
    owner_code = f"OWNER-{odoo.run}"
    odoo.execute(
        "product.product",
        "create",
        {"name": "Merchant's mug", "default_code": owner_code, "barcode": barcode},
    )
    options = catalogue(odoo)
    created = gateway.create_templates(odoo.client, [spec(odoo, "t", options.lines(["S", "M"]))])
    first, second = gateway.read_variants(odoo.client, created.values())

    # when: Shopify gives one variant the same barcode
    with pytest.raises(CatalogueLoadError) as refused:
        gateway.write_variants(
            odoo.client,
            {
                first.id: {"default_code": f"OK-{odoo.run}", "barcode": f"31{odoo.run}0001"},
                second.id: {"default_code": f"DUP-{odoo.run}", "barcode": barcode},
            },
        )

    # then: the variant, its SKU, the barcode and the product that has it are named; nothing was written
    [problem] = refused.value.problems
    assert (problem.key, problem.label) == (second.id, f"SKU 'DUP-{odoo.run}', barcode '{barcode}'")
    assert barcode in problem.message and owner_code in problem.message
    assert f"variant {second.id} (SKU 'DUP-{odoo.run}', barcode '{barcode}')" in refused.value.message
    unchanged = read(odoo, "product.product", [first.id, second.id], ["default_code", "barcode"])
    assert [(row["default_code"], row["barcode"]) for row in unchanged.values()] == [(False, False)] * 2


def test_writing_an_unknown_variant_is_a_missing_record_and_creates_nothing(odoo: Target) -> None:
    gone = int(odoo.execute("product.product", "search", [], order="id desc", limit=1)[0]) + 100000
    count = odoo.execute("product.product", "search_count", [], context={"active_test": False})

    with pytest.raises(CatalogueMissingRecordError) as refused:
        gateway.write_variants(odoo.client, {gone: {"default_code": f"GONE-{odoo.run}"}})

    assert refused.value.problems[0].key == gone
    assert odoo.execute("product.product", "search_count", [], context={"active_test": False}) == count


def test_it_sets_extra_prices_and_odoo_adds_them_to_the_variant_price(odoo: Target) -> None:
    # given
    options = catalogue(odoo)
    item = spec(odoo, "x", options.lines(["S", "L"], ["Red", "Blue"]))
    template = gateway.create_templates(odoo.client, [item])[item.xmlid]
    extras = {
        template: {
            options.values[("Size", "L")]: Decimal("2.50"),
            options.values[("Color", "Blue")]: Decimal("1.25"),
        }
    }

    # when
    _none, calls = odoo.spent(gateway.set_price_extras, extras)

    # then: a variant's price is the template's plus its values' extras
    assert calls == 2
    variants = gateway.read_variants(odoo.client, [template])
    prices = read(odoo, "product.product", [v.id for v in variants], ["lst_price"])
    expected = {}
    for variant in variants:
        extra = sum((extras[template].get(value, Decimal(0)) for value in variant.value_ids), Decimal(0))
        expected[variant.id] = float(Decimal("20.00") + extra)
    assert {v: row["lst_price"] for v, row in prices.items()} == expected

    # when: the same extras again: read, nothing written
    _none, calls_again = odoo.spent(gateway.set_price_extras, extras)
    assert calls_again == 1

    # when: a value the product does not have
    with pytest.raises(
        PermanentGatewayError, match=f"value {options.values[('Size', 'XL')]} of template {template}"
    ):
        gateway.set_price_extras(odoo.client, {template: {options.values[("Size", "XL")]: Decimal("3")}})


def test_it_writes_template_fields_in_one_load_archived_templates_too(odoo: Target) -> None:
    options = catalogue(odoo)
    created = gateway.create_templates(
        odoo.client, [spec(odoo, "a", options.lines(["S", "M"])), spec(odoo, "b", options.lines(["S"]))]
    )
    a, b = created.values()
    gateway.archive_templates(odoo.client, [b])

    _none, calls = odoo.spent(
        gateway.write_templates,
        {
            a: {"name": odoo.unique("Renamed"), "list_price": Decimal("24.50"), "description_sale": ""},
            b: {
                "name": odoo.unique("Archived renamed"),
                "list_price": Decimal("9"),
                "description_sale": "New",
            },
        },
    )

    assert calls == 1
    rows = odoo.execute(
        "product.template",
        "read",
        [a, b],
        ["name", "list_price", "description_sale", "active"],
        context={"active_test": False},
    )
    assert [(r["name"], r["list_price"], r["description_sale"], r["active"]) for r in rows] == [
        (odoo.unique("Renamed"), 24.5, False, True),
        (odoo.unique("Archived renamed"), 9.0, "New", False),
    ]


def test_unarchiving_a_template_leaves_its_variants_archived(odoo: Target) -> None:
    # what real Odoo 18 does when the write runs with active_test off (write_templates must, to reach archived ones)
    options = catalogue(odoo)
    item = spec(odoo, "u", options.lines(["S", "M"]))
    template = gateway.create_templates(odoo.client, [item])[item.xmlid]
    gateway.archive_templates(odoo.client, [template])

    gateway.write_templates(odoo.client, {template: {"active": True}})

    assert read(odoo, "product.template", [template], ["active"])[template]["active"] is True
    assert [v.active for v in gateway.read_variants(odoo.client, [template])] == [False, False]


def test_adding_option_values_adds_their_variants(odoo: Target) -> None:
    # given: a product in S and M, its M variant archived
    options = catalogue(odoo)
    item = spec(odoo, "grow", options.lines(["S", "M"]))
    template = gateway.create_templates(odoo.client, [item])[item.xmlid]
    small, medium = gateway.read_variants(odoo.client, [template])
    gateway.archive_variants(odoo.client, [medium.id])

    # when: Shopify adds size L and a one-value option (Color Red)
    _none, calls = odoo.spent(
        gateway.add_attribute_values,
        template,
        [
            (options.size, [options.values[("Size", "S")], options.values[("Size", "L")]]),
            (options.color, [options.values[("Color", "Red")]]),
        ],
    )

    # then: one variant more (S, M, L), every one with the new value; Odoo re-activated the archived M
    assert calls == 2
    variants = gateway.read_variants(odoo.client, [template])
    red = options.values[("Color", "Red")]
    assert {v.value_ids for v in variants} == {
        tuple(sorted((options.values[("Size", s)], red))) for s in ("S", "M", "L")
    }
    assert {v.id for v in variants} >= {small.id, medium.id}
    assert all(v.active for v in variants)

    # when: nothing new
    _none, calls_again = odoo.spent(
        gateway.add_attribute_values, template, [(options.size, [options.values[("Size", "L")]])]
    )
    assert calls_again == 1
    assert len(gateway.read_variants(odoo.client, [template])) == 3


def test_archiving_a_template_archives_its_variants_and_a_variant_alone(odoo: Target) -> None:
    options = catalogue(odoo)
    created = gateway.create_templates(
        odoo.client, [spec(odoo, "a", options.lines(["S", "M"])), spec(odoo, "b", options.lines(["S", "M"]))]
    )
    a, b = created.values()
    b_small, _b_medium = gateway.read_variants(odoo.client, [b])

    _none, calls_templates = odoo.spent(gateway.archive_templates, [a])
    _none, calls_variants = odoo.spent(gateway.archive_variants, [b_small.id])

    assert (calls_templates, calls_variants) == (1, 1)
    active = {v.id: v.active for v in gateway.read_variants(odoo.client, [a, b])}
    assert len(active) == 4
    assert [v for v, is_active in active.items() if is_active] == [_b_medium.id]
    templates = odoo.execute("product.template", "read", [a, b], ["active"], context={"active_test": False})
    assert [row["active"] for row in templates] == [False, True]
    assert odoo.spent(gateway.archive_variants, []) == (None, 0)


def test_it_finds_variants_by_barcode_archived_included(odoo: Target) -> None:
    options = catalogue(odoo)
    item = spec(odoo, "f", options.lines(["S", "M"]))
    template = gateway.create_templates(odoo.client, [item])[item.xmlid]
    small, medium = gateway.read_variants(odoo.client, [template])
    gateway.write_variants(
        odoo.client, {small.id: {"barcode": f"40{odoo.run}01"}, medium.id: {"barcode": f"40{odoo.run}02"}}
    )
    gateway.archive_variants(odoo.client, [medium.id])

    found, calls = odoo.spent(gateway.find_variants, "barcode", [f"40{odoo.run}02", f"40{odoo.run}99", ""])

    assert calls == 2
    assert [(v.id, v.barcode, v.active, v.value_ids) for v in found] == [
        (medium.id, f"40{odoo.run}02", False, medium.value_ids)
    ]
    assert odoo.spent(gateway.find_variants, "barcode", [""]) == ([], 0)
    with pytest.raises(ValueError, match="default_code or barcode"):
        gateway.find_variants(odoo.client, "name", ["x"])


def test_it_finds_codes_that_more_than_one_product_has(odoo: Target) -> None:
    shared, single = f"DUP-{odoo.run}", f"ONE-{odoo.run}"
    first = odoo.execute("product.product", "create", {"name": "One", "default_code": shared})
    second = odoo.execute(
        "product.product", "create", {"name": "Two", "default_code": shared, "active": False}
    )
    odoo.execute("product.product", "create", {"name": "Three", "default_code": single})

    found, calls = odoo.spent(gateway.find_duplicate_codes, [shared, single, f"NONE-{odoo.run}"])

    assert calls == 1
    assert found == {shared: [first, second]}


def test_it_finds_templates_by_external_id(odoo: Target) -> None:
    options = catalogue(odoo)
    item = spec(odoo, "k", options.lines(["S"]))
    created = gateway.create_templates(odoo.client, [item])

    found, calls = odoo.spent(
        gateway.templates_by_xmlid, [item.xmlid, f"shopify.product_test_{odoo.run}_none"]
    )

    assert (found, calls) == (created, 1)
    assert odoo.spent(gateway.templates_by_xmlid, []) == ({}, 0)


def test_a_full_import_of_200_variants_stays_within_5_calls_per_100_variants(odoo: Target) -> None:
    # given: the attributes exist (ensured once, cached)
    options = catalogue(odoo)
    specs = [spec(odoo, f"bulk{i}", options.lines(SIZES)) for i in range(40)]
    before = odoo.client.rpc_calls

    # when: what a full import does per batch
    gateway.ensure_attributes(odoo.client, {odoo.unique("Size"): SIZES})
    created = gateway.create_templates(odoo.client, specs)
    variants = gateway.read_variants(odoo.client, created.values())
    gateway.write_variants(
        odoo.client,
        {
            v.id: {"default_code": f"B-{odoo.run}-{n}", "standard_price": Decimal("3")}
            for n, v in enumerate(variants)
        },
    )
    gateway.set_price_extras(
        odoo.client,
        {template: {options.values[("Size", "XL")]: Decimal("2")} for template in created.values()},
    )

    # then
    calls = odoo.client.rpc_calls - before
    assert len(variants) == 200
    assert calls <= 10, f"{calls} calls for 200 variants"
