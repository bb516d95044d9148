"""The Shopify catalogue gateway (synco/shopify/catalog.py): its documents against the pinned Admin schema,
pure parsing of products, variants and customers, bulk rows grouped back, and the calls against the sandbox."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from graphql import parse, validate

from sandboxes.shopify.bulk import check_bulk_query
from sandboxes.shopify.cost import MAX_QUERY_COST, requested_query_cost
from sandboxes.shopify.schema import load_schema
from synco.errors import PermanentGatewayError
from synco.shopify import catalog
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
