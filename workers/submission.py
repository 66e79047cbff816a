"""Handing a dossier in to the queue (distributed mode), its status and retry; and the reception check.

``submit`` does in the desk's process only what must happen before a receipt: validate, run the
reception check, store the originals, record the dossier; then it enqueues one job per page and returns.
If Redis is down at that moment nothing is lost: the dossier is recorded, and the reconciler enqueues it.
"""

from __future__ import annotations

import base64
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.ingest import ingest
from pipeline.models import PageRef, Source
from pipeline.pages import page_refs, rasterize
from pipeline.procedure_catalogue import Procedure
from pipeline.quality import check_page
from sohoa.errors import BadInput
from sohoa.settings import Settings
from storage import repository
from storage.db import session_scope
from storage.states import ACTIVE_STATES
from workers import dossiers, queues
from workers.context import Context, open_context
from workers.procedure_reception import Recorded, record_procedure
from workers.reconcile import ensure_jobs


class NotFailed(BadInput):
    """``retry`` of a dossier that has not failed: nothing to resume."""

    code = "not_failed"


@dataclass
class Receipt:
    """What the desk gets at once: the dossier code, its pages, the reception check's findings."""

    code: str
    state: str
    pages: int
    already_seen: bool
    queued: bool
    rescan: list[int] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    procedure: dict[str, Any] | None = None  # the procedure handed in for and its components, awaiting processing
    due_on: date | None = None  # ngày hẹn trả, from the procedure's processing time

    @property
    def waiting_for_queue(self) -> bool:
        """Recorded but not enqueued (Redis was unreachable): the reconciler enqueues it later."""
        return not self.queued and self.state in ACTIVE_STATES

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "state": self.state,
            "pages": self.pages,
            "already_seen": self.already_seen,
            "queued": self.queued,
            "rescan": self.rescan,
            "findings": self.findings,
        } | (self._procedure_dict() if self.procedure else {})

    def _procedure_dict(self) -> dict[str, Any]:
        return {"procedure": self.procedure, "due_on": self.due_on.isoformat() if self.due_on else None}


THUMBNAIL_WIDTH = 160


def thumbnail(rgb: Any, width: int = THUMBNAIL_WIDTH) -> str:
    """A small JPEG of a page as a ``data:`` URI: the desk shows each page beside its verdict."""
    import cv2

    height = max(1, round(rgb.shape[0] * width / rgb.shape[1]))
    small = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 70])
    return "data:image/jpeg;base64," + base64.b64encode(jpeg.tobytes()).decode() if ok else ""


def reception_check(
    sources: list[Source], settings: Settings, *, thumbnails: bool = False, first_page: int = 1
) -> list[dict[str, Any]]:
    """The reception check of every page (no OCR, nothing stored): per page its number, source, resolution
    (measured when it can be), whether it should be scanned again, findings worst first and the measures
    (and, with ``thumbnails``, a small image of the page). Pages are numbered from ``first_page``: a page
    rescanned alone keeps its number in the dossier, in its verdict's words too."""

    def one(ref: PageRef) -> dict[str, Any]:
        raster = rasterize(ref, settings)
        check = check_page(raster.rgb, number=ref.number, dpi=raster.dpi, dpi_estimated=raster.dpi_estimated)
        extra = {"thumbnail": thumbnail(raster.rgb)} if thumbnails else {}
        return extra | {
            "number": ref.number,
            "source": sources[ref.source_index].filename,
            "source_index": ref.source_index,
            "source_page": ref.index_in_source + 1,
            "dpi": check.measures.dpi_measured or check.measures.dpi_claimed,
            "dpi_file": check.measures.dpi_claimed,
            "rescan": check.needs_rescan,
            "findings": check.findings,
            "measures": check.to_dict()["measures"],
        }

    with ThreadPoolExecutor(max_workers=settings.page_workers) as pool:  # pdftoppm/OpenCV run outside the GIL
        refs = [replace(ref, number=ref.number + first_page - 1) for ref in page_refs(sources)]
        return list(pool.map(one, refs))


def check_inputs(
    inputs: list[Path], settings: Settings, *, thumbnails: bool = False, first_page: int = 1
) -> dict[str, Any]:
    """``sohoa check``: the reception check of a dossier's inputs, ``{"ok", "rescan", "pages"}``. A repaired
    copy of a damaged PDF is written to a temporary folder, never the data folder."""
    with tempfile.TemporaryDirectory(prefix="sohoa-check-") as scratch:
        pages = reception_check(
            ingest(inputs, settings, Path(scratch)), settings, thumbnails=thumbnails, first_page=first_page
        )
    rescan = [p["number"] for p in pages if p["rescan"]]
    return {"ok": not rescan, "rescan": rescan, "pages": pages}


def submit(
    inputs: list[Path],
    settings: Settings,
    ctx: Context | None = None,
    *,
    check: bool = True,
    procedure: Procedure | None = None,
) -> Receipt:
    """Validate, check, store the originals, record the dossier (and its ``procedure`` with the due date,
    before any job can run) and enqueue its pages; return a receipt.

    Bad input raises ``BadInput`` before anything is stored. The same inputs again give the same dossier,
    which keeps the procedure it was first received for (the receipt says so when another was chosen).
    ``check=False`` skips the reception check (the desk ran it while the clerk looked at the pages), so the
    receipt comes in the time of hashing and storing; the pages' findings then come with processing.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="submit-", dir=settings.data_dir) as scratch:
        sources = ingest(inputs, settings, Path(scratch))
        pages = (
            reception_check(sources, settings)
            if check
            else [{"number": r.number, "rescan": False, "findings": []} for r in page_refs(sources)]
        )
        ctx = ctx or open_context(settings)
        key = repository.inputs_key_for(s.sha256 for s in sources)
        dossier = dossiers.find(ctx, key)
        seen = dossier is not None
        if dossier is None:
            dossier = dossiers.receive(ctx, sources, key)
    code = dossier.code
    recorded = record_procedure(ctx, code, procedure) if procedure is not None else None
    queued = False
    if dossiers.state(ctx, code) in ACTIVE_STATES:
        try:
            conn = queues.connect(settings)
            dossiers.start_processing(ctx, code)
            ensure_jobs(ctx, conn, code, replace_failed=False)
            queued = True
        except queues.QueueUnavailable:
            queued = False  # recorded; the reconciler enqueues it when Redis is back
    findings = [dict(f, page=p["number"]) for p in pages for f in p["findings"]]
    kept = recorded.finding() if recorded is not None else None
    return Receipt(
        code=code,
        state=dossiers.state(ctx, code),
        pages=len(pages),
        already_seen=seen,
        queued=queued,
        rescan=[p["number"] for p in pages if p["rescan"]],
        findings=([kept] if kept else []) + findings,
        procedure=asked_for(ctx, recorded, procedure) if recorded is not None else None,
        due_on=recorded.due_on if recorded is not None else None,
    )


def asked_for(ctx: Context, recorded: Recorded, chosen: Procedure) -> dict[str, Any]:
    """The receipt's procedure before processing: the one the dossier is recorded for (the chosen one, unless
    the dossier already had another) and the components it asks for, awaiting the documents' classification."""
    from workers.procedure_reception import procedure as find

    proc = chosen if recorded.code == chosen.code else find(ctx.settings, recorded.code)
    return {
        "code": proc.code,
        "name": proc.name,
        "processing_days": proc.processing_days,
        "components": [c.to_dict() | {"status": "awaiting"} for c in proc.components],
    }


def status(ctx: Context, code: str, conn: Any | None = None) -> dict[str, Any]:
    """The dossier's state, reason, per-stage progress and, when Redis is reachable, its jobs in flight."""
    with session_scope(ctx.engine) as s:
        row = dossiers.get_row(s, code)
        runs = repository.load_stage_runs(s, row.id)
        info: dict[str, Any] = {
            "code": row.code,
            "state": row.state,
            "failed_stage": row.failed_stage,
            "reason": row.reason,
            "received_at": row.created_at.isoformat(timespec="seconds") if row.created_at else None,
            "procedure": row.procedure,
            "due_on": row.due_on.isoformat() if row.due_on else None,
            "documents": [d.code for d in row.documents],
            "stages": {
                name: {
                    "state": r.state,
                    "attempt": r.attempt,
                    "error": r.error_message,
                }
                for name, r in runs.items()
            },
        }
    total, done = dossiers.page_count(ctx, code), dossiers.saved_pages(ctx, code)
    info["pages"] = {"done": len(done), "total": total}
    if conn is not None:
        ids = [queues.page_job_id(code, n) for n in range(1, total + 1)] + [queues.finish_job_id(code)]
        statuses = {job_id: queues.job_status(conn, job_id) for job_id in ids}
        info["jobs"] = {job_id: st for job_id, st in statuses.items() if st is not None}
    return info


def retry(ctx: Context, conn: Any, code: str) -> list[str]:
    """Resume a ``failed`` dossier: back to ``processing``, and its missing work enqueued again."""
    state = dossiers.state(ctx, code)
    if state != "failed":
        raise NotFailed(f"hồ sơ {code} đang ở trạng thái {state}, không phải failed", hint="chỉ thử lại hồ sơ lỗi")
    dossiers.start_processing(ctx, code)
    return ensure_jobs(ctx, conn, code, replace_failed=True)
