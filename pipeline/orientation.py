"""A second opinion on a page's orientation, asked only when the first one may be wrong.

``clean.measure_geometry`` decides from ink profiles, which a layout it was not made for can fool (an
ornamental frame read as text lines turned an upright certificate 270°). Its reading then shows it: a page
read upside down has low word confidences, one read sideways has words in tall boxes. When the measure's
margin is small or the reading looks like that, Tesseract's orientation detection (OSD, the ``osd`` model
of Debian's tesseract-ocr-osd) proposes a turn, the page is read turned so, and the better reading wins.
Pages that read well cost one comparison and nothing else.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import tesserocr
from PIL import Image

from pipeline import ocr
from pipeline.clean import Geometry
from pipeline.models import Word

MIN_UP_SCORE = 0.10  # clean's up/down asymmetry below this is a guess (upright pages measure >= 0.17)
MIN_AXIS_MARGIN = 1.3  # sharper/other profile below this is a guess (a small ID card on A4 measures 1.5)
LOW_CONFIDENCE = 0.70  # mean word confidence of a page read upright is ~0.9; upside down ~0.45
SIDEWAYS_SHARE = 0.25  # share of words in tall boxes: Tesseract read the lines turned 90°
MIN_WORDS = 5  # fewer words (blank page, a photo): nothing to compare
GOOD_WORD = 0.60  # a word counts in a reading's score from this confidence on
BETTER_BY = 1.15  # the other turn must read this much more text to replace the measured one
_osd_lock = threading.Lock()
_osd_idle: list[tesserocr.PyTessBaseAPI] = []


@dataclass(frozen=True)
class Opinion:
    """What the second opinion found: the clockwise rotation to keep, and why, as a page finding says it."""

    rotation: int
    measured: int  # clean's rotation
    triggers: tuple[str, ...]
    osd_turn: int | None  # clockwise turn OSD proposed on the page as measured upright; None when it could not tell
    osd_confidence: float
    scores: dict[int, float]  # reading score per rotation tried (clockwise, absolute)

    @property
    def changed(self) -> bool:
        return self.rotation != self.measured

    def finding(self, page_number: int) -> dict[str, Any]:
        """The page finding (``info``: the orientation was checked; the result JSON keeps its numbers)."""
        checked = f"Trang {page_number}: hướng trang được kiểm tra lại"
        if self.changed:
            message = f"{checked}, xoay {self.rotation}° thay vì {self.measured}°"
        else:
            message = f"{checked}, giữ {self.measured}°"
        value = {
            "measured": self.measured,
            "kept": self.rotation,
            "triggers": list(self.triggers),
            "osd_turn": self.osd_turn,
            "osd_confidence": round(self.osd_confidence, 2),
            "scores": {str(k): round(v, 1) for k, v in sorted(self.scores.items())},
        }
        return {"code": "orientation_second_opinion", "severity": "info", "message": message, "value": value}


def reading_score(words: list[Word]) -> float:
    """Characters read with confidence, in boxes wider than tall: large for a page read the right way up."""
    return float(sum(len(w.text) * w.confidence for w in words if w.confidence >= GOOD_WORD and not _tall(w)))


def _tall(word: Word) -> bool:
    x0, y0, x1, y1 = word.bbox
    return len(word.text) >= 3 and (y1 - y0) > (x1 - x0)


def doubts(geometry: Geometry, words: list[Word]) -> tuple[str, ...]:
    """Why the measured orientation may be wrong; empty when the page reads well (the usual case)."""
    if len(words) < MIN_WORDS:
        return ()
    found: list[str] = []
    if geometry.orientation_score < MIN_UP_SCORE:
        found.append("up_margin")
    if 0 < geometry.axis_margin < MIN_AXIS_MARGIN:
        found.append("axis_margin")
    if float(np.mean([w.confidence for w in words])) < LOW_CONFIDENCE:
        found.append("low_confidence")
    long_words = [w for w in words if len(w.text) >= 3]
    if long_words and sum(_tall(w) for w in long_words) / len(long_words) > SIDEWAYS_SHARE:
        found.append("sideways_words")
    return tuple(found)


@contextlib.contextmanager
def _osd_engine() -> Iterator[tesserocr.PyTessBaseAPI]:
    """An idle OSD engine (one per thread at a time), made on first use: pages without doubt never load it."""
    with _osd_lock:
        api = _osd_idle.pop() if _osd_idle else None
    if api is None:
        api = tesserocr.PyTessBaseAPI(lang="osd", psm=tesserocr.PSM.OSD_ONLY)
    try:
        yield api
    finally:
        api.Clear()
        with _osd_lock:
            _osd_idle.append(api)


def osd_turn(image: np.ndarray) -> tuple[int | None, float]:
    """Clockwise turn (0/90/180/270) that Tesseract's OSD says makes ``image`` upright, and its confidence.

    None when OSD cannot tell (too little text) or its model is not installed: the readings then decide.
    """
    if "osd" not in ocr.available_languages():
        return None, 0.0
    with _osd_engine() as api:
        api.SetImage(Image.fromarray(np.ascontiguousarray(image)))
        result = api.DetectOrientationScript()
    if not result:
        return None, 0.0
    # OSD reports how far the text is turned clockwise; undoing it is the opposite turn.
    return (360 - int(result["orient_deg"])) % 360, float(result["orient_conf"])


def turn(image: np.ndarray, degrees: int) -> np.ndarray:
    """``image`` turned clockwise by a multiple of 90° (exact, lossless)."""
    return np.ascontiguousarray(np.rot90(image, k=-(degrees // 90) % 4))


def second_opinion(
    for_ocr: np.ndarray, words: list[Word], geometry: Geometry, *, lang: str = "vie", timeout_s: int = 180
) -> Opinion | None:
    """None when nothing casts doubt on ``geometry``; otherwise the rotation whose reading is best.

    ``for_ocr`` is the OCR image turned by ``geometry`` and ``words`` its reading. The turn OSD proposes is
    read too, and replaces the measured one only when it reads clearly more text. When OSD cannot tell,
    the turns the doubt points to are read (both sideways turns for words in tall boxes, else all three).
    """
    triggers = doubts(geometry, words)
    if not triggers:
        return None
    measured = geometry.rotation
    scores = {measured: reading_score(words)}
    proposed, confidence = osd_turn(for_ocr)
    if proposed is not None:
        candidates = [proposed] if proposed else []
    elif "sideways_words" in triggers:
        candidates = [90, 270]
    else:
        candidates = [90, 180, 270]
    for delta in candidates:
        turned = ocr.recognize(turn(for_ocr, delta), lang=lang, timeout_s=timeout_s)
        scores[(measured + delta) % 360] = reading_score(turned)
    best = max(scores, key=lambda r: scores[r])
    kept = best if scores[best] > BETTER_BY * scores[measured] else measured
    return Opinion(kept, measured, triggers, proposed, confidence, scores)
