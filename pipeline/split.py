"""Split a dossier's pages into its component documents.

A scanned dossier is a bundle (an application, an ID card copy, a certificate...). A document starts at
a page whose top carries the national motto ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", ND 30 ô 1), a type
title ("GIẤY TIẾP NHẬN HỒ SƠ...", "TỜ KHAI") or a form code ("Mẫu CT07"); any other page continues the
document before it. Two kinds of sheet separate documents and are dropped:

- a **blank page** (the reception gate's ``blank_page`` finding, or no text at all);
- a **separator sheet**: a page printed with "TÁCH HỒ SƠ" in large type (optionally with a barcode
  and "SOHOA-SEPARATOR" under it; the text is what is detected, no barcode reader is needed).

A page after a blank one starts a new document, unless it carries an ND 30 page number ("2", "3" alone
in the top margin): then it is the next page of the same document, its blank back scanned in duplex.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pipeline.classify import find_title, form_code, is_motto
from pipeline.layout import Line, page_lines
from pipeline.models import PageResult
from pipeline.normalize import fold_words

Role = Literal["blank", "separator", "start", "continuation"]
SEPARATOR_CUES = ("TACH HO SO", "SOHOA SEPARATOR")
SEPARATOR_MAX_WORDS = 80  # a separator sheet says little; a document that mentions the words says more
HEADER_ZONE = 0.3  # the motto sits in the top part of a first page
TITLE_ZONE = 0.4
PAGE_NUMBER_ZONE = 0.1  # ND 30: page numbers from page 2, centred in the top margin
MIN_LETTERS = 6  # fewer letters than this on a page: OCR noise on a blank sheet


def _letters(page: PageResult) -> int:
    return sum(c.isalpha() for w in page.words for c in w.text)


def is_blank(page: PageResult) -> bool:
    """Blank by the reception gate, or with (next to) no text."""
    return any(f.get("code") == "blank_page" for f in page.findings) or _letters(page) < MIN_LETTERS


def is_separator(page: PageResult) -> bool:
    """A separator sheet: "TÁCH HỒ SƠ" / "SOHOA-SEPARATOR" on a page with little else."""
    if len(page.words) > SEPARATOR_MAX_WORDS:
        return False
    text = fold_words(page.text)
    return any(cue in text for cue in SEPARATOR_CUES)


def page_number(lines: Sequence[Line]) -> int | None:
    """The page number printed alone in the top margin (2 and up), or None."""
    for line in lines:
        if line.top > PAGE_NUMBER_ZONE:
            break
        text = line.text.strip(" -.")
        if re.fullmatch(r"\d{1,3}", text) and int(text) >= 2 and 0.35 <= line.center_x <= 0.75:
            return int(text)
    return None


def starts_document(lines: Sequence[Line]) -> bool:
    """The top of a first page: the national motto, a type title or a form code."""
    if any(ln.top <= HEADER_ZONE and is_motto(ln) for ln in lines):
        return True
    return find_title(lines, zone=TITLE_ZONE) is not None or form_code(lines, zone=0.15) is not None


def page_role(page: PageResult, lines: Sequence[Line] | None = None) -> Role:
    """What a page is to the split: dropped (blank, separator), the start of a document, or a continuation."""
    if is_separator(page):
        return "separator"
    if is_blank(page):
        return "blank"
    lines = page_lines(page) if lines is None else lines
    if page_number(lines) is None and starts_document(lines):
        return "start"
    return "continuation"


def split_documents(pages: list[PageResult]) -> list[list[int]]:
    """Page numbers of each component document, in dossier order; separator and blank pages dropped."""
    groups: list[list[int]] = []
    current: list[int] | None = None
    after_blank = False
    for page in sorted(pages, key=lambda p: p.number):
        lines = page_lines(page) if page.words else []
        role = page_role(page, lines)
        if role in ("blank", "separator"):
            current = None
            after_blank = role == "blank"
            continue
        duplex_back = after_blank and groups and page_number(lines) is not None
        if duplex_back:
            current = groups[-1]
        elif role == "start" or current is None:
            current = []
            groups.append(current)
        current.append(page.number)
        after_blank = False
    return groups
