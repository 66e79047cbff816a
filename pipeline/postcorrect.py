"""Vietnamese post-correction of OCR words: fix a wrong tone or vowel mark only when two sources agree.

Tesseract's commonest slips on Vietnamese are marks, not letters: "tố chức" for "tổ chức", "kế từ" for
"kể từ", "ỦY BẠN" for "ỦY BAN". A word is changed only when
1. it forms no known word pair with either neighbour, so a word that reads well is never touched
   (inside a proper name, a capitalised word beside another, only place names count, and only after a
   place word: "thành phố Hà Nôi" becomes "Hà Nội", but "Huỳnh Văn Phong" does not become "văn phòng"
   nor "Đỗ Quang Bình" the province "Quảng Bình"),
2. the replacement has the same letters with other marks and is a valid Vietnamese syllable (the
   Debian `hunspell-vi` syllable list), and
3. the replacement forms a known pair of the administrative vocabulary (``data/vi_admin_phrases.txt``)
   with a neighbour, and it is the only such candidate.
A one-letter word read as another letter ("Trạm v tế") is fixed only when the intended letter pairs with
both neighbours. Digits-anchored words of dates ("ngày 05 tháng 3 năm 2025") are fixed by rule. The raw OCR words stay
in the page cache; fields keep what they read in ``raw``.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pipeline.models import Word

HUNSPELL_VI = Path("/usr/share/hunspell/vi_VN.dic")
_EDGE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)
DATE_WORDS = {"ngay": "ngày", "thang": "tháng", "nam": "năm"}
# One-letter words OCR reads as another letter ("Trạm v tế"): changed only between two known pairs.
LETTER_SLIPS = {"v": "y"}


def strip_marks(text: str) -> str:
    """Letters without tone and vowel marks (đ → d), lowercase: the key under which variants meet."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _nfc_lower(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


@lru_cache(maxsize=1)
def vocabulary() -> tuple[frozenset[tuple[str, str]], dict[str, frozenset[str]]]:
    """(known word pairs, syllables by their mark-less form), loaded once per process."""
    text = resources.files("pipeline").joinpath("data/vi_admin_phrases.txt").read_text("utf-8")
    pairs: set[tuple[str, str]] = set()
    syllables: set[str] = set()
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        tokens = _nfc_lower(line).split()
        syllables.update(tokens)
        pairs.update(itertools.pairwise(tokens))
    if HUNSPELL_VI.is_file():
        syllables.update(_nfc_lower(w) for w in HUNSPELL_VI.read_text("utf-8").split() if w.isalpha())
    by_base: dict[str, set[str]] = defaultdict(set)
    for s in syllables:
        by_base[strip_marks(s)].add(s)
    return frozenset(pairs), {k: frozenset(v) for k, v in by_base.items()}


def _restore_case(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def correct_tokens(tokens: Sequence[str]) -> list[str]:
    """Corrected copy of one line's tokens (punctuation around a token is kept as it was).

    Two passes: a word is judged with its right neighbour as read, so "PHONG ĐANG KÝ" gets "ĐĂNG" in the
    first and, now beside it, "PHÒNG" in the second."""
    once = _correct_once(tokens)
    return _correct_once(once) if once != list(tokens) else once


def _correct_once(tokens: Sequence[str]) -> list[str]:
    pairs, by_base = vocabulary()
    parts = [_EDGE.match(t).groups() for t in tokens]  # type: ignore[union-attr]
    cores = [_nfc_lower(core) for _, core, _ in parts]
    out = list(tokens)
    for i, (lead, core, trail) in enumerate(parts):
        if not core.isalpha():
            continue
        low = cores[i]
        left = cores[i - 1] if i > 0 else None
        right = cores[i + 1] if i + 1 < len(cores) else None
        base = strip_marks(low)
        fixed = _date_word(base, low, left, right) or _letter_slip(low, left, right, pairs)
        if fixed is None:
            # In a proper name the phrase list does not apply ("Huỳnh Văn Phong" is no "văn phòng"); after a
            # place word ("thành phố Hà Nôi") place names do, elsewhere nothing ("Đỗ Quang Bình" stays).
            if _in_proper_name(parts, i):
                known = _place_pairs() if _after_place_word(parts, cores, i) else frozenset()
            else:
                known = pairs
            if (left, low) in known or (low, right) in known:
                continue
            candidates = {c for c in by_base.get(base, ()) if c != low and ((left, c) in known or (c, right) in known)}
            if len(candidates) != 1:
                continue
            fixed = candidates.pop()
        if fixed != low:
            cores[i] = fixed  # later words see the corrected neighbour
            out[i] = lead + _restore_case(core, fixed) + trail
    return out


def load_vocabularies() -> None:
    """Load the correction's vocabularies now, not on first use (see ``field_flags.load_vocabularies``: ~0.03 s a
    page job)."""
    vocabulary()
    _place_pairs()


@lru_cache(maxsize=1)
def _place_pairs() -> frozenset[tuple[str, str]]:
    """Word pairs of the provinces' and places' names ("hà nội", "hồ chí", "chí minh")."""
    from pipeline.vocab import PLACES  # here: vocab loads its JSON data, needed only for names

    return frozenset(p for place in PLACES for p in itertools.pairwise(_nfc_lower(place).split()))


PLACE_WORDS = frozenset({"tỉnh", "phố", "phường", "xã", "quận", "huyện", "trấn", "thôn", "ấp", "bản", "tp", "tp."})


def _after_place_word(parts: Sequence[tuple[str, str, str]], cores: list[str], i: int) -> bool:
    """Whether the run of capitalised words holding word ``i`` follows a place word ("thành phố", "tỉnh")."""
    start = i
    while start > 0 and _titled(parts[start - 1][1]):
        start -= 1
    return start > 0 and cores[start - 1] in PLACE_WORDS


def _titled(core: str) -> bool:
    return len(core) > 1 and core[0].isupper() and core[1:].islower()


def _in_proper_name(parts: Sequence[tuple[str, str, str]], i: int) -> bool:
    """A capitalised word beside another capitalised word, in a line not all in capitals: part of a
    person's or place's name, where the administrative phrase list would "correct" a real name."""
    if not _titled(parts[i][1]):
        return False
    return (i > 0 and _titled(parts[i - 1][1])) or (i + 1 < len(parts) and _titled(parts[i + 1][1]))


def _letter_slip(low: str, left: str | None, right: str | None, pairs: frozenset[tuple[str, str]]) -> str | None:
    """ "Trạm v tế": a one-letter slip, fixed only when the word it stands for pairs with both neighbours."""
    target = LETTER_SLIPS.get(low)
    return target if target and (left, target) in pairs and (target, right) in pairs else None


def _date_word(base: str, low: str, left: str | None, right: str | None) -> str | None:
    """ "ngày 05 tháng 3 năm 2025": the word before a number in a date is one of three, by rule."""
    target = DATE_WORDS.get(base)
    if target is None and re.fullmatch(r"th\w{1,3}ng", base) and left and left.isdigit():
        target = "tháng"  # "16 thủng 6": between a day and a month number there is only one word
    if target is None or target == low or right is None or not right.isdigit():
        return None
    if base == "nam" and len(right) != 4:
        return None
    return target


def correct_words(words: Iterable[Word]) -> list[Word]:
    """Words of a page with marks corrected line by line; boxes and confidences unchanged."""
    lines: dict[int, list[Word]] = defaultdict(list)
    order: list[Word] = list(words)
    for w in order:
        lines[w.line].append(w)
    replaced: dict[int, str] = {}
    for line_words in lines.values():
        fixed = correct_tokens([w.text for w in line_words])
        for w, text in zip(line_words, fixed, strict=True):
            if text != w.text:
                replaced[id(w)] = text
    return [Word(replaced.get(id(w), w.text), w.bbox, w.confidence, w.line, w.block) for w in order]
