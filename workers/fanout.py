"""The lifecycle's stages in a form any worker can run from ids alone: one page, then the fan-in.

Why a separate module: the embedded mode hands ``Source`` objects and page results from one stage to
the next in memory; a queue job gets only a dossier code and a page number. Everything else comes
from the two places every worker shares: the database (dossier, sources, saved pages) and the object
store (originals, page images). So a page done on one machine can be assembled on another, and a job
that runs twice finds its page saved and does nothing (the page row is unique per dossier and number,
objects are put-if-absent under keys made of the dossier code and page number).

Local files under ``SOHOA_DATA_DIR/work/<code>`` are only a cache: a worker that lacks one fetches it
from the store.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pipeline.extract import secret_document
from pipeline.ingest import ingest_file
from pipeline.models import PageResult, Source
from pipeline.page_job import PageContext, process_page
from pipeline.pages import page_refs
from sohoa import __version__
from sohoa.errors import SohoaError, StorageError
from storage import repository
from storage.db import session_scope
from storage.states import ACTIVE_STATES
from storage.tables import DossierRow
from workers import stages
from workers.context import Context
from workers.progress import Progress, silent
from workers.publish import publish_approved
from workers.review_reading import Readings
from workers.signed_inputs import judge_signed_inputs

log = logging.getLogger("sohoa.fanout")


def _row(session: Any, code: str) -> DossierRow:
    row = repository.get_dossier(session, code)
    if row is None:
        raise SohoaError(f"không có hồ sơ {code}", hint="kiểm tra mã hồ sơ")
    return row


def dossier_state(ctx: Context, code: str) -> str:
    """The dossier's state as stored now."""
    with session_scope(ctx.engine) as s:
        return _row(s, code).state


def is_active(ctx: Context, code: str) -> bool:
    """Whether the dossier is still being processed; a dossier refused and purged meanwhile is not."""
    with session_scope(ctx.engine) as s:
        row = repository.get_dossier(s, code)
        return row is not None and row.state in ACTIVE_STATES


def sources_of(ctx: Context, code: str, *, fetch: bool) -> list[Source]:
    """The dossier's sources from the database; with ``fetch``, their bytes from the object store.

    A fetched original is validated again (``ingest_file``), which also remakes the repaired or decrypted
    copy that pages are rendered from: that copy is derived data, so it is never stored. The validation's
    outcome is kept beside the local copy (``*.ingested.json``), so the next page job on this machine
    skips hashing and opening the file again (~25 ms a page).
    """
    with session_scope(ctx.engine) as s:
        found = _row(s, code).sources
        rows = [
            (r.object_key, r.filename, r.sha256, r.kind, r.size, r.page_count, tuple(r.notes), r.traits or {})
            for r in found
        ]
    folder = stages.work_dir(ctx, code) / "sources"
    sources = []
    for index, (key, filename, sha, kind, size, pages, notes, traits) in enumerate(rows):
        active = tuple(traits.get("active_content") or ())
        kept = {"signatures": int(traits.get("signatures") or 0), "active_content": active}
        if not fetch:
            sources.append(Source(Path(key), Path(key), filename, sha, kind, size, pages, notes, **kept))  # type: ignore[arg-type]
            continue
        folder.mkdir(parents=True, exist_ok=True)
        local = folder / f"{index:03d}-{sha[:16]}"
        if not local.is_file():
            ctx.store.download(key, local)  # re-hashed against the stored sha256
        src = _validated(local, ctx.settings, folder / f"{index:03d}-readable")
        sources.append(dataclasses.replace(src, filename=filename, notes=notes, **kept))
    return sources


def _validated(local: Path, settings: Any, readable_dir: Path) -> Source:
    """``ingest_file(local)``, or what it found the last time on this machine (see ``sources_of``)."""
    marker = local.with_name(local.name + ".ingested.json")
    try:
        known = json.loads(marker.read_text(encoding="utf-8"))
        readable = Path(known["readable"])
        if readable.is_file():
            return Source(local, readable, local.name, known["sha256"], known["kind"], known["size"],
                          known["page_count"], tuple(known["notes"]))  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError):
        pass
    readable_dir.mkdir(parents=True, exist_ok=True)
    src = ingest_file(local, settings, readable_dir)
    found = {"readable": str(src.readable), "sha256": src.sha256, "kind": src.kind, "size": src.size,
             "page_count": src.page_count, "notes": list(src.notes)}  # fmt: skip
    tmp = marker.with_name(marker.name + f".{os.getpid()}.part")
    tmp.write_text(json.dumps(found), encoding="utf-8")
    tmp.replace(marker)  # whole or absent
    return src


def page_count(ctx: Context, code: str) -> int:
    """How many pages the dossier has (from its sources' page counts)."""
    with session_scope(ctx.engine) as s:
        return sum(r.page_count for r in _row(s, code).sources)


def saved_pages(ctx: Context, code: str) -> set[int]:
    """Numbers of the pages whose result and stored image are recorded: the finished pages."""
    with session_scope(ctx.engine) as s:
        found = repository.load_page_image_keys(s, _row(s, code).id)
    return {n for n, key in found.items() if key}


def ocr_page(ctx: Context, code: str, number: int) -> PageResult | None:
    """Clean and OCR page ``number`` and save it (images to the store first, then the row); idempotent.

    Returns ``None`` when there is nothing to do: the page is already saved, or the dossier is no longer
    active (failed, rejected or finished meanwhile).
    """
    if not is_active(ctx, code) or number in saved_pages(ctx, code):
        return None
    sources = sources_of(ctx, code, fetch=True)
    refs = page_refs(sources)
    if not 1 <= number <= len(refs):
        raise SohoaError(f"hồ sơ {code} không có trang {number}")
    ref = refs[number - 1]
    page = process_page(PageContext(ref, sources[ref.source_index].filename, stages.work_dir(ctx, code), ctx.settings))
    if page.secrecy:  # refused before anything of this page is stored (workers.jobs purges the dossier)
        raise secret_document(page.secrecy, page.number)
    return page if stages.save_page(ctx, code, page) else None


def finish_stages(
    ctx: Context,
    code: str,
    sources: list[Source],
    pages: list[PageResult],
    *,
    progress: Progress = silent,
    read_ahead: Callable[[], Readings] | None = None,
) -> dict[str, Any]:
    """extract -> pdf -> sign -> store, shared by both modes; returns the result JSON.

    Raises whatever a stage raises; the caller (the embedded lifecycle, or the job boundary) decides what
    state the dossier takes, since a queue job that will be retried must not mark the dossier failed.
    ``read_ahead`` gives second readings already made while pages ran (``workers.read_ahead``).
    """
    signed_inputs = judge_signed_inputs(ctx, code, sources, stages.work_dir(ctx, code) / "signed")
    passed = {i for i, v in signed_inputs.items() if v.passed_through}
    documents = stages.extract(ctx, code, pages, whole_sources=passed)
    progress("extract", 1, 1)
    by_number = {p.number: p for p in pages}
    kept = {d.index for d in documents if stages.source_of(d, by_number) in passed}

    def reread() -> None:
        stages.reread_fields(ctx, documents, pages, known=read_ahead() if read_ahead else None)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="reread") as background:
        # The second reading adds review reasons only, so PDFs and signatures need not wait for it.
        reading = background.submit(reread)
        unsigned = stages.assemble_pdfs(ctx, code, documents, pages, skip=kept)
        progress("pdf", 1, 1)
        signed = stages.sign(ctx, code, documents, unsigned, pages, signed_inputs)
        progress("sign", 1, 1)
        reading.result()
    result = stages.store(ctx, code, sources, pages, signed, generator=f"sohoa {__version__}")
    progress("store", 1, 1)
    if ctx.settings.publish_on_approval:
        for problem in publish_approved(ctx, code):
            log.warning("not published yet (sohoa publish retries): %s", problem)
        progress("publish", 1, 1)
    return stages.current_result(ctx, result)


def finish(ctx: Context, code: str) -> dict[str, Any] | None:
    """The fan-in: once every page is saved, assemble, extract, sign and store the dossier.

    ``None`` when the dossier is not active any more (another run finished it, or it failed).
    """
    if not is_active(ctx, code):
        return None
    total, done = page_count(ctx, code), saved_pages(ctx, code)
    missing = sorted(set(range(1, total + 1)) - done)
    if missing:
        raise SohoaError(f"hồ sơ {code} còn thiếu trang {missing[:10]}", hint="sohoa reconcile sẽ xếp lại các trang")
    with session_scope(ctx.engine) as s:
        repository.stage_done(s, _row(s, code).id, "ocr")
    pages = stages.localize_pages(ctx, code)
    result = finish_stages(ctx, code, sources_of(ctx, code, fetch=False), pages)
    stages.remove_work_dir(ctx, code)  # this machine's page images and sources: all in the store
    return result


def start_processing(ctx: Context, code: str) -> str:
    """``received`` or ``failed`` -> ``processing``, recording a new attempt of the OCR stage; the new state.

    Tolerates another process doing the same meanwhile (two reconcilers, submit and a reconciler).
    """
    with session_scope(ctx.engine) as s:
        row = _row(s, code)
        if row.state in ("received", "failed"):
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
