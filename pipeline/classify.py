"""Classify a document from its lines: the printed type name (title), a form code, or a công văn's "V/v".

Titles are compared on folded text (no marks, upper case) and fuzzily, so "QUYÊT ĐINH" or "GIÂY
CHỨNG NHẬN" still name their type; the most specific title wins ("GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT"
over "GIẤY CHỨNG NHẬN"). Cues come from ``data/doctypes.json``; nothing here names a type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from pipeline.doctypes import DOC_TYPES, OTHER, DocType, by_key
from pipeline.layout import Line, is_upper
from pipeline.normalize import fold_words

TITLE_ZONE = 0.6  # titles sit in the upper part of a document's first page
MIN_SCORE = 0.8  # fuzzy agreement with a title cue (short cues must match exactly)
SHORT_CUE = 5  # cues of this many letters or fewer ("ĐƠN") must equal the first word
MOTTO = ("CONG HOA XA HOI CHU NGHIA VIET NAM", "DOC LAP TU DO HANH PHUC")
SUBJECT_CV_RE = re.compile(r"^\s*V\s*/\s*[vV]\s*[:.]?\s*(?P<v>.+)$")
# "Mẫu CT07", "Mẫu số: CT01"; OCR reads a 1 as I or l, a 0 as O ("CT0I"), so those count as digits.
FORM_CODE_RE = re.compile(
    r"\bMAU\s*(?:SO)?\s*[:.]?\s*(?P<code>(?!SO\b)[A-Z]{1,3})\s?(?P<num>(?=[OIL]?\d)[0-9OIL]{2})(?P<suf>[A-Z]?)\b"
)
DIGIT_LOOKALIKES = str.maketrans("OIL", "011")


@dataclass(frozen=True)
class TitleMatch:
    """The line (index into the lines given) that names the document's type, and how well."""

    doc_type: DocType
    score: float
    index: int


@lru_cache(maxsize=1)
def _cues() -> tuple[tuple[str, DocType], ...]:
    return tuple((fold_words(title), t) for t in DOC_TYPES for title in t.titles)


def _similar(cue: str, text: str) -> float:
    """How well `text` begins with `cue` (0-1), forgiving a slip or a dropped letter."""
    if len(cue) <= SHORT_CUE:
        return 1.0 if text.split(" ", 1)[0] == cue else 0.0
    if text.startswith(cue) and (len(text) == len(cue) or text[len(cue)] == " "):
        return 1.0
    return max(SequenceMatcher(None, cue, text[: len(cue) + k]).ratio() for k in (-2, -1, 0, 1, 2))


def title_cue(text: str) -> tuple[DocType, float] | None:
    """The type whose title `text` (one title, possibly wrapped lines joined) begins with, or None."""
    folded = fold_words(text)
    if not folded or any(_similar(m, folded) >= MIN_SCORE for m in MOTTO):
        return None
    best: tuple[int, float, DocType] | None = None
    for cue, doc_type in _cues():
        score = _similar(cue, folded)
        if score >= MIN_SCORE and (best is None or (len(cue), score) > best[:2]):
            best = (len(cue), score, doc_type)
    return (best[2], best[1]) if best else None


def _motto_at(folded: str) -> bool:
    return any(SequenceMatcher(None, m, folded[: len(m)]).ratio() >= MIN_SCORE for m in MOTTO)


def is_motto(line: Line) -> bool:
    """The national motto or tagline (ND 30 ô 1), whatever the tone marks or dashes OCR made of them.

    Tesseract may join the agency's first line and the motto into one line; the motto then ends it.
    """
    return motto_start(line) is not None


def motto_start(line: Line) -> int | None:
    """Index of the word where the motto or tagline begins in this line ("CỘNG", "Độc"), or None."""
    words = [fold_words(w.text) for w in line.words]
    firsts = {m.split()[0] for m in MOTTO}
    for k in range(len(words)):
        if words[k] in firsts and _motto_at(" ".join(w for w in words[k:] if w)):
            return k
    return None


def _is_header_column(line: Line) -> bool:
    """A line of the left header column (agency name, number): never a title."""
    x0, _, x1, _ = line.bbox
    return line.center_x < 0.38 and (x1 - x0) < 0.45 * line.page_width


def _title_text(lines: Sequence[Line], i: int) -> str:
    """A title line with the capital lines that continue it (titles wrap: "GIẤY CHỨNG NHẬN" / "QUYỀN ..."),
    passing over debris lines without a letter or a digit."""
    parts = [lines[i].text]
    prev = lines[i]
    # a speck or a stroke of an ornate frame read as a "line" ("¬", "_-") between two title lines is no line
    following = [ln for ln in lines[i + 1 : i + 6] if any(c.isalnum() for c in ln.text)]
    for nxt in following[:2]:
        gap = nxt.bbox[1] - prev.bbox[3]
        if nxt.page != prev.page or not is_upper(nxt.text) or gap > 1.2 * (prev.bbox[3] - prev.bbox[1]):
            break
        if _is_header_column(nxt) or nxt.text.rstrip().endswith(":"):
            break
        parts.append(nxt.text)
        prev = nxt
    return " ".join(parts)


def find_title(lines: Sequence[Line], *, zone: float = TITLE_ZONE) -> TitleMatch | None:
    """The first title line in the upper part of the first page, with its type."""
    if not lines:
        return None
    first_page = lines[0].page
    for i, line in enumerate(lines):
        if line.page != first_page or line.top > zone:
            break
        text = line.text.strip()
        if not is_upper(text) or text.endswith(":") or _is_header_column(line) or is_motto(line):
            continue
        cue = title_cue(_title_text(lines, i))
        if cue:
            doc_type, score = cue
            centred = 0.35 <= line.center_x <= 0.75
            return TitleMatch(doc_type, score if centred else 0.9 * score, i)
    return None


def form_code(lines: Sequence[Line], *, zone: float = 0.3) -> tuple[str, Line] | None:
    """The form code printed at the top ("Mẫu CT07", "Mẫu số: CT01"), upper case without spaces."""
    for line in lines:
        if line.page != lines[0].page or line.top > zone:
            break
        m = FORM_CODE_RE.search(fold_words(line.text))
        if m:
            return m.group("code") + m.group("num").translate(DIGIT_LOOKALIKES) + m.group("suf"), line
    return None


def _by_form_code(code: str) -> DocType | None:
    return next((t for t in DOC_TYPES if code in t.form_codes), None)


def has_subject_cv(lines: Sequence[Line]) -> bool:
    """A công văn's "V/v ..." trích yếu in the left header column of the first page (ND 30 ô 5b)."""
    first = lines[0].page if lines else 0
    return any(
        ln.page == first and ln.top < 0.45 and ln.center_x < 0.5 and SUBJECT_CV_RE.match(ln.text) for ln in lines
    )


def classify(lines: Sequence[Line]) -> tuple[DocType, float]:
    """The document's type and a 0-1 confidence: title, else form code, else "V/v" (công văn), else other."""
    title = find_title(lines)
    if title:
        return title.doc_type, round(title.score, 3)
    code = form_code(lines)
    if code and _by_form_code(code[0]):
        return _by_form_code(code[0]), 0.85  # type: ignore[return-value]
    if has_subject_cv(lines):
        return by_key("official_letter"), 0.85
    return OTHER, 0.3
