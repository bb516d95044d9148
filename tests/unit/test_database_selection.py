"""CI's PostgreSQL pass (`--database-tests-only`) keeps exactly the tests that can reach the database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import in_database_pass, uses_database


@pytest.fixture
def unblocked_database(django_db_blocker: Any) -> Iterator[None]:
    """A fixture that could open the database itself, with no django_db mark or db fixture (it does not: with no
    test database set up, it would reach the configured one)."""
    with django_db_blocker.unblock():
        yield


def test_it_leaves_out_a_test_without_database_fixtures(request: pytest.FixtureRequest) -> None:
    assert uses_database(request.node) is False


@pytest.mark.django_db
def test_it_keeps_a_test_with_the_django_db_mark(request: pytest.FixtureRequest) -> None:
    assert uses_database(request.node) is True


@pytest.mark.django_db(transaction=True)
def test_it_keeps_a_transactional_test(request: pytest.FixtureRequest) -> None:
    assert uses_database(request.node) is True


def test_it_keeps_a_test_with_the_db_fixture(db: None, request: pytest.FixtureRequest) -> None:
    assert uses_database(request.node) is True


def test_it_keeps_a_test_whose_fixture_needs_the_database(
    merchant: Any, request: pytest.FixtureRequest
) -> None:
    # merchant -> shop -> db
    assert uses_database(request.node) is True


def test_it_keeps_a_test_whose_fixture_unblocks_the_database(
    unblocked_database: None, request: pytest.FixtureRequest
) -> None:
    assert uses_database(request.node) is True


def test_it_leaves_out_the_sandbox_fixtures_alone(
    odoo: Any, shopify: Any, request: pytest.FixtureRequest
) -> None:
    # both sandboxes are plain HTTP servers in this process: nothing in them sees the configured database
    assert uses_database(request.node) is False


@pytest.mark.schema_fuzz
def test_it_leaves_schema_fuzzing_to_the_first_pass(db: None, request: pytest.FixtureRequest) -> None:
    assert uses_database(request.node) is True
    assert in_database_pass(request.node) is False


def test_it_keeps_other_database_tests(db: None, request: pytest.FixtureRequest) -> None:
    assert in_database_pass(request.node) is True
