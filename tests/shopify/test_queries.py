"""Every GraphQL document Synco sends is valid against Shopify's official Admin schema for the pinned version."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from sandboxes.shopify.schema import load_schema
from synco.shopify import queries


@pytest.mark.parametrize("name", sorted(queries.ALL_DOCUMENTS))
def test_it_sends_only_documents_valid_in_the_pinned_schema(name):
    errors = validate(load_schema(), parse(queries.ALL_DOCUMENTS[name]))

    assert [error.message for error in errors] == []


def test_it_would_notice_a_field_shopify_does_not_have():
    errors = validate(load_schema(), parse("query { shop { name riskLevel } }"))

    assert [error.message for error in errors] == ["Cannot query field 'riskLevel' on type 'Shop'."]


def test_the_bulk_import_query_is_valid_and_uses_edges():
    inner = queries.bulk_orders_query("created_at:>='2026-01-01T00:00:00Z' name:\"#1001\"")

    assert validate(load_schema(), parse(inner)) == []
    assert "nodes {" not in inner  # Shopify refuses `nodes` inside bulk queries
