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

from pipeline.normalize import canonical_tone
from pipeline.postcorrect import strip_marks

UNITS = ("xã", "phường", "đặc khu")  # the unit words the list's names open with, lower case


@lru_cache(maxsize=1)
def _index() -> dict[tuple[str, ...], frozenset[str]]:
    """(unit, name's mark-less words...) → the names the list spells with those letters, canonical tone."""
    try:
        from vietnam_provinces import FLAT_DIVISIONS_JSON_PATH
    except ImportError:  # an install without the package: corrections fall back to the flat place list
        return {}
    out: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for entry in json.loads(FLAT_DIVISIONS_JSON_PATH.read_text("utf-8")):
        words = canonical_tone(entry["name"]).split()
        lowered = [w.lower() for w in words]
        unit = next((u for u in UNITS if lowered[: len(u.split())] == u.split()), None)
        if unit is None:
            continue
        name = words[len(unit.split()) :]
        out[(unit, *(strip_marks(w) for w in name))].add(" ".join(name))
    return {k: frozenset(v) for k, v in out.items()}


def load() -> None:
    """Read the list now, not in a worker's first job."""
    _index()


def unit_of(words: list[str]) -> str | None:
    """The unit word the words spell ("XÃ", "Phường", "đặc khu"), lower case, or None."""
    text = canonical_tone(" ".join(words)).lower()
    return text if text in UNITS else None


def commune(unit: str, name: list[str]) -> str | None:
    """The one commune or ward of this unit whose name has these letters ("xã", ["Gia", "Viên"] → "Gia
    Viễn"), or None when none or several do. A name the list spells exactly is returned as it is."""
    spellings = _index().get((unit, *(strip_marks(w) for w in name)), frozenset())
    exact = canonical_tone(" ".join(name)).lower()
    if any(s.lower() == exact for s in spellings):
        return next(s for s in spellings if s.lower() == exact)
    return next(iter(spellings)) if len(spellings) == 1 else None


def named(name: list[str]) -> bool:
    """Some commune or ward, under any unit, is spelled exactly so: a real name, if perhaps not this one."""
    exact = canonical_tone(" ".join(name)).lower()
    key = tuple(strip_marks(w) for w in name)
    return any(s.lower() == exact for unit in UNITS for s in _index().get((unit, *key), ()))


def unit_for(name: list[str]) -> str | None:
    """The one unit word under which the list has exactly this name ("Long Xuyên" → "phường"), or None."""
    exact = canonical_tone(" ".join(name)).lower()
    key = tuple(strip_marks(w) for w in name)
    units = {unit for unit in UNITS if any(s.lower() == exact for s in _index().get((unit, *key), ()))}
    return units.pop() if len(units) == 1 else None
