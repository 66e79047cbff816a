"""The queue's side of the lifecycle: what a worker runs from ids alone, one page, then the fan-in.

The embedded mode hands ``Source`` objects and page results from one stage to the next in memory; a queue
job gets only a dossier code and a page number. Everything else comes from the two places every worker
shares: the database (dossier, sources, saved pages) and the object store (originals, page images). So a
page done on one machine can be assembled on another, and a job that runs twice finds its page saved and
does nothing (one page row per dossier and number, put-if-absent objects). The fan-in runs the same
stages as the embedded mode (``lifecycle.finish``).

Local files under ``SOHOA_DATA_DIR/work/<code>`` are only a cache: a worker that lacks one fetches it
from the store.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from pipeline.extract import secret_document
from pipeline.ingest import ingest_file
from pipeline.models import PageResult, Source
from pipeline.page_job import PageContext, process_page
from pipeline.pages import page_refs
from sohoa.errors import SohoaError
from storage import repository
from storage.db import session_scope
from workers import dossiers, lifecycle, stages
from workers.context import Context


def ocr_page(ctx: Context, code: str, number: int) -> PageResult | None:
    """The page job: clean and OCR page ``number`` and save it (images to the store, then the row).

    Returns ``None`` when there is nothing to do: the page is already saved, or the dossier is no longer
    active (failed, rejected, refused or finished meanwhile). A secrecy mark raises ``SecretDocument``
    before anything of the page is stored (the job boundary refuses the dossier).
    """
    if not dossiers.is_active(ctx, code) or number in dossiers.saved_pages(ctx, code):
        return None
    sources = sources_of(ctx, code, fetch=True)
    refs = page_refs(sources)
    if not 1 <= number <= len(refs):
        raise SohoaError(f"hồ sơ {code} không có trang {number}")
    ref = refs[number - 1]
    page = process_page(
        PageContext(ref, sources[ref.source_index].filename, dossiers.work_dir(ctx, code), ctx.settings)
    )
    if page.secrecy:
        raise secret_document(page.secrecy, page.number)
    return page if stages.save_page(ctx, code, page) else None


def finish(ctx: Context, code: str) -> dict[str, Any] | None:
    """The fan-in job: once every page is saved, the rest of the lifecycle (``lifecycle.finish``).

    ``None`` when the dossier is not active any more (another run finished it, or it failed).
    """
    if not dossiers.is_active(ctx, code):
        return None
    total, done = dossiers.page_count(ctx, code), dossiers.saved_pages(ctx, code)
    missing = sorted(set(range(1, total + 1)) - done)
    if missing:
        raise SohoaError(f"hồ sơ {code} còn thiếu trang {missing[:10]}", hint="sohoa reconcile sẽ xếp lại các trang")
    with session_scope(ctx.engine) as s:
        repository.stage_done(s, dossiers.get_row(s, code).id, "ocr")
    pages = stages.localize_pages(ctx, code)
    result = lifecycle.finish(ctx, code, sources_of(ctx, code, fetch=False), pages)
    dossiers.remove_work_dir(ctx, code)  # this machine's page images and sources: all in the store
    return result


def sources_of(ctx: Context, code: str, *, fetch: bool) -> list[Source]:
    """The dossier's sources from the database; with ``fetch``, their bytes from the object store.

    A fetched original is validated again (``ingest_file``), which also remakes the repaired or decrypted
    copy that pages are rendered from: that copy is derived data, so it is never stored. The validation's
    outcome is kept beside the local copy (``*.ingested.json``), so the next page job on this machine
    skips hashing and opening the file again (~25 ms a page).
    """
    with session_scope(ctx.engine) as s:
        found = dossiers.get_row(s, code).sources
        rows = [
            (r.object_key, r.filename, r.sha256, r.kind, r.size, r.page_count, tuple(r.notes), r.traits or {})
            for r in found
        ]
    folder = dossiers.work_dir(ctx, code) / "sources"
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
