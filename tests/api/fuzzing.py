"""What every schemathesis test of the API shares: the generated schema, its areas (each fuzzed by one test
module; test_fuzzing_coverage.py checks that together they take every operation), the bounds and the checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# The schema is generated in-process (no database needed), once for the run.
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

ORDERS = SCHEMA.include(path_regex="^/api/v1/orders/")
RECORDS = SCHEMA.include(path_regex="^/api/v1/(logs|webhooks|health|me)/")
SETTINGS = SCHEMA.include(path_regex="^/api/v1/settings/")
_OPERATIONS = "^/api/v1/(stock|products|refunds|shipments|customers)/"
OPERATIONS_READS = SCHEMA.include(path_regex=_OPERATIONS, method="GET")
OPERATIONS_WRITES = SCHEMA.include(path_regex=_OPERATIONS).exclude(method="GET")
AREAS = {
    "orders": ORDERS,
    "records": RECORDS,
    "settings": SETTINGS,
    "operations_reads": OPERATIONS_READS,
    "operations_writes": OPERATIONS_WRITES,
}

# What an unreachable Odoo (or Shopify) answers: the network is closed in tests, so an operation that reads
# either live may answer one of these, documented on it as a 409, 502 or 503 with the Error body.
GATEWAY_CODES = frozenset(
    {"odoo_not_connected", "odoo_refused", "odoo_unavailable", "shopify_refused", "shopify_unavailable"}
)


def bounded(max_examples: int) -> Callable[[Any], Any]:
    """A few examples per operation, the same ones on every run (derandomized: CI reproduces a failure)."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
        ],
    )


def check_answer(case: Any, response: Any) -> None:
    """The answer's status code is documented for the operation, its content type and body are as the schema
    says, and it is no server error, except the documented 502/503 JSON error of an Odoo or Shopify that cannot
    be reached (then its code says so)."""
    checks = [status_code_conformance, content_type_conformance, response_schema_conformance]
    if response.status_code in (502, 503):
        assert response.json()["error"]["code"] in GATEWAY_CODES, response.text
    else:
        checks.append(not_a_server_error)
    case.validate_response(response, checks=checks)
