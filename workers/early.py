"""Pages started before the database is opened: ``sohoa process`` starts OCR at once.

A ``sohoa process`` run spends ~0.4 s importing the database, storage and workers layers and opening the
dossier's records before its first page could start, with a core idle. Validating the inputs and OCR
need none of that, so the CLI validates and starts the page pool first (its processes fork then, holding
only what pages need) and imports the rest while the pages run. The lifecycle then takes the pages from
here (``stages.ocr_pages(early=...)``) and moves their images into the dossier's folder; a page the
database already has (a resumed dossier) is dropped, and an already finished dossier closes the pool.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from pipeline.ingest import ingest
from pipeline.models import PageResult, Source
from pipeline.ocr import engine
from pipeline.page_job import PageContext, reading_grey_path
from pipeline.pages import page_refs
from sohoa.errors import SohoaError
from sohoa.settings import Settings
from workers.pages import PagePool


class EarlyPages:
    """The dossier's validated sources and its pages already running; a context manager that cleans up."""

    def __init__(self, sources: list[Source], pool: PagePool, scratch: Path) -> None:
        self.sources = sources
        self.pool = pool
        self.scratch = scratch
        self._taken = False

    def results(self) -> Iterator[PageResult]:
        """Each page as it finishes (its images still in the scratch folder: see ``move_images``)."""
        self._taken = True
        return self.pool.results()

    def close(self) -> None:
        """Stop the pages nobody took (an already finished dossier) at once, then remove the scratch folder."""
        if self._taken:
            self.pool.close()
        else:
            self.pool.terminate()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> EarlyPages:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def start_early(inputs: list[Path], settings: Settings) -> EarlyPages | None:
    """Validate ``inputs`` and start their pages; ``None`` when there is no gain (one page, one worker)
    or the inputs are bad (the lifecycle then meets the same error and reports it as always)."""
    if settings.page_workers <= 1:
        return None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="early-", dir=settings.data_dir))
    try:
        sources = ingest(inputs, settings, scratch / "sources")
        refs = page_refs(sources)
        if len(refs) > 1:
            contexts = [PageContext(ref, sources[ref.source_index].filename, scratch, settings) for ref in refs]
            with engine(settings.ocr_lang):  # loaded once here, inherited by every page process the pool forks
                pass
            pool = PagePool(  # temp files in the scratch folder: killed pages leave nothing behind
                settings.page_workers, tmp_dir=scratch / "tmp", page_timeout_s=settings.page_job_timeout_s
            )
            return EarlyPages(sources, pool.start(contexts), scratch)
    except (SohoaError, OSError):
        pass  # bad input: the lifecycle validates again and reports it
    shutil.rmtree(scratch, ignore_errors=True)
    return None


def move_images(page: PageResult, folder: Path) -> PageResult:
    """Move the page's JPEG (and its grey reading image) into ``folder``; the page points at them there."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / page.image_path.name
    grey = reading_grey_path(page.image_path)
    if grey.is_file():
        grey.replace(reading_grey_path(target))
    page.image_path.replace(target)
    page.image_path = target
    return page
