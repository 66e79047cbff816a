"""The second reading: each extracted field's region read again with another recognizer setting.

Tesseract's confidence does not reveal a wrong tone mark, but the `Vietnamese` script model reading the
enlarged region in grey (seals and coloured ink suppressed, not binarized) rarely makes the same slip as
`vie` on the binarized page: binarization erases thin marks, and the two models confuse different ones.
When the two readings of a field disagree (compared after NFC, case, spacing and punctuation folding),
the field waits for a reviewer with the reason ``second_reading_differs``.

The second reading gets the same corrections as the first (the page's post-correction, then the field
kind's: a ward's name from the commune list, a title from the titles'), so it does not disagree over a
slip the first reading's corrections already put right. And it counts against the first only when it could
be the field's value at all: every word a possible Vietnamese syllable, and the field's format rule met.
"LONG XUYEÊN", "ch OP GB?" or "KT, CHỦ TỊCH" (for "KT.") are the second recognizer's own slips, not a
doubt about "LONG XUYÊN"; a disagreement between two possible values ("THỦY", "THÙY") still waits, and so
does any disagreement over a value with digits (an ID one digit off is still a well-formed ID).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from pipeline import validators
from pipeline.doctypes import FieldSpec, by_key
from pipeline.field_flags import syllables_ok
from pipeline.field_marks import correct_value
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


def _fields(doc: DocumentResult) -> Iterable[tuple[FieldSpec | None, FieldValue]]:
    specs = {spec.key: spec for spec in by_key(doc.type).schema}
    for key, value in doc.fields.items():
        spec = specs.get(key)
        if spec is not None and spec.validator in NOT_REREAD_VALIDATORS:
            continue
        yield from ((spec, v) for v in (value if isinstance(value, list) else [value]))


def corrected(spec: FieldSpec | None, text: str) -> str:
    """The second reading with the corrections the first had: the page's, then the field kind's."""
    text = " ".join(correct_tokens(text.split()))
    return correct_value(text, spec.vocabulary, spec.validator) if spec is not None else text


def could_be_value(spec: FieldSpec | None, text: str) -> bool:
    """Whether a reading could be the field's value: its words possible syllables, its format the field's."""
    core = text.strip(" ,.;:")
    if not core or not syllables_ok(core):
        return False
    return spec is None or not validators.validate(spec.validator, core)


Box = tuple[int, int, int, int]
Readings = dict[int, tuple[tuple[Box, ...], list[str]]]  # page -> (the regions read, their texts)


def fields_to_reread(documents: list[DocumentResult], pages: Iterable[int]) -> dict[int, list[FieldValue]]:
    """Per page number, the fields read again there: those with a value and a region on that page."""
    numbers = set(pages)
    todo: dict[int, list[FieldValue]] = {}
    for doc in documents:
        for _, field in _fields(doc):
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

    specs = {id(field): spec for doc in documents for spec, field in _fields(doc)}
    flagged = 0
    # Pages in parallel: Tesseract releases the GIL while it reads, so threads are enough to fill the cores.
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for number, readings in zip(todo, pool.map(read_page, todo), strict=True):
            for field, other in zip(todo[number], readings, strict=False):
                spec = specs.get(id(field))
                other = corrected(spec, other)
                first, second = _fold(field.value or ""), _fold(other)
                # a number's garbled second reading still counts: a digit misread keeps every rule of its format
                counts = any(c.isdigit() for c in field.value or "") or could_be_value(spec, other)
                if first and first not in second and second not in first and counts:
                    if "second_reading_differs" not in field.reasons:  # the boxes' reading may have said so
                        field.reasons.append("second_reading_differs")
                    field.status = "needs_review"
                    flagged += 1
    return flagged
