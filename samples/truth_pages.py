"""Generated pages as a perfect OCR would read them: ``PageResult`` objects built from the truth.

Why: split, classification and extraction rules can be tested on the real layout of every document
kind in milliseconds, without Tesseract; what OCR gets wrong is tested separately on real readings.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.models import PageResult, Word
from samples.documents import RenderedPage


def truth_words(page: RenderedPage, *, confidence: float = 0.95) -> list[Word]:
    """Every printed word with its ink box; one OCR line per printed line, in reading order."""
    words = []
    for line_id, line in enumerate(page.lines):
        for start, end, bbox in line.words:
            words.append(Word(line.text[start:end], bbox, confidence, line_id))
    return words


def truth_page_result(page: RenderedPage, number: int = 1, *, findings: list[dict] | None = None) -> PageResult:
    """The page as the pipeline's page stage would return it after a flawless OCR."""
    width, height = page.image.size
    return PageResult(
        number=number,
        source="truth",
        dpi=page.dpi,
        dpi_estimated=False,
        width=width,
        height=height,
        rotation=0,
        skew=0.0,
        image_path=Path(f"truth-{number:04d}.jpg"),
        words=truth_words(page),
        findings=list(findings or []),
        ocr_confidence=0.95,
    )
