"""Reception against a procedure: documents onto components, missing / extra / duplicate, reuse suggestions."""

from __future__ import annotations

from pipeline.procedure_catalogue import find_procedure, load_catalogue
from pipeline.procedures import Candidate, Present, personal_ids, present_documents, receive

CATALOGUE = load_catalogue()
BIRTH = find_procedure(CATALOGUE, "1.001193")
MARRIAGE = find_procedure(CATALOGUE, "1.000894")
RESIDENCE = find_procedure(CATALOGUE, "1.004194")


def test_a_complete_birth_dossier_fills_every_required_component() -> None:
    docs = [Present("D-01", "declaration"), Present("D-02", "certificate"), Present("D-03", "id_card")]
    rec = receive(BIRTH, docs)
    assert rec.complete and rec.missing == [] and rec.extra == [] and rec.duplicates == {}
    assert rec.assignment == {"D-01": "to_khai", "D-02": "giay_chung_sinh", "D-03": "giay_to_tuy_than"}
    assert {s.component.key: s.status for s in rec.components}["giay_uy_quyen"] == "not_given"


def test_a_missing_component_is_named_not_refused() -> None:
    rec = receive(BIRTH, [Present("D-01", "declaration"), Present("D-02", "certificate")])
    assert rec.missing == ["giay_to_tuy_than"]
    assert [f["component"] for f in rec.findings() if f["code"] == "missing_component"] == ["giay_to_tuy_than"]


def test_copies_count_a_marriage_needs_two_ids() -> None:
    rec = receive(MARRIAGE, [Present("D-01", "declaration"), Present("D-02", "id_card")])
    status = {s.component.key: s for s in rec.components}["giay_to_tuy_than"]
    assert status.status == "partial" and rec.missing == ["giay_to_tuy_than"]
    assert "thiếu 1 bản" in rec.findings()[0]["message"]


def test_duplicates_and_extras_are_told_apart() -> None:
    docs = [
        Present("D-01", "declaration"),
        Present("D-02", "certificate"),
        Present("D-03", "id_card"),
        Present("D-04", "id_card"),
        Present("D-05", "land_use_certificate"),
    ]
    rec = receive(BIRTH, docs)
    assert rec.complete
    assert rec.duplicates == {"D-04": "giay_to_tuy_than"} and rec.extra == ["D-05"]


def test_a_strict_component_keeps_its_document_from_a_loose_one() -> None:
    # a confirmation could prove the residence or carry the owner's consent; the land certificate can only
    # prove the residence: the matching must not let the confirmation take the residence slot first
    docs = [Present("D-01", "confirmation"), Present("D-02", "land_use_certificate"), Present("D-03", "declaration")]
    rec = receive(RESIDENCE, [*docs, Present("D-04", "id_card")])
    assert rec.assignment["D-02"] == "cho_o_hop_phap" and rec.assignment["D-01"] == "y_kien_chu_ho"


def test_a_form_code_read_on_the_page_must_be_the_one_asked_for() -> None:
    rec = receive(RESIDENCE, [Present("D-01", "declaration", "DC01"), Present("D-02", "id_card")])
    assert "to_khai_ct01" in rec.missing and rec.extra == ["D-01"]
    ok = receive(RESIDENCE, [Present("D-01", "declaration", "ct01")])
    assert ok.assignment == {"D-01": "to_khai_ct01"}


def test_reuse_suggests_only_approved_results_of_a_fitting_type() -> None:
    candidates = [
        Candidate("A-01", "id_card", "published"),
        Candidate("A-02", "id_card", "needs_review"),
        Candidate("A-03", "birth_certificate", "approved"),
    ]
    rec = receive(BIRTH, [Present("D-01", "declaration"), Present("D-02", "certificate")], candidates=candidates)
    status = {s.component.key: s for s in rec.components}
    assert status["giay_to_tuy_than"].reusable == ["A-01"]
    assert status["to_khai"].reusable == [] and "A-01" in rec.findings()[0]["message"]


def test_an_attached_result_fills_its_component_as_reused() -> None:
    attached = [Candidate("A-01", "id_card", "published")]
    rec = receive(BIRTH, [Present("D-01", "declaration"), Present("D-02", "certificate")], attached=attached)
    assert rec.complete
    status = {s.component.key: s for s in rec.components}["giay_to_tuy_than"]
    assert status.status == "reused" and status.reused == ["A-01"]


def test_documents_and_ids_come_from_the_result_json() -> None:
    result = {
        "documents": [
            {"code": "X-01", "type": "declaration", "fields": {"form_code": {"value": "CT01 "}}},
            {"code": "X-02", "type": "id_card", "fields": {"personal_id": {"value": "040199001234"}}},
            {"code": "X-03", "type": "other", "fields": {"personal_id": [{"value": "040199001234"}]}},
        ]
    }
    assert present_documents(result)[0] == Present("X-01", "declaration", "CT01")
    assert personal_ids(result) == ["040199001234"]


def test_a_blank_sheet_fills_no_component_even_where_other_documents_are_accepted() -> None:
    """A blank page is classified "other", and "Văn bản ủy quyền" accepts "other": the receipt must not say it
    was received (found by handing in a blank page with --procedure 1.001193)."""
    blank = {"code": "B-01", "type": "other", "pages": [1], "fields": {}}
    written = {"code": "B-02", "type": "other", "pages": [2, 3], "fields": {}}
    result = {
        "pages": [
            {"number": 1, "findings": [{"code": "blank_page", "severity": "warning"}]},
            {"number": 2, "findings": []},
            {"number": 3, "findings": [{"code": "no_text", "severity": "warning"}]},
        ],
        "documents": [blank, written],
    }
    docs = present_documents(result)
    assert [d.blank for d in docs] == [True, False]
    rec = receive(BIRTH, docs[:1])
    assert rec.assignment == {} and rec.extra == ["B-01"]
    assert {s.component.key: s.status for s in rec.components}["giay_uy_quyen"] == "not_given"
    assert receive(BIRTH, docs[1:]).assignment == {"B-02": "giay_uy_quyen"}  # a sheet with text still may
