"""The Shopify catalogue gateway (synco/shopify/catalog.py): its documents against the pinned Admin schema,
pure parsing of products, variants and customers, bulk rows grouped back, and the calls against the sandbox."""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from graphql import parse, validate

from sandboxes.shopify.bulk import check_bulk_query
from sandboxes.shopify.cost import MAX_QUERY_COST, requested_query_cost
from sandboxes.shopify.schema import load_schema
from synco.errors import PermanentGatewayError, TransientGatewayError
from synco.shopify import bucket, catalog
from synco.shopify.bulk import group_rows
from synco.shopify.catalog import (
    CompanyRef,
    CustomerAddress,
    CustomerParseError,
    ProductOption,
    ProductParseError,
    parse_customer,
    parse_product,
)
from synco.shopify.client import BulkStatus, ShopifyClient, ShopifySettings


def _variant(
    number: int,
    position: int,
    selected: list[tuple[str, str]],
    *,
    sku: str | None,
    price: str = "79.00",
    barcode: str | None = None,
    cost: str | None = "31.60",
    weight: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ProductVariant node as Shopify answers the catalogue's VARIANT selection."""
    return {
        "id": f"gid://shopify/ProductVariant/{number}",
        "title": " / ".join(value for _, value in selected),
        "sku": sku,
        "barcode": barcode,
        "price": price,
        "position": position,
        "selectedOptions": [{"name": name, "value": value} for name, value in selected],
        "inventoryItem": {
            "id": f"gid://shopify/InventoryItem/{number + 1000}",
            "tracked": True,
            "requiresShipping": True,
            "unitCost": None if cost is None else {"amount": cost},
            "measurement": {"weight": weight},
        },
    }


def _sweater() -> dict[str, Any]:
    """A product with two options; Shopify lists the variants out of position order on purpose here, and
    each variant's selectedOptions with Color before Size (the order the product does not use)."""
    return {
        "id": "gid://shopify/Product/8123456789012",
        "title": "Merino Sweater",
        "descriptionHtml": "<p>Soft <strong>merino</strong> wool.</p>",
        "productType": "Knitwear",
        "vendor": "Alpine Mills",
        "status": "ACTIVE",
        "updatedAt": "2026-11-30T09:15:00Z",
        "options": [
            {"name": "Color", "position": 2, "values": ["Navy", "Grey"]},
            {"name": "Size", "position": 1, "values": ["S", "M"]},
        ],
        "featuredMedia": {"preview": {"image": {"url": "https://cdn.shopify.com/s/files/1/sweater.jpg"}}},
        "variants": {
            "pageInfo": {"hasNextPage": False, "endCursor": "c4"},
            "nodes": [
                _variant(
                    44000000000002,
                    2,
                    [("Color", "Grey"), ("Size", "S")],
                    sku="MS-S-GREY",
                    barcode="4006381333931",
                    weight={"unit": "GRAMS", "value": 350.0},
                ),
                _variant(
                    44000000000001,
                    1,
                    [("Color", "Navy"), ("Size", "S")],
                    sku=" MS-S-NAVY ",
                    weight={"unit": "OUNCES", "value": 12.5},
                ),
                _variant(
                    44000000000003,
                    3,
                    [("Color", "Navy"), ("Size", "M")],
                    sku=None,
                    price="84.50",
                    cost=None,
                    weight=None,
                ),
                _variant(
                    44000000000004,
                    4,
                    [("Color", "Grey"), ("Size", "M")],
                    sku="",
                    price="84.50",
                    weight={"unit": "POUNDS", "value": 0.75},
                ),
            ],
        },
    }


def _customer() -> dict[str, Any]:
    """A Customer node as Shopify answers the catalogue's customer selection (a B2B contact)."""

    def address(number: int, city: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/MailingAddress/{number}?model_name=CustomerAddress",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "company": None,
            "address1": "12 Rue de Rivoli",
            "address2": None,
            "city": city,
            "zip": "75001",
            "provinceCode": None,
            "countryCodeV2": "FR",
            "phone": "+33 1 23 45 67 89",
            **extra,
        }

    return {
        "id": "gid://shopify/Customer/7001234567890",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "note": "Prefers invoices by e-mail",
        "taxExempt": True,
        "taxExemptions": ["EU_REVERSE_CHARGE_EXEMPTION_RULE"],
        "updatedAt": "2026-12-01T08:00:00+01:00",
        "defaultEmailAddress": {"emailAddress": "ada@example.com", "marketingState": "SUBSCRIBED"},
        "defaultPhoneNumber": {"phoneNumber": "+33123456789"},
        "smsMarketingConsent": {"marketingState": "PENDING"},
        "defaultAddress": address(902, "Lyon", company="Analytical Engines SARL"),
        "companyContactProfiles": [
            {
                "company": {
                    "id": "gid://shopify/Company/555",
                    "name": "Analytical Engines SARL",
                    "locations": {"nodes": [{"name": "Paris HQ"}, {"name": "Lyon depot"}]},
                }
            }
        ],
        "addressesV2": {
            "pageInfo": {"hasNextPage": False, "endCursor": "a2"},
            "nodes": [address(901, "Paris"), address(902, "Lyon", company="Analytical Engines SARL")],
        },
    }


# ------------------------------------------------------------------------------------------ documents


@pytest.mark.parametrize("name", sorted(catalog.DOCUMENTS))
def test_every_catalogue_document_is_valid_in_the_pinned_schema(name):
    errors = validate(load_schema(), parse(catalog.DOCUMENTS[name]))

    assert [error.message for error in errors] == []


@pytest.mark.parametrize("name", sorted(catalog.BULK_QUERIES))
def test_the_bulk_queries_are_valid_and_within_shopifys_bulk_limits(name):
    inner = catalog.BULK_QUERIES[name]

    assert [error.message for error in validate(load_schema(), parse(inner))] == []
    assert check_bulk_query(load_schema(), inner).user_errors == []
    assert "nodes {" not in inner  # Shopify refuses `nodes` inside bulk queries


def test_a_wrong_field_name_would_fail_the_schema_check():
    wrong = catalog.PRODUCT_BY_ID.replace("requiresShipping", "requireShipping")

    errors = validate(load_schema(), parse(wrong))

    assert [error.message for error in errors] == [
        "Cannot query field 'requireShipping' on type 'InventoryItem'. Did you mean 'requiresShipping'?"
    ]


@pytest.mark.parametrize(
    ("name", "variables", "cost"),
    [
        ("ProductsPage", {"first": catalog.PRODUCTS_PAGE, "after": None, "query": None}, 374),
        ("ProductById", {"id": "gid://shopify/Product/1"}, 62),
        ("ProductVariants", {"id": "gid://shopify/Product/1", "after": "c"}, 58),
        ("CustomersPage", {"first": catalog.CUSTOMERS_PAGE, "after": None, "query": None}, 170),
        ("CustomerById", {"id": "gid://shopify/Customer/1"}, 24),
        ("CustomerAddresses", {"id": "gid://shopify/Customer/1", "after": "c"}, 14),
    ],
)
def test_each_document_costs_what_shopify_will_charge_and_stays_under_its_limit(name, variables, cost):
    document = catalog.DOCUMENTS[name]

    requested = requested_query_cost(load_schema(), parse(document), name, variables)

    assert requested == cost
    assert requested < MAX_QUERY_COST


# -------------------------------------------------------------------------------------------- products


def test_it_parses_a_product_with_options_and_variants_in_position_and_option_order():
    product = parse_product(_sweater())

    assert (product.id, product.gid, product.title) == (
        8123456789012,
        "gid://shopify/Product/8123456789012",
        "Merino Sweater",
    )
    assert product.description_html == "<p>Soft <strong>merino</strong> wool.</p>"
    assert (product.product_type, product.vendor, product.status) == ("Knitwear", "Alpine Mills", "ACTIVE")
    assert product.image_url == "https://cdn.shopify.com/s/files/1/sweater.jpg"
    assert product.updated_at == datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    assert product.options == (ProductOption("Size", ("S", "M")), ProductOption("Color", ("Navy", "Grey")))
    assert [v.id for v in product.variants] == [
        44000000000001,
        44000000000002,
        44000000000003,
        44000000000004,
    ]
    assert [v.options for v in product.variants] == [
        (("Size", "S"), ("Color", "Navy")),
        (("Size", "S"), ("Color", "Grey")),
        (("Size", "M"), ("Color", "Navy")),
        (("Size", "M"), ("Color", "Grey")),
    ]
    first, second, third, fourth = product.variants
    assert (first.sku, first.barcode, first.price, first.cost) == (
        "MS-S-NAVY",
        "",
        Decimal("79.00"),
        Decimal("31.60"),
    )
    assert (second.sku, second.barcode) == ("MS-S-GREY", "4006381333931")
    assert (third.sku, third.cost, third.weight_kg, third.price) == ("", None, None, Decimal("84.50"))
    assert fourth.sku == ""
    assert (first.product_id, first.inventory_item_id, first.position) == (8123456789012, 44000000001001, 1)
    assert (first.tracked, first.requires_shipping, first.title) == (True, True, "Navy / S")
    assert first.gid == "gid://shopify/ProductVariant/44000000000001"


def test_it_converts_every_weight_unit_to_kilograms_exactly():
    product = parse_product(_sweater())

    weights = [v.weight_kg for v in product.variants]

    # 12.5 oz x 28.349523125 g; 350 g; none; 0.75 lb x 0.45359237 kg: exact, no float residue.
    assert weights == [Decimal("0.3543690390625"), Decimal("0.35"), None, Decimal("0.3401942775")]
    assert [str(weight) for weight in weights] == ["0.3543690390625", "0.35", "None", "0.3401942775"]


@pytest.mark.parametrize(
    ("unit", "value", "kilograms"),
    [
        ("GRAMS", 0.1, Decimal("0.0001")),
        ("GRAMS", 1500, Decimal("1.5")),
        ("GRAMS", 10000.0, Decimal("10")),
        ("KILOGRAMS", 1.2, Decimal("1.2")),
        ("OUNCES", 16.0, Decimal("0.45359237")),  # 16 oz is exactly one pound
        ("POUNDS", 2.2, Decimal("0.997903214")),
        ("KILOGRAMS", 0.0, Decimal("0")),
    ],
)
def test_a_weight_in_any_unit_becomes_the_exact_decimal_kilograms(unit, value, kilograms):
    node = _sweater()
    node["variants"]["nodes"][0]["inventoryItem"]["measurement"]["weight"] = {"unit": unit, "value": value}

    [variant] = [v for v in parse_product(node).variants if v.id == 44000000000002]

    assert (variant.weight_kg, str(variant.weight_kg)) == (kilograms, str(kilograms))


def test_a_product_with_only_the_default_title_has_no_options():
    node = _sweater()
    node["options"] = [{"name": "Title", "position": 1, "values": ["Default Title"]}]
    node["variants"]["nodes"] = [_variant(1, 1, [("Title", "Default Title")], sku="MUG-1", price="12.00")]
    node["variants"]["nodes"][0]["title"] = "Default Title"

    product = parse_product(node)

    assert product.options == ()
    assert [(v.options, v.title, v.sku) for v in product.variants] == [((), "Default Title", "MUG-1")]


def test_a_product_with_a_real_title_option_keeps_it():
    node = _sweater()
    node["options"] = [{"name": "Title", "position": 1, "values": ["Hardcover", "Paperback"]}]
    node["variants"]["nodes"] = [_variant(1, 1, [("Title", "Hardcover")], sku="BOOK-H")]

    product = parse_product(node)

    assert product.options == (ProductOption("Title", ("Hardcover", "Paperback")),)
    assert product.variants[0].options == (("Title", "Hardcover"),)


def test_it_tolerates_what_shopify_leaves_out():
    node = {
        "id": "gid://shopify/Product/42",
        "title": "Gift wrapping",
        "descriptionHtml": None,
        "productType": None,
        "vendor": None,
        "status": "DRAFT",
        "updatedAt": "2026-12-01T10:00:00Z",
        "options": None,
        "featuredMedia": None,
        "variants": {
            "nodes": [
                {
                    "id": "gid://shopify/ProductVariant/43",
                    "price": "3.5",
                    "inventoryItem": {
                        "id": "gid://shopify/InventoryItem/44",
                        "tracked": False,
                        "requiresShipping": False,
                    },
                }
            ]
        },
    }

    product = parse_product(node)

    assert (product.description_html, product.product_type, product.vendor, product.image_url) == (
        "",
        "",
        "",
        "",
    )
    assert product.options == ()
    [variant] = product.variants
    assert (variant.sku, variant.barcode, variant.title, variant.options) == ("", "", "", ())
    assert (variant.price, variant.cost, variant.weight_kg) == (Decimal("3.5"), None, None)
    assert (variant.tracked, variant.requires_shipping, variant.position) == (False, False, 1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda n: n.pop("id"), "A Shopify product without an id (Merino Sweater): id is missing"),
        (
            lambda n: n.update(id="gid://shopify/Product/abc"),
            "'gid://shopify/Product/abc' is not a Shopify id",
        ),
        (lambda n: n.pop("title"), "Shopify product 8123456789012: title is missing"),
        (lambda n: n.update(updatedAt="yesterday"), "updatedAt 'yesterday' is not a date"),
        (
            lambda n: n.update(updatedAt="2026-11-30T09:15:00"),
            "updatedAt '2026-11-30T09:15:00' has no time zone",
        ),
        (
            lambda n: n["variants"]["nodes"][1].update(price="free"),
            "variants[1].price 'free' is not a number",
        ),
        (lambda n: n["variants"]["nodes"][1].pop("price"), "variants[1].price is missing"),
        (lambda n: n["variants"]["nodes"][1].update(price="NaN"), "variants[1].price 'NaN' is not a number"),
        (lambda n: n["variants"]["nodes"][0].pop("id"), "variants[0].id is missing"),
        (
            lambda n: n["variants"]["nodes"][0]["inventoryItem"].pop("id"),
            "variants[0].inventoryItem.id is missing",
        ),
        (lambda n: n["variants"]["nodes"].__setitem__(2, "oops"), "variants[2] is not an object"),
        (lambda n: n.update(variants="oops"), "variants is not a connection"),
        (lambda n: n.update(options={"name": "Size"}), "options is not a list"),
        (
            lambda n: n["variants"]["nodes"][0]["inventoryItem"]["measurement"].update(
                weight={"unit": "STONES", "value": 1}
            ),
            "variants[0].inventoryItem.measurement.weight.unit 'STONES' is not a weight unit",
        ),
        (
            lambda n: n["variants"]["nodes"][0]["inventoryItem"].update(unitCost={"amount": "12,50"}),
            "variants[0].cost '12,50' is not a number",
        ),
    ],
)
def test_a_malformed_product_raises_a_clear_error_naming_it(change, message):
    node = _sweater()
    change(node)

    with pytest.raises(ProductParseError) as caught:
        parse_product(node)

    assert message in caught.value.message
    assert isinstance(caught.value, PermanentGatewayError)
    if "without an id" not in message and "abc" not in message:
        assert caught.value.message.startswith("Shopify product 8123456789012")


def test_a_node_that_is_not_an_object_is_a_clear_error_too():
    with pytest.raises(
        ProductParseError, match="A Shopify product without an id: the product is not an object"
    ):
        parse_product(["not", "a", "product"])  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------- customers


def test_it_parses_a_customer_with_the_default_address_first_and_its_companies():
    customer = parse_customer(_customer())

    assert (customer.id, customer.gid) == (7001234567890, "gid://shopify/Customer/7001234567890")
    assert (customer.first_name, customer.last_name) == ("Ada", "Lovelace")
    assert (customer.email, customer.phone) == ("ada@example.com", "+33123456789")
    assert (customer.tax_exempt, customer.tax_exemptions) == (True, ("EU_REVERSE_CHARGE_EXEMPTION_RULE",))
    assert (customer.email_marketing, customer.sms_marketing) == ("SUBSCRIBED", "PENDING")
    assert customer.note == "Prefers invoices by e-mail"
    assert customer.updated_at == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert [(a.id, a.city, a.default) for a in customer.addresses] == [
        (902, "Lyon", True),
        (901, "Paris", False),
    ]
    assert customer.addresses[1] == CustomerAddress(
        id=901,
        first_name="Ada",
        last_name="Lovelace",
        company="",
        address1="12 Rue de Rivoli",
        address2="",
        city="Paris",
        zip="75001",
        province_code="",
        country_code="FR",
        phone="+33 1 23 45 67 89",
        default=False,
    )
    assert customer.addresses[0].company == "Analytical Engines SARL"
    assert customer.companies == (CompanyRef(555, "Analytical Engines SARL", ("Paris HQ", "Lyon depot")),)


def test_a_customer_without_contact_details_or_addresses_is_still_read():
    node = {"id": "gid://shopify/Customer/9", "updatedAt": "2026-12-01T00:00:00Z"}

    customer = parse_customer(node)

    assert (customer.first_name, customer.email, customer.phone, customer.note) == ("", "", "", "")
    assert (customer.email_marketing, customer.sms_marketing) == ("", "")
    assert (customer.addresses, customer.companies, customer.tax_exemptions, customer.tax_exempt) == (
        (),
        (),
        (),
        False,
    )


def test_it_reads_the_deprecated_email_consent_when_the_default_address_has_none():
    node = _customer()
    node.pop("defaultEmailAddress")
    node["emailMarketingConsent"] = {"marketingState": "UNSUBSCRIBED"}

    customer = parse_customer(node)

    assert (customer.email, customer.email_marketing) == ("", "UNSUBSCRIBED")


def test_it_reads_the_newer_sms_consent_in_the_same_vocabulary():
    node = _customer()
    node.pop("smsMarketingConsent")
    node["defaultPhoneNumber"]["smsMarketingConsent"] = {"state": "NEVER_SUBSCRIBED"}

    customer = parse_customer(node)

    assert customer.sms_marketing == "NOT_SUBSCRIBED"


def test_a_default_address_missing_from_the_list_is_still_first():
    node = _customer()
    node["addressesV2"]["nodes"] = node["addressesV2"]["nodes"][:1]

    customer = parse_customer(node)

    assert [(a.id, a.default) for a in customer.addresses] == [(902, True), (901, False)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda n: n.update(id="gid://shopify/Customer/x"), "'gid://shopify/Customer/x' is not a Shopify id"),
        (lambda n: n.pop("updatedAt"), "Shopify customer 7001234567890: updatedAt is missing"),
        (lambda n: n["addressesV2"]["nodes"][0].pop("id"), "addressesV2[0].id is missing"),
        (lambda n: n.update(taxExemptions="EU"), "taxExemptions is not a list"),
        (
            lambda n: n.update(companyContactProfiles=[{"company": {"name": "X"}}]),
            "companyContactProfiles[0].company.id is missing",
        ),
        (lambda n: n.update(defaultEmailAddress="ada@example.com"), "defaultEmailAddress is not an object"),
    ],
)
def test_a_malformed_customer_raises_a_clear_error_naming_only_its_id(change, message):
    node = _customer()
    change(node)

    with pytest.raises(CustomerParseError) as caught:
        parse_customer(node)

    assert message in caught.value.message
    assert "ada@example.com" not in caught.value.message  # no customer PII in errors (they reach logs)
    assert "Lovelace" not in caught.value.message


# ------------------------------------------------------------------------------------------------ bulk


def _jsonl(rows: list[dict[str, Any]]) -> list[bytes]:
    # Shopify escapes forward slashes in its JSONL files.
    return [json.dumps(row, separators=(",", ":")).replace("/", "\\/").encode() + b"\n" for row in rows]


def _bulk_rows(product: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    head = {key: value for key, value in product.items() if key != "variants"}
    children = [{**node, "__parentId": product["id"]} for node in product["variants"]["nodes"]]
    return head, children


def test_bulk_product_rows_are_grouped_back_under_their_products_with_children_out_of_line():
    sweater = _sweater()
    mug = copy.deepcopy(_sweater())
    mug.update(id="gid://shopify/Product/8123456789013", title="Mug", options=[])
    mug["variants"]["nodes"] = [_variant(7, 1, [("Title", "Default Title")], sku="MUG")]
    sweater_head, sweater_children = _bulk_rows(sweater)
    mug_head, mug_children = _bulk_rows(mug)
    # groupObjects: false: the parents of a chunk first, then their children, interleaved.
    rows = [sweater_head, mug_head, sweater_children[0], mug_children[0], *sweater_children[1:]]

    products = [parse_product(node) for node in group_rows(_jsonl(rows), catalog.PRODUCT_CHILDREN)]

    assert [p.title for p in products] == ["Merino Sweater", "Mug"]
    assert [len(p.variants) for p in products] == [4, 1]
    assert products[0] == parse_product(_sweater())
    assert products[1].variants[0].sku == "MUG"


def test_bulk_customer_rows_are_grouped_back_with_their_addresses():
    node = _customer()
    head = {key: value for key, value in node.items() if key != "addressesV2"}
    head["companyContactProfiles"] = [
        {"company": {"id": "gid://shopify/Company/555", "name": "Analytical Engines SARL"}}
    ]
    children = [{**address, "__parentId": node["id"]} for address in node["addressesV2"]["nodes"]]

    [customer] = [parse_customer(n) for n in group_rows(_jsonl([head, *children]), catalog.CUSTOMER_CHILDREN)]

    assert [(a.id, a.default) for a in customer.addresses] == [(902, True), (901, False)]
    assert customer.companies == (CompanyRef(555, "Analytical Engines SARL", ()),)


# --------------------------------------------------------------------------- through the Shopify sandbox

DOMAIN = "synco-demo.myshopify.com"
# Added products carry this update time: a sweep query after it finds only them.
FUTURE = "2031-01-01T00:00:00Z"
SIZES = [f"S{i:02}" for i in range(16)]
COLORS = [f"C{i:02}" for i in range(16)]
FITS = [f"F{i}" for i in range(8)]


@pytest.fixture
def gateway(shopify_server):
    shopify_server.control(reset=True)
    bucket.forget()
    return ShopifyClient(
        ShopifySettings(
            domain=DOMAIN, token=shopify_server.token, admin_origin=shopify_server.base_url, timeout=5
        )
    )


@pytest.fixture(scope="module")
def grid_product(shopify_server) -> Iterator[dict[str, Any]]:
    """A product at Shopify's 2026-10 limit: 3 options, 16 x 16 x 8 = 2,048 variants (removed afterwards)."""
    from sandboxes.shopify import products

    rows = [
        {
            "options": [size, color, fit],
            "sku": f"GRID-{size}-{color}-{fit}",
            "price": f"{20 + index % 7}.50",
            "cost": "8.25",
            "weight": 180,
            "weight_unit": "GRAMS",
        }
        for index, (size, color, fit) in enumerate(
            (size, color, fit) for size in SIZES for color in COLORS for fit in FITS
        )
    ]
    store = shopify_server.server.store
    added = store.transact(
        lambda s: products.add_product(
            s, DOMAIN, "Grid Tee", [("Size", SIZES), ("Color", COLORS), ("Fit", FITS)], rows, stamp=FUTURE
        )
    )
    yield added
    store.transact(lambda s: products.delete_product(s, DOMAIN, int(added["id"])))


@pytest.fixture
def added_products(shopify_server) -> Iterator[list[int]]:
    from sandboxes.shopify import products

    ids: list[int] = []
    yield ids
    for product_id in ids:
        shopify_server.server.store.transact(
            lambda s, pid=product_id: products.delete_product(s, DOMAIN, pid)
        )


@pytest.fixture
def added_customers(shopify_server) -> Iterator[list[int]]:
    from sandboxes.shopify import customers

    ids: list[int] = []
    yield ids

    def remove(state: dict[str, Any]) -> None:
        table = customers.ensure_customers(state, DOMAIN)
        for customer_id in ids:
            table.pop(str(customer_id), None)

    shopify_server.server.store.transact(remove)


CANCEL = """
mutation Cancel($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { id status } userErrors { message } } }
"""


def _finished(gateway: ShopifyClient, operation: str) -> BulkStatus:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = gateway.bulk_status(operation)
        if status.finished:
            return status
        time.sleep(0.1)
    raise AssertionError(f"bulk operation {operation} did not finish")


def test_it_fetches_a_product_with_2048_variants_250_at_a_time(gateway, grid_product):
    product = catalog.fetch_product(gateway, int(grid_product["id"]))

    assert product is not None
    assert product.options == (
        ProductOption("Size", tuple(SIZES)),
        ProductOption("Color", tuple(COLORS)),
        ProductOption("Fit", tuple(FITS)),
    )
    assert len(product.variants) == 2048
    assert [v.position for v in product.variants] == list(range(1, 2049))
    assert len({v.id for v in product.variants}) == 2048
    expected = [(size, color, fit) for size in SIZES for color in COLORS for fit in FITS]
    assert [v.sku for v in product.variants] == [f"GRID-{s}-{c}-{f}" for s, c, f in expected]
    assert [v.options for v in product.variants] == [
        (("Size", s), ("Color", c), ("Fit", f)) for s, c, f in expected
    ]
    assert {(v.price, v.cost, v.weight_kg) for v in product.variants[:7]} == {
        (Decimal(f"{20 + i}.50"), Decimal("8.25"), Decimal("0.18")) for i in range(7)
    }
    assert gateway.requests == 9  # the product with its first 250 variants, then 8 pages of up to 250


def test_the_sweep_pages_products_and_completes_a_long_one(gateway, grid_product):
    swept = list(catalog.iter_products(gateway, query="updated_at:>'2030-12-31T00:00:00Z'"))

    assert [(p.title, len(p.variants)) for p in swept] == [("Grid Tee", 2048)]
    assert swept[0] == catalog.fetch_product(gateway, int(grid_product["id"]))


def test_every_product_is_read_page_by_page_as_the_shop_holds_it(gateway, shopify_server):
    from sandboxes.shopify import products

    stored = shopify_server.server.store.transact(lambda s: products.products_of(s, DOMAIN), write=False)

    read = list(catalog.iter_products(gateway))

    assert sorted(p.id for p in read) == sorted(int(p["id"]) for p in stored)
    assert [p.updated_at for p in read] == sorted(p.updated_at for p in read)  # oldest update first
    by_id = {int(p["id"]): p for p in stored}
    for product in read:
        raw = by_id[product.id]
        assert product.title == raw["title"]
        assert [v.sku for v in product.variants] == [v["sku"] for v in raw["variants"]]
        assert product.options == tuple(ProductOption(o["name"], tuple(o["values"])) for o in raw["options"])
    pages = -(-len(stored) // catalog.PRODUCTS_PAGE)
    more_variants = sum(-(-max(len(p["variants"]) - 250, 0) // 250) for p in stored)
    assert gateway.requests == pages + more_variants


def test_a_product_keeps_what_shopify_leaves_empty_as_empty(gateway, shopify_server, added_products):
    from sandboxes.shopify import products

    added = shopify_server.server.store.transact(
        lambda s: products.add_product(
            s,
            DOMAIN,
            "Cast Iron Anvil",
            [],
            [
                {
                    "sku": "",
                    "barcode": "",
                    "price": "99.90",
                    "cost": None,
                    "weight": 2.5,
                    "weight_unit": "POUNDS",
                    "tracked": False,
                    "requires_shipping": False,
                }
            ],
            status="DRAFT",
        )
    )
    added_products.append(int(added["id"]))

    product = catalog.fetch_product(gateway, int(added["id"]))

    assert product is not None
    assert (product.status, product.options, len(product.variants)) == ("DRAFT", (), 1)
    [variant] = product.variants
    assert (variant.sku, variant.barcode, variant.options, variant.title) == ("", "", (), "Default Title")
    assert (variant.price, variant.cost, variant.weight_kg) == (
        Decimal("99.90"),
        None,
        Decimal("1.133980925"),
    )
    assert (variant.tracked, variant.requires_shipping) == (False, False)
    assert variant.inventory_item_id == int(added["variants"][0]["inventory_item_id"])


def test_a_product_shopify_does_not_have_is_none(gateway):
    assert catalog.fetch_product(gateway, 1) is None
    assert catalog.fetch_customer(gateway, 1) is None


def test_the_bulk_product_import_reads_what_the_pages_read(gateway, grid_product):
    operation = catalog.start_bulk_products(gateway)
    status = _finished(gateway, operation)

    bulk = list(catalog.iter_bulk_products(gateway, status.url))

    assert status.status == "COMPLETED"
    paged = {p.id: p for p in catalog.iter_products(gateway)}
    assert sorted(p.id for p in bulk) == sorted(paged)
    assert all(product == paged[product.id] for product in bulk)
    assert sum(len(p.variants) for p in bulk) >= 2048 + len(bulk) - 1


def test_a_refused_bulk_start_is_a_clear_permanent_error(gateway, shopify_server):
    shopify_server.control(bulk_delay_seconds=30)
    running = [catalog.start_bulk_customers(gateway) for _ in range(5)]
    try:
        with pytest.raises(PermanentGatewayError) as caught:
            catalog.start_bulk_products(gateway)
    finally:
        shopify_server.control(bulk_delay_seconds=0)
        for operation in running:
            gateway.execute(CANCEL, {"id": operation})
        for operation in running:
            _finished(gateway, operation)

    assert caught.value.message == (
        "Shopify refused the bulk product import: A bulk query operation for this app and shop is already in "
        f"progress: {', '.join(running)}."
    )


def test_it_fetches_a_customer_with_every_address_default_first(gateway, shopify_server, added_customers):
    from sandboxes.shopify import customers

    addresses = [
        {"address1": f"{n} Harbour Road", "city": "Dublin", "zip": f"D0{n % 10}", "country_code": "IE"}
        for n in range(60)
    ]
    added = shopify_server.server.store.transact(
        lambda s: customers.add_customer(
            s, DOMAIN, "Nora", "Byrne", "nora.byrne@example.ie", addresses=addresses
        )
    )
    added_customers.append(int(added["id"]))

    customer = catalog.fetch_customer(gateway, int(added["id"]))

    assert customer is not None
    assert (customer.first_name, customer.last_name, customer.email) == (
        "Nora",
        "Byrne",
        "nora.byrne@example.ie",
    )
    assert len(customer.addresses) == 60
    assert [a.address1 for a in customer.addresses] == [f"{n} Harbour Road" for n in range(60)]
    assert [a.default for a in customer.addresses] == [True] + [False] * 59
    assert {a.country_code for a in customer.addresses} == {"IE"}
    assert gateway.requests == 2  # the customer with 50 addresses, then the other 10


def test_it_reads_the_seeded_b2b_tax_exempt_and_subscribed_customers(gateway):
    found = {c.email: c for c in catalog.iter_customers(gateway)}

    buyer = found["dana.whitfield@acme.example"]
    assert [(c.name, c.location_names) for c in buyer.companies] == [
        ("Acme Corp", ("Acme HQ", "Acme Warehouse"))
    ]
    assert [(a.address1, a.default) for a in buyer.addresses] == [
        ("100 Industrial Way", True),
        ("7 Dock Street", False),
    ]
    school = found["priya.raman@greenleaf-school.example"]
    assert (school.tax_exempt, school.tax_exemptions) == (True, ("US_NY_RESELLER_EXEMPTION",))
    fan = found["oscar.lindqvist@example.se"]
    assert (fan.email_marketing, fan.sms_marketing, fan.phone) == ("SUBSCRIBED", "SUBSCRIBED", "+46701234567")


def test_the_bulk_customer_import_reads_what_the_pages_read_but_company_locations(gateway):
    status = _finished(gateway, catalog.start_bulk_customers(gateway))

    bulk = list(catalog.iter_bulk_customers(gateway, status.url))

    paged = {c.id: c for c in catalog.iter_customers(gateway)}
    assert sorted(c.id for c in bulk) == sorted(paged)
    for customer in bulk:
        expected = paged[customer.id]
        # A connection inside a list is refused in bulk queries: companies come without their locations.
        assert customer.companies == tuple(CompanyRef(c.id, c.name, ()) for c in expected.companies)
        assert dataclasses.replace(customer, companies=expected.companies) == expected
    assert any(c.companies for c in bulk)


@pytest.fixture
def served_file(tmp_path) -> Iterator[Callable[[list[bytes]], str]]:
    """Serve a bulk result file over loopback HTTP, the way Shopify's storage serves it."""
    servers: list[ThreadingHTTPServer] = []

    def serve(lines: list[bytes]) -> str:
        (tmp_path / "result.jsonl").write_bytes(b"".join(lines))
        handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/result.jsonl"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def _bulk_file() -> list[bytes]:
    broken = _sweater()
    broken["variants"]["nodes"][1]["price"] = "n/a"
    good = copy.deepcopy(_sweater())
    good.update(id="gid://shopify/Product/8123456789013", title="Merino Cardigan")
    rows: list[dict[str, Any]] = []
    for product in (broken, good):
        head, children = _bulk_rows(product)
        rows += [head, *children]
    return _jsonl(rows)


def test_a_malformed_product_in_a_bulk_file_is_reported_and_the_rest_still_read(gateway, served_file):
    url = served_file(_bulk_file())
    errors: list[catalog.CatalogParseError] = []

    read = list(catalog.iter_bulk_products(gateway, url, on_error=errors.append))

    assert [p.title for p in read] == ["Merino Cardigan"]
    assert [e.message for e in errors] == [
        "Shopify product 8123456789012 (Merino Sweater): variants[1].price 'n/a' is not a number"
    ]


def test_without_a_handler_a_malformed_product_stops_the_stream_with_its_error(gateway, served_file):
    url = served_file(_bulk_file())

    with pytest.raises(ProductParseError, match="Shopify product 8123456789012 \\(Merino Sweater\\)"):
        list(catalog.iter_bulk_products(gateway, url))


def test_a_bulk_file_that_cannot_be_downloaded_is_a_transient_error(gateway, served_file):
    url = served_file([])

    with pytest.raises(TransientGatewayError, match="Downloading Shopify's bulk result failed"):
        list(catalog.iter_bulk_customers(gateway, url.replace("result.jsonl", "expired.jsonl")))
