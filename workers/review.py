"""Review: what waits for a reviewer, correcting a field, approving a result.

The rules, in one place:

- A result waits for review while its dossier is ``needs_review`` and it is not approved yet; the
  doubtful fields (``needs_review``) come first, lowest confidence first.
- ``set_field`` writes a revision (old value, new value, who, when, why), sets the field ``corrected``
  and appends ``field.corrected`` to the audit log (field key, revision id and keyed digests of the old
  and new values, ``storage.audit_digest``; never the values).
  Setting the value a field already has confirms it (a revision with old = new). Correcting an
  approved result withdraws its approval and sends its dossier back to ``needs_review``: an approval
  attests the fields as they were. A published result is not changed here.
- ``approve`` refuses while a field still needs review, unless ``force`` (the audit entry then lists
  those fields); the dossier becomes ``approved`` when its last result is approved. ``result.approved``
  carries the keyed digest of the approved field set, the one ``result.published`` repeats.
- ``reject`` sends a result's whole dossier back to the desk: it becomes ``rejected`` with the reviewer's
  reason (mandatory), every approval it held not yet published is withdrawn (nothing of it can be signed as
  approved), and ``result.rejected`` is audited with a keyed digest of the reason (free text may name
  people). The paper is scanned again as a new dossier; ``rejected`` may still be re-processed as it is.
- ``list_waiting`` shows values to a person: each listed result's doubtful fields are recorded
  (``result.read`` via ``review_list``, ``workers.reads``).
- Each operation is one transaction that starts by taking the audit log's lock, so two reviewers never
  interleave and what an operation read is still true when it writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pipeline.doctypes import field_type
from sohoa.errors import BadInput, Conflict, SohoaError, StorageError
from storage import repository
from storage.audit_digest import AuditKey, field_value_digest
from storage.db import session_scope
from storage.repository.review import clean_actor, clean_reason, clean_value
from storage.states import APPROVED_STATES, REVIEWABLE_STATES
from storage.tables import DocumentRow, DossierRow, FieldRow, utcnow
from workers import dossiers
from workers.context import Context
from workers.publish import Publication, fields_digest, publish_dossier, publish_result
from workers.reads import record_read
from workers.results import get_result, result_state
from workers.review_queue import risk_of

NEEDS_REVIEW = "needs_review"
_REF = re.compile(r"(?P<key>.+)\.(?P<position>\d+)")


class UnknownField(BadInput):
    """The result has no such field (or no such item of a repeated field)."""

    code = "unknown_field"


class ReviewRefused(BadInput):
    """The result cannot be corrected or approved in its present state."""

    code = "review_refused"


@dataclass(frozen=True)
class DoubtfulField:
    """A field of a waiting result, with what a reviewer needs beside it: page, box and page image."""

    ref: str  # what `sohoa review set` takes: ``key`` or ``key.N`` (N from 0) for a repeated field
    value: str | None
    raw: str | None
    confidence: float
    status: str
    reasons: list[str]
    page: int | None
    bbox: list[int] | None
    page_image_key: str | None
    version: int = 0  # revisions so far: what a save sends back as ``seen`` (a stale one is refused)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.ref,
            "value": self.value,
            "raw": self.raw,
            "confidence": round(self.confidence, 3),
            "status": self.status,
            "reasons": self.reasons,
            "page": self.page,
            "bbox": self.bbox,
            "page_image_key": self.page_image_key,
            "version": self.version,
        }


@dataclass(frozen=True)
class WaitingResult:
    """A result waiting for review: its doubtful fields, and how many fields it has in all."""

    code: str
    type: str
    dossier: str
    fields: list[DoubtfulField]
    field_count: int
    corrected: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "type": self.type,
            "dossier": self.dossier,
            "needs_review": [f.to_dict() for f in self.fields],
            "field_count": self.field_count,
            "corrected": self.corrected,
        }


@dataclass(frozen=True)
class Correction:
    """What ``set_field`` did. ``changed`` is false when the field already had that corrected value."""

    result: str
    field: str
    changed: bool
    revision_id: int | None = None
    reopened: bool = False


@dataclass(frozen=True)
class Rejection:
    """What ``reject`` did: the dossier sent back, the reason it carries, the approvals withdrawn."""

    result: str
    dossier: str
    reason: str
    withdrawn: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Approval:
    """What ``approve`` did: the result's and the dossier's states after it."""

    result: str
    dossier: str
    dossier_state: str
    already: bool = False
    forced: list[str] = field(default_factory=list)


def field_ref(row: FieldRow) -> str:
    """``key`` for a single field, ``key.N`` for item N (from 0) of a repeated field."""
    return f"{row.key}.{row.position}" if row.repeated else row.key


def list_waiting(engine: Engine, *, by: str) -> list[WaitingResult]:
    """Results waiting for review, those with the least sure doubtful field first; ``by`` reads the doubtful
    fields' values, which is recorded for each result that has any."""
    with session_scope(engine) as session:
        rows = repository.waiting_documents(session)
        images = repository.page_image_keys_of(session, {doc.dossier_id for doc, _ in rows})
        waiting = [_waiting(doc, dossier_code, images, field_versions(session, doc.code)) for doc, dossier_code in rows]
        for item in waiting:
            if item.fields:
                record_read(session, by=by, result=item.code, via="review_list", fields=[f.ref for f in item.fields])
    return sorted(waiting, key=lambda w: (not w.fields, min((f.confidence for f in w.fields), default=1.0), w.code))


def _waiting(
    doc: DocumentRow,
    dossier_code: str,
    images: dict[tuple[int, int], str | None],
    versions: dict[tuple[str, int], int],
) -> WaitingResult:
    doubtful = sorted(
        (f for f in doc.fields if f.status == NEEDS_REVIEW), key=lambda f: (f.confidence, f.key, f.position)
    )
    return WaitingResult(
        code=doc.code,
        type=doc.type,
        dossier=dossier_code,
        fields=[
            DoubtfulField(
                ref=field_ref(f),
                value=f.value,
                raw=f.raw,
                confidence=f.confidence,
                status=f.status,
                reasons=list(f.reasons),
                page=f.page,
                bbox=list(f.bbox) if f.bbox is not None else None,
                page_image_key=images.get((doc.dossier_id, f.page)) if f.page is not None else None,
                version=versions.get((f.key, f.position), 0),
            )
            for f in doubtful
        ],
        field_count=len(doc.fields),
        corrected=sum(f.status == "corrected" for f in doc.fields),
    )


def _resolve(session: Session, document: DocumentRow, ref: str) -> tuple[str, int]:
    """``key`` or ``key.N`` → (key, position), checked against the result's fields.

    ``key.N`` with N one past the last item of a repeated field adds an item.
    """
    ref = ref.strip()
    match = _REF.fullmatch(ref)
    if ref in document.field_keys:
        key, position = ref, None
    elif match and match["key"] in document.field_keys:
        key, position = match["key"], int(match["position"])
    else:
        known = ", ".join(document.field_keys) or "không có trường nào"
        raise UnknownField(f"kết quả {document.code} không có trường {ref}", hint=f"các trường: {known}")
    items = [r for r in repository.document_fields(session, document.id) if r.key == key]
    positions = {r.position for r in items}
    repeated = not items or any(r.repeated for r in items)
    if position is None:
        if not repeated:
            return key, 0
        refs = ", ".join(field_ref(r) for r in items) or f"{key}.0 để thêm mục đầu tiên"
        raise UnknownField(f"{key} là trường lặp lại: chỉ rõ mục {key}.N (N từ 0)", hint=refs)
    if position in positions or (repeated and position == max(positions, default=-1) + 1):
        return key, position
    hint = ", ".join(field_ref(r) for r in items) if repeated else f"dùng {key}"
    raise UnknownField(f"kết quả {document.code} không có trường {ref}", hint=hint)


def _open_for_review(dossier: DossierRow, code: str) -> None:
    if dossier.state == "published":
        raise ReviewRefused(f"kết quả {code} đã công bố: không sửa ở đây", hint="cần một phiên bản mới của kết quả")
    if dossier.state not in REVIEWABLE_STATES:
        raise ReviewRefused(f"hồ sơ {dossier.code} đang ở trạng thái {dossier.state}", hint="chờ xử lý xong rồi duyệt")


def _actor(by: str) -> str:
    """Who acts: named, at most 128 characters (it goes into revisions and the audit log)."""
    return clean_actor(by)


def set_field(
    engine: Engine,
    result: str,
    ref: str,
    value: str,
    *,
    by: str,
    audit_key: AuditKey,
    reason: str | None = None,
    seen: int | None = None,
) -> Correction:
    """Correct (or confirm) one field of a result; see the module docstring for the rules. ``seen`` is the
    field's revision count the reviewer saw: if another reviewer saved it since, ``Conflict``, not an overwrite."""
    by = _actor(by)
    reason = clean_reason(reason)  # over-long text is refused before the database is touched
    with session_scope(engine) as session:
        repository.lock_audit_log(session)
        document, dossier = get_result(session, result)
        _open_for_review(dossier, document.code)
        key, position = _resolve(session, document, ref)
        current = next(
            (r for r in repository.document_fields(session, document.id) if (r.key, r.position) == (key, position)),
            None,
        )
        shown = f"{key}.{position}" if current is None or current.repeated else key
        if seen is not None:
            _check_seen(session, document.code, key, position, seen, shown)
        new_value = clean_value(value, field_type(key))
        if current is not None and current.status == "corrected" and current.value == new_value:
            return Correction(document.code, shown, changed=False)
        reopened = result_state(document, dossier.state) == "approved"
        if reopened:
            _reopen(session, document, dossier, by=by)
        now = utcnow()  # one time for the revision and its audit entry
        revision = repository.correct_field(
            session, document, key=key, position=position, value=new_value, by=by, reason=reason, at=now
        )
        repository.append_audit(
            session,
            at=now,
            actor=by,
            action="field.corrected",
            subject=document.code,
            payload={
                "field": shown,
                "revision": revision.id,
                "confirmed": revision.old_value == new_value,
                "old_hmac": field_value_digest(audit_key, document.code, key, position, revision.old_value),
                "new_hmac": field_value_digest(audit_key, document.code, key, position, new_value),
                "hmac_key": audit_key.id,
            },
        )
        return Correction(document.code, shown, changed=True, revision_id=revision.id, reopened=reopened)


def field_versions(session: Session, code: str) -> dict[tuple[str, int], int]:
    """(key, position) -> how many revisions the field has: its version, as a reviewer's page shows it."""
    versions: dict[tuple[str, int], int] = {}
    for row in repository.load_revisions(session, code):
        versions[(row.key, row.position)] = versions.get((row.key, row.position), 0) + 1
    return versions


def _check_seen(session: Session, code: str, key: str, position: int, seen: int, shown: str) -> None:
    now = field_versions(session, code).get((key, position), 0)
    if now != seen:
        raise Conflict(
            f"trường {shown} của kết quả {code} vừa được người khác lưu (phiên bản {now}, bạn thấy {seen})",
            hint="tải lại trang để xem giá trị mới rồi sửa tiếp",
        )


def _reopen(session: Session, document: DocumentRow, dossier: DossierRow, *, by: str) -> None:
    """Withdraw ``document``'s approval; an approved dossier goes back to ``needs_review``, its other
    results keeping the approval they had with it."""
    now = utcnow()
    if dossier.state == "approved":
        for sibling in repository.dossier_documents(session, dossier.id):
            if sibling.id != document.id and sibling.approved_at is None:
                repository.set_approval(session, sibling.id, by=repository.SYSTEM_ACTOR, at=now)
        repository.set_state(session, dossier, "needs_review")
        repository.append_audit(
            session, actor=by, action="dossier.reopened", subject=dossier.code, payload={"result": document.code}
        )
    repository.set_approval(session, document.id, by=None, at=now)
    repository.append_audit(session, actor=by, action="result.reopened", subject=document.code, payload={})


def approve(
    engine: Engine, result: str, *, by: str, audit_key: AuditKey, force: bool = False, force_rules: bool = True
) -> Approval:
    """Approve a result; its dossier becomes ``approved`` with its last result. See the module docstring.

    ``force_rules=False`` is the workbench's "confirm as read": doubtful fields may be approved as they are,
    except one whose value breaks a rule (a checksum, a date that does not exist), which a person must fix
    or confirm alone.
    """
    by = _actor(by)
    with session_scope(engine) as session:
        repository.lock_audit_log(session)
        document, dossier = get_result(session, result)
        if result_state(document, dossier.state) in APPROVED_STATES:
            return Approval(document.code, dossier.code, dossier.state, already=True)
        _open_for_review(dossier, document.code)
        doubtful_rows = [r for r in repository.document_fields(session, document.id) if r.status == NEEDS_REVIEW]
        doubtful = [field_ref(r) for r in doubtful_rows]
        broken = [field_ref(r) for r in doubtful_rows if risk_of(list(r.reasons or [])) == 0]
        if force and broken and not force_rules:
            raise ReviewRefused(
                f"kết quả {document.code} có trường sai quy tắc kiểm tra: {', '.join(broken)}",
                hint="sửa hoặc xác nhận riêng từng trường đó trước khi phê duyệt",
            )
        if doubtful and not force:
            raise ReviewRefused(
                f"kết quả {document.code} còn {len(doubtful)} trường cần xem lại: {', '.join(doubtful)}",
                hint="sửa hoặc xác nhận bằng `sohoa review set`, hoặc duyệt nguyên trạng bằng --force",
            )
        repository.set_approval(session, document.id, by=by)
        payload: dict[str, Any] = {"forced": bool(doubtful), "unreviewed": doubtful} if doubtful else {}
        payload |= _approved_set(session, document, audit_key)
        repository.append_audit(session, actor=by, action="result.approved", subject=document.code, payload=payload)
        state = dossiers.settle(session, dossier, by=by)
        return Approval(document.code, dossier.code, state, forced=doubtful)


def reject(engine: Engine, result: str, reason: str, *, by: str, audit_key: AuditKey) -> Rejection:
    """Send ``result``'s dossier back to the desk as ``rejected`` with ``reason``; see the module docstring."""
    by = _actor(by)
    cleaned = clean_reason(reason)
    if cleaned is None:
        raise BadInput("cần ghi lý do trả lại", hint="ví dụ: trang 2 mờ, không đọc được số định danh")
    with session_scope(engine) as session:
        repository.lock_audit_log(session)
        document, dossier = get_result(session, result)
        _open_for_review(dossier, document.code)
        now = utcnow()
        withdrawn = []
        for doc in repository.dossier_documents(session, dossier.id):
            if doc.approved_at is not None:
                repository.set_approval(session, doc.id, by=None, at=now)
                withdrawn.append(doc.code)
        repository.set_state(session, dossier, "rejected", reason=f"trả lại khi kiểm tra: {cleaned}")
        repository.append_audit(
            session,
            at=now,
            actor=by,
            action="result.rejected",
            subject=document.code,
            payload={
                "dossier": dossier.code,
                "withdrawn": withdrawn,
                "reason_hmac": audit_key.digest("sohoa.reject-reason/1", document.code, cleaned),
                "hmac_key": audit_key.id,
            },
        )
        return Rejection(document.code, dossier.code, cleaned, withdrawn)


def approve_and_publish(
    ctx: Context, result: str, *, by: str, force: bool = False, force_rules: bool = True
) -> tuple[Approval, list[Publication], SohoaError | None]:
    """``approve``, then publish (``workers.publish``) when ``SOHOA_PUBLISH_ON_APPROVAL`` is on: the
    result itself, and every result of its dossier once the dossier is approved.

    The approval stands even when publishing fails (no key, no TSA...): that error is returned for the
    caller to show, and ``sohoa publish`` retries later.
    """
    done = approve(ctx.engine, result, by=by, audit_key=ctx.audit_key, force=force, force_rules=force_rules)
    if done.already or not ctx.settings.publish_on_approval:
        return done, [], None
    try:
        published = [publish_result(ctx, done.result, by=by)]
        if done.dossier_state == "approved":
            published += [p for p in publish_dossier(ctx, done.dossier, by=by) if not p.already]
    except SohoaError as exc:
        return done, [], exc
    return replace(done, dossier_state=published[-1].dossier_state), published, None


def _approved_set(session: Session, document: DocumentRow, key: AuditKey) -> dict[str, Any]:
    """``fields_hmac`` (the approved field set, as publishing will embed it) and ``hmac_key`` for the payload."""
    session.refresh(document, ["fields"])
    return {"fields_hmac": fields_digest(key, document.code, repository.fields_of(document)), "hmac_key": key.id}


def auto_approve(session: Session, dossier_code: str, *, audit_key: AuditKey) -> str:
    """For the store stage, in its transaction after ``save_document``: approve (as ``sohoa``) every
    result of the dossier that sohoa may approve by itself, and return the state the dossier should take
    (``dossiers.next_state``: ``approved`` when all its results are, else ``needs_review``).

    A result is approved by sohoa only when its recorded verdict (``documents.auto_approval``, from
    ``pipeline.approval_gate``) says ``automatic`` and none of its fields needs review now (corrected
    fields count as reviewed). A result sohoa approved on an earlier run that no longer passes loses that
    approval (a reviewer's approval stays)."""
    dossier = repository.get_dossier(session, dossier_code)
    if dossier is None:
        raise StorageError(f"no dossier {dossier_code}")
    documents = repository.dossier_documents(session, dossier.id, with_fields=True)
    for doc in documents:
        sure = bool((doc.auto_approval or {}).get("automatic")) and not any(
            f.status == NEEDS_REVIEW for f in doc.fields
        )
        if not sure and doc.approved_by == repository.SYSTEM_ACTOR:  # processed again: no longer sure
            repository.set_approval(session, doc.id, by=None)
        elif sure and doc.approved_at is None:
            repository.set_approval(session, doc.id, by=repository.SYSTEM_ACTOR)
            repository.append_audit(
                session,
                actor=repository.SYSTEM_ACTOR,
                action="result.approved",
                subject=doc.code,
                payload={"automatic": True, **_approved_set(session, doc, audit_key)},
            )
    return dossiers.next_state(session, dossier)
