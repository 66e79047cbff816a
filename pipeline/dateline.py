"""The place-and-date line ("Hà Nội, ngày 23 tháng 8 năm 2025") read by the shape of its three words.

OCR slips on the words' marks ("ngảy", "thảng", "nãm"), splits a number ("2 3") or loses the comma after
the place; the numbers carry the value, so the words are matched folded and by their shape. A year the
reading made impossible ("23034", "3024") yields no date: ``pipeline.header_reread`` reads the line again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pipeline.layout import Line
from pipeline.normalize import fold, iso_date

# On folded text (one char per printed char, so spans map back to the words). A number may be split by
# a space ("2 3"); the year must not run on into a fifth digit ("23034" is no year).
DATE_WORDS_RE = re.compile(
    r"(?<![A-Z])NG[A-Z]{1,3}\s*[:.]?\s*(?P<d>\d\s?\d|\d)(?!\d)\s*[,.]?\s*"
    r"TH[A-Z]{1,3}NG\s*[:.]?\s*(?P<m>\d\s?\d|\d)(?!\d)\s*[,.]?\s*"
    r"N[A-Z]{1,2}M\s*[:.]?\s*(?P<y>\d(?:\s?\d){3})(?![\s.,]?\d)"
)
# The three words alone, however their numbers were read: how much of the pattern a reading holds.
_WORD_SHAPES = (re.compile(r"(?<![A-Z])NG[A-Z]Y(?![A-Z])"), re.compile(r"(?<![A-Z])TH[A-Z]NG(?![A-Z])"))
_YEAR_WORD = re.compile(r"(?<![A-Z])N[A-Z]M\s*[:.]?\s*\d")  # "năm 20-5", not "Quảng Nam"
FIRST_YEAR = 1900  # no document sohoa receives was issued earlier
MAX_PLACE_WORDS = 6


@dataclass(frozen=True)
class DateReading:
    """What one reading of a place-and-date line says: the place (None when not printed or not readable),
    the ISO date (None when the numbers make no plausible date) and the spans of both in the text."""

    place: str | None
    place_span: tuple[int, int] | None
    date: str | None
    date_span: tuple[int, int]
    raw_date: str
    garbled: bool = False  # the three words are there, the numbers could not be read at all


def plausible(iso: str | None, *, horizon: int = 1, today: date | None = None) -> bool:
    """A real date from 1900 to ``horizon`` years ahead (an issue date: next year at most; a card's expiry
    further): a date outside it is a misread number."""
    if iso is None:
        return False
    year = int(iso[:4])
    return FIRST_YEAR <= year <= (today or date.today()).year + horizon


def _digits(text: str) -> str:
    return re.sub(r"\s", "", text)


def _place(text: str, end: int, *, right_column: bool) -> tuple[str, tuple[int, int]] | bool | None:
    """The place printed before "ngày" (ending at ``end``): the text, its span; None when nothing is
    printed there; False when what is there is no place ("Thời gian nhận: 08 giờ 30 phút, ngày")."""
    before = text[:end]
    stripped = before.rstrip(" ,.;-")
    start = len(stripped) - len(stripped.lstrip(" .:;-_\"'“”–"))
    place = stripped[start:]
    if not place:
        return None
    if ":" in place or any(c.isdigit() for c in place) or len(place.split()) > MAX_PLACE_WORDS or len(place) < 2:
        return False
    comma = before[len(stripped) :].strip(" ") in (",", ".") or before.rstrip().endswith((",", "."))
    # a comma lost: only a short capitalised run at the start of a right-column line is taken as the place
    if not comma and not (right_column and place[0].isupper()):
        return False
    return place, (start, start + len(place))


def parse(
    text: str, *, right_column: bool = True, garbled: bool = False, today: date | None = None
) -> DateReading | None:
    """The place and date in one line's text, or None when it holds no "ngày … tháng … năm …" pattern.

    A line with words before "ngày" that are not a place (a label, a sentence) is not the date line.
    ``garbled``: also a line with the words but numbers misread (the date None, to be read again).
    """
    folded = fold(text)
    for m in DATE_WORDS_RE.finditer(folded):
        place = _place(text, m.start(), right_column=right_column)
        if place is False or (place is None and len(text.rstrip(" .")) - m.end() >= 4):
            continue  # not a place; or no place and the date opens a sentence, not a line of its own
        iso = iso_date(_digits(m.group("d")), _digits(m.group("m")), _digits(m.group("y")))
        return DateReading(
            place=place[0] if place else None,
            place_span=place[1] if place else None,
            date=iso if plausible(iso, today=today) else None,
            date_span=(m.start(), m.end()),
            raw_date=text[m.start() : m.end()],
        )
    return _garbled(text, folded, right_column=right_column) if garbled else None


def _garbled(text: str, folded: str, *, right_column: bool) -> DateReading | None:
    """A line that is the place-and-date line by its words ("Hà Nội, ngày 23 thang B năm 20-5") though its
    numbers were misread: the place is kept, the date is None, its span the rest of the line (to read again)."""
    m = _WORD_SHAPES[0].search(folded)
    if not m or pattern_score(text) < 2:
        return None
    place = _place(text, m.start(), right_column=right_column)
    if not place:
        return None
    end = len(text.rstrip(" "))
    return DateReading(place[0], place[1], None, (m.start(), end), text[m.start() : end], garbled=True)


def pattern_score(text: str) -> int:
    """How many of the three words ("ngày", "tháng", "năm" followed by something) a reading holds, 0-3."""
    folded = fold(text)
    return sum(1 for r in (*_WORD_SHAPES, _YEAR_WORD) if r.search(folded))


def is_right_column(line: Line) -> bool:
    """Whether the line sits in the page's right half (ND 30's place-and-date cell, a form's signing corner)."""
    return line.bbox[0] >= 0.4 * line.page_width


def find(
    lines: Sequence[Line], skip: tuple[Line, int] | None = None, *, garbled: bool = False
) -> tuple[Line, DateReading, int] | None:
    """The first line holding the place-and-date pattern: (line, reading, offset of the reading's text in
    the line). ``skip``: a line whose first characters are another field ("Số: 12/UBND-VX  Huế, ngày ...")."""
    for line in lines:
        text, offset = line.text, 0
        if skip and line is skip[0]:
            offset = skip[1]
            text = text[offset:]
        reading = parse(text, right_column=is_right_column(line), garbled=garbled)
        if reading:
            return line, reading, offset
    return None


def candidate_line(lines: Sequence[Line]) -> Line | None:
    """The line most like a place-and-date line the page's OCR garbled: in the right column, narrower than
    a body line, holding at least two of the three words and a digit; the first of the best."""
    best: tuple[int, Line] | None = None
    for line in lines:
        if not is_right_column(line) or line.bbox[2] - line.bbox[0] > 0.55 * line.page_width:
            continue
        if not any(c.isdigit() for c in line.text):
            continue
        score = pattern_score(line.text)
        if score >= 2 and (best is None or score > best[0]):
            best = (score, line)
    return best[1] if best else None
