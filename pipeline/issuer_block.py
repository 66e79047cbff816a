"""The issuing agency named in the signature block, for certificates that print no header block.

A land-use certificate (GCN) carries no ND 30 header: the agency that issues it is printed over the
signer's title, under the place and date ("SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG" / "KT. GIÁM ĐỐC" / "PHÓ GIÁM
ĐỐC", or "ỦY BAN NHÂN DÂN TỈNH …" / "CHỦ TỊCH"), sometimes wrapped onto a second line. The header rule
finds nothing there, so the block is read here: the capitals in the right column of the last page that
open with an agency's head word, with the line that continues them.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.agency_names import opens_body
from pipeline.geometry import h_overlap, line_height
from pipeline.layout import Line, is_upper
from pipeline.models import FieldValue
from pipeline.normalize import clean_text, fold_words
from pipeline.signer import read_authority, vocabulary_title

CONTINUE_GAP = 1.0  # a wrapped agency name's second line sits closer than this many line heights


def _opens_agency(line: Line) -> bool:
    return (
        is_upper(line.text)
        and read_authority(line.text) is None
        and vocabulary_title(line.text) is None  # "TRƯỞNG PHÒNG" folds like a school's "TRƯỜNG"
        and opens_body(line.text)  # the header's head words (``vocab.AGENCY_HEADS``)
        and len(fold_words(line.text).split()) >= 3  # "SỞ" alone, or "BỘ" cut from its name, names no agency
    )


def _continues(prev: Line, nxt: Line) -> bool:
    gap = nxt.bbox[1] - prev.bbox[3]
    return (
        nxt.page == prev.page
        and 0 <= gap + 2 < CONTINUE_GAP * line_height(prev)
        and h_overlap(prev, nxt) > 0
        and is_upper(nxt.text)
        and read_authority(nxt.text) is None
        and vocabulary_title(nxt.text) is None
        and not _opens_agency(nxt)
    )


def signature_issuer(lines: Sequence[Line], title: FieldValue | None = None) -> tuple[list[Line], str] | None:
    """The agency lines of the lowest signature block, and their name, or None when it names none.

    ``title``: the signer's title as extracted. The agency is read above it on its page: a certificate
    signs on page 1 and goes on to a page 2 (the parcel's diagram, later changes) that has no signer.
    Without a title, the last page is searched.
    """
    if not lines:
        return None
    page = title.page if title is not None and title.page else max(ln.page for ln in lines)
    below = title.bbox[1] if title is not None and title.bbox and title.page == page else None
    right = sorted(
        (
            ln
            for ln in lines
            if ln.page == page and ln.center_x > 0.45 and ln.top > 0.3 and (below is None or ln.bbox[1] < below)
        ),
        key=lambda ln: ln.bbox[1],
    )
    starts = [k for k, ln in enumerate(right) if _opens_agency(ln)]
    if not starts:
        return None
    block = [right[starts[-1]]]
    for nxt in right[starts[-1] + 1 :]:
        if not _continues(block[-1], nxt):
            break
        block.append(nxt)
    return block, clean_text(" ".join(ln.text for ln in block))
