"""A field's value built from the OCR words it came from: their mean confidence, page and box."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.layout import union
from pipeline.models import FieldValue, Word

LOW_CONFIDENCE = 0.55  # below this mean word confidence a reviewer looks at the field


def field_from_words(
    value: str | None, words: Sequence[Word], page: int, raw: str | None, reasons: Sequence[str] = ()
) -> FieldValue:
    """The field, with ``low_confidence`` added when OCR was unsure of its words."""
    reasons = list(reasons)
    conf = sum(w.confidence for w in words) / len(words) if words else 0.0
    if words and conf < LOW_CONFIDENCE:
        reasons.append("low_confidence")
    return FieldValue(
        value=value,
        raw=raw,
        confidence=conf,
        page=page if words else None,
        bbox=union(w.bbox for w in words) if words else None,
        reasons=reasons,
    )
