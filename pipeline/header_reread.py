"""Header lines the page's OCR garbled, read again alone from the page image: the place-and-date line, the
number line and the form code.

Read with the whole page, a degraded line shares the page's segmentation and binarization ("năm 20-5",
"SỐ: b2 XNCT-CA", "Mẫu CTỦIT"); read alone, enlarged, in grey, as one line, its numbers usually come out
whole. Several readings (two models, two segmentation modes) vote, and a value only a re-read gave always
waits for a reviewer (``read_again``): the page's own reading of it was not good enough to sign.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from pipeline import dateline
from pipeline.classify import DIGIT_LOOKALIKES, FORM_CODE_RE
from pipeline.doctypes import by_key
from pipeline.field_build import field_from_words
from pipeline.layout import Line
from pipeline.models import DocumentResult, FieldValue, PageResult
from pipeline.normalize import clean_text, fold_words, parse_date
from pipeline.ocr import reread_region
from pipeline.page_job import kept_grey
from pipeline.validators import validate

# (model, page segmentation mode, padding in px): one text line, and sparse text, with each model.
READINGS = (("Vietnamese", 7, 16), ("vie+Vietnamese", 7, 16), ("Vietnamese", 13, 6), ("vie+Vietnamese", 13, 6))
# "Số: 62;XNCT-CA": the slash read as another mark, or lost; the number is rebuilt from its two parts.
NUMBER_PARTS_RE = re.compile(
    r"S[ốôoóồổỗộỐÔOÓỒỔỖỘ]\s*[:;.]?\s*(?P<n>\d{1,6})\s*[/;:|.,]{0,2}\s*"
    r"(?P<s>[A-ZĐ]{2,}[A-Za-zĐđ0-9&]*(?:[-–][A-ZĐ0-9][A-Za-zĐđ0-9&]*)*)"
)
NUMBER_LINE_RE = re.compile(r"^\W{0,2}S[O0]\b")  # folded: "SỐ:", "Sô:", "SO." opening the line


def read_line_again(grey: np.ndarray, line: Line) -> list[str]:
    """The texts of ``line``'s box read alone, once per setting of ``READINGS``."""
    return [reread_region(grey, line.bbox, lang=lang, psm=psm, pad=pad)[0] for lang, psm, pad in READINGS]


def vote(values: Sequence[str | None]) -> str | None:
    """The value most readings gave, when no other value was given as often (a tie decides nothing)."""
    ranked = Counter(v for v in values if v).most_common(2)
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _reread_field(line: Line, value: str, raw: str, validator: str | None) -> FieldValue:
    field = field_from_words(value, line.words, line.page, raw, ["read_again", *validate(validator, value)])
    field.status = "needs_review"
    return field


# A value read but doubtful: read again too, and replaced when the readings agree on another.
DOUBT = frozenset({"low_confidence", "unknown_form_code", "date_in_future", "date_implausible", "invalid_date"})


def _missing(doc: DocumentResult, key: str) -> bool:
    """``key`` is in the type's schema and has no value, or one its checks doubt."""
    field = doc.fields.get(key)
    if key not in by_key(doc.type).fields:
        return False
    if not isinstance(field, FieldValue):
        return field is None
    return field.value is None or bool(DOUBT & set(field.reasons))


def _replace(doc: DocumentResult, key: str, field: FieldValue) -> None:
    """Put the re-read ``field`` in, unless it only repeats the value the page's reading already had."""
    old = doc.fields.get(key)
    if not (isinstance(old, FieldValue) and old.value == field.value):
        doc.fields[key] = field


def _line_of(field: object, lines: Sequence[Line]) -> Line | None:
    """The OCR line a field's words came from (its box inside the line's)."""
    if not isinstance(field, FieldValue) or field.bbox is None:
        return None
    x0, y0, x1, y1 = field.bbox
    for line in lines:
        lx0, ly0, lx1, ly1 = line.bbox
        if line.page == field.page and lx0 <= x0 and ly0 <= y0 and x1 <= lx1 and y1 <= ly1:
            return line
    return None


def _date_of(text: str) -> str | None:
    """The plausible date a re-read line gives: "Hà Nội, ngày 23 tháng 8 năm 2025", or a label's value
    ("Ngày, tháng, năm: 20/11/2021")."""
    reading = dateline.parse(text)
    if reading:
        return reading.date
    if ":" not in text:
        return None
    iso = parse_date(text.rsplit(":", 1)[1])
    return iso if dateline.plausible(iso, horizon=100) else None


def _reread_date(doc: DocumentResult, lines: Sequence[Line], grey_of: Callable[[int], np.ndarray | None]) -> None:
    if not (_missing(doc, "issue_date") or _missing(doc, "place")):
        return
    line = _line_of(doc.fields.get("issue_date"), lines) or dateline.candidate_line(lines)
    grey = grey_of(line.page) if line else None
    if line is None or grey is None:
        return
    texts = read_line_again(grey, line)
    validators = {s.key: s.validator for s in by_key(doc.type).schema}
    if _missing(doc, "issue_date"):
        iso = vote([_date_of(t) for t in texts])
        if iso:
            raw = next(t for t in texts if _date_of(t) == iso)
            _replace(doc, "issue_date", _reread_field(line, iso, raw, validators.get("issue_date")))
    if _missing(doc, "place"):
        readings = [(t, dateline.parse(t)) for t in texts]
        place = vote([clean_text(r.place) if r and r.place else None for _, r in readings])
        if place:
            raw = next(t for t, r in readings if r and r.place and clean_text(r.place) == place)
            _replace(doc, "place", _reread_field(line, place, raw, None))


def _reread_label_dates(
    doc: DocumentResult, lines: Sequence[Line], grey_of: Callable[[int], np.ndarray | None]
) -> None:
    """Other dates read by their label ("Có giá trị đến: 1808.3032") whose value was no date."""
    for spec in by_key(doc.type).schema:
        if spec.type != "date" or spec.key == "issue_date" or not _missing(doc, spec.key):
            continue
        line = _line_of(doc.fields.get(spec.key), lines)
        grey = grey_of(line.page) if line else None
        if line is None or grey is None:
            continue
        texts = read_line_again(grey, line)
        iso = vote([_date_of(t) for t in texts])
        if iso:
            raw = next(t for t in texts if _date_of(t) == iso)
            _replace(doc, spec.key, _reread_field(line, iso, raw, spec.validator))


def _first_page_lines(lines: Sequence[Line]) -> list[Line]:
    return [ln for ln in lines if ln.page == lines[0].page] if lines else []


def _number_value(text: str) -> str | None:
    m = NUMBER_PARTS_RE.search(text)
    return f"{m.group('n')}/{m.group('s').replace('–', '-')}" if m else None


def _reread_number(doc: DocumentResult, lines: Sequence[Line], grey_of: Callable[[int], np.ndarray | None]) -> None:
    if not _missing(doc, "number_symbol"):
        return
    page = _first_page_lines(lines)
    line = next(
        (ln for ln in page if ln.top < 0.4 and ln.center_x < 0.5 and NUMBER_LINE_RE.match(fold_words(ln.text))),
        None,
    )
    _fill_from_line(doc, "number_symbol", line, grey_of, _number_value)


def _form_code_value(text: str) -> str | None:
    m = FORM_CODE_RE.search(fold_words(text))
    return m.group("code") + m.group("num").translate(DIGIT_LOOKALIKES) + m.group("suf") if m else None


def _reread_form_code(doc: DocumentResult, lines: Sequence[Line], grey_of: Callable[[int], np.ndarray | None]) -> None:
    if not _missing(doc, "form_code"):
        return
    # the form's mark: top right, above the motto, opening with "Mẫu" however it was read ("Mậu", "Máu")
    page = _first_page_lines(lines)
    line = next(
        (ln for ln in page if ln.top < 0.15 and ln.center_x > 0.5 and fold_words(ln.text).startswith("M")), None
    )
    _fill_from_line(doc, "form_code", line, grey_of, _form_code_value)


def _fill_from_line(
    doc: DocumentResult,
    key: str,
    line: Line | None,
    grey_of: Callable[[int], np.ndarray | None],
    parse: Callable[[str], str | None],
) -> None:
    """Read ``line`` again and fill ``key`` with the value its readings agree on, if they do."""
    grey = grey_of(line.page) if line else None
    if line is None or grey is None:
        return
    texts = read_line_again(grey, line)
    value = vote([parse(t) for t in texts])
    if value:
        raw = next(t for t in texts if parse(t) == value)
        _replace(doc, key, _reread_field(line, value, raw, key))


def reread_header(doc: DocumentResult, lines: Sequence[Line], pages: Mapping[int, PageResult]) -> None:
    """Fill the place, the issue date, the number and the form code the page's OCR could not read, from a
    second reading of their line alone (in place; what it fills waits for review)."""
    greys: dict[int, np.ndarray | None] = {}

    def grey_of(number: int) -> np.ndarray | None:
        if number not in greys:
            greys[number] = kept_grey(pages[number]) if number in pages else None
        return greys[number]

    _reread_date(doc, lines, grey_of)
    _reread_label_dates(doc, lines, grey_of)
    _reread_number(doc, lines, grey_of)
    _reread_form_code(doc, lines, grey_of)
    order = by_key(doc.type).fields
    doc.fields = {k: doc.fields[k] for k in order if k in doc.fields}
