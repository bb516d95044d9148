"""The schemathesis tests together take every operation of the generated schema, each exactly once."""

from __future__ import annotations

from collections import Counter

from tests.api.fuzzing import AREAS, SCHEMA


def _labels(schema: object) -> list[str]:
    return [result.ok().label for result in schema.get_all_operations()]  # type: ignore[attr-defined]


def test_it_fuzzes_every_operation_of_the_schema_once() -> None:
    every = set(_labels(SCHEMA))
    fuzzed = Counter(label for area in AREAS.values() for label in _labels(area))

    assert len(every) > 90
    assert sorted(every - set(fuzzed)) == []
    assert sorted(label for label, times in fuzzed.items() if times > 1) == []
    assert set(fuzzed) == every
