"""The dossier lifecycle, as DESIGN.md draws it: receive -> pages -> extract -> pdf -> sign -> store -> publish.

``process_dossier`` is ``sohoa process`` (the embedded mode): all of it in this process. ``finish`` is the
part after the pages, which the queue's fan-in job runs too (``workers.fanout``), so both modes take the
same stages in the same order. Each stage is one function of ``workers.stages``; what a stage records about
the dossier goes through ``workers.dossiers``. The speed-ups of ``sohoa process`` (pages started before the
database opened, signing loaded meanwhile, fields read ahead) come in through one object, ``prefetch``
(``workers.prefetch``), and the flow reads the same without them.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.ingest import ingest
from pipeline.models import PageResult, Source
from pipeline.ocr import check_languages
from pipeline.procedure_catalogue import Procedure
from pipeline.second_reading import Readings
from sohoa import __version__
from sohoa.errors import BadInput, SecretDocument, SohoaError
from sohoa.settings import Settings
from storage.repository import inputs_key_for
from storage.states import FINISHED_STATES
from storage.tables import DossierRow
from workers import dossiers, housekeeping, stages
from workers.context import Context, open_context
from workers.outputs import write_outputs
from workers.prefetch import NO_PREFETCH, NoPrefetch
from workers.procedure_reception import Recorded, record_procedure, with_procedure
from workers.progress import Progress, silent
from workers.publish import publish_approved
from workers.refusal import check_not_refused, refuse
from workers.results import current_result, load_result
from workers.seals import seal_if_due
from workers.signed_inputs import judge_signed_inputs

log = logging.getLogger("sohoa.lifecycle")


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
    prefetch: NoPrefetch = NO_PREFETCH,
    procedure: Procedure | None = None,
) -> Outcome:
    """Take scans all the way to signed PDFs and a result JSON in ``out_dir``.

    Bad input raises ``BadInput`` before anything is stored or written. A dossier already seen (same
    sha256 of every input) is not processed again: its stored outputs are written out. With ``procedure``
    (recorded on the dossier with its due date, unless it has one already, which it keeps) the JSON also says
    which component each document fulfils and what is missing (never a refusal).
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with prefetch, tempfile.TemporaryDirectory(prefix="ingest-", dir=settings.data_dir) as scratch:
        sources = prefetch.sources or ingest(inputs, settings, Path(scratch))
        check_languages(settings.ocr_lang)  # a missing language pack fails here, before anything is stored
        progress("ingest", 1, 1)
        ctx = open_context(settings)
        housekeeping.sweep(ctx)  # what an earlier, killed run left behind
        dossier = receive(ctx, sources)
        recorded = record_procedure(ctx, dossier.code, procedure) if procedure is not None else None
        if dossier.state in FINISHED_STATES:  # seen before: its stored outputs, nothing processed again
            result = with_procedure(ctx, load_result(ctx, dossier.code))
            result["dossier"]["already_seen"] = True
            _tell_kept(result, recorded)
            return Outcome(dossier.code, dossier.state, True, write_outputs(ctx, result, out_dir), result)
        prefetch.begin(sources)
        result = run(ctx, dossier.code, sources, progress=progress, prefetch=prefetch)
    _tell_kept(result, recorded)  # resumed with another procedure: say so
    seal_if_due(ctx)  # the embedded mode has no daemon: the process that appended seals when due
    state = result["dossier"]["state"]
    return Outcome(dossier.code, state, False, write_outputs(ctx, result, out_dir), result)


def _tell_kept(result: dict[str, Any], recorded: Recorded | None) -> None:
    """A procedure asked for but not applied (the dossier has another) heads the procedure's findings."""
    kept = recorded.finding() if recorded is not None else None
    if kept is not None and result.get("procedure"):
        result["procedure"]["findings"].insert(0, kept)


def receive(ctx: Context, sources: list[Source]) -> DossierRow:
    """The dossier of these inputs: the one seen before, or a new one (originals stored, then recorded).

    A file refused before (a secret document) is refused again here, before anything is kept."""
    key = inputs_key_for(s.sha256 for s in sources)
    check_not_refused(ctx, sources, key)
    return dossiers.find(ctx, key) or dossiers.receive(ctx, sources, key)


def run(
    ctx: Context, code: str, sources: list[Source], *, progress: Progress = silent, prefetch: NoPrefetch = NO_PREFETCH
) -> dict[str, Any]:
    """Every stage after reception; resumable, since finished pages are not redone. Returns the result JSON."""
    with _settled(ctx, code):
        dossiers.set_state(ctx, code, "processing")
        pages = stages.ocr_pages(ctx, code, sources, progress=progress, prefetch=prefetch)
        return finish(ctx, code, sources, pages, progress=progress, read_ahead=prefetch.pages_done())


def finish(
    ctx: Context,
    code: str,
    sources: list[Source],
    pages: list[PageResult],
    *,
    progress: Progress = silent,
    read_ahead: Readings | None = None,
) -> dict[str, Any]:
    """extract -> pdf -> sign -> store -> publish, once every page is in: the same in both modes.

    Raises whatever a stage raises; the caller (``run``, or the queue's job boundary) decides what state
    the dossier takes, since a queue job that will be retried must not mark the dossier failed.
    """
    signed_inputs = judge_signed_inputs(ctx, code, sources, dossiers.work_dir(ctx, code) / "signed")
    documents = stages.extract(ctx, code, pages, signed_inputs)
    progress("extract", 1, 1)
    with stages.read_again(ctx, documents, pages, known=read_ahead):  # review reasons only: PDFs need not wait
        pdfs = stages.assemble_pdfs(ctx, code, documents, pages, signed_inputs)
        progress("pdf", 1, 1)
        signed = stages.sign(ctx, code, documents, pdfs, pages, signed_inputs)
        progress("sign", 1, 1)
    result = stages.store(ctx, code, sources, pages, signed, generator=f"sohoa {__version__}")
    progress("store", 1, 1)
    if ctx.settings.publish_on_approval:
        for problem in publish_approved(ctx, code):  # the results sohoa approved by itself
            log.warning("not published yet (sohoa publish retries): %s", problem)
        progress("publish", 1, 1)
    return current_result(ctx, result)


@contextmanager
def _settled(ctx: Context, code: str) -> Iterator[None]:
    """Whatever happens in the block, the dossier ends in a state that says so, and its work folder goes:
    a secret document refuses and purges it, bad input rejects it, anything else marks it ``failed`` at the
    stage that failed (a re-run resumes there)."""
    try:
        yield
    except SecretDocument as exc:
        refuse(ctx, code, exc)  # nothing of it is kept but a tombstone per input
        raise
    except BadInput as exc:
        dossiers.set_state(ctx, code, "rejected", reason=exc.one_line())
        raise
    except Exception as exc:
        reason = exc.one_line() if isinstance(exc, SohoaError) else f"{type(exc).__name__}: {exc}"
        dossiers.set_state(ctx, code, "failed", stage=dossiers.failed_stage(ctx, code, "processing"), reason=reason)
        raise
    finally:
        dossiers.remove_work_dir(ctx, code)  # pages are stored; a resumed run fetches what it needs
