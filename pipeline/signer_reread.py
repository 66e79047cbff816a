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
from pipeline.clean import binarize
from pipeline.doctypes import by_key
from pipeline.geometry import regroup_rows
from pipeline.layout import page_lines
from pipeline.models import DocumentResult, FieldValue, PageResult, Word
from pipeline.normalize import fold_words
from pipeline.page_job import kept_grey
from pipeline.signer import known_surname, signer_fields
from pipeline.vocab import SIGNER_TITLES

LANG = "vie+Vietnamese"  # the page OCR's models (sohoa.settings' default)
SPARSE_TEXT = 11  # Tesseract's page segmentation mode for text scattered among drawings
SIGNER_KEYS = ("signer_authority", "signer_title", "signer_name")
ABOVE_TITLE = 4  # the zone starts this many title heights above the title (the authority line or two)
BELOW_TITLE = 16  # ... and ends this many under it (signature and seal between title and name)
SCALES = (1, 2)  # the zone is read as scanned and enlarged: each reads letters the other misses
RING_COVER = 0.85  # a circle is a seal's ring when ink lies along this share of its circumference


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


def read_zone(page: PageResult, box: tuple[int, int, int, int], text_height: int, scale: int = 1) -> list[Word]:
    """Words of the zone ``box`` of the page read alone, rings erased, enlarged ``scale`` times for
    Tesseract (a second look at another scale reads other letters); boxes in page pixels."""
    grey = kept_grey(page)
    if grey is None:
        return []
    x0, y0, x1, y1 = box
    crop = grey[y0:y1, x0:x1]
    if crop.size == 0:
        return []
    clean = erase_rings(binarize(crop), text_height)
    if scale > 1:
        clean = cv2.resize(clean, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    words = ocr.recognize(clean, lang=LANG, psm=SPARSE_TEXT, timeout_s=60)
    return [Word(w.text, _page_box(w.bbox, x0, y0, scale), w.confidence, w.line, w.block) for w in words]


def _page_box(bbox: tuple[int, int, int, int], x0: int, y0: int, scale: int) -> tuple[int, int, int, int]:
    a, b, c, d = (round(v / scale) for v in bbox)
    return (a + x0, b + y0, c + x0, d + y0)


def block_zone(page: PageResult, title: FieldValue | None) -> tuple[tuple[int, int, int, int], int]:
    """The box of the signer block on the page, and the text height to expect in it.

    Around the title when it was read; otherwise the right half under the last line of body text
    (a line crossing the page's middle), where ND 30 puts zone 7.
    """
    w, h = page.width, page.height
    lines = [ln for ln in page_lines(page) if ln.top > 0.15]
    heights = sorted(ln.bbox[3] - ln.bbox[1] for ln in lines) or [round(0.015 * h)]
    th = max(12, heights[len(heights) // 2])  # the page's text, not a title box specks made taller
    if title is not None and title.bbox is not None and title.page == page.number:
        x0, y0, x1, y1 = title.bbox
        margin = max(x1 - x0, 0.25 * w) / 2
        box = (round(x0 - margin), y0 - ABOVE_TITLE * th, round(x1 + margin), y1 + BELOW_TITLE * th)
    else:
        body = [ln for ln in lines if ln.bbox[0] < 0.35 * w and ln.bbox[2] > 0.55 * w]
        top = max((ln.bbox[3] for ln in body), default=round(0.35 * h))
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


def _quality(key: str, field: FieldValue) -> float:
    """How trustworthy a reading of a signer field is, to choose among readings (0: not a reading)."""
    if field.value is None:
        return 0.0
    doubts = len([r for r in field.reasons if r != "signer_title_not_found"])
    if key == "signer_title":
        return (2.0 if field.value in SIGNER_TITLES else 0.5) - 0.2 * doubts
    if key == "signer_name":
        words = field.value.split()
        return (2.0 if known_surname(words[0]) else 0.5) + 0.1 * min(len(words), 4) - 0.2 * doubts
    return 2.0 - 0.2 * doubts


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
    # or is specks of the seal; the second reading must open with a family name
    old_words, new_words = old.value.split(), new.value.split()
    if not known_surname(new_words[0]) or known_surname(old_words[0]):
        return False
    return fold_words(new_words[-1]) == fold_words(old_words[-1]) or bool(old.reasons)


def _readings(page: PageResult, title: FieldValue | None, keys: list[str]) -> dict[str, FieldValue]:
    """The best of two readings of the block, at the scan's scale and enlarged, field by field."""
    box, text_height = block_zone(page, title)
    best: dict[str, FieldValue] = {}
    for scale in SCALES:
        words = read_zone(page, box, text_height, scale)
        found = signer_fields(regroup_rows(words, page.number, page.width, page.height)) if words else {}
        if title is not None and "signer_title" not in found and "signer_authority" not in found:
            continue  # a zone around a title read where no title is: not the block
        for key in keys:
            new = found.get(key)
            if new is not None and (key not in best or _quality(key, new) > _quality(key, best[key])):
                best[key] = new
    return best


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
    zone_title = title if title is not None and title.value in SIGNER_TITLES else None  # not around specks
    for key, new in _readings(page, zone_title, keys).items():
        if not _better(key, doc.fields.get(key), new):
            continue
        new.reasons = [r for r in new.reasons if r != "signer_title_not_found"] + ["read_again"]
        new.status = "needs_review"
        doc.fields[key] = new
    order = by_key(doc.type).fields
    doc.fields = dict(sorted(doc.fields.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
