"""The communes and wards of Vietnam after the July 2025 merger, by their unit word and their letters.

Names repeat with other marks in other provinces: a "phường Gia Viên" (Hải Phòng) and a "xã Gia Viễn"
(Ninh Bình) both exist, so a name alone cannot tell which one OCR misread, and the flat place list
(``data/vi_place_names.txt``) lists only the best-known. The unit word printed before the name can: a
misread "xã Gia Viên" is no commune, and the one "xã" whose letters those are is "Gia Viễn". The
list is the ``vietnam-provinces`` package's (the statistics office's codes and names), read once.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import lru_cache

from pipeline.normalize import canonical_tone, fold_words
from pipeline.postcorrect import strip_marks

UNITS = ("xã", "phường", "đặc khu")  # the unit words the list's names open with, lower case


PROVINCE_PREFIXES = ("thành phố", "tp", "tỉnh")  # how the list writes a province's unit before its name


def _province(name: str) -> str:
    """A province's name without its unit word, folded ("Tỉnh Ninh Bình" → "NINH BINH")."""
    low = canonical_tone(name).lower()
    for prefix in PROVINCE_PREFIXES:
        if low.startswith(prefix + " "):
            return fold_words(name[len(prefix) + 1 :])
    return fold_words(name)


@lru_cache(maxsize=1)
def _entries() -> dict[tuple[str, ...], frozenset[tuple[str, str]]]:
    """(unit, name's mark-less words...) → (name as the list spells it, its province folded)."""
    try:
        from vietnam_provinces import FLAT_DIVISIONS_JSON_PATH
    except ImportError:  # an install without the package: corrections fall back to the flat place list
        return {}
    out: dict[tuple[str, ...], set[tuple[str, str]]] = defaultdict(set)
    for entry in json.loads(FLAT_DIVISIONS_JSON_PATH.read_text("utf-8")):
        words = canonical_tone(entry["name"]).split()
        lowered = [w.lower() for w in words]
        unit = next((u for u in UNITS if lowered[: len(u.split())] == u.split()), None)
        if unit is None:
            continue
        name = words[len(unit.split()) :]
        out[(unit, *(strip_marks(w) for w in name))].add((" ".join(name), _province(entry["province_name"])))
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, ...], frozenset[str]]:
    """(unit, name's mark-less words...) → the names the list spells with those letters, canonical tone."""
    return {k: frozenset(name for name, _ in v) for k, v in _entries().items()}


@lru_cache(maxsize=1)
def provinces() -> frozenset[str]:
    """The provinces of the list (34, after the 2025 merger), folded, without their unit word."""
    return frozenset(p for v in _entries().values() for _, p in v)


def provinces_in(text: str) -> set[str]:
    """The provinces of the list a text names, folded: "tỉnh Ninh Bình" and "UBND TỈNH NINH BÌNH" both
    name "NINH BINH"."""
    folded = fold_words(text).split()
    found = set()
    for n in (1, 2, 3):
        for k in range(len(folded) - n + 1):
            name = " ".join(folded[k : k + n])
            if name in provinces():
                found.add(name)
    return found


def province_of(unit: str, name: str) -> frozenset[str]:
    """The provinces where this unit has a commune or ward so spelled."""
    key = (unit, *(strip_marks(w) for w in name.split()))
    exact = canonical_tone(name).lower()
    return frozenset(p for n, p in _entries().get(key, ()) if n.lower() == exact)


def load() -> None:
    """Read the list now, not in a worker's first job."""
    _index()
    provinces()


def unit_of(words: list[str]) -> str | None:
    """The unit word the words spell ("XÃ", "Phường", "đặc khu"), lower case, or None."""
    text = canonical_tone(" ".join(words)).lower()
    return text if text in UNITS else None


def _spelled(unit: str, name: list[str]) -> tuple[frozenset[str], str | None]:
    """(the names of this unit the list spells with these letters, the one spelled exactly as read)."""
    spellings = _index().get((unit, *(strip_marks(w) for w in name)), frozenset())
    exact = canonical_tone(" ".join(name)).lower()
    return spellings, next((s for s in spellings if s.lower() == exact), None)


def commune(unit: str, name: list[str]) -> str | None:
    """The one commune or ward of this unit whose name has these letters ("xã", ["Gia", "Viên"] → "Gia
    Viễn"), or None when none or several do. A name the list spells exactly is returned as it is."""
    spellings, exact = _spelled(unit, name)
    return exact or (next(iter(spellings)) if len(spellings) == 1 else None)


def named(name: list[str]) -> bool:
    """Some commune or ward, under any unit, is spelled exactly so: a real name, if perhaps not this one."""
    return any(_spelled(unit, name)[1] for unit in UNITS)


def unit_for(name: list[str]) -> str | None:
    """The one unit word under which the list has exactly this name ("Long Xuyên" → "phường"), or None."""
    units = [unit for unit in UNITS if _spelled(unit, name)[1]]
    return units[0] if len(units) == 1 else None
