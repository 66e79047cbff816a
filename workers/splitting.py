"""Which pages form which document: the splitter of ``pipeline.split`` when present, else one document.

A thin seam so the lifecycle does not change when the splitter grows (barcode sheets, blank separators).
"""

from __future__ import annotations

from pipeline.models import PageResult


def split_pages(pages: list[PageResult]) -> list[list[int]]:
    """Page numbers of each component document, in order; never empty for a non-empty dossier."""
    try:
        from pipeline.split import split_documents
    except ImportError:
        return [[p.number for p in pages]]
    groups = [g for g in split_documents(pages) if g]
    return groups or [[p.number for p in pages]]


def check_secret(lines: list) -> None:  # type: ignore[type-arg]
    """Refuse secret documents (MẬT, TỐI MẬT, TUYỆT MẬT) through ``pipeline.extract.check_secret``."""
    try:
        from pipeline.extract import check_secret as check
    except ImportError:
        return
    check(lines)
