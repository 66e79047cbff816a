"""A dossier's documents: which pages form each (the splitter, with signed inputs kept whole), and each one read."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from itertools import groupby

from pipeline.box_reread import reread_boxed_ids
from pipeline.cell_reread import reread_cells
from pipeline.extract import check_secret, extract_document, secret_document
from pipeline.header_reread import reread_header
from pipeline.layout import page_lines
from pipeline.models import DocumentResult, PageResult
from pipeline.signer_reread import reread_signer
from pipeline.split import split_documents


def split_pages(pages: list[PageResult], whole_sources: Collection[int] = ()) -> list[list[int]]:
    """Page numbers of each component document, in order; never empty for a non-empty dossier.

    A dossier of blank or separator pages only still yields one document, so its scan is kept and signed.
    ``whole_sources``: indexes of sources that form one document each, all their pages and nothing else
    (a signed input passed through as it is: its signature covers the whole file, not a part of it).
    """
    groups: list[list[int]] = []
    for whole, run in groupby(pages, key=lambda p: p.source_index if p.source_index in whole_sources else -1):
        run_pages = list(run)
        if whole >= 0:
            groups.append([p.number for p in run_pages])
        else:
            groups.extend(g for g in split_documents(run_pages) if g)
    return groups or [[p.number for p in pages]]


def check_pages_secret(pages: Sequence[PageResult]) -> None:
    """``SecretDocument`` when a page carries a secrecy mark the page job found, or the pages' text does: the
    rule a document is refused by, for the fan-in and for whoever measures it."""
    for page in pages:
        if page.secrecy:
            raise secret_document(page.secrecy, page.number)
    check_secret([line for page in pages for line in page_lines(page)])


def read_document(index: int, numbers: list[int], pages: Mapping[int, PageResult]) -> DocumentResult:
    """Document ``index`` of the dossier, its fields read from its pages; ``SecretDocument`` for a document
    marked MẬT, which must not be digitized. The fan-in and work ahead both read documents this way.

    A mark the page job found outside the page's OCR text (red ink, a framed word) counts as well."""
    check_pages_secret([pages[n] for n in numbers])
    lines = [line for n in numbers for line in page_lines(pages[n])]
    document = extract_document(index, lines, numbers)
    reread_header(document, lines, pages)  # a date, number or form code the page's OCR garbled
    reread_cells(document, lines, pages)  # a value the page's OCR dropped from its ruled table cell
    reread_signer(document, pages)  # a name the page's OCR lost under a seal
    reread_boxed_ids(document, pages)  # an ID printed one digit a box, checked against its boxes
    return document
