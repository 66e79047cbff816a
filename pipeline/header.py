"""The header of an ND 30 document read as blocks: the agency's lines top-left, the subject under its title.

A name wraps ("SỞ NÔNG NGHIỆP VÀ MÔI / TRƯỜNG") and a subject wraps ("… thủ tục hành / chính"), so a
header field is the block of lines of one column, stacked close together, not one OCR line; the next
line of a block is looked for below it in its column, never as the next line in reading order.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Sequence

from pipeline import agency_names
from pipeline.classify import SUBJECT_CV_RE, TitleMatch, motto_start
from pipeline.geometry import below_in_column, line_height, strip_leaders
from pipeline.layout import Line, is_upper
from pipeline.models import Word
from pipeline.normalize import clean_text, fold_words

BLOCK_GAP = 1.6  # a gap of more line heights than this between two header lines ends the agency block
FLAT_LINE = 0.35  # a header "line" flatter than this share of the others' height is a rule or a speck
SUBJECT_GAP = 1.3  # wrapped subject lines are set closer than this


def _before_motto(line: Line) -> Line | None:
    """The line without the motto Tesseract may have joined to it ("UBND TỈNH X CỘNG HÒA XÃ HỘI ..."),
    even glued to the agency's last word ("ĐỒNG NACỘNG HÒA"): that word is cut where "CỘNG" begins."""
    k = motto_start(line)
    if k is None:
        k = _glued_motto(line)
        if k is None:
            return line
        word = line.words[k]
        cut = len(word.text) - len("CỘNG")
        x0, y0, x1, y1 = word.bbox
        head = Word(word.text[:cut], (x0, y0, x0 + (x1 - x0) * cut // len(word.text), y1), word.confidence, word.line)
        return Line(line.page, (*line.words[:k], head), line.page_width, line.page_height)
    return Line(line.page, line.words[:k], line.page_width, line.page_height) if k else None


def _glued_motto(line: Line) -> int | None:
    """Index of a word ending in "CỘNG" that the rest of the motto follows ("NACỘNG HÒA XÃ HỘI")."""
    folded = [fold_words(w.text) for w in line.words]
    for k, word in enumerate(folded[:-2]):
        if len(word) > 4 and word.endswith("CONG") and folded[k + 1] == "HOA" and folded[k + 2] == "XA":
            return k
    return None


def agency_block(lines: Sequence[Line], limit: float, is_number_line: Callable[[Line], bool]) -> list[Line]:
    """The capital lines of the left header column above ``limit`` (the number's top), as one block:
    the lowest run of lines stacked close together that names a body (a form code or a stray mark above,
    a name in capitals below, is left out)."""
    head = sorted(
        (
            ln
            for ln in map(_before_motto, lines)
            if ln and ln.bbox[3] <= limit + 2 and ln.center_x < 0.5 and is_upper(ln.text) and not is_number_line(ln)
        ),
        key=lambda ln: ln.bbox[1],
    )
    if not head:
        return []
    # a rule under the name read as letters ("SỐ" 2 px high) is no line of the name
    usual = statistics.median(ln.bbox[3] - ln.bbox[1] for ln in head)
    head = [ln for ln in head if ln.bbox[3] - ln.bbox[1] >= FLAT_LINE * usual]
    runs: list[list[Line]] = [[head[0]]]
    for ln in head[1:]:
        gap = ln.bbox[1] - runs[-1][-1].bbox[3]
        if gap > BLOCK_GAP * max(line_height(ln), line_height(runs[-1][-1])):
            runs.append([])
        runs[-1].append(ln)
    # the agency's run names a body; a name printed in capitals in the body ("ÂU THÙY HẰNG") names none
    named = [run for run in runs if any(agency_names.opens_body(ln.text) for ln in run)]
    return (named or runs)[-1]


def split_superior(block: Sequence[Line]) -> tuple[list[Line], list[Line]]:
    """(superior body's lines, issuer's lines): the last body named in the block is the issuer, the one
    directly above it its superior (a third body above that is the superior's own superior)."""
    bodies = agency_names.split_bodies([ln.text for ln in block])
    issuer = [block[i] for i in bodies[-1]] if bodies else []
    superior = [block[i] for i in bodies[-2]] if len(bodies) > 1 else []
    return superior, issuer


def agency_text(lines: Sequence[Line]) -> str:
    """An agency's name from its lines, printed in capitals: a word OCR read in lower case is put back, and
    a space it lost after "UBND" or inside a place's name too (``agency_names.respace``), and a head's marks
    (``agency_names.spell_heads``). A mark with no
    letter or digit ("„", "_": a rule's or a seal's ink) is no word of a name; a dash between two places is."""
    words = [w for ln in lines for w in ln.text.split() if any(c.isalnum() for c in w) or w in ("-", "–")]
    return agency_names.spell_heads(agency_names.respace(clean_text(" ".join(words)).strip(" -_.").upper()))


def _stops_subject(line: Line) -> bool:
    text = line.text.strip()
    return text.startswith(("Căn cứ", "Điều", "Kính gửi")) or ":" in text or is_upper(text)


def cv_subject(lines: Sequence[Line]) -> tuple[list[Line], str] | None:
    """A công văn's "V/v ..." in the left column and the lines it wraps onto in that column."""
    first = lines[0].page if lines else 0
    for line in lines:
        m = SUBJECT_CV_RE.match(line.text)
        if line.page != first or not m or line.center_x >= 0.5:
            continue
        block, parts = [line], [m.group("v")]
        for nxt in below_in_column(lines, line, max_lines=SUBJECT_GAP)[:3]:
            if nxt.text.startswith("Kính") or nxt.center_x >= 0.5 or re.match(r"^S[ốô]\s*:", nxt.text):
                break
            block.append(nxt)
            parts.append(nxt.text)
        return block, clean_text(" ".join(parts))
    return None


def _opens_paragraph(block: Sequence[Line], nxt: Line) -> bool:
    """Whether a line set close under a centred subject is the body's first line instead: a wrapped subject
    line is never wider than the lines above it, while the body runs from margin to margin, past the
    subject's block on both sides ("… cuối năm" / "Ủy ban nhân dân phường … trân trọng thông báo …")."""
    height = line_height(block[-1])
    left, right = min(ln.bbox[0] for ln in block), max(ln.bbox[2] for ln in block)
    return nxt.bbox[0] < left - height and nxt.bbox[2] > right + height


def title_subject(lines: Sequence[Line], title: TitleMatch) -> tuple[list[Line], str] | None:
    """The subject under a document's title: the lines below it in its column, close together."""
    title_line = lines[title.index]
    below = below_in_column(lines, title_line, max_lines=SUBJECT_GAP + 0.7)
    prev = title_line
    # the title may wrap ("GIẤY CHỨNG NHẬN" / "QUYỀN ..."): its capital lines come first
    while below and is_upper(below[0].text) and not below[0].text.rstrip().endswith(":"):
        prev, below = below[0], below[1:]
    block: list[Line] = []
    for nxt in below[:4]:
        gap = nxt.bbox[1] - prev.bbox[3]
        if _stops_subject(nxt) or gap > (SUBJECT_GAP if block else SUBJECT_GAP + 0.7) * line_height(prev):
            break
        if block and _opens_paragraph(block, nxt):
            break
        block.append(nxt)
        prev = nxt
    if not block:
        return None
    return block, clean_text(" ".join(ln.text for ln in block))


# "Hà Nội, ngày 05/3/2025", "Ngày 05 tháng 3 năm 2025" alone, "ngày ..05.. tháng ..3.. năm 2025" on a form
LOOSE_DATE_RE = re.compile(
    r"^(?:(?P<place>[^,:\d]{2,60}?)\s*[,.]\s*)?ng\w{1,3}\s*(?P<d>\d{1,2})"
    r"(?:\s*[/.\-]\s*|\s+th\w{1,3}ng\s+)(?P<m>\d{1,2})(?:\s*[/.\-]\s*|\s+n\w{1,2}m\s+)(?P<y>\d{4})(?!\d)",
    re.IGNORECASE,
)


def loose_date(lines: Sequence[Line]) -> tuple[Line, str | None, tuple[str, str, str], str] | None:
    """The place and date line written otherwise than ND 30's "Place, ngày DD tháng M năm YYYY": in
    digits, without the place, or with leader dots; the first such line that opens with it."""
    for line in lines:
        text = strip_leaders(line.text).strip()
        m = LOOSE_DATE_RE.match(text)
        if m and len(text) - m.end() < 4:  # the date is the whole line, not a sentence opening with one
            place = m.group("place").strip(" .:;-") if m.group("place") else None
            raw = text[m.start("d") - 5 if m.start("d") >= 5 else 0 : m.end("y")]
            return line, place, (m.group("d"), m.group("m"), m.group("y")), raw
    return None
