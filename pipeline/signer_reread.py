"""The signer block under a seal, read again from the page image when the page's OCR lost part of it.

Tesseract's page segmentation takes a seal's rings, and the lines printed inside them, for a picture:
the whole block (authority, title, name) or the name's first word goes missing. The block's zone is
then read on its own, the rings erased first, as sparse text; what it finds waits for a reviewer.
"""

from __future__ import annotations

from collections.abc import Mapping

import cv2
import numpy as np

from pipeline import ocr
from pipeline.clean import binarize, reading_grey
from pipeline.doctypes import by_key
from pipeline.geometry import regroup_rows
from pipeline.layout import page_lines
from pipeline.models import DocumentResult, FieldValue, PageResult, Word
from pipeline.normalize import fold_words
from pipeline.page_job import reading_grey_path
from pipeline.signer import known_surname, signer_fields
from pipeline.vocab import SIGNER_TITLES

LANG = "vie+Vietnamese"  # the page OCR's models (sohoa.settings' default)
SPARSE_TEXT = 11  # Tesseract's page segmentation mode for text scattered among drawings
SIGNER_KEYS = ("signer_authority", "signer_title", "signer_name")
ABOVE_TITLE = 4  # the zone starts this many title heights above the title (the authority line or two)
BELOW_TITLE = 16  # ... and ends this many under it (signature and seal between title and name)
RING_COVER = 0.85  # a circle is a seal's ring when ink lies along this share of its circumference


def _grey(page: PageResult) -> np.ndarray | None:
    kept = reading_grey_path(page.image_path)
    if kept.is_file():
        return cv2.imread(str(kept), cv2.IMREAD_GRAYSCALE)
    if page.image_path.is_file():
        bgr = cv2.imread(str(page.image_path), cv2.IMREAD_COLOR)
        return reading_grey(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return None


def erase_circles(binary: np.ndarray, text_height: int) -> np.ndarray:
    """The image with the thin circles of a seal painted white, only along the circle: a letter the ring
    crosses keeps the rest of its strokes (erasing the whole ink shape would take the letter too)."""
    ink = (binary < 128).astype(np.uint8) * 255
    circles = cv2.HoughCircles(
        cv2.GaussianBlur(ink, (5, 5), 1.5),
        cv2.HOUGH_GRADIENT,
        dp=2,
        minDist=2 * text_height,
        param1=100,
        param2=60,
        minRadius=round(2.5 * text_height),
        maxRadius=round(9 * text_height),
    )
    out = binary.copy()
    if circles is None:
        return out
    ys, xs = np.nonzero(ink)
    for cx, cy, r in circles[0][:4]:
        off = np.hypot(xs - cx, ys - cy) - r
        on = np.abs(off) < 0.08 * r
        if not on.any():
            continue
        angles = np.arctan2(ys[on] - cy, xs[on] - cx)
        cover = len(np.unique(((angles + np.pi) / (2 * np.pi) * 72).astype(int) % 72)) / 72
        if cover < RING_COVER:
            continue  # an arc of letters or a signature's loop, not a ring
        band = np.percentile(np.abs(off[on]), 80) + 1.0
        ring = np.abs(off) <= band
        out[ys[ring], xs[ring]] = 255
    return out


def erase_rings(binary: np.ndarray, text_height: int) -> np.ndarray:
    """The image with the seal's rings painted white: circles along their stroke, then ink shapes taller
    and wider than three lines of text, which no letter is (a signature, a ring Hough did not find)."""
    binary = erase_circles(binary, text_height)
    ink = (binary < 128).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    sides = np.minimum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    big = [k for k in range(1, count) if sides[k] > 3 * text_height]
    out = binary.copy()
    if big:
        out[np.isin(labels, big)] = 255
    return out


def read_zone(page: PageResult, box: tuple[int, int, int, int], text_height: int) -> list[Word]:
    """Words of the zone ``box`` of the page read alone, rings erased; boxes in page pixels."""
    grey = _grey(page)
    if grey is None:
        return []
    x0, y0, x1, y1 = box
    crop = grey[y0:y1, x0:x1]
    if crop.size == 0:
        return []
    clean = erase_rings(binarize(crop), text_height)
    words = ocr.recognize(clean, lang=LANG, psm=SPARSE_TEXT, timeout_s=60)
    return [
        Word(w.text, (w.bbox[0] + x0, w.bbox[1] + y0, w.bbox[2] + x0, w.bbox[3] + y0), w.confidence, w.line, w.block)
        for w in words
    ]


def block_zone(page: PageResult, title: FieldValue | None) -> tuple[tuple[int, int, int, int], int]:
    """The box of the signer block on the page, and the text height to expect in it.

    Around the title when it was read; otherwise the right half under the last line of body text
    (a line crossing the page's middle), where ND 30 puts zone 7.
    """
    w, h = page.width, page.height
    if title is not None and title.bbox is not None and title.page == page.number:
        x0, y0, x1, y1 = title.bbox
        th = max(12, y1 - y0)
        margin = max(x1 - x0, 0.25 * w) / 2
        box = (round(x0 - margin), y0 - ABOVE_TITLE * th, round(x1 + margin), y1 + BELOW_TITLE * th)
    else:
        lines = [ln for ln in page_lines(page) if ln.top > 0.15]
        body = [ln for ln in lines if ln.bbox[0] < 0.35 * w and ln.bbox[2] > 0.55 * w]
        top = max((ln.bbox[3] for ln in body), default=round(0.35 * h))
        heights = sorted(ln.bbox[3] - ln.bbox[1] for ln in lines) or [round(0.015 * h)]
        th = max(12, heights[len(heights) // 2])
        box = (round(0.42 * w), top, w, h)
    x0, y0, x1, y1 = box
    return (max(0, x0), max(0, y0), min(w, x1), min(h, y1)), th


def _unsure(field: FieldValue | list[FieldValue] | None) -> bool:
    return not isinstance(field, FieldValue) or field.value is None or bool(field.reasons)


def _needs_reading(doc: DocumentResult, keys: list[str]) -> bool:
    """A signer field missing or flagged, or a deputy's title with no "KT." line read above it."""
    if any(_unsure(doc.fields.get(k)) for k in keys if k != "signer_authority"):
        return True
    name = doc.fields.get("signer_name")
    if isinstance(name, FieldValue) and name.value and not known_surname(name.value.split()[0]):
        return True  # "Quang Đạt": the family name may lie under the seal
    title = doc.fields.get("signer_title")
    deputy = isinstance(title, FieldValue) and title.value is not None and title.value.startswith("PHÓ ")
    return (
        "signer_authority" in keys
        and (deputy or "signer_authority" in doc.fields)
        and _unsure(doc.fields.get("signer_authority"))
    )


def _better(key: str, old: FieldValue | list[FieldValue] | None, new: FieldValue) -> bool:
    """Whether the second reading's value replaces the page's."""
    if new.value is None:
        return False
    if not isinstance(old, FieldValue) or old.value is None:
        return True
    if key == "signer_title":
        return old.value not in SIGNER_TITLES and new.value in SIGNER_TITLES
    if key == "signer_authority":
        return bool(old.reasons) and not new.reasons
    # a name: the page's lost its family name under the seal ("Quang Đạt" for "Nguyễn Quang Đạt")
    old_words, new_words = old.value.split(), new.value.split()
    return (
        known_surname(new_words[0])
        and not known_surname(old_words[0])
        and fold_words(new_words[-1]) == fold_words(old_words[-1])
    ) or (not known_surname(old_words[0]) and known_surname(new_words[0]) and len(old_words) < 2)


def reread_signer(doc: DocumentResult, pages: Mapping[int, PageResult]) -> None:
    """Fill or mend the signer fields from a second reading of the signer block (what it finds waits for
    review: a field read again under a seal is never ``extracted``)."""
    keys = [k for k in SIGNER_KEYS if k in by_key(doc.type).fields]
    if "signer_title" not in keys or not _needs_reading(doc, keys):
        return
    title = doc.fields.get("signer_title")
    title = title if isinstance(title, FieldValue) and title.page in pages else None
    number = title.page if title is not None and title.page is not None else doc.pages[-1]
    page = pages.get(number)
    if page is None:
        return
    box, text_height = block_zone(page, title)
    words = read_zone(page, box, text_height)
    if not words:
        return
    lines = regroup_rows(words, page.number, page.width, page.height)
    found = signer_fields(lines)
    authority = found.get("signer_authority")
    if title is not None and "signer_title" not in found and authority is None:
        return
    for key in keys:
        new = found.get(key)
        if new is None or not _better(key, doc.fields.get(key), new):
            continue
        new.reasons = [r for r in new.reasons if r != "signer_title_not_found"] + ["read_again"]
        new.status = "needs_review"
        doc.fields[key] = new
    order = by_key(doc.type).fields
    doc.fields = dict(sorted(doc.fields.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
