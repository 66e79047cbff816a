"""An empty value cell of a ruled table read again on its own, when the page's OCR dropped what it held.

Tesseract's page segmentation takes a short number alone in a ruled cell ("215" beside "Thửa đất số")
for noise: the label reads, the value cell comes out empty, and a required field goes missing. The cell
right of the label, bounded by the table's vertical rules, is read again as one line of text; what it
finds waits for a reviewer (``read_again``), as every second look does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import cv2
import numpy as np

from pipeline import ocr
from pipeline.clean import binarize
from pipeline.doctypes import FieldSpec, by_key
from pipeline.field_build import field_from_words
from pipeline.geometry import strip_leaders, text_height
from pipeline.labels import bare_label_pattern, normalize_value, starts_with_label
from pipeline.layout import Line
from pipeline.models import BBox, DocumentResult, FieldValue, PageResult, Word
from pipeline.normalize import fold
from pipeline.page_job import kept_grey

LANG = "vie+Vietnamese"  # the page OCR's models (sohoa.settings' default)
SINGLE_LINE = 7  # Tesseract's page segmentation mode for one line of text
SCALE = 2  # the cell is enlarged: a short number alone reads better larger
INSET = 5  # pixels kept off the rules, so that no rule reads as "|" or "1"
RULE_INK = 0.6  # a pixel row inked over this share of the cell's width is a horizontal rule


def _cell(line: Line, page: PageResult) -> BBox | None:
    """The box of the cell right of a label cell: between the rule that ends the label's cell and the next
    rule, over the label's row; None when the row has no such pair of rules or the cell holds words."""
    _, y0, x1, y1 = line.bbox
    height = text_height(line.words) or (y1 - y0)
    middle = (y0 + y1) / 2
    xs = sorted(x for x, top, bottom in page.cell_rules if top <= middle <= bottom and x >= x1 - 2)
    if len(xs) < 2 or xs[1] - xs[0] < 2 * height:
        return None
    box = (xs[0] + INSET, round(y0 - 0.5 * height), xs[1] - INSET, round(y1 + 0.5 * height))
    inside = [
        w for w in page.words if w.bbox[0] < box[2] and w.bbox[2] > box[0] and w.bbox[1] < box[3] and w.bbox[3] > box[1]
    ]
    return None if inside else box


def read_cell(page: PageResult, box: BBox) -> list[Word]:
    """The words of one cell read alone as a line, horizontal rules blanked; boxes in page pixels."""
    grey = kept_grey(page)
    if grey is None:
        return []
    x0, y0, x1, y1 = (max(0, box[0]), max(0, box[1]), min(page.width, box[2]), min(page.height, box[3]))
    crop = grey[y0:y1, x0:x1]
    if crop.size == 0:
        return []
    clean = binarize(crop)
    clean[(clean < 128).mean(axis=1) > RULE_INK] = 255
    if not (clean < 128).any():
        return []
    big = cv2.resize(clean, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)
    big = cv2.copyMakeBorder(big, 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)
    words = ocr.recognize(np.ascontiguousarray(big), lang=LANG, psm=SINGLE_LINE, timeout_s=30)
    out = []
    for w in words:
        a, b, c, d = (round((v - 20) / SCALE) for v in w.bbox)
        out.append(Word(w.text, (a + x0, b + y0, c + x0, d + y0), w.confidence, w.line, w.block))
    return out


def _missing(doc: DocumentResult, spec: FieldSpec) -> bool:
    """A labelled field nothing was read for (absent, or only marked ``missing``), not one read badly."""
    field = doc.fields.get(spec.key)
    return bool(spec.labels) and (field is None or (isinstance(field, FieldValue) and field.raw is None))


def _reading(spec: FieldSpec, line: Line, pages: Mapping[int, PageResult]) -> FieldValue | None:
    page = pages.get(line.page)
    box = _cell(line, page) if page is not None else None
    if page is None or box is None:
        return None
    words = read_cell(page, box)
    raw = strip_leaders(" ".join(w.text for w in words)).strip(" .;,:|")
    if not raw or starts_with_label(raw):
        return None
    value, reasons = normalize_value(spec, raw)
    if value is None:
        return None
    field = field_from_words(value, words, page.number, raw, [*reasons, "read_again"])
    field.status = "needs_review"
    return field


def reread_cells(doc: DocumentResult, lines: Sequence[Line], pages: Mapping[int, PageResult]) -> None:
    """Fill a labelled field the page's OCR left without a value when its label sits alone in a ruled
    table cell and the cell right of it came out empty: that cell read again, for a reviewer to confirm."""
    doc_type = by_key(doc.type)
    for spec in doc_type.schema:
        if not _missing(doc, spec):
            continue
        bare = re.compile("|".join(bare_label_pattern(label) for label in spec.labels))
        for line in lines:
            if bare.search(fold(line.text)) and (field := _reading(spec, line, pages)) is not None:
                doc.fields[spec.key] = field
                break
    order = doc_type.fields
    doc.fields = dict(sorted(doc.fields.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
