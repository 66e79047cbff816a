"""A dossier's record: find it, receive it, move its state, book its stages, and its work folder here.

Both modes go through these: the embedded lifecycle, the queue's page and fan-in jobs, the reconciler and
the service layer. Stage bookkeeping (``stage_run``) records each stage as running, then done or failed
with its error, so ``sohoa status`` can say where a dossier stopped.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from pipeline.models import Source
from sohoa.errors import BadInput, SohoaError, StorageError
from storage import keys, repository
from storage.db import session_scope
from storage.states import ACTIVE_STATES, APPROVED_STATES, SETTLING_STATES, STARTABLE_STATES
from storage.tables import DossierRow
from workers.context import Context
from workers.refusal import check_not_refused

# The receipt date in a dossier's code is the agency's calendar day, not the server's (often UTC): a dossier
# handed in at 06:30 in Hà Nội is 23:30 the day before in UTC.
AGENCY_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def agency_today() -> date:
    """Today's date where the agencies are (Asia/Ho_Chi_Minh): the day in dossier codes and the desk's list."""
    return datetime.now(AGENCY_TZ).date()


class UnknownDossier(BadInput):
    """No dossier has that code."""

    code = "unknown_dossier"


def get_row(session: Session, code: str) -> DossierRow:
    """The dossier ``code`` in the caller's transaction, or ``UnknownDossier``."""
    row = repository.get_dossier(session, code)
    if row is None:
        raise UnknownDossier(f"không có hồ sơ {code}", hint="kiểm tra mã hồ sơ")
    return row


def find(ctx: Context, inputs_key: str) -> DossierRow | None:
    """The dossier of these inputs (same sha256 of every input), detached from its session."""
    with session_scope(ctx.engine) as s:
        row = repository.find_dossier_by_inputs(s, inputs_key)
        if row is not None:
            s.expunge(row)
        return row


def receive(ctx: Context, sources: list[Source], inputs_key: str) -> DossierRow:
    """Store every original byte-exact, then record the dossier (``dossier.received``): nothing happens
    before this. An input refused before (a secret document: ``workers.refusal``) is refused again here."""
    check_not_refused(ctx, sources, inputs_key)
    source_keys = []
    for src in sources:
        key = keys.original_key(src.sha256)
        ctx.store.put_file(key, src.path, metadata={"sha256": src.sha256, "kind": src.kind}, content_type=_mime(src))
        source_keys.append(key)
    with session_scope(ctx.engine) as s:
        repository.lock_audit_log(s)
        row, created = repository.find_or_create_dossier(
            s,
            agency=ctx.settings.agency_code,
            day=agency_today(),
            inputs_key=inputs_key,
            sources=sources,
            source_keys=source_keys,
        )
        if created:
            repository.append_audit(
                s,
                actor=repository.SYSTEM_ACTOR,
                action="dossier.received",
                subject=row.code,
                payload={"sources": len(sources), "pages": sum(src.page_count for src in sources)},
            )
        s.flush()
        s.expunge(row)
        return row


def _mime(src: Source) -> str:
    return {"pdf": "application/pdf", "tiff": "image/tiff", "jpeg": "image/jpeg", "png": "image/png"}[src.kind]


def state(ctx: Context, code: str) -> str:
    """The dossier's state as stored now."""
    with session_scope(ctx.engine) as s:
        return get_row(s, code).state


def is_active(ctx: Context, code: str) -> bool:
    """Whether the dossier is still being processed; a dossier refused and purged meanwhile is not."""
    with session_scope(ctx.engine) as s:
        row = repository.get_dossier(s, code)
        return row is not None and row.state in ACTIVE_STATES


def set_state(ctx: Context, code: str, new: str, *, stage: str | None = None, reason: str | None = None) -> None:
    """Move the dossier to ``new`` (``storage.states.TRANSITIONS`` says which moves are allowed)."""
    with session_scope(ctx.engine) as s:
        repository.set_state(s, get_row(s, code), new, stage=stage, reason=reason)  # type: ignore[arg-type]


def start_processing(ctx: Context, code: str) -> str:
    """``received`` or ``failed`` -> ``processing``, recording a new attempt of the OCR stage; the new state.

    Tolerates another process doing the same meanwhile (two reconcilers, submit and a reconciler).
    """
    with session_scope(ctx.engine) as s:
        row = get_row(s, code)
        if row.state in STARTABLE_STATES:
            try:
                with s.begin_nested():
                    repository.set_state(s, row, "processing")
                    pages_left = sum(r.page_count for r in row.sources) > sum(1 for p in row.pages if p.image_key)
                    if pages_left:  # a dossier that failed after OCR does not show OCR running again
                        repository.stage_started(s, row.id, "ocr")
            except StorageError:  # changed meanwhile: take what is stored now
                pass
            s.refresh(row)
        return row.state


def failed_stage(ctx: Context, code: str, default: str) -> str:
    """The stage whose last run failed (or was left running by a killed process), else ``default``."""
    with session_scope(ctx.engine) as s:
        runs = repository.load_stage_runs(s, get_row(s, code).id)
    for wanted in ("failed", "running"):
        found = [r for r in runs.values() if r.state == wanted]
        if found:
            return max(found, key=lambda r: r.started_at).stage
    return default


def page_count(ctx: Context, code: str) -> int:
    """How many pages the dossier has (from its sources' page counts)."""
    with session_scope(ctx.engine) as s:
        return sum(r.page_count for r in get_row(s, code).sources)


def saved_pages(ctx: Context, code: str) -> set[int]:
    """Numbers of the pages whose result and stored image are recorded: the finished pages."""
    with session_scope(ctx.engine) as s:
        found = repository.load_page_image_keys(s, get_row(s, code).id)
    return {n for n, key in found.items() if key}


class stage_run:
    """Records a stage as running, then done or failed with its error, in the database."""

    def __init__(self, ctx: Context, code: str, name: str) -> None:
        self.ctx, self.code, self.name = ctx, code, name

    def __enter__(self) -> stage_run:
        with session_scope(self.ctx.engine) as s:
            repository.stage_started(s, get_row(s, self.code).id, self.name)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        with session_scope(self.ctx.engine) as s:
            dossier_id = get_row(s, self.code).id
            if exc is None:
                repository.stage_done(s, dossier_id, self.name)
            else:
                code = exc.code if isinstance(exc, SohoaError) else "internal"
                repository.stage_failed(s, dossier_id, self.name, code=code, message=str(exc)[:2000])


def work_dir(ctx: Context, code: str) -> Path:
    """The dossier's scratch folder on this machine (page JPEGs, unsigned PDFs, fetched sources): exists only
    while a process works on the dossier; what lasts is in the object store and the database."""
    path = ctx.settings.data_dir / "work" / code
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_work_dir(ctx: Context, code: str) -> None:
    """Remove the dossier's scratch folder on this machine."""
    shutil.rmtree(ctx.settings.data_dir / "work" / code, ignore_errors=True)


def next_state(session: Session, dossier: DossierRow) -> str:
    """The state the dossier's results call for, moving only forward through review and publication:
    ``processing`` ends in ``approved`` when every result is approved, else ``needs_review``;
    ``needs_review`` becomes ``approved`` with its last result; ``approved`` becomes ``published`` once
    every result carries its approval (the approval signature, or the recorded approval of a signed input
    passed through). Any other state stays as it is."""
    documents = repository.dossier_documents(session, dossier.id)
    current = dossier.state
    if not documents:
        return "needs_review" if current == "processing" else current
    all_approved = all(d.approved_at is not None for d in documents)
    if current in SETTLING_STATES:
        current = "approved" if all_approved else "needs_review"
    if current == "approved" and all((d.signature or {}).get("approval") for d in documents):
        current = "published"
    return current


def settle(session: Session, dossier: DossierRow, *, by: str) -> str:
    """Move the dossier to ``next_state`` in the caller's transaction, auditing its approval and publication;
    the state it is in afterwards. One rule for the store stage, reviewers' approvals and publishing."""
    target = next_state(session, dossier)
    if target == dossier.state:
        return target
    count = len(repository.dossier_documents(session, dossier.id))
    if target in APPROVED_STATES and dossier.state in SETTLING_STATES:
        repository.set_state(session, dossier, "approved")
        repository.append_audit(
            session, actor=by, action="dossier.approved", subject=dossier.code, payload={"results": count}
        )
    if target == "published":
        repository.set_state(session, dossier, "published")
        repository.append_audit(
            session, actor=by, action="dossier.published", subject=dossier.code, payload={"results": count}
        )
    elif target != "approved":
        repository.set_state(session, dossier, target)  # type: ignore[arg-type]
    return target
