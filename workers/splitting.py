"""Which pages form which document: the lifecycle's view of the splitter."""

from __future__ import annotations

from pipeline.models import PageResult
from pipeline.split import split_documents


def split_pages(pages: list[PageResult]) -> list[list[int]]:
    """Page numbers of each component document, in order; never empty for a non-empty dossier.

    A dossier of blank or separator pages only still yields one document, so its scan is kept and signed.
    """
    groups = [g for g in split_documents(pages) if g]
    return groups or [[p.number for p in pages]]
