"""Which pages form which document: the lifecycle's view of the splitter."""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.extract import check_secret, extract_document
from pipeline.layout import page_lines
from pipeline.models import DocumentResult, PageResult
from pipeline.split import split_documents


def split_pages(pages: list[PageResult]) -> list[list[int]]:
    """Page numbers of each component document, in order; never empty for a non-empty dossier.

    A dossier of blank or separator pages only still yields one document, so its scan is kept and signed.
    """
    groups = [g for g in split_documents(pages) if g]
    return groups or [[p.number for p in pages]]


def read_document(index: int, numbers: list[int], pages: Mapping[int, PageResult]) -> DocumentResult:
    """Document ``index`` of the dossier, its fields read from its pages; ``SecretDocument`` for a document
    marked MẬT, which must not be digitized. The fan-in and work ahead both read documents this way."""
    lines = [line for n in numbers for line in page_lines(pages[n])]
    check_secret(lines)
    return extract_document(index, lines, numbers)
