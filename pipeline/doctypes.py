"""Document types and their schemas, loaded from ``data/doctypes.json``.

Why data: a new type or field is a line in the JSON (key, Vietnamese label, type, required, validator,
vocabulary, printed labels), not a branch in the extractor. ``data/field_map.json`` maps the
Vietnamese keys of domain-vn.md §6 onto these keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

FieldType = Literal["str", "date", "int", "decimal", "enum", "list"]


@dataclass(frozen=True)
class FieldSpec:
    """One field of a schema: how it is named, typed, found (labels) and checked."""

    key: str
    label: str  # Vietnamese label, as a reviewer sees it
    type: FieldType
    required: bool = False
    validator: str | None = None  # a name in pipeline.validators.VALIDATORS
    vocabulary: str | None = None  # a name in pipeline.field_flags.VOCABULARIES
    normalizer: str | None = None  # a name in pipeline.normalize.NORMALIZERS (default: by type)
    labels: tuple[str, ...] = ()  # printed labels of form fields ("Họ và tên"), before a ":"
    multiline: bool = False  # the value may wrap onto the next line
    values: tuple[str, ...] = ()  # allowed values of an enum
    words_label: str | None = None  # the same amount written in words follows this label ("Bằng chữ")
    after: str | None = None  # look for the label only below the line holding this heading
    shape: str | None = None  # regex a value printed without its label matches, alone on its line (a serial)
    sections: tuple[str, ...] = ()  # headings ("Người mẹ") under which ``section_labels`` name this field
    section_labels: tuple[str, ...] = ()  # labels of the field inside its section ("Họ, chữ đệm và tên")


@dataclass(frozen=True)
class DocType:
    """A document type: its key, Vietnamese name, title cues, form codes and schema."""

    key: str
    label: str
    titles: tuple[str, ...]
    schema: tuple[FieldSpec, ...]
    form_codes: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        """Field keys of the schema, in order."""
        return tuple(f.key for f in self.schema)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.schema if f.required)

    def spec(self, key: str) -> FieldSpec | None:
        return next((f for f in self.schema if f.key == key), None)


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    return json.loads(resources.files("pipeline").joinpath("data/doctypes.json").read_text("utf-8"))


def _doc_type(entry: dict[str, Any], fields: dict[str, dict[str, Any]]) -> DocType:
    required = set(entry["required"])
    overrides = entry.get("field_labels", {})
    schema = []
    for key in entry["fields"]:
        spec = dict(fields[key])
        labels = overrides.get(key, spec.pop("labels", []))
        spec.pop("labels", None)
        schema.append(
            FieldSpec(
                key=key,
                required=key in required,
                labels=tuple(labels),
                values=tuple(spec.pop("values", ())),
                sections=tuple(spec.pop("sections", ())),
                section_labels=tuple(spec.pop("section_labels", ())),
                **spec,
            )
        )
    unknown = required - set(entry["fields"])
    if unknown:
        raise ValueError(f"doctypes.json: {entry['key']} requires fields it does not have: {sorted(unknown)}")
    return DocType(
        entry["key"], entry["label"], tuple(entry["titles"]), tuple(schema), tuple(entry.get("form_codes", ()))
    )


def _load() -> tuple[tuple[DocType, ...], DocType]:
    raw = _raw()
    types = tuple(_doc_type(entry, raw["fields"]) for entry in raw["types"])
    return types, _doc_type(raw["other"], raw["fields"])


DOC_TYPES, OTHER = _load()
FIELD_KEYS: frozenset[str] = frozenset(_raw()["fields"])


def all_labels() -> frozenset[str]:
    """Every printed label of every field and type: each one ends the value before it on a line."""
    labels = {lab for spec in _raw()["fields"].values() for lab in spec.get("labels", [])}
    for entry in _raw()["types"]:
        labels.update(lab for labs in entry.get("field_labels", {}).values() for lab in labs)
    return frozenset(labels)


def field_type(key: str) -> FieldType:
    """The type of field ``key`` (``str`` for a key no schema has): what a typed correction is limited by."""
    return _raw()["fields"].get(key, {}).get("type", "str")  # type: ignore[no-any-return]


def by_key(key: str) -> DocType:
    """The type with this key (``other`` when unknown)."""
    return next((t for t in DOC_TYPES if t.key == key), OTHER)
