"""The one character/word error rate used by tests and benchmarks, so every number is comparable.

``cer(reference, hypothesis)`` = Levenshtein distance over characters / characters in the reference,
after :func:`normalize_text` on both (NFC, whitespace runs to one space, stripped). Line breaks
therefore count as one space: compare pages as text, not as line lists.

The digitizing agency's signature stamp (top margin of page 1 of every output PDF) is **not** in the
generator's truth. Callers that OCR an output PDF must drop it first: :func:`strip_stamp` removes the
lines of the stamp ("BẢN THỬ NGHIỆM – KHÔNG CÓ GIÁ TRỊ PHÁP LÝ", "Ký bởi: ...", "Thời gian ký: ...",
"Ký số ...") even when OCR mangled their diacritics; ``exclude_lines`` drops further lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

_WS = re.compile(r"\s+")
# Markers of the signature stamp's lines, compared on diacritic-free, case-folded text.
STAMP_MARKERS = ("ban thu nghiem", "khong co gia tri phap ly")
STAMP_PREFIXES = ("ky boi", "thoi gian ky", "ky so", "so hoa:")


def remove_diacritics(text: str) -> str:
    """Remove Vietnamese tone and vowel marks (NFD, drop combining marks) and map đ/Đ to d/D."""
    decomposed = unicodedata.normalize("NFD", text)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", base.replace("đ", "d").replace("Đ", "D"))


def normalize_text(s: str, *, strip_diacritics: bool = False) -> str:
    """NFC, every whitespace run (newlines, tabs, NBSP) to one space, stripped; optionally no diacritics."""
    text = _WS.sub(" ", unicodedata.normalize("NFC", s)).strip()
    return remove_diacritics(text) if strip_diacritics else text


def _key(line: str) -> str:
    return _WS.sub(" ", remove_diacritics(line).casefold()).strip()


def strip_stamp(text: str, *, exclude_lines: Iterable[str] = ()) -> str:
    """Drop the signature stamp's lines (and any line equal to one of `exclude_lines`, normalized)."""
    excluded = {_key(line) for line in exclude_lines}
    kept = []
    for line in text.splitlines():
        key = _key(line)
        if any(m in key for m in STAMP_MARKERS) or key.startswith(STAMP_PREFIXES) or (key and key in excluded):
            continue
        kept.append(line)
    return "\n".join(kept)


def edit_distance(a: Sequence[object] | str, b: Sequence[object] | str) -> int:
    """Levenshtein distance (unit insert, delete, substitute) between two sequences.

    One numpy row per element of the shorter side: the in-row insertion chain is a running minimum,
    D[j] = j + min_{k<=j}(T[k] - k), so a 3000 x 3000 page takes a few tens of milliseconds.
    """
    if isinstance(a, str) and isinstance(b, str):
        xa = np.frombuffer(a.encode("utf-32-le"), dtype=np.uint32)
        xb = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    else:
        vocab: dict[object, int] = {}
        xa = np.array([vocab.setdefault(t, len(vocab)) for t in a], dtype=np.int64)
        xb = np.array([vocab.setdefault(t, len(vocab)) for t in b], dtype=np.int64)
    if len(xa) < len(xb):
        xa, xb = xb, xa
    if len(xb) == 0:
        return len(xa)
    idx = np.arange(len(xb) + 1, dtype=np.int64)
    prev = idx.copy()
    for i, ch in enumerate(xa, start=1):
        t = np.empty_like(prev)
        t[0] = i
        np.minimum(prev[1:] + 1, prev[:-1] + (xb != ch), out=t[1:])
        prev = np.minimum.accumulate(t - idx) + idx
    return int(prev[-1])


def cer(reference: str, hypothesis: str, *, strip_diacritics: bool = False) -> float:
    """Character error rate of `hypothesis` against `reference` (may exceed 1 with many insertions).

    An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise.
    """
    ref = normalize_text(reference, strip_diacritics=strip_diacritics)
    hyp = normalize_text(hypothesis, strip_diacritics=strip_diacritics)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


def wer(reference: str, hypothesis: str, *, strip_diacritics: bool = False) -> float:
    """Word error rate: the same distance over whitespace-separated words."""
    ref = normalize_text(reference, strip_diacritics=strip_diacritics).split()
    hyp = normalize_text(hypothesis, strip_diacritics=strip_diacritics).split()
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)
