"""An ID printed one digit a box, read again box by box from the page image (issue 12).

The page's OCR reads a row of boxes sharing their borders ("|0|5|6|...|9|") badly: borders as "l", "I",
"]", digits as "o", "a", "s", and, once the borders are erased (``rules.erase_box_combs``), digits set
far apart sometimes twice ("...4 6 8 9" for "...4 6 9"). The boxes themselves say how many digits there
are: the row is found again on the page's grey image, each box's digit cut out and the digits set side
by side as a plain number, read with digits only. The reading is kept only when it has one digit per
inked box and the ID's length, the same twice; it waits for a reviewer (``read_again``). A well-formed value
the boxes read otherwise waits too (``second_reading_differs``: a digit read twice or misread, "...468" for
"...469", still looks like an ID). When the boxes hold another count of digits than the ID's length, a
12-digit value the page's OCR made of them is no value.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import cv2
import numpy as np

from pipeline import ocr
from pipeline.clean import binarize
from pipeline.doctypes import by_key
from pipeline.models import BBox, DocumentResult, FieldValue, PageResult
from pipeline.normalize import ID_LENGTH, digits
from pipeline.page_job import kept_grey
from pipeline.rules import Comb, find_combs
from pipeline.validators import check_personal_id

log = logging.getLogger(__name__)
LANG = "vie"  # digits only: the page's Vietnamese model reads them as well as any
SINGLE_LINE = 7  # Tesseract's page segmentation mode for one line of text
DIGIT_HEIGHT = 40  # the digits are scaled to about this height in pixels (Tesseract reads ~30-40 px best)
MIN_DIGIT = 0.3  # a digit stands at least this share of its box's height: a rule's leftover never does
SPACINGS = (1 / 5, 1 / 8)  # the digits are read twice, set this share of their height apart: both must agree
BAND = 1.5  # the row is looked for this many value heights above and below the value read
MISCOUNTED = "personal_id_boxes"  # the boxes hold another count of digits than the value read


def _runs(column: np.ndarray) -> tuple[int, int, int, int] | None:
    """A column of the comb's ink: (first row, length of the run there, last row, length of the run there)."""
    rows = np.flatnonzero(column)
    if not len(rows):
        return None
    breaks = np.flatnonzero(np.diff(rows) > 1)
    head = rows[breaks[0]] - rows[0] + 1 if len(breaks) else len(rows)
    tail = rows[-1] - rows[breaks[-1] + 1] + 1 if len(breaks) else len(rows)
    return int(rows[0]), int(head), int(rows[-1]), int(tail)


def _digit_masks(binary: np.ndarray, comb: Comb, labels: np.ndarray) -> list[np.ndarray | None]:
    """Each box's digit as an ink mask between the box's rules (None for an empty box).

    Each box's rules are measured in its own columns (median over them: a comb scanned askew, a
    descender of the line above touching the top rule), so a digit touching a rule loses only the rule.
    """
    x0, y0, x1, y1 = comb.bbox
    ink = binary[y0:y1, x0:x1] < 128
    own = labels[y0:y1, x0:x1] == comb.label
    height = y1 - y0
    masks: list[np.ndarray | None] = []
    for (_, left), (right, _) in zip(comb.borders, comb.borders[1:], strict=False):
        a, b = left - x0, right - x0
        runs = [r for x in range(a, b) if (r := _runs(own[:, x])) is not None]
        if b - a < 2 or not runs:
            masks.append(None)
            continue
        top = int(np.median([r[0] + r[1] for r in runs]))  # the first row under the top rule
        bottom = int(np.median([r[2] - r[3] for r in runs]))  # the last row over the bottom rule
        if bottom < top:  # the rules' runs met (a box filled with ink, a smudge): no digit to cut out
            masks.append(None)
            continue
        cell = ink[top : bottom + 1, a:b].astype(np.uint8)
        count, _, stats, _ = cv2.connectedComponentsWithStats(cell, connectivity=8)
        tall = [k for k in range(1, count) if stats[k, cv2.CC_STAT_HEIGHT] >= MIN_DIGIT * (bottom - top + 1)]
        if not tall or bottom - top < MIN_DIGIT * height:
            masks.append(None)
            continue
        left_ink = min(int(stats[k, cv2.CC_STAT_LEFT]) for k in tall)
        right_ink = max(int(stats[k, cv2.CC_STAT_LEFT] + stats[k, cv2.CC_STAT_WIDTH]) for k in tall)
        masks.append(cell[:, left_ink:right_ink] > 0)
    return masks


def read_digits(masks: list[np.ndarray], spacing: float) -> tuple[str, float]:
    """The boxes' digits read as one number: (digits read, mean confidence).

    The digits are set side by side, ``spacing`` of their height apart, top-aligned: a plain printed
    number, which Tesseract reads far better than digits spread between borders (set as far apart as a
    third of their height, "69" already read as "689" now and then).
    """
    if not masks:
        return "", 0.0
    height = max(m.shape[0] for m in masks)
    gap = np.zeros((height, max(2, round(height * spacing))), bool)
    tall = [np.pad(m, ((0, height - m.shape[0]), (0, 0))) for m in masks]
    strip = np.hstack([part for m in tall for part in (m, gap)][:-1])
    image = np.where(strip, 0, 255).astype(np.uint8)
    scale = DIGIT_HEIGHT / height
    image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    image = cv2.GaussianBlur(image, (0, 0), scale / 2)  # the binary steps smoothed, as print looks
    image = cv2.copyMakeBorder(image, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
    words = ocr.recognize(image, lang=LANG, psm=SINGLE_LINE, timeout_s=30, whitelist="0123456789")
    text = "".join(w.text for w in words)
    conf = sum(w.confidence for w in words) / len(words) if words else 0.0
    return digits(text), conf


def _comb_near(page: PageResult, grey: np.ndarray, bbox: BBox) -> tuple[np.ndarray, Comb, np.ndarray, int] | None:
    """The comb on the value's row that the value's box overlaps, in a band of the page's grey image:
    (the band binarized, the comb, the band's labels, the band's top row)."""
    x0, y0, x1, y1 = bbox
    reach = round(BAND * (y1 - y0))
    top, bottom = max(0, y0 - reach), min(grey.shape[0], y1 + reach)
    band = binarize(grey[top:bottom])
    combs, labels = find_combs(band, page_width=page.width)
    near = [c for c in combs if c.bbox[0] < x1 and c.bbox[2] > x0]
    return (band, near[0], labels, top) if near else None


def _check(field: FieldValue, page: PageResult, grey: np.ndarray) -> None:
    """``field`` (an ID the page's OCR read) against its boxes, when it was printed in boxes."""
    assert field.bbox is not None
    found = _comb_near(page, grey, field.bbox)
    if found is None:
        return
    band, comb, labels, top = found
    masks = [m for m in _digit_masks(band, comb, labels) if m is not None]
    whole = len(digits(field.value or "")) == ID_LENGTH
    if len(masks) != ID_LENGTH:
        if whole:  # a digit the page's OCR made up, or one lost from the print
            field.reasons = [*field.reasons, MISCOUNTED]
            field.status = "needs_review"
        return
    well_formed = whole and field.value is not None and "personal_id_format" not in check_personal_id(field.value)
    (read, conf), (again, _) = (read_digits(masks, spacing) for spacing in SPACINGS)
    if len(read) != ID_LENGTH or read != again or read == field.value:
        return  # a reading that depends on how the digits are set is no reading
    if well_formed:  # the page read a well-formed ID, the boxes another: one digit is wrong, which no rule sees
        field.reasons = [*field.reasons, "second_reading_differs"]
        field.status = "needs_review"
        return
    x0, y0, x1, y1 = comb.bbox
    field.value, field.raw, field.confidence = read, read, conf
    field.bbox = (x0, y0 + top, x1, y1 + top)
    field.reasons = [*check_personal_id(read), "read_again"]
    field.status = "needs_review"


def reread_boxed_ids(doc: DocumentResult, pages: Mapping[int, PageResult]) -> None:
    """Check each personal ID of the document that was printed one digit a box against its boxes: a value
    the page's OCR garbled is replaced by the boxes' reading, for a reviewer to confirm; one with a digit
    more or less than the boxes hold waits for a reviewer too."""
    for spec in by_key(doc.type).schema:
        field = doc.fields.get(spec.key)
        if spec.validator != "personal_id" or not isinstance(field, FieldValue) or field.bbox is None:
            continue
        page = pages.get(field.page) if field.page is not None else None
        grey = kept_grey(page) if page is not None else None
        if page is not None and grey is not None:
            try:
                _check(field, page, grey)
            except (cv2.error, ValueError, IndexError):  # a check that cannot run leaves the value as read
                log.warning("boxed ID on page %s not checked against its boxes", field.page, exc_info=True)
