"""The dossier lifecycle as functions: the orchestrator reads like the flow in DESIGN.md.

ingest -> store originals -> record dossier -> pages (clean + OCR, in parallel, saved one by one)
-> pdf -> extract -> sign -> store -> outputs. The embedded mode (``sohoa process``) calls
``process_dossier``; RQ jobs will call the same stage functions.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.ingest import ingest
from pipeline.models import PageResult, Source
from pipeline.ocr import check_languages
from sohoa.errors import BadInput, SecretDocument, SohoaError
from sohoa.settings import Settings
from storage import keys
from storage.repository import inputs_key_for
from storage.states import FINISHED_STATES
from workers import housekeeping, stages
from workers.context import Context, open_context
from workers.early import EarlyPages
from workers.fanout import finish_stages
from workers.outputs import staging
from workers.progress import Progress, silent
from workers.read_ahead import ReadAhead
from workers.refusal import check_not_refused, refuse
from workers.seals import seal_if_due
from workers.warm import SigningWarmer


@dataclass
class Outcome:
    """What a run produced: the dossier code and state, the files written, the result JSON."""

    dossier_code: str
    state: str
    already_seen: bool
    files: list[Path] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)


def process_dossier(
    inputs: list[Path],
    settings: Settings,
    out_dir: Path,
    *,
    progress: Progress = silent,
    early: EarlyPages | None = None,
) -> Outcome:
    """Take scans all the way to signed PDFs and a result JSON in ``out_dir``.

    Bad input raises ``BadInput`` before anything is stored or written. A dossier already seen (same
    sha256 of every input) is not processed again: its stored outputs are written out. ``early``: the
    same ``inputs`` validated and their pages started already (``workers.early``, the CLI's fast start).
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ingest-", dir=settings.data_dir) as scratch:
        sources = early.sources if early is not None else ingest(inputs, settings, Path(scratch))
        check_languages(settings.ocr_lang)  # a missing language pack fails here, before anything is stored
        progress("ingest", 1, 1)
        ctx = open_context(settings)
        housekeeping.sweep(ctx)  # what an earlier, killed run left behind
        key = inputs_key_for(s.sha256 for s in sources)
        check_not_refused(ctx, sources, key)  # a file refused before (a secret document) is not kept again
        dossier = stages.find_dossier(ctx, key)
        if dossier is not None and dossier.state in FINISHED_STATES:
            if early is not None:
                early.close()  # nothing to do: the pages started in vain stop here
            return _export_seen(ctx, dossier.code, out_dir)
        if dossier is None:
            dossier = stages.receive(ctx, sources, key)
        outcome = run_lifecycle(ctx, dossier.code, sources, out_dir, progress=progress, early=early)
    seal_if_due(ctx)  # the embedded mode has no daemon: the process that appended seals when due
    return outcome


def run_lifecycle(
    ctx: Context,
    code: str,
    sources: list[Source],
    out_dir: Path,
    *,
    progress: Progress = silent,
    early: EarlyPages | None = None,
) -> Outcome:
    """Every stage after reception, resumable: finished pages are not redone. The dossier's work folder is
    removed at the end, whatever the outcome: what lasts is in the object store and the database."""
    try:
        stages.set_state(ctx, code, "processing")
        warmer = SigningWarmer(ctx.settings)
        total = sum(s.page_count for s in sources)
        with ReadAhead(timeout_s=ctx.settings.tesseract_timeout_s, total_pages=total) as ahead:
            reading_ahead = ctx.settings.review_reread

            def on_page(page: PageResult) -> None:
                warmer.start()  # after the first page: the page pool has forked by then
                if reading_ahead:
                    ahead.page_done(page)

            pages = stages.ocr_pages(ctx, code, sources, progress=progress, on_page=on_page, early=early)
            warmer.join()
            read_ahead = ahead.readings if reading_ahead else None
            result = finish_stages(ctx, code, sources, pages, progress=progress, read_ahead=read_ahead)
    except SecretDocument as exc:
        refuse(ctx, code, exc)  # nothing of it is kept but a tombstone per input
        raise
    except BadInput as exc:
        stages.set_state(ctx, code, "rejected", reason=exc.one_line())
        raise
    except Exception as exc:
        reason = exc.one_line() if isinstance(exc, SohoaError) else f"{type(exc).__name__}: {exc}"
        stages.set_state(ctx, code, "failed", stage=stages.failed_stage(ctx, code, "processing"), reason=reason)
        raise
    finally:
        stages.remove_work_dir(ctx, code)  # pages are stored; a resumed run fetches what it needs
    files = write_outputs(ctx, result, out_dir)
    return Outcome(code, result["dossier"]["state"], False, files, result)


def _export_seen(ctx: Context, code: str, out_dir: Path) -> Outcome:
    result = stages.load_result(ctx, code)
    result["dossier"]["already_seen"] = True
    files = write_outputs(ctx, result, out_dir)
    return Outcome(code, result["dossier"]["state"], True, files, result)


def write_outputs(ctx: Context, result: dict[str, Any], out_dir: Path) -> list[Path]:
    """One signed PDF per document and the dossier JSON, copied from the object store (re-hashed)."""
    code = result["dossier"]["code"]
    written: list[Path] = []
    with staging(out_dir) as tmp:
        for doc in result["documents"]:
            name = doc["pdf"]["filename"]
            ctx.store.download(doc["pdf"].get("key") or keys.result_pdf_key(code, doc["code"]), tmp / name)
            written.append(out_dir / name)
        json_name = f"{code}.json"
        (tmp / json_name).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(out_dir / json_name)
        for path in written:
            (tmp / path.name).replace(path)
    return written
