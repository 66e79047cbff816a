"""Whether a page was read well enough for its fields to be trusted without a reviewer.

A field's own words can look confident on a page OCR mostly failed (turned the wrong way, a dark
photo, a decorative frame read as text): what was read around it is then not what was printed, so
every field of a poorly read page waits for review, whatever its own confidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from pipeline.field_flags import known_syllable
from pipeline.layout import Line
from pipeline.models import FieldValue, Word

POOR_CONFIDENCE = 0.78  # mean word confidence under which a page's reading is poor (office scans: > 0.88)
POOR_GARBAGE = 0.2  # share of garbage tokens over which a page's reading is poor (office scans: < 0.08)
MIN_WORDS = 8  # a page with fewer words says too little to judge
UNSURE = 0.4  # a word read with less confidence than this counts as garbage
PUNCTUATION = re.compile(r"^[.,;:!?()\[\]/\-–—\"'“”%+…]+$")


def is_garbage(word: Word) -> bool:
    """A token that is no word, number, code or punctuation of printed text ("ư—.——e", "~¬", "ẽĩ")."""
    text = word.text.strip()
    if not text or word.confidence < UNSURE:
        return True
    if PUNCTUATION.match(text):
        return False
    core = text.strip(".,;:!?()[]\"'“”")
    if not core or not any(c.isalnum() for c in core):
        return True
    if any(c.isdigit() for c in core) or core.isupper():
        return False  # numbers, dates, codes and capitals are judged by their fields' validators
    return not all(_is_syllable(part) or _is_label_word(part) for part in re.split(r"[-/]", core) if part)


def _is_syllable(word: str) -> bool:
    """A Vietnamese syllable of the word list (hunspell-vi and the administrative phrases), any case."""
    return word.isalpha() and known_syllable(word)


@lru_cache(maxsize=1)
def _label_words() -> frozenset[str]:
    """English words of the bilingual labels on Vietnamese papers (pipeline/data/en_label_words.txt)."""
    text = resources.files("pipeline").joinpath("data/en_label_words.txt").read_text("utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def _is_label_word(word: str) -> bool:
    """An English word of a bilingual label ("Personal identification number", "Date of expiry")."""
    return word.lower() in _label_words()


def page_reading(lines: Sequence[Line]) -> dict[int, tuple[float, float]]:
    """(mean word confidence, garbage share) of each page of these lines."""
    words: dict[int, list[Word]] = {}
    for line in lines:
        words.setdefault(line.page, []).extend(line.words)
    out = {}
    for page, ws in words.items():
        conf = sum(w.confidence for w in ws) / len(ws)
        out[page] = (conf, sum(map(is_garbage, ws)) / len(ws))
    return out


def poor_pages(lines: Sequence[Line]) -> set[int]:
    """Pages whose reading is poor: low mean confidence or much garbage (enough words to judge)."""
    counts: dict[int, int] = {}
    for line in lines:
        counts[line.page] = counts.get(line.page, 0) + len(line.words)
    return {
        page
        for page, (conf, garbage) in page_reading(lines).items()
        if counts[page] >= MIN_WORDS and (conf < POOR_CONFIDENCE or garbage > POOR_GARBAGE)
    }


def mark_poor_reading(fields: dict[str, FieldValue], lines: Sequence[Line]) -> None:
    """Add ``poor_page_reading`` to every field read on a poorly read page; when the document's first
    page is poor (where type and header were read), to every field of the document."""
    poor = poor_pages(lines)
    if not poor:
        return
    first = min(ln.page for ln in lines)
    for field in fields.values():
        if (first in poor or field.page in poor) and "poor_page_reading" not in field.reasons:
            field.reasons.append("poor_page_reading")
