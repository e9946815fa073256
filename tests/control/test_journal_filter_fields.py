"""The journal filter fields of ``contracts.control.schemas``, read from the schema class itself.

The fields are built in ``JournalFilterSchema``'s class body, at import; these tests import nothing else (no app, no
fixture), so a mutation tester can run them quickly in a fresh interpreter where the class body runs mutated.
"""

from __future__ import annotations

from contracts.control import journal_filters
from contracts.control.schemas import JournalFilterSchema


def test_each_journal_filter_field_is_its_filter_with_the_documented_metadata() -> None:
    """The fields are built in the schema's class body (at import): each reads the filter of its own name and
    publishes its description, example, pattern and choices, which the OpenAPI document shows."""
    declared = JournalFilterSchema().fields
    assert sorted(field.data_key or name for name, field in declared.items()) == sorted(journal_filters.FILTER_NAMES)
    for name, field in declared.items():
        spec = field.spec  # type: ignore[attr-defined]
        assert spec.name == (field.data_key or name)
        assert field.metadata["type"] == "string"
        assert field.metadata["description"] == spec.description
        assert field.metadata["example"] == spec.example
        assert field.metadata.get("pattern") == spec.pattern
        assert field.metadata.get("enum") == (list(spec.choices) if spec.choices else None)
    assert declared["status"].metadata["pattern"] == journal_filters.STATUS_PATTERN
    assert declared["verdict"].metadata["enum"] == list(journal_filters.VERDICTS)
    assert "enum" not in declared["vendor"].metadata


def test_the_from_filter_is_read_under_its_own_name() -> None:
    assert JournalFilterSchema().load({"from": "1764482400", "until": "1764482401"}) == {
        "from": 1764482400.0,
        "until": 1764482401.0,
    }
