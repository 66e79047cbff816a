"""Zone 7 of ND 30 read as a block: authority (TM., KT. ...), title, and the name several lines below,
past the signature and the seal.

The name is looked for in the words under the title, in its column, regrouped into printed rows by
their boxes: a seal over the name makes OCR cut it ("Văn Nghĩa" alone) or add specks to it, so the
rows are rebuilt and the best name-like run of words wins (a family name from the vocabulary first).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from pipeline.field_build import field_from_words
from pipeline.geometry import h_overlap, line_height, regroup_rows
from pipeline.layout import Line, is_upper
from pipeline.models import FieldValue, Word
from pipeline.normalize import clean_text, fold_words, nfc
from pipeline.vocab import AUTHORITY_PREFIXES, SIGNER_TITLES, SURNAMES

NAME_DEPTH = 16  # the name sits at most this many title heights under the title (signature and seal between)
MAX_NAME_WORDS = 6


def vocabulary_title(text: str) -> str | None:
    """The signer title of the vocabulary this OCR text most likely is (titles are a closed set).

    OCR slips in tone marks ("NGƯỜI LAÀM ĐƠN") are forgiven by a close match; the raw text is kept.
    """
    letters = re.sub(r"[^\w\s]|[\d_]", " ", nfc(text).upper())  # OCR noise from the seal and signature
    cleaned = re.sub(r"\s+", " ", letters).strip()
    if cleaned in SIGNER_TITLES:
        return cleaned
    best = max(SIGNER_TITLES, key=lambda t: SequenceMatcher(None, t, cleaned).ratio())
    return best if SequenceMatcher(None, best, cleaned).ratio() >= 0.8 else None


@lru_cache(maxsize=1)
def _surnames() -> frozenset[str]:
    return frozenset(fold_words(s) for s in SURNAMES)


def _clean_token(word: Word) -> Word | None:
    """The word without the specks OCR glued to its edges ("'Dương" → "Dương"); None if no letters."""
    text = re.sub(r"^[^\w]+|[^\w]+$", "", word.text)
    if not text or not text.isalpha():
        return None
    return Word(text, word.bbox, word.confidence, word.line, word.block)


def name_run(words: Sequence[Word]) -> list[Word]:
    """The longest run of capitalised words of letters in a row; marks and specks between them are skipped."""
    best: list[Word] = []
    run: list[Word] = []
    for w in words:
        if not any(c.isalnum() for c in w.text):
            continue  # a speck of the seal or signature between two words of the name
        token = _clean_token(w)
        if token is not None and token.text[0].isupper():
            run.append(token)
            continue
        best, run = max(best, run, key=len), []
    return max(best, run, key=len)


def name_score(words: Sequence[Word]) -> float:
    """How much a run of words looks like a signer's printed name (0: not at all)."""
    if not 2 <= len(words) <= MAX_NAME_WORDS:
        return 0.0
    text = " ".join(w.text for w in words)
    known = fold_words(words[0].text) in _surnames()
    if vocabulary_title(text) or (is_upper(text) and not known):
        return 0.0
    conf = sum(w.confidence for w in words) / len(words)
    return (2.0 if known else 0.0) + (0.5 if not is_upper(text) else 0.0) + conf + 0.1 * min(len(words), 4)


def _title_index(right: Sequence[Line]) -> int | None:
    for i in range(len(right) - 1, -1, -1):  # the signer signs last: search from the bottom
        text = right[i].text.strip()
        if is_upper(text) and not text.startswith(AUTHORITY_PREFIXES) and vocabulary_title(text):
            return i
    # an authority line whose title is not in the vocabulary: the title is the line under it
    return next(
        (i + 1 for i in range(len(right) - 2, -1, -1) if right[i].text.strip().startswith(AUTHORITY_PREFIXES)), None
    )


def _line_above(lines: Sequence[Line], line: Line) -> Line | None:
    top = line.bbox[1] + 0.25 * (line.bbox[3] - line.bbox[1])  # the boxes of two close rows may touch
    above = [
        ln for ln in lines if ln.page == line.page and (ln.bbox[1] + ln.bbox[3]) / 2 < top and h_overlap(ln, line) > 0
    ]
    return max(above, key=lambda ln: ln.bbox[3], default=None)


def _name_zone(lines: Sequence[Line], title: Line | None) -> list[Word]:
    """Words under the title in its column (or, without a title, in the lower right of the last page)."""
    if title is None:
        page = lines[-1].page
        return [w for ln in lines if ln.page == page and ln.top > 0.5 and ln.center_x > 0.45 for w in ln.words]
    height = line_height(title)
    x0, _, x1, y1 = title.bbox
    margin = max(x1 - x0, 0.2 * title.page_width) / 2
    lo, hi, bottom = x0 - margin, x1 + margin, y1 + NAME_DEPTH * height
    return [
        w
        for ln in lines
        if ln.page == title.page
        for w in ln.words
        if w.bbox[1] >= y1 - 2 and w.bbox[3] <= bottom and w.bbox[0] >= lo and w.bbox[2] <= hi
    ]


def signer_fields(lines: Sequence[Line]) -> dict[str, FieldValue]:
    """signer_authority, signer_title and signer_name of the lowest signer block in the right column."""
    out: dict[str, FieldValue] = {}
    if not lines:
        return out
    right = [ln for ln in lines if ln.center_x > 0.45 and ln.top > 0.2]
    idx = _title_index(right)
    title = right[idx] if idx is not None and idx < len(right) else None
    if title is not None:
        above = _line_above(right, title)
        if above is not None and above.text.strip().startswith(AUTHORITY_PREFIXES):
            out["signer_authority"] = field_from_words(clean_text(above.text), above.words, above.page, above.text)
        value = vocabulary_title(title.text) or clean_text(title.text)
        out["signer_title"] = field_from_words(value, title.words, title.page, title.text)
    zone = _name_zone(lines, title)
    if not zone:
        return out
    page = title.page if title is not None else lines[-1].page
    found = best_name(zone, page, lines[0].page_width, lines[0].page_height)
    if found is not None:
        run, row = found
        reasons = [] if title is not None else ["signer_title_not_found"]
        if len(run) < len(row.words):
            reasons.append("noise_removed")
        value = clean_text(" ".join(w.text for w in run))
        out["signer_name"] = field_from_words(value, run, page, row.text, reasons)
    return out


def best_name(words: Sequence[Word], page: int, width: int, height: int) -> tuple[list[Word], Line] | None:
    """The most name-like run of words among these, put back into printed rows, and its row."""
    best: tuple[float, float, list[Word], Line] | None = None
    for row in regroup_rows(words, page, width, height):
        run = name_run(row.words)
        score = round(name_score(run), 1)  # near-equal candidates: the lowest row, where the name is printed
        if score > 0 and (best is None or (score, row.bbox[1]) > best[:2]):
            best = (score, row.bbox[1], run, row)
    return (best[2], best[3]) if best else None


def name_zone(title: FieldValue, width: int) -> tuple[int, int, int, int] | None:
    """The box under a signer title where the name is printed (signature and seal between)."""
    if title.bbox is None:
        return None
    x0, y0, x1, y1 = title.bbox
    margin = max(x1 - x0, 0.2 * width) / 2
    return (max(0, round(x0 - margin)), y1, min(width, round(x1 + margin)), round(y1 + NAME_DEPTH * (y1 - y0)))
