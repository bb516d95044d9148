"""Proposed changes through the API: listed on the order, accepted into Odoo or dismissed, as the order page does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.keys import create_key
from orders.edits import apply_shopify_edit
from orders.models import Order, ProposedChange
from synclogs.models import SyncAttempt
from synco.models import OrderRules, Shop
from tests.api.conftest import Keyed, client_with
from tests.factories import order_node
from tests.orders.helpers import stored_order
from tests.orders.test_edits import _deliver, _edited, _lines, _store, _synced

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(shop: Shop) -> Keyed:
    _, read_key = create_key(shop, "monitoring", "read")
    _, write_key = create_key(shop, "n8n", "write")
    return Keyed(shop, client_with(read_key), client_with(write_key), read_key, write_key)


def _proposal(order: Order) -> ProposedChange:
    return ProposedChange.objects.create(
        order=order,
        shopify_updated_at=datetime(2026, 11, 21, 9, tzinfo=UTC),
        before={"lines": [{"key": "1", "title": "Gift wrap", "quantity": 1}], "total": "61.77"},
        after={"lines": [{"key": "1", "title": "Gift wrap", "quantity": 0}], "total": "57.74"},
        reason="The sale order is already invoiced.",
    )


def _url(order: Order, change: ProposedChange, action: str) -> str:
    return f"/api/v1/orders/{order.pk}/changes/{change.pk}/{action}/"


def test_accepting_applies_what_odoo_allows_and_says_what_it_could_not(
    connected, odoo, django_capture_on_commit_callbacks
):
    order = _synced(connected.shop, odoo, OrderRules.CreateAs.PAID_INVOICE)
    _deliver(odoo)
    edited = _edited(order.payload)
    edited["lineItems"]["nodes"][0]["currentQuantity"] = 1
    with django_capture_on_commit_callbacks(execute=False):
        _store(connected.shop, edited)
    apply_shopify_edit(order.pk)
    proposal = ProposedChange.objects.get(order=order)
    listed = connected.read.get(f"/api/v1/orders/{order.pk}/").json()["proposed_changes"]
    assert [(change["id"], change["state"]) for change in listed] == [(proposal.pk, "proposed")]

    answer = connected.write.post(_url(order, proposal, "accept"))

    assert answer.status_code == 200
    body = answer.json()
    assert "already delivered" in body["detail"] and "unchanged" in body["detail"]
    assert body["change"]["state"] == "accepted" and body["change"]["decided_by"] == "API key “n8n”"
    assert ("Organic T-Shirt - L", 1.0) in _lines(odoo)  # the addition reached the sale order
    logged = SyncAttempt.objects.filter(order=order, operation="accept_order_edit").get()
    assert logged.message.startswith("API key “n8n” accepted Shopify's edit of #1001.")
    again = connected.write.post(_url(order, proposal, "accept"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_decided"


def test_dismissing_keeps_odoo_as_it_is_and_records_who(connected):
    order = stored_order(connected.shop, order_node())
    proposal = _proposal(order)

    answer = connected.write.post(_url(order, proposal, "dismiss"))

    assert answer.status_code == 200
    assert answer.json()["detail"] == "Dismissed: #1001 stays as it is in Odoo."
    change = answer.json()["change"]
    assert (change["state"], change["decided_by"]) == ("dismissed", "API key “n8n”")
    assert change["after"] == {"lines": [{"key": "1", "title": "Gift wrap", "quantity": 0}], "total": "57.74"}
    proposal.refresh_from_db()
    assert proposal.state == ProposedChange.State.DISMISSED
    assert SyncAttempt.objects.filter(order=order).exists()
    again = connected.write.post(_url(order, proposal, "dismiss"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_decided"


def test_a_read_key_may_see_but_not_decide(connected):
    order = stored_order(connected.shop, order_node())
    proposal = _proposal(order)

    for action in ("accept", "dismiss"):
        assert connected.read.post(_url(order, proposal, action)).status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == ProposedChange.State.PROPOSED


def test_another_shops_change_or_another_orders_is_a_404(connected, other_shop):
    theirs = stored_order(other_shop.shop, order_node())
    their_change = _proposal(theirs)
    mine = stored_order(connected.shop, order_node(id="gid://shopify/Order/77", name="#77"))

    for order in (theirs, mine):
        for action in ("accept", "dismiss"):
            assert connected.write.post(_url(order, their_change, action)).status_code == 404
    their_change.refresh_from_db()
    assert their_change.state == ProposedChange.State.PROPOSED
