from __future__ import annotations

from datetime import UTC, datetime

from orders.rules import EligibilityRules, ineligibility_reason, risk_reason
from synco.shopify.types import parse_order
from tests.factories import order_node


def _order(**overrides):
    return parse_order(order_node(**overrides))


def test_it_accepts_a_paid_web_order_by_default():
    assert ineligibility_reason(_order(), EligibilityRules(financial_statuses=("PAID",))) == ""


def test_it_explains_why_an_order_is_not_eligible():
    rules = EligibilityRules(
        financial_statuses=("PAID",),
        fulfillment_statuses=("FULFILLED",),
        sources=("pos",),
        include_tags=("wholesale",),
        exclude_tags=("no-erp",),
    )

    assert ineligibility_reason(_order(displayFinancialStatus="PENDING"), rules) == "payment status pending"
    assert ineligibility_reason(_order(), rules) == "fulfilment status unfulfilled"
    fulfilled = {"displayFulfillmentStatus": "FULFILLED"}
    assert ineligibility_reason(_order(**fulfilled), rules) == "source 'web'"
    pos = {**fulfilled, "sourceName": "pos"}
    assert ineligibility_reason(_order(**pos), rules) == "not tagged wholesale"
    assert ineligibility_reason(_order(**pos, tags=["Wholesale", "no-erp"]), rules) == "tagged no-erp"
    assert ineligibility_reason(_order(**pos, tags=["wholesale"]), rules) == ""


def test_it_excludes_test_cancelled_and_older_orders():
    rules = EligibilityRules(created_after=datetime(2026, 11, 21, tzinfo=UTC))

    assert ineligibility_reason(_order(test=True), EligibilityRules()) == "a test order"
    assert (
        ineligibility_reason(_order(cancelledAt="2026-11-21T00:00:00Z"), EligibilityRules())
        == "cancelled in Shopify"
    )
    assert ineligibility_reason(_order(), rules) == "created before 2026-11-21"


def test_it_flags_high_risk_and_medium_when_asked():
    risky = {
        "recommendation": "INVESTIGATE",
        "assessments": [
            {
                "riskLevel": "MEDIUM",
                "facts": [{"description": "Billing and shipping countries differ", "sentiment": "NEGATIVE"}],
            }
        ],
    }

    assert risk_reason(_order(risk=risky), "HIGH") == ""
    assert risk_reason(_order(risk=risky), "MEDIUM") == (
        "Shopify rates this order medium risk: Billing and shipping countries differ"
    )
    assert risk_reason(_order(), "MEDIUM") == ""
