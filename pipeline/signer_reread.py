"""A signer's name under a seal, read again from the page image when the page's OCR lost it.

Tesseract's page segmentation takes a seal's rings, and the name printed inside them, for a picture:
the title is read, the name is not. The zone under the title is then read on its own, the rings
erased first, as sparse text; what it finds waits for a reviewer.
"""

from __future__ import annotations

from collections.abc import Mapping

import cv2
import numpy as np

from pipeline import ocr
from pipeline.clean import binarize, reading_grey
from pipeline.field_build import field_from_words
from pipeline.models import DocumentResult, FieldValue, PageResult, Word
from pipeline.normalize import clean_text
from pipeline.page_job import reading_grey_path
from pipeline.signer import best_name, name_zone

LANG = "vie+Vietnamese"  # the page OCR's models (sohoa.settings' default)
SPARSE_TEXT = 11  # Tesseract's page segmentation mode for text scattered among drawings


def _grey(page: PageResult) -> np.ndarray | None:
    kept = reading_grey_path(page.image_path)
    if kept.is_file():
        return cv2.imread(str(kept), cv2.IMREAD_GRAYSCALE)
    if page.image_path.is_file():
        bgr = cv2.imread(str(page.image_path), cv2.IMREAD_COLOR)
        return reading_grey(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return None


def erase_rings(binary: np.ndarray, text_height: int) -> np.ndarray:
    """The image with the seal's rings painted white: ink shapes taller and wider than three lines of
    text, which no letter is (a letter touching a ring goes with it)."""
    ink = (binary < 128).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    sides = np.minimum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    big = [k for k in range(1, count) if sides[k] > 3 * text_height]
    out = binary.copy()
    if big:
        out[np.isin(labels, big)] = 255
    return out


def read_name_zone(page: PageResult, box: tuple[int, int, int, int], text_height: int) -> list[Word]:
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


def reread_signer(doc: DocumentResult, pages: Mapping[int, PageResult]) -> None:
    """Fill a missing signer name from a second reading of the zone under the title (it waits for review)."""
    title, name = doc.fields.get("signer_title"), doc.fields.get("signer_name")
    if not isinstance(title, FieldValue) or title.page not in pages or title.bbox is None:
        return
    if "signer_name" not in doc.fields or (isinstance(name, FieldValue) and name.value is not None):
        return
    page = pages[title.page]
    box = name_zone(title, page.width)
    if box is None:
        return
    box = (box[0], box[1], box[2], min(page.height, box[3]))
    words = read_name_zone(page, box, text_height=title.bbox[3] - title.bbox[1])
    found = best_name(words, page.number, page.width, page.height)
    if found is None:
        return
    run, row = found
    field = field_from_words(clean_text(" ".join(w.text for w in run)), run, page.number, row.text, ["read_again"])
    field.status = "needs_review"
    doc.fields["signer_name"] = field
