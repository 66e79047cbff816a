"""The second reading: each extracted field's region read again with another recognizer setting.

Tesseract's confidence does not reveal a wrong tone mark, but the `Vietnamese` script model reading one
line of the enlarged region rarely makes the same slip as `vie` on the whole page. When the two readings
of a field disagree (compared after NFC and whitespace folding), the field waits for a reviewer with the
reason ``second_reading_differs`` and the other reading is kept among the reasons' details.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import cv2
import numpy as np

from pipeline.clean import ocr_image
from pipeline.models import DocumentResult, FieldValue, PageResult
from pipeline.ocr import reread_region
from pipeline.postcorrect import correct_tokens

# Fields whose value is the text as read; others (dates, IDs, phone) are checked by their validators.
REREAD_KEYS = frozenset(
    {
        "issuing_agency",
        "place",
        "subject",
        "signer_title",
        "signer_name",
        "full_name",
        "address",
        "recipient",
        "business_name",
        "procedure",
    }
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return re.sub(r"[\s\W_]+", " ", text).strip()


def _fields(doc: DocumentResult) -> Iterable[tuple[str, FieldValue]]:
    for key, value in doc.fields.items():
        for item in value if isinstance(value, list) else [value]:
            yield key, item


def second_reading(documents: list[DocumentResult], pages: list[PageResult], *, timeout_s: int = 30) -> int:
    """Re-read fields in place, marking disagreements; returns how many fields now need review."""
    by_number = {p.number: p for p in pages}
    images: dict[int, np.ndarray] = {}
    flagged = 0
    for doc in documents:
        for key, field in _fields(doc):
            if key not in REREAD_KEYS or not field.value or field.bbox is None or field.page is None:
                continue
            page = by_number.get(field.page)
            if page is None or not page.image_path.is_file():
                continue
            if field.page not in images:
                bgr = cv2.imread(str(page.image_path), cv2.IMREAD_COLOR)
                images[field.page] = ocr_image(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            height = field.bbox[3] - field.bbox[1]
            several_lines = height * 200 / page.dpi > 55  # taller than one line of body text
            other, _ = reread_region(images[field.page], field.bbox, psm=6 if several_lines else 7, timeout_s=timeout_s)
            other = " ".join(correct_tokens(other.split()))  # the same post-correction as the first reading
            first = _fold(field.value)
            if first and first not in _fold(other) and _fold(other) not in first:
                field.reasons.append("second_reading_differs")
                field.status = "needs_review"
                flagged += 1
    return flagged
