"""Pure mapping of a Shopify customer to its Odoo partner values, and phone normalisation."""

from __future__ import annotations

import pytest

from customers.mapping import (
    address,
    default_address,
    normalise_phone,
    other_addresses,
    partner_values,
    phone_pattern,
    same_phone,
)
from synco.shopify.types import Address
from tests.customers.helpers import address as customer_address
from tests.customers.helpers import company, customer


def test_the_default_address_is_the_partners_and_the_others_are_listed_once():
    record = customer(
        addresses=(
            customer_address(1, "1 Market St", default=True),
            customer_address(2, "500 Howard St"),
            customer_address(3, "500 Howard St"),  # Shopify can hold the same address twice
            customer_address(4, "1 Market St"),  # and the default one again
        )
    )

    assert default_address(record) == Address(
        "Jane", "Doe", "", "1 Market St", "", "San Francisco", "94105", "CA", "US", ""
    )
    assert [a.address1 for a in other_addresses(record)] == ["500 Howard St"]


def test_an_address_is_the_order_parsers_address():
    raw = customer_address(
        5, "9 Rue de Rivoli", city="Paris", zip="75001", province_code="", country_code="FR"
    )
    assert address(raw).__dict__ == {
        "first_name": "Jane",
        "last_name": "Doe",
        "company": "",
        "address1": "9 Rue de Rivoli",
        "address2": "",
        "city": "Paris",
        "zip": "75001",
        "province_code": "",
        "country_code": "FR",
        "phone": "",
    }


def test_partner_values_name_note_and_company():
    record = customer(
        first_name="",
        last_name="",
        tax_exempt=True,
        tax_exemptions=("CA_STATUS_CARD_EXEMPTION", "US_CO_RESELLER_EXEMPTION"),
        companies=(company(501, "Acme Corp"), company(502, "Beta")),
    )

    values = partner_values(record, copy_consent=False, with_companies=True)

    assert values.name == "Jane Doe"  # from the default address when the customer has no name
    assert (
        values.note
        == "Tax exempt in Shopify (exemptions: CA_STATUS_CARD_EXEMPTION, US_CO_RESELLER_EXEMPTION)"
    )
    assert values.company == (501, "Acme Corp")
    assert partner_values(record, copy_consent=False, with_companies=False).company is None
    assert partner_values(customer(), copy_consent=True, with_companies=True).accepts_marketing is True
    unsubscribed = customer(email_marketing="UNSUBSCRIBED")
    assert partner_values(unsubscribed, copy_consent=True, with_companies=True).accepts_marketing is False
    plain = partner_values(customer(), copy_consent=False, with_companies=True)
    assert (plain.note, plain.accepts_marketing) == ("", None)  # not copied unless the merchant asks
    assert (
        partner_values(
            customer(addresses=(), first_name="", last_name=""), copy_consent=False, with_companies=True
        ).name
        == "jane.doe@example.com"
    )


def test_the_digest_changes_with_what_synco_writes_only():
    a = partner_values(customer(), copy_consent=False, with_companies=True)
    assert (
        a.digest() == partner_values(customer(note="VIP"), copy_consent=False, with_companies=True).digest()
    )
    assert (
        a.digest()
        != partner_values(customer(phone="+1999"), copy_consent=False, with_companies=True).digest()
    )


@pytest.mark.parametrize(
    ("phone", "code", "expected"),
    [
        ("+1 (415) 555-0100", None, "14155550100"),
        ("06 12 34 56 78", 33, "33612345678"),
        ("0033 6 12 34 56 78", None, "33612345678"),
        ("(415) 555-0100", 1, "14155550100"),
        ("(415) 555-0100", None, "4155550100"),
        ("", 33, ""),
    ],
)
def test_phones_are_normalised_to_digits_with_the_country_code(phone, code, expected):
    assert normalise_phone(phone, code) == expected


def test_same_phone_and_the_search_pattern():
    assert same_phone("14155550100", "4155550100")  # one without its country code
    assert not same_phone("14155550100", "14155550101")
    assert not same_phone("14155550100", "0100")  # too short to tell
    assert not same_phone("", "")
    assert phone_pattern("14155550100") == "%5%5%5%0%1%0%0"
