"""The generated schema reads as one product: every field described, one Error schema for every error answer,
Retry-After wherever the API sends it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client: Any) -> dict[str, Any]:
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _undescribed(name: str, schema: dict[str, Any]) -> list[str]:
    missing = []
    for prop, sub in (schema.get("properties") or {}).items():
        if "description" not in sub:
            missing.append(f"{name}.{prop}")
        missing += _undescribed(f"{name}.{prop}", sub)
    if isinstance(schema.get("items"), dict):
        missing += _undescribed(f"{name}[]", schema["items"])
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            missing += _undescribed(name, sub)
    return missing


def _answers(schema: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, code, answer)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        for code, answer in operation["responses"].items()
    ]


def test_every_field_of_every_schema_has_a_description(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]

    missing = [field for name, component in components.items() for field in _undescribed(name, component)]

    assert len(components) > 50
    assert missing == []


def test_every_error_answer_is_the_one_error_schema(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    errors = [
        (method, path, code, answer["content"]["application/json"]["schema"])
        for method, path, code, answer in _answers(schema)
        if int(code) >= 400
    ]

    assert sorted(name for name in components if "error" in name.lower()) == ["Error", "ErrorDetail"]
    assert components["Error"]["properties"]["error"]["allOf"] == [
        {"$ref": "#/components/schemas/ErrorDetail"}
    ]
    assert sorted(components["ErrorDetail"]["required"]) == ["code", "fields", "message"]
    assert len(errors) > 300
    assert [error for error in errors if error[3] != {"$ref": "#/components/schemas/Error"}] == []


def test_every_429_and_503_documents_retry_after(schema: dict[str, Any]) -> None:
    waits = [
        (method, path, code, answer)
        for method, path, code, answer in _answers(schema)
        if code in ("429", "503")
    ]

    assert len({code for _, _, code, _ in waits}) == 2
    assert [
        (method, path, code)
        for method, path, code, answer in waits
        if "Retry-After" not in answer.get("headers", {})
    ] == []


def test_every_operation_with_a_path_id_documents_404(schema: dict[str, Any]) -> None:
    missing = [
        (method, path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "{" in path and "404" not in operation["responses"]
    ]

    assert missing == []


def test_the_error_schema_is_what_the_api_answers(keyed: Any, schema: dict[str, Any]) -> None:
    answer = keyed.read.get("/api/v1/orders/", {"created_from": "not a date"})
    detail = schema["components"]["schemas"]["ErrorDetail"]

    assert answer.status_code == 400
    assert set(answer.json()) == set(schema["components"]["schemas"]["Error"]["properties"])
    assert set(answer.json()["error"]) == set(detail["properties"])
    assert answer.json()["error"]["code"] == "invalid"
    assert "created_from" in answer.json()["error"]["fields"]


def test_the_schema_validates_without_a_warning(tmp_path: Any) -> None:
    out = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))

    assert "/api/v1/orders/" in out.read_text()
