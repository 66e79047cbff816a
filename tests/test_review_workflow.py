"""Review: what waits (doubtful fields first), corrections kept as revisions and never lost, approval.

Every test runs on SQLite and on a real PostgreSQL server (``db_url`` in conftest.py).
"""

from __future__ import annotations

from multiprocessing.context import BaseContext

import pytest
from seed_results import AUDIT_KEY, decision_fields, seed_dossier, sure_fields
from sqlalchemy import Engine, func, select

from pipeline.models import FieldValue
from storage.audit_digest import field_value_digest
from storage.db import make_engine, session_scope
from storage.repository import (
    fields_of,
    get_document,
    get_dossier,
    load_audit,
    load_dossier_result,
    load_revisions,
    prune_documents,
    save_document,
    set_state,
    verify_audit,
)
from storage.tables import FieldRevisionRow, FieldRow
from workers.publish import fields_digest
from workers.results import UnknownResult, show_result
from workers.review import ReviewRefused, UnknownField, approve, auto_approve, list_waiting, set_field


@pytest.fixture
def two_results(engine: Engine) -> tuple[str, list[str]]:
    """A dossier waiting for review: result 01 with doubtful fields, result 02 with none."""
    return seed_dossier(engine, "dossier", [decision_fields(), sure_fields()])


def field(engine: Engine, code: str, key: str, position: int = 0) -> FieldRow:
    with session_scope(engine) as session:
        doc = get_document(session, code)
        return session.scalars(
            select(FieldRow).where(FieldRow.document_id == doc.id, FieldRow.key == key, FieldRow.position == position)
        ).one()


def test_waiting_results_list_doubtful_fields_first_lowest_confidence_first(engine: Engine, two_results) -> None:
    dossier, (first, second) = two_results
    _, (third,) = seed_dossier(engine, "other", [decision_fields()])
    with session_scope(engine) as session:
        doc = get_document(session, third)
        session.execute(FieldRow.__table__.update().where(FieldRow.document_id == doc.id).values(confidence=0.2))
    waiting = list_waiting(engine, by="reader")
    assert [w.code for w in waiting] == [third, first, second]  # least sure first; nothing doubtful last
    top = waiting[1]
    assert [f.ref for f in top.fields] == ["personal_id", "signer_name"]  # 0.41 before 0.62
    pid = top.fields[0]
    assert (pid.value, pid.reasons, pid.page, pid.bbox) == ("001203004567", ["id_checksum"], 1, [10, 20, 30, 40])
    assert pid.page_image_key == f"dossiers/{dossier}/pages/0001.jpg"
    assert (top.field_count, top.corrected, waiting[2].fields) == (5, 0, [])


def test_a_correction_keeps_a_revision_and_audits_without_the_value(engine: Engine, two_results) -> None:
    _, (code, _) = two_results
    before = field(engine, code, "personal_id")
    done = set_field(engine, code, "personal_id", " 001203004568 ", by="lan", reason="số trên thẻ", audit_key=AUDIT_KEY)
    assert (done.changed, done.field, done.reopened) == (True, "personal_id", False)
    after = field(engine, code, "personal_id")
    assert after.id == before.id  # same row: the revision stays linked
    assert (after.value, after.status, after.confidence, after.reasons) == ("001203004568", "corrected", 1.0, [])
    assert after.raw == "001203004567"  # what OCR read stays as evidence
    with session_scope(engine) as session:
        (rev,) = load_revisions(session, code)
        entries = load_audit(session, subject=code)
        assert verify_audit(session).ok
    assert (rev.field_id, rev.old_value, rev.new_value, rev.old_status) == (
        before.id,
        "001203004567",
        "001203004568",
        "needs_review",
    )
    assert (rev.by, rev.reason, rev.at.tzinfo is not None) == ("lan", "số trên thẻ", True)
    digests = {
        "old_hmac": field_value_digest(AUDIT_KEY, code, "personal_id", 0, "001203004567"),
        "new_hmac": field_value_digest(AUDIT_KEY, code, "personal_id", 0, "001203004568"),
        "hmac_key": AUDIT_KEY.id,
    }
    assert [(e.actor, e.action, e.payload) for e in entries] == [
        ("lan", "field.corrected", {"field": "personal_id", "revision": rev.id, "confirmed": False} | digests)
    ]
    assert "001203004" not in str([e.to_dict() for e in entries])  # no personal ID in the log


def test_setting_the_same_value_confirms_once_and_then_changes_nothing(engine: Engine, two_results) -> None:
    _, (code, _) = two_results
    assert set_field(engine, code, "signer_name", "Nguyễn Văn Bính", by="lan", audit_key=AUDIT_KEY).changed
    assert not set_field(engine, code, "signer_name", "Nguyễn Văn Bính", by="lan", audit_key=AUDIT_KEY).changed
    with session_scope(engine) as session:
        (rev,) = load_revisions(session, code)
        assert rev.old_value == rev.new_value
        assert load_audit(session)[0].payload["confirmed"] is True


def test_repeated_fields_are_named_key_dot_n_and_can_grow(engine: Engine, two_results) -> None:
    _, (code, _) = two_results
    set_field(engine, code, "recipient.1", "Phòng Tư pháp", by="lan", audit_key=AUDIT_KEY)
    set_field(
        engine, code, "owners.0", "Trần Thị B", by="lan", audit_key=AUDIT_KEY
    )  # an empty repeated field gets its first item
    set_field(engine, code, "recipient.2", "UBND xã", by="lan", audit_key=AUDIT_KEY)  # one past the last item adds one
    fields = show_result(engine, code).fields
    assert [f.value for f in fields["recipient"]] == ["Sở Tư pháp", "Phòng Tư pháp", "UBND xã"]
    assert [(f.value, f.status) for f in fields["owners"]] == [("Trần Thị B", "corrected")]
    with pytest.raises(UnknownField, match=r"recipient\.N"):
        set_field(engine, code, "recipient", "x", by="lan", audit_key=AUDIT_KEY)
    with pytest.raises(UnknownField, match=r"recipient\.9"):
        set_field(engine, code, "recipient.9", "x", by="lan", audit_key=AUDIT_KEY)


def test_unknown_results_and_fields_are_refused_clearly(engine: Engine, two_results) -> None:
    dossier, (code, _) = two_results
    with pytest.raises(UnknownResult, match="không có kết quả"):
        set_field(engine, "000.00.20.H40-261128-9999-01", "personal_id", "1", by="lan", audit_key=AUDIT_KEY)
    with pytest.raises(UnknownResult, match=f"là mã hồ sơ.*{code}"):
        set_field(engine, dossier, "personal_id", "1", by="lan", audit_key=AUDIT_KEY)
    with pytest.raises(UnknownField) as raised:
        set_field(engine, code, "nonsense", "1", by="lan", audit_key=AUDIT_KEY)
    assert "personal_id" in raised.value.hint  # the fields it has are listed
    with pytest.raises(UnknownField):
        set_field(engine, code, "number_symbol.1", "1", by="lan", audit_key=AUDIT_KEY)  # a single field has no item 1
    with session_scope(engine) as session:
        assert load_audit(session) == [] and load_revisions(session, code) == []


def test_reprocessing_never_overwrites_a_corrected_field(engine: Engine, two_results) -> None:
    dossier, (code, _) = two_results
    set_field(engine, code, "personal_id", "001203004568", by="lan", audit_key=AUDIT_KEY)
    set_field(engine, code, "recipient.1", "Phòng Tư pháp", by="lan", audit_key=AUDIT_KEY)
    corrected = field(engine, code, "personal_id")
    again = decision_fields(personal_id="00120300456X")  # OCR misreads it again
    again["recipient"] = again["recipient"][:1]  # and finds one recipient fewer
    del again["personal_id"]  # or loses the field altogether
    again["signer_name"] = FieldValue("Nguyễn Văn Bình", "x", 0.95, 2, None)
    with session_scope(engine) as session:
        row = get_dossier(session, dossier)
        set_state(session, row, "processing")
        save_document(
            session,
            row.id,
            index=1,
            code=code,
            type="quyet_dinh",
            pages=[1, 2],
            pdf_key=None,
            pdf_sha256=None,
            signature={},
            fields=again,
        )
    fields = show_result(engine, code).fields
    assert (fields["personal_id"].value, fields["personal_id"].status) == ("001203004568", "corrected")
    assert [(f.value, f.status) for f in fields["recipient"]] == [
        ("Sở Tư pháp", "extracted"),
        ("Phòng Tư pháp", "corrected"),
    ]
    assert fields["signer_name"].value == "Nguyễn Văn Bình"  # not corrected: the new reading wins
    assert field(engine, code, "personal_id").id == corrected.id
    with session_scope(engine) as session:
        revisions = session.scalars(select(FieldRevisionRow).order_by(FieldRevisionRow.id)).all()
        assert [r.field_id for r in revisions] == [corrected.id, field(engine, code, "recipient", 1).id]


def test_the_history_of_a_result_outlives_its_document_row(engine: Engine, two_results) -> None:
    dossier, (_, second) = two_results
    set_field(engine, second, "number_symbol", "46/TB-UBND", by="lan", audit_key=AUDIT_KEY)
    with session_scope(engine) as session:
        prune_documents(session, get_dossier(session, dossier).id, keep=[1])  # a new split found one document
    with session_scope(engine) as session:
        (rev,) = load_revisions(session, second)
        assert verify_audit(session).ok
    assert (rev.field_id, rev.document_id, rev.key, rev.new_value) == (None, None, "number_symbol", "46/TB-UBND")


def test_approval_is_refused_while_a_field_needs_review_unless_forced(engine: Engine, two_results) -> None:
    dossier, (first, second) = two_results
    with pytest.raises(ReviewRefused, match="2 trường cần xem lại: personal_id, signer_name"):
        approve(engine, first, by="lan", audit_key=AUDIT_KEY)
    assert approve(engine, second, by="lan", audit_key=AUDIT_KEY).dossier_state == "needs_review"  # 01 still waits
    done = approve(engine, first, by="minh", force=True, audit_key=AUDIT_KEY)
    assert (done.forced, done.dossier_state) == (["personal_id", "signer_name"], "approved")
    assert approve(engine, first, by="minh", audit_key=AUDIT_KEY).already
    with session_scope(engine) as session:
        actions = [(e.actor, e.action, e.subject, e.payload) for e in load_audit(session)]
        approved = {
            code: fields_digest(AUDIT_KEY, code, fields_of(get_document(session, code))) for code in (first, second)
        }
    assert actions == [
        ("lan", "result.approved", second, {"fields_hmac": approved[second], "hmac_key": AUDIT_KEY.id}),
        (
            "minh",
            "result.approved",
            first,
            {"forced": True, "unreviewed": ["personal_id", "signer_name"], "fields_hmac": approved[first]}
            | {"hmac_key": AUDIT_KEY.id},
        ),
        ("minh", "dossier.approved", dossier, {"results": 2}),
    ]
    assert list_waiting(engine, by="reader") == []
    assert show_result(engine, first).state == "approved"


def test_correcting_an_approved_result_reopens_it_and_its_dossier_only(engine: Engine, two_results) -> None:
    _, (first, second) = two_results
    set_field(engine, first, "personal_id", "001203004568", by="lan", audit_key=AUDIT_KEY)
    set_field(engine, first, "signer_name", "Nguyễn Văn Bình", by="lan", audit_key=AUDIT_KEY)
    approve(engine, first, by="lan", audit_key=AUDIT_KEY)
    assert approve(engine, second, by="lan", audit_key=AUDIT_KEY).dossier_state == "approved"
    assert set_field(engine, second, "number_symbol", "46/TB-UBND", by="minh", audit_key=AUDIT_KEY).reopened
    assert [w.code for w in list_waiting(engine, by="reader")] == [second]  # 01 keeps its approval
    assert show_result(engine, second).dossier_state == "needs_review"
    assert approve(engine, second, by="lan", audit_key=AUDIT_KEY).dossier_state == "approved"
    with session_scope(engine) as session:
        assert "dossier.reopened" in [e.action for e in load_audit(session)]


def test_results_of_a_dossier_still_processing_or_published_are_not_reviewed(engine: Engine) -> None:
    _, (processing,) = seed_dossier(engine, "p", [decision_fields()], state="processing")
    with pytest.raises(ReviewRefused, match="processing"):
        set_field(engine, processing, "personal_id", "1", by="lan", audit_key=AUDIT_KEY)
    dossier, (published,) = seed_dossier(engine, "q", [sure_fields()], state="approved")
    with session_scope(engine) as session:
        set_state(session, get_dossier(session, dossier), "published")
    with pytest.raises(ReviewRefused, match="công bố"):
        set_field(engine, published, "number_symbol", "1", by="lan", audit_key=AUDIT_KEY)
    assert approve(engine, published, by="lan", audit_key=AUDIT_KEY).already


def test_auto_approve_approves_results_with_nothing_doubtful(engine: Engine) -> None:
    dossier, (doubtful, sure) = seed_dossier(engine, "auto", [decision_fields(), sure_fields()], state="processing")
    with session_scope(engine) as session:
        assert auto_approve(session, dossier, audit_key=AUDIT_KEY) == "needs_review"
        result = load_dossier_result(session, get_dossier(session, dossier).id)
    approved = {d.code: d.approved_by for d in result.documents}
    assert approved == {doubtful: None, sure: "sohoa"}
    dossier2, (only,) = seed_dossier(engine, "auto2", [sure_fields()], state="processing")
    with session_scope(engine) as session:
        assert auto_approve(session, dossier2, audit_key=AUDIT_KEY) == "approved"
    doubtful_now = {"number_symbol": FieldValue("45/TB-UBND", "45/TB-UBND", 0.5, 1, None, "needs_review", ["x"])}
    with session_scope(engine) as session:  # processed again, and this time a field is doubtful
        row = get_dossier(session, dossier2)
        save_document(
            session,
            row.id,
            index=1,
            code=only,
            type="thong_bao",
            pages=[1],
            pdf_key=None,
            pdf_sha256=None,
            signature={},
            fields=doubtful_now,
        )
        assert auto_approve(session, dossier2, audit_key=AUDIT_KEY) == "needs_review"
    with session_scope(engine) as session:
        assert get_document(session, only).approved_by is None


def _correct(url: str, code: str, value: str) -> None:
    engine = make_engine(url)
    try:
        set_field(engine, code, "personal_id", value, by=f"r{value[-1]}", audit_key=AUDIT_KEY)
    finally:
        engine.dispose()


def test_reviewers_in_several_processes_never_lose_a_correction(
    db_url: str, engine: Engine, two_results, worker_processes: BaseContext
) -> None:
    _, (code, _) = two_results
    values = [f"00120300450{i}" for i in range(6)]
    with worker_processes.Pool(3) as pool:
        pool.starmap(_correct, [(db_url, code, v) for v in values])
    with session_scope(engine) as session:
        revisions = load_revisions(session, code)
        assert verify_audit(session).ok
        assert session.scalar(select(func.count()).select_from(FieldRevisionRow)) == 6
    # serialized: each revision's old value is the value the one before it set
    assert [r.old_value for r in revisions[1:]] == [r.new_value for r in revisions[:-1]]
    assert field(engine, code, "personal_id").value == revisions[-1].new_value
