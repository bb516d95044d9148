from __future__ import annotations

FIELDS = [
    "name",
    "type",
    "state_id",
    "child_ids",
    "customer_rank",
    "commercial_partner_id",
    "email",
    "country_id",
]


def test_it_creates_a_customer_with_delivery_and_invoice_children(odoo) -> None:
    jane = odoo.jane()
    assert jane == 7
    row = odoo.read_one("res.partner", jane, FIELDS)
    assert row == {
        "id": 7,
        "name": "Jane Doe",
        "type": "contact",
        "state_id": [13, "California (US)"],
        "child_ids": [9, 8],
        "customer_rank": 1,
        "commercial_partner_id": [7, "Jane Doe"],
        "email": "jane.doe@example.com",
        "country_id": [233, "United States"],
    }
    children = odoo.call("res.partner", "read", [[9, 8]], {"fields": ["type", "display_name"]})
    assert children == [
        {"id": 9, "type": "invoice", "display_name": "Jane Doe, Jane Doe (bill)"},
        {"id": 8, "type": "delivery", "display_name": "Jane Doe, Jane Doe (ship)"},
    ]


def test_it_resolves_addresses_with_address_get(odoo) -> None:
    jane = odoo.jane()
    assert odoo.call("res.partner", "address_get", [[jane], ["delivery", "invoice", "contact"]]) == {
        "contact": 7,
        "invoice": 9,
        "delivery": 8,
    }


def test_it_matches_emails_case_insensitively_with_eq_ilike_and_does_not_make_them_unique(odoo) -> None:
    domain = [["email", "=ilike", "jane.doe@example.com"], ["parent_id", "=", False]]
    assert (
        odoo.call("res.partner", "search_read", [domain], {"fields": ["id", "name", "email"], "limit": 1})
        == []
    )
    jane = odoo.jane()
    assert odoo.call("res.partner", "search", [[["email", "=ilike", "JANE.DOE@EXAMPLE.COM"]]]) == [jane]
    duplicate = odoo.call("res.partner", "create", [{"name": "Jane Dup", "email": "jane.doe@example.com"}])
    assert duplicate == 10


def test_it_finds_countries_and_needs_the_country_to_tell_states_apart(odoo) -> None:
    assert odoo.call("res.country", "search", [[["code", "=", "US"]]], {"limit": 1}) == [233]
    assert odoo.call(
        "res.country.state", "search", [[["code", "=", "CA"], ["country_id", "=", 233]]], {"limit": 1}
    ) == [13]
    ambiguous = odoo.call(
        "res.country.state", "search_read", [[["code", "=", "CA"]]], {"fields": ["display_name"]}
    )
    assert {row["display_name"] for row in ambiguous} == {
        "California (US)",
        "Canelones (UY)",
        "Cagliari (IT)",
        "Cádiz (ES)",
    }


def test_it_requires_a_name_for_a_top_level_contact(odoo) -> None:
    fault = odoo.fault("res.partner", "create", [{"email": "noname@example.com"}])
    assert (fault.faultCode, fault.faultString) == (
        2,
        "The operation cannot be completed: Contacts require a name",
    )
    assert odoo.call("res.partner", "search", [[["email", "=", "noname@example.com"]]]) == []


def test_it_names_a_nameless_child_address_after_its_type_and_prefers_it_in_address_get(odoo) -> None:
    jane = odoo.jane()
    child = odoo.call("res.partner", "create", [{"parent_id": jane, "type": "delivery", "street": "9 Elm"}])
    assert child == 10
    assert (
        odoo.read_one("res.partner", child, ["display_name"])["display_name"] == "Jane Doe, Delivery Address"
    )
    assert odoo.call("res.partner", "address_get", [[jane], ["delivery"]])["delivery"] == child


def test_it_hides_archived_partners_unless_the_domain_mentions_active(odoo) -> None:
    partner = odoo.call("res.partner", "create", [{"name": "Old Customer"}])
    odoo.call("res.partner", "write", [[partner], {"active": False}])
    assert odoo.call("res.partner", "search", [[["name", "=", "Old Customer"]]]) == []
    assert odoo.call(
        "res.partner", "search", [[["name", "=", "Old Customer"], ["active", "in", [True, False]]]]
    ) == [partner]


def test_it_evaluates_prefix_operators_and_dotted_paths(odoo) -> None:
    jane = odoo.jane()
    either = odoo.call(
        "res.partner",
        "search",
        [["|", ["ref", "=", "shopify:customer:7001"], ["email", "=", "billing@example.com"]]],
    )
    assert sorted(either) == [7, 9]
    assert odoo.call("res.partner", "search", [["!", ["id", "in", [1, 3, 6, 8, 9]]]]) == [jane]
    assert sorted(odoo.call("res.partner", "search", [[["parent_id.email", "ilike", "jane.doe@"]]])) == [8, 9]
    assert sorted(odoo.call("res.partner", "search", [[["id", "child_of", jane]]])) == [7, 8, 9]
    assert odoo.call("res.partner", "search_count", [[["type", "not in", ["contact"]]]]) == 2


def test_it_sorts_limits_and_offsets_searches(odoo) -> None:
    for name in ("Charlie", "Alice", "Bob"):
        odoo.call("res.partner", "create", [{"name": name, "ref": "sort"}])
    domain = [["ref", "=", "sort"]]
    assert odoo.call("res.partner", "search", [domain], {"order": "name asc"}) == [8, 9, 7]
    assert odoo.call("res.partner", "search", [domain], {"order": "id desc", "limit": 2}) == [9, 8]
    assert odoo.call("res.partner", "search", [domain, 1, 1, "name asc"]) == [9]
    names = odoo.call("res.partner", "name_search", ["ali"], {"limit": 5})
    assert names == [[8, "Alice"]]


def test_it_rolls_back_everything_when_a_child_fails(odoo) -> None:
    fault = odoo.fault(
        "res.partner",
        "create",
        [{"name": "Atomic", "child_ids": [(0, 0, {"name": "ok"}), (0, 0, {"bogus": 1})]}],
    )
    assert odoo.last_line(fault) == "ValueError: Invalid field 'bogus' on model 'res.partner'"
    assert odoo.call("res.partner", "search", [[["name", "in", ["Atomic", "ok"]]]]) == []
