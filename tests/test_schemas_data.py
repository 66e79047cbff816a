"""Schemas are data: every type loads, keeps the slice's keys, and every domain-vn.md §6 key is accounted for."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from pipeline.doctypes import DOC_TYPES, FIELD_KEYS, OTHER, by_key
from pipeline.field_flags import VOCABULARIES

SLICE_KEYS = {
    "issuing_agency", "number_symbol", "place", "issue_date", "subject", "signer_title", "signer_name",
    "full_name", "birth_date", "gender", "personal_id", "address", "phone",
}  # fmt: skip
TYPES = {
    "decision", "official_letter", "notice", "certificate", "receipt", "application", "declaration", "id_card",
    "birth_certificate", "residence_confirmation", "land_use_certificate", "business_registration", "confirmation",
}  # fmt: skip
NOTES = Path(__file__).resolve().parents[2] / "shared" / "notes" / "domain-vn.md"


def _field_map() -> dict:
    return json.loads(resources.files("pipeline").joinpath("data/field_map.json").read_text("utf-8"))


def test_every_type_of_issue_4_has_a_schema() -> None:
    assert {t.key for t in DOC_TYPES} == TYPES and OTHER.key == "other"
    assert by_key("nope") is OTHER
    for t in DOC_TYPES:
        assert t.label and t.schema and set(t.required) <= set(t.fields)
        assert len(set(t.fields)) == len(t.fields), t.key
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in t.fields)  # English snake_case keys
        for spec in t.schema:
            assert spec.label and spec.type in ("str", "date", "int", "decimal", "enum", "list"), (t.key, spec.key)
            assert spec.vocabulary is None or spec.vocabulary in VOCABULARIES
            assert spec.type != "enum" or spec.values


def test_the_slice_keys_are_kept() -> None:
    assert SLICE_KEYS <= FIELD_KEYS
    assert set(by_key("confirmation").fields) >= SLICE_KEYS
    for key in (
        "recipient",
        "dossier_code",
        "due_date",
        "procedure",
        "business_code",
        "business_name",
        "capital_vnd",
        "parcel_number",
        "map_sheet",
        "area_m2",
    ):
        assert key in FIELD_KEYS
    assert {"dossier_code", "due_date", "procedure"} <= set(by_key("receipt").required)
    assert {"business_code", "business_name", "capital_vnd"} <= set(by_key("business_registration").required)
    assert {"parcel_number", "map_sheet", "area_m2"} <= set(by_key("land_use_certificate").required)


def test_every_mapped_key_exists_in_the_types_it_applies_to() -> None:
    for name, section in _field_map()["sections"].items():
        assert not set(section["map"]) & set(section["not_extracted"]), name
        for vi_key, ours in section["map"].items():
            targets = ours if isinstance(ours, list) else [ours]
            for target in targets:
                if target == "@type":
                    continue
                for type_key in section["types"]:
                    assert target in by_key(type_key).fields, (name, vi_key, target, type_key)
        assert all(why for why in section["not_extracted"].values()), name
        assert all(t in TYPES for t in section["types"]), name


def test_so_and_ky_hieu_stay_one_field() -> None:
    common = _field_map()["sections"]["common_admin_doc"]["map"]
    assert common["so"] == common["ky_hieu"] == "number_symbol"


def _notes_schemas() -> dict[str, set[str]]:
    block = NOTES.read_text("utf-8").split("## 6.", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    out: dict[str, set[str]] = {}
    current = ""
    for line in block.splitlines():
        head = re.match(r"^(\w+):", line)
        if head:
            current = head.group(1)
            out[current] = set()
        key = re.search(r"\{key:\s*(\w+)", line)
        if key and current:
            out[current].add(key.group(1))
    return out


@pytest.mark.skipif(not NOTES.is_file(), reason="domain-vn.md is not next to the repository")
def test_every_section_6_key_is_mapped_or_listed_as_not_extracted() -> None:
    sections = _field_map()["sections"]
    notes = _notes_schemas()
    assert set(notes) == set(sections)
    for name, keys in notes.items():
        accounted = set(sections[name]["map"]) | set(sections[name]["not_extracted"])
        assert keys == accounted, (name, sorted(keys ^ accounted))
