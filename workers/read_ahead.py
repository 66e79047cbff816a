"""Reading fields ahead: the second reading of a document whose pages are done, while later pages are in OCR.

The second reading (``pipeline.second_reading``) costs ~0.25 s of Tesseract per page and needs the fields,
so it used to start only after the last page: on a 5-page dossier ~1 s of the fan-in, while during the
last page one of two cores sat idle. A document is complete as soon as a later page starts another one
(``pipeline.split``: a page only ever joins the newest document), so its fields can be extracted and read
again right then. These readings run at a lower priority (``nice``): pages keep the cores and reading
ahead takes what they leave. The fan-in still extracts as always and uses a reading made ahead only
for exactly the regions it needs (``second_reading(known=...)``); anything else is read again there.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from pipeline.documents import read_document
from pipeline.models import PageResult
from pipeline.second_reading import Box, Readings, fields_to_reread, read_page_regions
from pipeline.split import split_documents
from sohoa.errors import SohoaError

NICE = 10


class ReadAhead:
    """Feed it pages as they finish (``page_done``); ``readings()`` hands the fan-in what was read."""

    def __init__(self, *, timeout_s: int = 60, nice: int = NICE, total_pages: int | None = None) -> None:
        self._timeout_s = timeout_s
        self._total = total_pages  # with every page in, the last document is complete too
        self._nice = nice
        self._pages: dict[int, PageResult] = {}
        self._started: set[tuple[int, ...]] = set()
        self._reading: dict[int, tuple[tuple[Box, ...], Future[list[str]]]] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead")

    def expect(self, total_pages: int) -> None:
        """The dossier's page count: once that many pages are in, its last document is complete too."""
        self._total = total_pages

    def page_done(self, page: PageResult) -> None:
        """Note a finished page; start reading every document that is now complete."""
        self._pages[page.number] = page
        prefix: list[PageResult] = []
        while len(prefix) + 1 in self._pages:
            prefix.append(self._pages[len(prefix) + 1])
        groups = split_documents(prefix) if prefix else []
        complete = groups if len(prefix) == self._total else groups[:-1]  # else the last one may still grow
        for index, numbers in enumerate(complete, start=1):
            if tuple(numbers) in self._started:
                continue
            self._started.add(tuple(numbers))
            try:
                document = read_document(index, numbers, self._pages)
            except SohoaError:
                continue  # the fan-in meets the same problem and reports it
            for number, fields in fields_to_reread([document], numbers).items():
                boxes: tuple[Box, ...] = tuple(f.bbox for f in fields)  # type: ignore[misc]
                future = self._pool.submit(
                    read_page_regions, self._pages[number], boxes, timeout_s=self._timeout_s, nice=self._nice
                )
                self._reading[number] = (boxes, future)

    def readings(self) -> Readings:
        """Every reading made ahead, waiting for those still running; a failed one is left to the fan-in."""
        done: Readings = {}
        for number, (boxes, future) in self._reading.items():
            try:
                done[number] = (boxes, future.result())
            except Exception:  # the fan-in reads the page again and reports its own failure
                continue
        return done

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
