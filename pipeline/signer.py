"""Zone 7 of ND 30 read as a block: authority (TM., KT. ...), title, and the name several lines below,
past the signature and the seal.

The name is looked for in the words under the title, in its column, regrouped into printed rows by
their boxes: a seal over the name makes OCR cut it ("Văn Nghĩa" alone) or add specks to it, so the
rows are rebuilt and the best name-like run of words wins (a family name from the vocabulary first).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache
from unicodedata import category

from pipeline.field_build import field_from_words
from pipeline.geometry import below_in_column, h_overlap, line_height, regroup_rows
from pipeline.layout import Line, is_upper
from pipeline.models import FieldValue, Word
from pipeline.normalize import clean_text, fold_words, nfc
from pipeline.vocab import (
    APPLICANT_TITLE_HEAD,
    APPLICANT_TITLE_WORDS,
    AUTHORITY_BODIES,
    DEPUTY_TITLES,
    HEAD_TITLES,
    SIGNATURE_HINTS,
    SIGNER_TITLES,
    SURNAMES,
)

NAME_DEPTH = 16  # the name sits at most this many title heights under the title (signature and seal between)
MAX_NAME_WORDS = 6
TITLE_LIKENESS = 0.8  # a tail of the line this much like a title is that title
TITLE_EXPECTED_LIKENESS = 0.65  # ... or this much, for a title the authority line implies
SAME_LETTERS_LIKENESS = 0.9  # a tail with a title's letters, its marks lost or wrong, is as good as this
AUTHORITY_LIKENESS = 0.7  # after a "TM." or "KT." prefix, a title or body read this well is that one


def _letters(text: str) -> str:
    """Capital letters and single spaces: OCR noise from the seal and signature dropped."""
    letters = "".join(c if c.isspace() or (c.isalpha() and category(c) != "Lm") else " " for c in nfc(text).upper())
    return " ".join(letters.split())


def _likeness(title: str, text: str) -> float:
    """How alike two titles are, spaces ignored (a seal ring makes OCR drop one: "CHỒNTỊCH")."""
    return SequenceMatcher(None, title.replace(" ", ""), text.replace(" ", "")).ratio()


@lru_cache(maxsize=1)
def _titles_by_fold() -> dict[str, str]:
    """Signer titles by their letters without marks, for the folds only one title has ("THỦ TRƯỞNG" and
    "THỨ TRƯỞNG" share theirs, so neither is chosen on its letters alone)."""
    by_fold: dict[str, list[str]] = {}
    for title in SIGNER_TITLES:
        by_fold.setdefault(fold_words(title), []).append(title)
    return {k: v[0] for k, v in by_fold.items() if len(v) == 1}


def vocabulary_title(text: str) -> str | None:
    """The signer title of the vocabulary this OCR text most likely is (titles are a closed set).

    OCR slips in tone marks ("NGƯỜI LAÀM ĐƠN") are forgiven by a close match; the raw text is kept.
    A read with every mark lost or changed ("GIAM ĐỌC", "GIÁM ĐÓC" for "GIÁM ĐỐC") has too few equal
    characters for that match, but the same letters: it is the one title those letters spell.
    """
    cleaned = _letters(text)
    if cleaned in SIGNER_TITLES:
        return cleaned
    if (same_letters := _titles_by_fold().get(fold_words(cleaned))) is not None:
        return same_letters
    best = max(SIGNER_TITLES, key=lambda t: SequenceMatcher(None, t, cleaned).ratio())
    return best if SequenceMatcher(None, best, cleaned).ratio() >= 0.8 else None


def snap_title(text: str, expected: Sequence[str] = ()) -> str | None:
    """The title a noisy read most likely is, looking past the specks a seal puts before it.

    The title ends the line; words before it may be specks ("/ ta PHÓ: Mà TỊCH"), so each tail of
    the line is matched, spaces ignored, and among near-equal matches the title whose length is
    closest to the tail wins (a printed "NGƯỜI TIẾP NHẬN" is not "NGƯỜI TIẾP NHẬN HỒ SƠ").
    ``expected``: titles the authority line above implies ("KT. CHỦ TỊCH" → "PHÓ CHỦ TỊCH"), taken
    on weaker evidence.
    """
    tokens = _letters(text).split()
    best: tuple[float, float, str] | None = None
    for start in range(len(tokens)):
        tail = " ".join(tokens[start:])
        same_letters = _titles_by_fold().get(fold_words(tail))
        for title in SIGNER_TITLES:
            score = _likeness(title, tail)
            if title == same_letters:  # "ta GIAM ĐỌC": every mark lost, the letters are the title's
                score = max(score, SAME_LETTERS_LIKENESS)
            need = TITLE_EXPECTED_LIKENESS if title in expected else TITLE_LIKENESS
            if score < need:
                continue
            key = (round(score, 2) + (0.1 if title in expected else 0.0), -abs(len(title) - len(tail)), title)
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


# "TM.", "KT.", "TL.", "TUQ.", "Q." as OCR reads them under a seal: "K T.", "KT,", "TM " or "TM.ỦY", specks
# of the seal after them ("TM. 'V RAN NHÂN DÂN").
_AUTHORITY = re.compile(r"(?:^|[^\w])(T ?M|K ?T|T ?L|T ?U ?Q|Q(?=\.))[^\w]+([^\W\d_].*)$")


def read_authority(text: str) -> tuple[str, bool] | None:
    """The authority line ("KT. CHỦ TỊCH") a noisy read most likely is, and whether it was repaired.

    Authorities are a closed pattern, a prefix and a title or collective body, so both are snapped;
    a rest that is not capital letters is not an authority.
    """
    upper = nfc(text).upper()
    for m in _AUTHORITY.finditer(upper):
        start = m.start(1)
        if not is_upper(text[start:]) or text[start].islower():
            continue
        prefix, rest = m.group(1).replace(" ", ""), _letters(m.group(2))
        known = max((*AUTHORITY_BODIES, *SIGNER_TITLES), key=lambda b: _likeness(b, rest))
        if _likeness(known, rest) < AUTHORITY_LIKENESS:
            continue
        value = f"{prefix}. {known}"
        return value, value != clean_text(text)
    return None


def lost_prefix(text: str, title: str) -> str | None:
    """The authority a line over a deputy's or head's title is when the seal ate its prefix.

    "^” GIÁM ĐỐC" over "PHÓ GIÁM ĐỐC" is "KT. GIÁM ĐỐC" (ND 30: a deputy signs for the head), and
    "ỦY BAN NHÂN DÂN" over "CHỦ TỊCH" is "TM. ỦY BAN NHÂN DÂN"; the prefix is inferred, so it is checked.
    """
    tokens = _letters(text).split()
    for start in range(len(tokens)):
        tail = " ".join(tokens[start:])
        for prefix in ("KT.", "TM."):
            known = max((*AUTHORITY_BODIES, *SIGNER_TITLES), key=lambda b: _likeness(b, tail))
            if _likeness(known, tail) >= TITLE_LIKENESS and title in titles_under(f"{prefix} {known}"):
                return f"{prefix} {known}"
    return None


def titles_under(authority: str | None) -> tuple[str, ...]:
    """Titles the authority line implies for the line under it: the deputy's for "KT.", the head's for "TM."."""
    if authority is None:
        return ()
    prefix, _, rest = authority.partition(" ")
    if prefix == "KT.":
        return DEPUTY_TITLES.get(rest, (f"PHÓ {rest}",))
    return HEAD_TITLES.get(rest, ()) if prefix == "TM." else ()


@lru_cache(maxsize=1)
def _surnames() -> frozenset[str]:
    return frozenset(fold_words(s) for s in SURNAMES)


def known_surname(word: str) -> bool:
    """Whether the word is a Vietnamese family name of the vocabulary (tone marks aside)."""
    return fold_words(word) in _surnames()


def _clean_token(word: Word) -> Word | None:
    """The word without the specks OCR glued to its edges ("'Dương" → "Dương"); None if no letters."""
    text = re.sub(r"^[^\w]+|[^\w]+$", "", word.text)
    if not text or not text.isalpha():
        return None
    return Word(text, word.bbox, word.confidence, word.line, word.block)


def name_run(words: Sequence[Word]) -> list[Word]:
    """The longest run of capitalised words of letters in a row; marks and specks between them are skipped."""
    best: list[Word] = []
    run: list[Word] = []
    for w in words:
        if not any(c.isalnum() for c in w.text):
            continue  # a speck of the seal or signature between two words of the name
        token = _clean_token(w)
        if token is not None and token.text[0].isupper():
            run.append(token)
            continue
        best, run = max(best, run, key=len), []
    return max(best, run, key=len)


def name_score(words: Sequence[Word]) -> float:
    """How much a run of words looks like a signer's printed name (0: not at all)."""
    if not 2 <= len(words) <= MAX_NAME_WORDS:
        return 0.0
    text = " ".join(w.text for w in words)
    known = fold_words(words[0].text) in _surnames()
    if vocabulary_title(text) or (is_upper(text) and not known):
        return 0.0
    conf = sum(w.confidence for w in words) / len(words)
    return (2.0 if known else 0.0) + (0.5 if not is_upper(text) else 0.0) + conf + 0.1 * min(len(words), 4)


HINT_LIKENESS = 0.85  # a line's opening this much like a signature hint is that hint, OCR slips forgiven


def applicant_title(text: str) -> bool:
    """A citizen's title by its shape: capitals, 2–6 words, the first "NGƯỜI" ("NGƯỜI LÀM TỜ KHAI")."""
    words = text.strip(" .,:;").split()
    lo, hi = APPLICANT_TITLE_WORDS
    return lo <= len(words) <= hi and is_upper(text) and fold_words(words[0]) == fold_words(APPLICANT_TITLE_HEAD)


@lru_cache(maxsize=1)
def _hints() -> tuple[str, ...]:
    return tuple(fold_words(h) for h in SIGNATURE_HINTS)


def signature_hint(text: str) -> bool:
    """The line is a form's signing hint, "(Ký, ghi rõ họ tên)" or a wording of it, as OCR read it."""
    folded = fold_words(text)
    return any(SequenceMatcher(None, h, folded[: len(h)]).ratio() >= HINT_LIKENESS for h in _hints())


def hinted_title(lines: Sequence[Line], i: int) -> bool:
    """Line ``i`` is a citizen's title the vocabulary need not list: an applicant's title by its shape,
    with a signing hint right under it. Forms name the signer in many ways ("NGƯỜI VIẾT ĐƠN", "NGƯỜI
    LÀM TỜ KHAI"); the hint under the line, not the wording, makes it the title."""
    if not applicant_title(lines[i].text):
        return False
    return any(signature_hint(ln.text) for ln in below_in_column(lines, lines[i], max_lines=1.0)[:1])


def _title_index(right: Sequence[Line]) -> int | None:
    for i in range(len(right) - 1, -1, -1):  # the signer signs last: search from the bottom
        text = right[i].text.strip()
        if is_upper(text) and read_authority(text) is None and (vocabulary_title(text) or hinted_title(right, i)):
            return i
    # an authority line whose title is not in the vocabulary: the title is the line under it
    for i in range(len(right) - 1, -1, -1):
        if read_authority(right[i].text):
            return i + 1
    # a title under specks of the seal ("/ ta PHÓ: Mà TỊCH"): mostly capitals, its tail like a title
    for i in range(len(right) - 1, -1, -1):
        letters = [c for c in right[i].text if c.isalpha()]
        if sum(c.isupper() for c in letters) >= 0.6 * max(1, len(letters)) and snap_title(right[i].text):
            return i
    return None


def _same_letters(a: str, b: str) -> bool:
    """Whether two reads differ only in spaces and punctuation ("ỦY-BAN" for "ỦY BAN")."""
    return _letters(a).replace(" ", "") == _letters(b).replace(" ", "")


def _line_above(lines: Sequence[Line], line: Line) -> Line | None:
    top = line.bbox[1] + 0.25 * (line.bbox[3] - line.bbox[1])  # the boxes of two close rows may touch
    above = [
        ln for ln in lines if ln.page == line.page and (ln.bbox[1] + ln.bbox[3]) / 2 < top and h_overlap(ln, line) > 0
    ]
    return max(above, key=lambda ln: ln.bbox[3], default=None)


def _name_zone(lines: Sequence[Line], title: Line | None) -> list[Word]:
    """Words under the title in its column (or, without a title, in the lower right of the last page)."""
    if title is None:
        page = lines[-1].page
        return [w for ln in lines if ln.page == page and ln.top > 0.5 and ln.center_x > 0.45 for w in ln.words]
    height = line_height(title)
    x0, _, x1, y1 = title.bbox
    margin = max(x1 - x0, 0.2 * title.page_width) / 2
    lo, hi, bottom = x0 - margin, x1 + margin, y1 + NAME_DEPTH * height
    return [
        w
        for ln in lines
        if ln.page == title.page
        for w in ln.words
        if w.bbox[1] >= y1 - 2 and w.bbox[3] <= bottom and w.bbox[0] >= lo and w.bbox[2] <= hi
    ]


def signer_fields(lines: Sequence[Line]) -> dict[str, FieldValue]:
    """signer_authority, signer_title and signer_name of the lowest signer block in the right column.

    A read the vocabulary repaired beyond spaces and punctuation is marked ``ocr_repaired`` for review.
    """
    out: dict[str, FieldValue] = {}
    if not lines:
        return out
    right = [ln for ln in lines if ln.center_x > 0.45 and ln.top > 0.2]
    idx = _title_index(right)
    title = right[idx] if idx is not None and idx < len(right) else None
    above = _line_above(right, title) if title is not None else right[idx - 1] if idx else None
    authority = read_authority(above.text) if above is not None else None
    if above is not None and authority is not None:
        value, _ = authority
        reasons = [] if _same_letters(value, above.text) else ["ocr_repaired"]
        out["signer_authority"] = field_from_words(value, above.words, above.page, above.text, reasons)
    if title is not None:
        strict = vocabulary_title(title.text) if is_upper(title.text) else None  # letters dropped: repaired
        hinted = strict is None and idx is not None and hinted_title(right, idx)  # kept as printed, checked later
        snapped = strict or (
            None if hinted else snap_title(title.text, titles_under(authority[0] if authority else None))
        )
        close = above is not None and above.bbox[3] >= title.bbox[1] - 2 * line_height(title)
        if authority is None and above is not None and close and snapped is not None:
            lost = lost_prefix(above.text, snapped)
            if lost is not None:
                out["signer_authority"] = field_from_words(lost, above.words, above.page, above.text, ["ocr_repaired"])
        reasons = [] if strict or snapped is None or _same_letters(snapped, title.text) else ["ocr_repaired"]
        out["signer_title"] = field_from_words(
            snapped or clean_text(title.text), title.words, title.page, title.text, reasons
        )
    zone = _name_zone(lines, title)
    if not zone:
        return out
    page = title.page if title is not None else lines[-1].page
    found = best_name(zone, page, lines[0].page_width, lines[0].page_height)
    if found is not None:
        run, row = found
        reasons = [] if title is not None else ["signer_title_not_found"]
        if len(run) < len(row.words):
            reasons.append("noise_removed")
        if not known_surname(run[0].text):
            reasons.append("family_name_unknown")  # "Quang Đạt": the family name lost under the seal
        value = clean_text(" ".join(w.text for w in run))
        out["signer_name"] = field_from_words(value, run, page, row.text, reasons)
    return out


def best_name(words: Sequence[Word], page: int, width: int, height: int) -> tuple[list[Word], Line] | None:
    """The most name-like run of words among these, put back into printed rows, and its row."""
    best: tuple[float, float, list[Word], Line] | None = None
    for row in regroup_rows(words, page, width, height):
        run = name_run(row.words)
        score = round(name_score(run), 1)  # near-equal candidates: the lowest row, where the name is printed
        if score > 0 and (best is None or (score, row.bbox[1]) > best[:2]):
            best = (score, row.bbox[1], run, row)
    return (best[2], best[3]) if best else None
