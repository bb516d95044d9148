"""Issue 16: the Odoo calls the customer import makes (customers/imports.py, customers/services.py).

A company partner and its contacts written by `load()` with external ids (is_company, parent_id/.id, comment),
address children of type 'delivery', the batched e-mail search (`=ilike`, top-level contacts), the phone
search (`=ilike` with '%' between digits) and the countries' calling codes (phone_code).
"""

from __future__ import annotations

from typing import Any

from customers.services import calling_codes, partners_by_email, partners_by_phone

from .conftest import OdooApi, Refs


def _xmlid(api: OdooApi, name: str) -> str:
    return f"shopify.contract_{name}_{api.run_id}_{api.unique('x').rsplit('-', 1)[-1]}"


def test_a_company_and_its_contact_with_their_own_address_in_two_loads(
    odoo_api: OdooApi, refs: Refs, client: Any
) -> None:
    company_name = odoo_api.unique("Acme Corp")
    [company] = client.load(
        "res.partner",
        ["id", "name", "is_company", "customer_rank", "ref"],
        [[_xmlid(odoo_api, "company"), company_name, "1", "1", "shopify:company:501"]],
    )
    contact_name = odoo_api.unique("Bea Buyer")
    contact_xmlid = _xmlid(odoo_api, "customer")
    fields = [
        "id",
        "customer_rank",
        "name",
        "email",
        "phone",
        "comment",
        "street",
        "city",
        "zip",
        "country_id/.id",
        "state_id/.id",
        "parent_id/.id",
    ]
    row = [
        contact_xmlid,
        "1",
        contact_name,
        "bea@example.com",
        "+14155550100",
        "<p>Tax exempt in Shopify (exemptions: CA_STATUS_CARD_EXEMPTION)</p>",
        "1 Market St",
        "San Francisco",
        "94105",
        str(refs.us),
        str(refs.california),
        str(company),
    ]
    [contact] = client.load("res.partner", fields, [row])

    read = odoo_api.read_one(
        "res.partner",
        contact,
        [
            "parent_id",
            "type",
            "is_company",
            "street",
            "city",
            "state_id",
            "commercial_partner_id",
            "comment",
            "customer_rank",
            "email",
        ],
    )
    assert read["parent_id"][0] == company and read["commercial_partner_id"][0] == company
    assert (read["type"], read["is_company"], read["email"]) == ("contact", False, "bea@example.com")
    # the company has no address: the contact keeps its own (Odoo copies a parent's address only if it has one)
    assert (read["street"], read["city"], read["state_id"][0]) == (
        "1 Market St",
        "San Francisco",
        refs.california,
    )
    assert "Tax exempt in Shopify" in read["comment"]
    assert read["customer_rank"] >= 1
    company_row = odoo_api.read_one("res.partner", company, ["is_company", "child_ids", "name"])
    assert company_row["is_company"] is True and contact in company_row["child_ids"]

    # the same rows again (a retry after a lost answer): the same records, no twins
    assert client.load("res.partner", fields, [row]) == [contact]
    assert odoo_api.call("res.partner", "search_count", [[["name", "=", contact_name]]]) == 1


def test_delivery_children_are_loaded_under_the_partner(odoo_api: OdooApi, refs: Refs, client: Any) -> None:
    [partner] = client.load("res.partner", ["id", "name"], [[_xmlid(odoo_api, "p"), odoo_api.unique("Jane")]])
    fields = [
        "id",
        "parent_id/.id",
        "type",
        "name",
        "street",
        "street2",
        "city",
        "zip",
        "phone",
        "country_id/.id",
        "state_id/.id",
    ]
    rows = [
        [
            _xmlid(odoo_api, "a1"),
            str(partner),
            "delivery",
            "Jane Doe",
            "500 Howard St",
            "",
            "San Francisco",
            "94105",
            "",
            str(refs.us),
            str(refs.california),
        ],
        [
            _xmlid(odoo_api, "a2"),
            str(partner),
            "delivery",
            "Jane Doe",
            "9 Oak Ave",
            "",
            "Oakland",
            "94607",
            "",
            str(refs.us),
            "",
        ],
    ]
    ids = client.load("res.partner", fields, rows)

    children = odoo_api.call("res.partner", "read", [ids], {"fields": ["parent_id", "type", "street"]})
    assert [(c["parent_id"][0], c["type"], c["street"]) for c in children] == [
        (partner, "delivery", "500 Howard St"),
        (partner, "delivery", "9 Oak Ave"),
    ]


def test_the_email_search_is_case_insensitive_exact_and_top_level_only(
    odoo_api: OdooApi, client: Any
) -> None:
    tag = odoo_api.unique("mail").lower()
    parent = odoo_api.call("res.partner", "create", [{"name": "Top", "email": f"Mixed.{tag}@Example.com"}])
    odoo_api.call(
        "res.partner", "create", [{"name": "Child", "email": f"child.{tag}@example.com", "parent_id": parent}]
    )
    wildcard = odoo_api.call("res.partner", "create", [{"name": "W", "email": f"aXb.{tag}@example.com"}])

    found = partners_by_email(
        client, [f"mixed.{tag}@example.com", f"child.{tag}@example.com", f"a_b.{tag}@example.com"]
    )

    # '_' is a wildcard to =ilike (aXb matched in Odoo) but not the same e-mail: Synco's exact check drops it
    assert found == {f"mixed.{tag}@example.com": parent}
    raw = odoo_api.call("res.partner", "search", [[["email", "=ilike", f"a_b.{tag}@example.com"]]])
    assert raw == [wildcard]


def test_the_phone_search_finds_a_number_however_it_is_written(
    odoo_api: OdooApi, refs: Refs, client: Any
) -> None:
    # a run-unique 7-digit tail, so shared data never matches
    tail = f"{int(odoo_api.run_id[-7:]) % 10_000_000:07d}"
    local = f"({tail[:3]}) {tail[3:]}"
    formatted = odoo_api.call(
        "res.partner", "create", [{"name": "Phone US", "phone": f"415 {local}", "country_id": refs.us}]
    )
    odoo_api.call("res.partner", "create", [{"name": "Other country", "phone": f"+44 415 {local}"}])

    found = partners_by_phone(client, [f"+1415{tail}"])

    assert found == {f"+1415{tail}": formatted}


def test_countries_carry_their_calling_code(odoo_api: OdooApi, refs: Refs, client: Any) -> None:
    codes = calling_codes(client)
    france = odoo_api.search_one("res.country", [["code", "=", "FR"]])
    assert (codes[refs.us], codes[france]) == (1, 33)


def test_a_contact_tag_is_added_and_removed_keeping_the_other_tags(odoo_api: OdooApi, client: Any) -> None:
    """res.partner.category (base: in every Odoo) loaded with an external id; category_id written with the
    many2many commands 4 (add) and 3 (remove the link only, the tag stays)."""
    name = odoo_api.unique("Shopify: accepts e-mail marketing")
    xmlid = _xmlid(odoo_api, "tag")
    [tag] = client.load("res.partner.category", ["id", "name"], [[xmlid, name]])
    assert client.load("res.partner.category", ["id", "name"], [[xmlid, name]]) == [tag]  # found again
    other = odoo_api.call("res.partner.category", "create", [{"name": odoo_api.unique("VIP")}])
    partners = [
        odoo_api.call(
            "res.partner", "create", [{"name": odoo_api.unique("Tagged"), "category_id": [(4, other)]}]
        )
        for _ in range(2)
    ]

    client.call("res.partner", "write", partners, {"category_id": [(4, tag)]})
    rows = odoo_api.call("res.partner", "read", [partners], {"fields": ["category_id"]})
    assert [sorted(row["category_id"]) for row in rows] == [sorted([tag, other])] * 2

    client.call("res.partner", "write", partners[:1], {"category_id": [(3, tag)]})
    rows = odoo_api.call("res.partner", "read", [partners], {"fields": ["category_id"]})
    assert [sorted(row["category_id"]) for row in rows] == [[other], sorted([tag, other])]
    assert odoo_api.call("res.partner.category", "search", [[["id", "=", tag]]]) == [tag]


def test_linked_contacts_still_there_in_one_search(odoo_api: OdooApi, client: Any) -> None:
    """The import checks its linked contacts still exist (merged away or deleted in Odoo since): one search,
    archived ones included."""
    alive = odoo_api.call("res.partner", "create", [{"name": odoo_api.unique("Alive")}])
    archived = odoo_api.call(
        "res.partner", "create", [{"name": odoo_api.unique("Archived"), "active": False}]
    )
    gone = odoo_api.call("res.partner", "create", [{"name": odoo_api.unique("Gone")}])
    odoo_api.call("res.partner", "unlink", [[gone]])

    found = client.call(
        "res.partner", "search", [["id", "in", [alive, archived, gone]], ["active", "in", [True, False]]]
    )

    assert sorted(found) == sorted([alive, archived])


def test_unlink_deletes_the_records_external_id(odoo_api: OdooApi, client: Any) -> None:
    """A contact deleted in Odoo takes its external id with it: Synco's xml id never names a missing record."""
    xmlid = _xmlid(odoo_api, "deleted")
    [partner] = client.load("res.partner", ["id", "name"], [[xmlid, odoo_api.unique("Deleted")]])
    name = xmlid.split(".", 1)[1]
    assert client.xmlid_targets("shopify", [name]) == {name: partner}

    odoo_api.call("res.partner", "unlink", [[partner]])

    assert client.xmlid_targets("shopify", [name]) == {}
