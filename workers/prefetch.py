"""The speed-ups of ``sohoa process``, behind one seam, so the lifecycle reads the same without them.

Three things start before the flow needs them (the README's "What keeps sohoa process fast" has the
figures): pages started before the database layer was even imported (``workers.early``); signing's
modules, key and stamp font loaded in a low-priority thread once pages run (``workers.warm``); and the
second reading of each document whose pages are done, while later pages are still in OCR
(``workers.read_ahead``). ``NoPrefetch`` is the flow without any of them: the queue's fan-in, the
benchmarks, and tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from pipeline.models import PageResult, Source
from sohoa.settings import Settings
from workers.early import EarlyPages, move_images, start_early

if TYPE_CHECKING:
    from pipeline.second_reading import Readings


class NoPrefetch:
    """Nothing started ahead: every hook does nothing."""

    sources: list[Source] | None = None  # the inputs, validated already (so the flow need not ingest them)

    def begin(self, sources: list[Source]) -> None:
        """The dossier's inputs are known (validated)."""

    def pages(self, wanted: set[int], folder: Path) -> Iterator[PageResult] | None:
        """Pages already running for these numbers (their images moved into ``folder``), or ``None``."""
        return None

    def page_done(self, page: PageResult) -> None:
        """A page is in (saved): work that needed it may start."""

    def pages_done(self) -> Readings | None:
        """Every page is in: wait for what must finish before signing; the second readings made ahead."""
        return None

    def close(self) -> None:
        """Stop whatever still runs."""

    def __enter__(self) -> NoPrefetch:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class Prefetch(NoPrefetch):
    """``sohoa process``'s head start: early pages (optional), signing warm-up, reading ahead."""

    def __init__(self, settings: Settings, early: EarlyPages | None = None) -> None:
        # Imported here, not with this module: ``start`` forks the page processes first (workers.early).
        from workers.read_ahead import ReadAhead
        from workers.warm import SigningWarmer

        self.early = early
        self.sources = early.sources if early is not None else None
        self._warmer = SigningWarmer(settings)
        self._ahead = ReadAhead(timeout_s=settings.tesseract_timeout_s)
        self._reading_ahead = settings.review_reread

    @classmethod
    def start(cls, inputs: list[Path], settings: Settings) -> Prefetch:
        """Validate ``inputs`` and start their pages now (``workers.early``), before the database layer and
        the rest of the lifecycle are even imported; then the rest of the head start."""
        return cls(settings, start_early(inputs, settings))

    def begin(self, sources: list[Source]) -> None:
        self._ahead.expect(sum(s.page_count for s in sources))

    def pages(self, wanted: set[int], folder: Path) -> Iterator[PageResult] | None:
        if self.early is None or not wanted:  # with nothing wanted, the early pages are left to be stopped
            return None
        return (move_images(p, folder) for p in self.early.results() if p.number in wanted)

    def page_done(self, page: PageResult) -> None:
        self._warmer.start()  # after the first page: the page pool has forked by then
        if self._reading_ahead:
            self._ahead.page_done(page)

    def pages_done(self) -> Readings | None:
        self._warmer.join()  # two threads importing pyHanko at once can break its imports: signing waits
        return self._ahead.readings() if self._reading_ahead else None

    def close(self) -> None:
        self._ahead.__exit__(None, None, None)
        if self.early is not None:
            self.early.close()


NO_PREFETCH = NoPrefetch()
