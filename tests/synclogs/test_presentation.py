"""Pure pieces of the log browser: cursors, redaction, the readable summary, the filter form."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from synclogs.forms import AttemptFilterForm, operation_label
from synclogs.views import (
    REDACTED,
    decode_cursor,
    encode_cursor,
    redact_summary,
    redact_text,
    summary_sections,
)
from synco.models import OdooConnection


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 24, 3, 52, 1, 123456, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_a_cursor_keeps_the_exact_moment_and_id(moment):
    cursor = encode_cursor(moment, 812)

    assert decode_cursor(cursor) == (moment, 812)


@pytest.mark.parametrize("value", [None, "", "abc", "12-", "-3", "1-2-3", "1.5-2", "9" * 30 + "-1"])
def test_a_malformed_cursor_is_ignored(value):
    assert decode_cursor(value) is None


def test_redaction_masks_secret_and_personal_keys_at_any_depth_and_emails_in_text():
    summary = {
        "sale_order": {"id": 4, "name": "S00004", "state": "sale", "amount_total": "61.77"},
        "partner": {"Email": "a@b.co", "phone": "+1 415", "street": "1 Market St", "id": 9},
        "auth": [{"token": "shpat_x"}, {"api_key": "k"}, {"Authorization": "Bearer y"}],
        "odoo_password": "p",
        "note": "write to a.b+c@shop.example.org please",
    }

    assert redact_summary(summary) == {
        "sale_order": {"id": 4, "name": "S00004", "state": "sale", "amount_total": "61.77"},
        "partner": {"Email": REDACTED, "phone": REDACTED, "street": REDACTED, "id": 9},
        "auth": [{"token": REDACTED}, {"api_key": REDACTED}, {"Authorization": REDACTED}],
        "odoo_password": REDACTED,
        "note": "write to (e-mail redacted) please",
    }
    assert redact_text("Created SHOP#1001 (id 42).") == "Created SHOP#1001 (id 42)."


def test_the_summary_reads_as_sections_with_odoo_links():
    odoo = OdooConnection(url="https://acme.odoo.com/")
    summary = {
        "sale_order": {
            "id": 42,
            "name": "S00042",
            "state": "sale",
            "created": False,
            "amount_total": "10.00",
        },
        "invoice": None,
        "payment_id": 9,
        "review_reason": "",
        "retried": True,
    }

    sections = summary_sections(summary, odoo)

    assert [(s.title, [(f.label, f.value, f.url) for f in s.facts]) for s in sections] == [
        (
            "Sale order",
            [
                ("Odoo id", "42", "https://acme.odoo.com/odoo/sale.order/42"),
                ("Name", "S00042", ""),
                ("State", "sale", ""),
                ("Created by this attempt", "No", ""),
                ("Total", "10.00", ""),
            ],
        ),
        (
            "Outcome",
            [
                ("Payment (Odoo id)", "9", "https://acme.odoo.com/odoo/account.payment/9"),
                ("Retried", "Yes", ""),
            ],
        ),
    ]
    assert summary_sections({}, odoo) == []
    assert summary_sections({"sale_order": {"id": 1}}, None)[0].facts[0].url == ""


def test_operations_have_merchant_words():
    assert operation_label("create_sale_order") == "Sync order to Odoo"
    assert operation_label("refresh_invoice") == "Refresh invoice"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"date_from": "2026-02-30"}, {"date_from": ["“From” is not a date: use YYYY-MM-DD."]}),
        (
            {"date_from": "2026-03-02", "date_to": "2026-03-01"},
            {"date_to": ["“To” must not be before “From”."]},
        ),
        ({"order": "abc"}, {"order": ["The order to show is not an order id."]}),
        ({"ref": "x" * 101}, {"ref": ["Ensure this value has at most 100 characters (it has 101)."]}),
        (
            {"operation": "DROP TABLE x;"},
            {"operation": ["Select a valid choice. DROP TABLE x; is not one of the available choices."]},
        ),
    ],
)
def test_the_filter_form_refuses_bad_input_with_a_clear_message(data, errors):
    form = AttemptFilterForm(data)

    assert not form.is_valid()
    assert form.errors == errors


def test_the_filter_form_keeps_only_the_filters_given():
    form = AttemptFilterForm({"date_from": "2026-11-01", "ref": " #10 ", "status": "", "after": "x"})

    assert form.is_valid()
    assert form.cleaned_data["date_from"] == date(2026, 11, 1)
    assert form.query_params() == {"date_from": "2026-11-01", "ref": "#10"}


def test_an_operation_from_a_shared_url_is_filtered_on_even_if_not_logged_yet():
    form = AttemptFilterForm({"operation": "refund_invoice"}, operations=["create_sale_order"])

    assert form.is_valid()
    assert form.cleaned_data["operation"] == "refund_invoice"
    assert ("refund_invoice", "Refund invoice") in form.fields["operation"].choices
