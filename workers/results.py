"""Results for reuse: find them (personal ID, document number, content hash), show one, export one.

A result is one document of a dossier: its signed PDF in the object store and its fields in the
database. What is shown and exported are the fields *as they are now*, reviewers' corrections
included, not the JSON written when the dossier was processed.

What hands field values or a download link to a person (``search_results``, ``read_result``,
``export_result``, ``result_download_url``) records who and what in the audit log, in the transaction
that read them (``workers.reads``); ``show_result`` is the unrecorded read for sohoa's own steps.

A result's review state is derived, not stored: ``approved`` once approved (itself or with its whole
dossier), ``published`` with its dossier, else the dossier's state (``needs_review``, ``processing``...).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pipeline.models import FieldValue
from sohoa.errors import BadInput, IntegrityError, StorageError
from storage import keys, repository
from storage.audit_digest import AuditKey
from storage.db import session_scope
from storage.objects import ObjectMissing
from storage.repository.review import clean_actor
from storage.states import APPROVED_STATES
from storage.tables import DocumentRow, DossierRow
from workers.context import Context
from workers.outputs import staging
from workers.reads import record_read, record_search

APPROVED_DOSSIER_STATES = APPROVED_STATES


class UnknownResult(BadInput):
    """No result has that code."""

    code = "unknown_result"


@dataclass(frozen=True)
class ResultSummary:
    """One line of a search: enough to pick a result and ask for it by code."""

    code: str
    type: str
    state: str
    dossier: str
    pdf_sha256: str | None
    matched: str  # personal_id, number_symbol, pdf_sha256 or source_sha256

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "type": self.type,
            "state": self.state,
            "dossier": self.dossier,
            "pdf_sha256": self.pdf_sha256,
            "matched": self.matched,
        }


@dataclass(frozen=True)
class ResultView:
    """A result as stored now: type, state, PDF, signature, fields with their status, revisions."""

    code: str
    type: str
    state: str
    dossier: str
    dossier_state: str
    pages: list[int]
    pdf_key: str | None
    pdf_sha256: str | None
    signature: dict[str, Any]
    approved_at: datetime | None
    approved_by: str | None
    fields: dict[str, FieldValue | list[FieldValue]]
    revisions: list[dict[str, Any]] = field(default_factory=list)
    auto_approval: dict[str, Any] | None = None  # sohoa's verdict on approving it by itself

    @property
    def passed_through(self) -> bool:
        """A signed input kept byte-exact as this result: sohoa never signs over it."""
        return bool(self.signature.get("passed_through"))

    def fields_dict(self) -> dict[str, Any]:
        """Fields in the result JSON's shape (``sohoa.result/1``)."""
        return {k: [f.to_dict() for f in v] if isinstance(v, list) else v.to_dict() for k, v in self.fields.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "type": self.type,
            "state": self.state,
            "dossier": {"code": self.dossier, "state": self.dossier_state},
            "pages": self.pages,
            "pdf": {"key": self.pdf_key, "sha256": self.pdf_sha256},
            "signature": self.signature,
            "approved": {"at": _iso(self.approved_at), "by": self.approved_by} if self.approved_at else None,
            "auto_approval": self.auto_approval,
            "fields": self.fields_dict(),
            "revisions": self.revisions,
        }


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat(timespec="seconds") if at else None


def result_state(document: DocumentRow, dossier_state: str) -> str:
    """The review state of one result (see the module docstring)."""
    if dossier_state == "published":
        return "published"
    if document.approved_at is not None or dossier_state in APPROVED_DOSSIER_STATES:
        return "approved"
    return dossier_state


def get_result(session: Session, code: str) -> tuple[DocumentRow, DossierRow]:
    """The result ``code`` and its dossier, or ``UnknownResult`` (naming the results when given a dossier code)."""
    document = repository.get_document(session, code.strip())
    if document is not None:
        dossier = session.get(DossierRow, document.dossier_id, populate_existing=True)
        if dossier is None:  # pragma: no cover - a foreign key
            raise StorageError(f"result {document.code} has no dossier")
        return document, dossier
    dossier = repository.get_dossier(session, code.strip())
    if dossier is not None:
        codes = [d.code for d in repository.dossier_documents(session, dossier.id)]
        listed = ", ".join(sorted(codes)) or "chưa có kết quả nào"
        raise UnknownResult(f"{code} là mã hồ sơ, không phải mã kết quả; kết quả của hồ sơ: {listed}")
    raise UnknownResult(f"không có kết quả {code}", hint="mã kết quả có dạng <mã hồ sơ>-<nn>, xem sohoa results search")


def show_result(engine: Engine, code: str) -> ResultView:
    """Everything about one result, fields and their revisions included, for sohoa's own steps (publishing,
    checks). Not recorded: what shows a result to a person is ``read_result``."""
    with session_scope(engine) as session:
        return view_of(session, *get_result(session, code))


def read_result(engine: Engine, code: str, *, by: str, via: str = "show") -> ResultView:
    """``show_result`` for a person: ``result.read`` (field keys, revisions) is appended in the same
    transaction, so nothing is shown that the log does not record."""
    with session_scope(engine) as session:
        view = view_of(session, *get_result(session, code))
        record_read(session, by=by, result=view.code, via=via, fields=list(view.fields), revisions=len(view.revisions))
        return view


def view_of(session: Session, document: DocumentRow, dossier: DossierRow) -> ResultView:
    """The result as the caller's transaction sees it (``publish`` re-reads it under the log's lock)."""
    fields = repository.fields_of(document)
    revisions = [
        {
            "field": f"{r.key}.{r.position}" if isinstance(fields.get(r.key), list) else r.key,
            "old": r.old_value,
            "new": r.new_value,
            "old_status": r.old_status,
            "by": r.by,
            "at": _iso(r.at),
            "reason": r.reason,
        }
        for r in repository.load_revisions(session, document.code)
    ]
    return ResultView(
        code=document.code,
        type=document.type,
        state=result_state(document, dossier.state),
        dossier=dossier.code,
        dossier_state=dossier.state,
        pages=list(document.pages),
        pdf_key=document.pdf_key,
        pdf_sha256=document.pdf_sha256,
        signature=dict(document.signature),
        approved_at=document.approved_at,
        approved_by=document.approved_by,
        fields=fields,
        revisions=revisions,
        auto_approval=dict(document.auto_approval) if document.auto_approval else None,
    )


def search_results(
    engine: Engine,
    *,
    personal_id: str | None = None,
    number: str | None = None,
    sha256: str | None = None,
    by: str,
    audit_key: AuditKey,
) -> list[ResultSummary]:
    """Results holding this personal ID, this document number, or this content hash (exactly one of them).

    A sha256 matches a result's signed PDF or any input file of the result's dossier. The search is recorded
    (``results.searched``: who, how, a keyed digest of the term as searched for, e.g. the ID's digits only,
    and the codes found), misses included.
    """
    if sum(x is not None for x in (personal_id, number, sha256)) != 1:
        raise BadInput("tìm theo đúng một tiêu chí: --personal-id, --number hoặc --sha256")
    with session_scope(engine) as session:
        try:
            if personal_id is not None:
                kind, term = "personal_id", repository.personal_id_query(personal_id)
                docs = repository.documents_by_field(session, repository.PERSONAL_ID_KEYS, [term])
                matched = {d.id: "personal_id" for d in docs}
            elif number is not None:
                queries = repository.number_queries(number)
                kind, term = "number", queries[-1]
                docs = repository.documents_by_field(session, repository.NUMBER_KEYS, queries)
                matched = {d.id: "number_symbol" for d in docs}
            else:
                assert sha256 is not None
                docs = repository.documents_by_sha256(session, sha256)
                kind, term = "sha256", sha256.strip().lower()
                matched = {d.id: "pdf_sha256" if d.pdf_sha256 == term else "source_sha256" for d in docs}
        except StorageError as exc:
            raise BadInput(exc.message) from exc
        ids = {d.dossier_id for d in docs}
        dossiers = repository.dossiers_by_id(session, ids)
        found = [
            ResultSummary(
                code=d.code,
                type=d.type,
                state=result_state(d, dossiers[d.dossier_id].state),
                dossier=dossiers[d.dossier_id].code,
                pdf_sha256=d.pdf_sha256,
                matched=matched[d.id],
            )
            for d in docs
        ]
        record_search(session, by=by, key=audit_key, kind=kind, term=term, found=[r.code for r in found])
        return found


def export_result(ctx: Context, code: str, out_dir: Path, *, by: str) -> list[Path]:
    """Write ``<code>.pdf`` (the signed PDF, re-hashed against the database) and ``<code>.json``.

    The JSON is the result's entry of its dossier JSON (``sohoa.result/1``) with the fields as they are
    now, plus its ``state`` and ``dossier``. Files appear together or not at all. The export is recorded
    (``result.read`` via ``export``) before anything is written.
    """
    view = read_result(ctx.engine, code, by=by, via="export")
    if view.pdf_key is None or view.pdf_sha256 is None:
        raise UnknownResult(f"kết quả {view.code} chưa có PDF đã ký (hồ sơ {view.dossier}: {view.dossier_state})")
    entry = _stored_entry(ctx, view) or {"code": view.code, "type": view.type, "pages": view.pages}
    entry |= {
        "state": view.state,
        "dossier": {"code": view.dossier, "state": view.dossier_state},
        "pdf": {**entry.get("pdf", {}), "filename": f"{view.code}.pdf", "sha256": view.pdf_sha256},
        "signature": view.signature or entry.get("signature"),
        "approved": view.to_dict()["approved"],
        "fields": view.fields_dict(),
    }
    with staging(out_dir) as tmp:
        stored = ctx.store.download(view.pdf_key, tmp / f"{view.code}.pdf")
        if stored.sha256 != view.pdf_sha256:
            raise IntegrityError(f"the stored PDF of {view.code} is not the one recorded (sha256 differs)")
        (tmp / f"{view.code}.json").write_text(json.dumps(entry, ensure_ascii=False, indent=2) + "\n", "utf-8")
        written = [out_dir / f"{view.code}.pdf", out_dir / f"{view.code}.json"]
        for path in written:
            (tmp / path.name).replace(path)
        return written


def result_download_url(ctx: Context, code: str, expires_s: int | None = None, *, by: str) -> tuple[str, int]:
    """A short-lived download link for a result's signed PDF, and its lifetime in seconds.

    Whoever holds the link can download, so the caller must have authorized the requester for this
    result. The stored object's recorded sha256 must be the database's, so a link never points at a
    replaced PDF. ``PresignNotSupported`` on the local folder store (use ``export_result``). The link is
    recorded (``result.read`` via ``url``: its lifetime and the PDF's sha256, never the link itself) before
    it is returned.
    """
    view = show_result(ctx.engine, code)
    if view.pdf_key is None or view.pdf_sha256 is None:
        raise UnknownResult(f"kết quả {view.code} chưa có PDF đã ký (hồ sơ {view.dossier}: {view.dossier_state})")
    stored = ctx.store.stat(view.pdf_key)
    if stored is None:
        raise ObjectMissing(f"PDF đã ký của {view.code} không còn trong kho lưu trữ ({view.pdf_key})")
    if stored.sha256 != view.pdf_sha256:
        raise IntegrityError(f"PDF đã ký của {view.code} không khớp với bản đã ghi nhận")
    seconds = expires_s or ctx.settings.presign_expiry_s
    url = ctx.store.presigned_url(view.pdf_key, seconds)
    with session_scope(ctx.engine) as session:
        record_read(session, by=by, result=view.code, via="url", expires_s=seconds, pdf_sha256=view.pdf_sha256)
    return url, seconds


def _stored_entry(ctx: Context, view: ResultView) -> dict[str, Any] | None:
    """The result's entry in the dossier JSON written at processing (type label, PDF size...), if any."""
    try:
        data = json.loads(ctx.store.get_bytes(keys.result_json_key(view.dossier)))
    except ObjectMissing:
        return None
    return next((dict(d) for d in data.get("documents", []) if d.get("code") == view.code), None)


def attach_result(ctx: Context, dossier_code: str, result_code: str, *, by: str) -> bool:
    """Let an existing result stand for a component of a later dossier: the citizen brings no paper.

    The result's signed PDF is read back from the object store and must still hash to what was recorded,
    so only an intact result is reused. Returns False when it was already attached (idempotent).
    """
    by = clean_actor(by)
    view = show_result(ctx.engine, result_code)
    if view.pdf_key is None or view.pdf_sha256 is None:
        raise UnknownResult(f"kết quả {view.code} chưa có PDF đã ký, chưa dùng lại được")
    if view.dossier == dossier_code.strip():
        raise UnknownResult(f"kết quả {view.code} đã thuộc hồ sơ {view.dossier}")
    stored = ctx.store.stat(view.pdf_key)
    data = ctx.store.get_bytes(view.pdf_key)  # re-hashed on read: raises IntegrityError when corrupted
    if stored is None or hashlib.sha256(data).hexdigest() != view.pdf_sha256:
        raise IntegrityError(f"PDF đã ký của {view.code} không khớp với bản đã ghi nhận")
    with session_scope(ctx.engine) as session:
        repository.lock_audit_log(session)
        dossier = repository.get_dossier(session, dossier_code.strip())
        if dossier is None:
            raise UnknownResult(f"không có hồ sơ {dossier_code}")
        if not repository.attach(session, dossier.id, result_code=view.code, pdf_sha256=view.pdf_sha256, by=by):
            return False
        repository.append_audit(
            session, actor=by, action="result.attached", subject=dossier.code, payload={"result": view.code}
        )
    return True


def attached_results(engine: Engine, dossier_code: str) -> list[str]:
    """Codes of the results attached to a dossier, in the order they were attached."""

    with session_scope(engine) as session:
        dossier = repository.get_dossier(session, dossier_code.strip())
        if dossier is None:
            raise UnknownResult(f"không có hồ sơ {dossier_code}")
        return repository.attachments_of(session, dossier.id)


def load_result(ctx: Context, code: str) -> dict[str, Any]:
    """The stored result JSON of a finished dossier, brought up to date (``current_result``)."""
    return current_result(ctx, json.loads(ctx.store.get_bytes(keys.result_json_key(code))))


def current_result(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The result JSON as the database has it now: the dossier's state, and for each document its fields
    (corrections), its current PDF (the published one once approved), its signatures and approval.

    The JSON stored at processing time is immutable (put-if-absent); what changed since lives in the
    database, so every export goes through here."""
    with session_scope(ctx.engine) as s:
        dossier = repository.get_dossier(s, data["dossier"]["code"])
        if dossier is None:
            raise StorageError(f"no dossier {data['dossier']['code']}")
        data["dossier"]["state"] = dossier.state
    for doc in data["documents"]:
        view = show_result(ctx.engine, doc["code"])
        doc["fields"] = view.fields_dict()
        doc["signature"] = view.signature
        if view.auto_approval is not None:
            doc["approval"] = {**view.auto_approval, "approved_by": view.approved_by}
        if view.pdf_key and view.pdf_sha256:
            doc["pdf"] = {**doc["pdf"], "key": view.pdf_key, "sha256": view.pdf_sha256}
    return data
