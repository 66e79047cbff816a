"""The second reading: each extracted field's region read again with another recognizer setting.

Tesseract's confidence does not reveal a wrong tone mark, but the `Vietnamese` script model reading the
enlarged region in grey (seals and coloured ink suppressed, not binarized) rarely makes the same slip as
`vie` on the binarized page: binarization erases thin marks, and the two models confuse different ones.
When the two readings of a field disagree (compared after NFC, case, spacing and punctuation folding),
the field waits for a reviewer with the reason ``second_reading_differs``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from pipeline.doctypes import by_key
from pipeline.models import DocumentResult, FieldValue, PageResult
from pipeline.ocr import reread_regions
from pipeline.page_job import kept_grey
from pipeline.postcorrect import correct_tokens

# Fields whose value is not the text as printed (ISO dates, numbers) cannot be compared with a reading;
# their validators check them. Every other field with a region is read again.
NOT_REREAD_VALIDATORS = frozenset({"date_past", "date_any", "year", "positive", "count"})


def _fold(text: str) -> str:
    """Case, spacing and punctuation folded away; letters with their marks, and digits, kept."""
    text = unicodedata.normalize("NFC", text).casefold()
    return re.sub(r"[\W_]+", "", text)


def _fields(doc: DocumentResult) -> Iterable[FieldValue]:
    validators = {spec.key: spec.validator for spec in by_key(doc.type).schema}
    for key, value in doc.fields.items():
        if validators.get(key) in NOT_REREAD_VALIDATORS:
            continue
        yield from value if isinstance(value, list) else [value]


Box = tuple[int, int, int, int]
Readings = dict[int, tuple[tuple[Box, ...], list[str]]]  # page -> (the regions read, their texts)


def fields_to_reread(documents: list[DocumentResult], pages: Iterable[int]) -> dict[int, list[FieldValue]]:
    """Per page number, the fields read again there: those with a value and a region on that page."""
    numbers = set(pages)
    todo: dict[int, list[FieldValue]] = {}
    for doc in documents:
        for field in _fields(doc):
            if field.value and field.bbox is not None and field.page in numbers:
                todo.setdefault(field.page, []).append(field)
    return todo


def read_page_regions(page: PageResult, boxes: tuple[Box, ...], *, timeout_s: int = 60, nice: int = 0) -> list[str]:
    """The second reading of ``boxes`` on ``page``: its kept grey image, one Tesseract run for all."""
    image = kept_grey(page)
    if image is None:
        return []
    return reread_regions(image, list(boxes), timeout_s=timeout_s, nice=nice)


def second_reading(
    documents: list[DocumentResult],
    pages: list[PageResult],
    *,
    workers: int = 1,
    timeout_s: int = 60,
    known: Readings | None = None,
) -> int:
    """Re-read fields in place, marking disagreements; returns how many fields now need review.

    All fields of a page are read again in one Tesseract run (``read_page_regions``): one start-up per
    page rather than one per field, which kept the cost of this check small beside the page's own OCR.
    ``known`` holds readings made ahead (``workers.read_ahead``); one is used only when it read exactly
    the regions needed now, so a reading ahead can never stand in for a different extraction.
    """
    by_number = {p.number: p for p in pages}
    todo = fields_to_reread(documents, by_number)
    boxes = {n: tuple(f.bbox for f in fields) for n, fields in todo.items()}  # type: ignore[misc]
    known = known or {}

    def read_page(number: int) -> list[str]:
        ahead = known.get(number)
        if ahead is not None and ahead[0] == boxes[number]:
            return ahead[1]
        return read_page_regions(by_number[number], boxes[number], timeout_s=timeout_s)

    flagged = 0
    # Pages in parallel: Tesseract releases the GIL while it reads, so threads are enough to fill the cores.
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for number, readings in zip(todo, pool.map(read_page, todo), strict=True):
            for field, other in zip(todo[number], readings, strict=False):
                other = " ".join(correct_tokens(other.split()))  # the same post-correction as the first reading
                first, second = _fold(field.value or ""), _fold(other)
                if first and first not in second and second not in first:
                    field.reasons.append("second_reading_differs")
                    field.status = "needs_review"
                    flagged += 1
    return flagged
