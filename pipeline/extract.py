"""Extract: classify the document by its title and read its first fields from the OCR lines.

Rules follow the fixed zones of ND 30/2020 (agency top-left, number under it, place and date on the
right, title and subject centred, signer bottom-right) and the labels of personal forms ("Họ và tên:").
Each field keeps the raw text, the page and box of the words it came from, and reasons for review.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher

from pipeline import validators
from pipeline.doctypes import DOC_TYPES, OTHER, DocType
from pipeline.layout import Line, is_upper, union
from pipeline.models import DocumentResult, FieldValue, Word
from pipeline.vocab import AUTHORITY_PREFIXES, MOTTO_WORDS, SIGNER_TITLES, SUBORDINATE_HEADS

LOW_CONFIDENCE = 0.55

NUMBER_RE = re.compile(
    r"S[ốôoóồổỗộ]\s*[:;.]?\s*(?P<v>\d{1,6}\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ][A-Za-zĐđ0-9&.]*(?:\s*[-–—]\s*[A-ZĐ0-9][A-Za-zĐđ0-9&.]*)*)"
)
# The words of a date are fixed ("ngày", "tháng", "năm"); the numbers carry the value, so a slip in a
# word's marks ("thủng", "nắm") must not lose the date: each word is matched by its shape.
DATE_RE = re.compile(
    r"(?P<place>[^,]{2,60}?)\s*[,.]\s*ng\w{1,3}\s+(?P<d>\d{1,2})\s+th\w{1,3}ng\s+(?P<m>\d{1,2})"
    r"\s+n\w{1,2}m\s+(?P<y>\d{4})"
)
SUBJECT_CV_RE = re.compile(r"^\s*V\s*/\s*[vV]\s*[:.]?\s*(?P<v>.+)$")
LABELS: dict[str, str] = {
    "full_name": r"Họ\s*(?:và|,)?\s*tên(?:\s*khai\s*sinh)?(?:\s*\([^)]*\))?",
    "birth_date": r"(?:Ngày\s*,?\s*tháng\s*,?\s*năm\s*sinh|Ngày\s*sinh)",
    "gender": r"Giới\s*tính",
    "personal_id": (
        r"(?:Số\s*định\s*danh\s*cá\s*nhân(?:\s*/\s*(?:CCCD|Căn\s*cước))?"
        r"|Số\s*CCCD|Số\s*căn\s*cước(?:\s*công\s*dân)?|CCCD)"
    ),
    "address": (
        r"(?:Nơi\s*thường\s*trú|Nơi\s*cư\s*trú|Nơi\s*ở\s*hiện\s*(?:nay|tại)"
        r"|Chỗ\s*ở\s*hiện\s*nay|Địa\s*chỉ(?:\s*thường\s*trú)?)"
    ),
    "phone": r"(?:Số\s*điện\s*thoại|Điện\s*thoại|SĐT)",
}
ANY_LABEL = re.compile("|".join(f"(?:{p})\\s*:" for p in LABELS.values()))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _field(
    value: str | None, words: Sequence[Word], page: int, raw: str | None, reasons: list[str] | None = None
) -> FieldValue:
    reasons = list(reasons or [])
    conf = sum(w.confidence for w in words) / len(words) if words else 0.0
    if words and conf < LOW_CONFIDENCE:
        reasons.append("low_confidence")
    return FieldValue(
        value=value,
        raw=raw,
        confidence=conf,
        page=page if words else None,
        bbox=union(w.bbox for w in words) if words else None,
        status="needs_review" if reasons else "extracted",
        reasons=reasons,
    )


def classify(lines: Sequence[Line]) -> DocType:
    """Type from the first title line found in the upper half of the first page."""
    for line in lines:
        if line.top > 0.6:
            break
        upper = line.text.upper()
        for doc_type in DOC_TYPES:
            for title in doc_type.titles:
                if doc_type.key == "official_letter":
                    if SUBJECT_CV_RE.match(line.text):
                        return doc_type
                elif is_upper(line.text) and upper.startswith(title):
                    return doc_type
    return OTHER


def _number(lines: Sequence[Line]) -> tuple[FieldValue | None, Line | None, tuple[int, int] | None]:
    for line in lines:
        m = NUMBER_RE.search(line.text)
        if m:
            value = re.sub(r"[–—]", "-", re.sub(r"\s+", "", m.group("v")))
            words = line.span_words(m.start("v"), m.end("v"))
            return _field(value, words, line.page, m.group(0), validators.check_number_symbol(value)), line, m.span()
    return None, None, None


def _place_date(
    lines: Sequence[Line], number_line: Line | None, number_span: tuple[int, int] | None
) -> dict[str, FieldValue]:
    for line in lines:
        text = line.text
        offset = 0
        if line is number_line and number_span:  # "Số: 12/UBND-VX    Huế, ngày ..." read as one line
            offset = number_span[1]
            text = text[offset:]
        m = DATE_RE.search(text)
        if not m:
            continue
        place = m.group("place").strip(" .:;-")
        out: dict[str, FieldValue] = {}
        place_words = line.span_words(offset + m.start("place"), offset + m.end("place"))
        out["place"] = _field(place, place_words, line.page, m.group("place"))
        iso = validators.iso_date(m.group("d"), m.group("m"), m.group("y"))
        date_words = line.span_words(offset + m.start("d") - 5, offset + m.end("y"))
        reasons = validators.check_date(iso) if iso else ["invalid_date"]
        out["issue_date"] = _field(iso, date_words, line.page, m.group(0)[len(m.group("place")) :].strip(" ,"), reasons)
        return out
    return {}


def _is_motto(line: Line) -> bool:
    return any(word.upper() in line.text.upper() for word in MOTTO_WORDS)


def _agency(lines: Sequence[Line], number_line: Line | None) -> FieldValue | None:
    limit = number_line.bbox[1] if number_line else lines[0].page_height * 0.25 if lines else 0
    head = [
        ln
        for ln in lines
        if ln.page == (number_line.page if number_line else ln.page)
        and ln.bbox[3] <= limit + 2
        and ln.center_x < 0.5
        and is_upper(ln.text)
        and not _is_motto(ln)
    ]
    if not head:
        return None
    # A line that opens a new body's name ("SỞ ...", "ỦY BAN NHÂN DÂN ...") below another means the
    # lines above it name the superior body (chủ quản); the issuer is that line and what follows.
    for i in range(len(head) - 1, 0, -1):
        if any(head[i].text.upper().startswith(h) for h in SUBORDINATE_HEADS):
            head = head[i:]
            break
    words = [w for ln in head for w in ln.words]
    value = nfc(" ".join(ln.text for ln in head).strip(" -_"))
    return _field(value, words, head[0].page, " / ".join(ln.text for ln in head))


def _subject(lines: Sequence[Line], doc_type: DocType) -> FieldValue | None:
    for i, line in enumerate(lines):
        m = SUBJECT_CV_RE.match(line.text)
        if m and line.center_x < 0.5:
            parts, words = [m.group("v")], list(line.span_words(m.start("v"), m.end("v")))
            for nxt in lines[i + 1 : i + 3]:
                if (
                    nxt.center_x < 0.5
                    and nxt.bbox[1] - line.bbox[3] < 1.5 * (line.bbox[3] - line.bbox[1])
                    and not nxt.text.startswith("Kính")
                ):
                    parts.append(nxt.text)
                    words.extend(nxt.words)
                    line = nxt
                else:
                    break
            return _field(nfc(" ".join(parts)), words, lines[i].page, " ".join(parts))
    titles = tuple(t for t in doc_type.titles)
    for i, line in enumerate(lines):
        if titles and is_upper(line.text) and line.text.upper().startswith(titles):
            parts, words = [], []
            prev = line
            for nxt in lines[i + 1 : i + 4]:
                gap = nxt.bbox[1] - prev.bbox[3]
                stop = nxt.text.startswith(("Căn cứ", "Điều", "Kính gửi")) or ":" in nxt.text or is_upper(nxt.text)
                if stop or gap > 1.2 * (prev.bbox[3] - prev.bbox[1]):
                    break
                parts.append(nxt.text)
                words.extend(nxt.words)
                prev = nxt
            if parts:
                return _field(nfc(" ".join(parts)), words, line.page, " ".join(parts))
    return None


def vocabulary_title(text: str) -> str | None:
    """The signer title of the vocabulary this OCR text most likely is (titles are a closed set).

    OCR slips in tone marks ("NGƯỜI LAÀM ĐƠN") are forgiven by a close match; the raw text is kept.
    """
    letters = re.sub(r"[^\w\s]|[\d_]", " ", nfc(text).upper())  # OCR noise from the seal and signature
    cleaned = re.sub(r"\s+", " ", letters).strip()
    if cleaned in SIGNER_TITLES:
        return cleaned
    best = max(SIGNER_TITLES, key=lambda t: SequenceMatcher(None, t, cleaned).ratio())
    return best if SequenceMatcher(None, best, cleaned).ratio() >= 0.8 else None


def _signer(lines: Sequence[Line]) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    right = [ln for ln in lines if ln.center_x > 0.45 and ln.top > 0.35]
    title_idx = None
    for i, ln in enumerate(right):
        text = ln.text.strip()
        if text.startswith(AUTHORITY_PREFIXES) and i + 1 < len(right) and is_upper(right[i + 1].text):
            title_idx = i + 1
        elif title_idx is None and is_upper(text) and vocabulary_title(text):
            title_idx = i
    if title_idx is not None:
        title = right[title_idx]
        value = vocabulary_title(title.text) or nfc(title.text.strip())
        out["signer_title"] = _field(value, title.words, title.page, title.text)
    for ln in right[(title_idx or 0) + (1 if title_idx is not None else 0) :]:
        # Seal and signature ink leave stray marks around the name: keep only word-like tokens.
        kept = [w for w in ln.words if w.text[:1].isalpha()]
        words = [w.text for w in kept]
        if 2 <= len(words) <= 6 and all(w[:1].isupper() for w in words) and not is_upper(" ".join(words)):
            reasons = [] if title_idx is not None else ["signer_title_not_found"]
            if len(kept) < len(ln.words):
                reasons.append("noise_removed")
            out["signer_name"] = _field(nfc(" ".join(words)), kept, ln.page, ln.text, reasons)
    return out


def _labelled(lines: Sequence[Line]) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for line in lines:
        for key, label in LABELS.items():
            if key in out:
                continue
            m = re.search(f"(?:{label})\\s*:\\s*", line.text)
            if not m:
                continue
            rest = line.text[m.end() :]
            nxt = ANY_LABEL.search(rest)
            end = m.end() + (nxt.start() if nxt else len(rest))
            raw = line.text[m.end() : end].strip(" .;,")
            if not raw:
                continue
            words = line.span_words(m.end(), end)
            out[key] = _normalize_labelled(key, raw, words, line.page)
    return out


def _normalize_labelled(key: str, raw: str, words: Sequence[Word], page: int) -> FieldValue:
    if key == "birth_date":
        m = re.search(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})", raw)
        iso = validators.iso_date(*m.groups()) if m else None
        return _field(iso, words, page, raw, validators.check_date(iso) if iso else ["invalid_date"])
    if key == "gender":
        value = "Nữ" if raw.lower().startswith("nữ") else "Nam" if raw.lower().startswith("nam") else None
        return _field(value, words, page, raw, [] if value else ["gender_unknown"])
    if key in ("personal_id", "phone"):
        digits = re.sub(r"\D", "", raw)
        check = validators.check_phone if key == "phone" else validators.check_personal_id
        return _field(digits, words, page, raw, check(digits))
    return _field(nfc(raw), words, page, raw)


def extract_document(index: int, lines: Sequence[Line], pages: list[int]) -> DocumentResult:
    """Classify one document's lines and extract its fields, marking what needs a reviewer."""
    doc_type = classify(lines)
    fields: dict[str, FieldValue] = {}
    number, number_line, number_span = _number(lines)
    if number:
        fields["number_symbol"] = number
    fields.update(_place_date(lines, number_line, number_span))
    agency = _agency(lines, number_line)
    if agency:
        fields["issuing_agency"] = agency
    subject = _subject(lines, doc_type)
    if subject:
        fields["subject"] = subject
    fields.update(_signer(lines))
    fields.update(_labelled(lines))
    _cross_check(fields)
    kept: dict[str, FieldValue | list[FieldValue]] = {k: v for k, v in fields.items() if k in doc_type.fields}
    for key in doc_type.required:
        if key not in kept:
            kept[key] = FieldValue(None, None, 0.0, None, None, "needs_review", ["missing"])
    return DocumentResult(index=index, type=doc_type.key, pages=pages, fields=kept)


def _cross_check(fields: dict[str, FieldValue]) -> None:
    """Fields that disagree with each other (ID digits vs birth year and gender) need review."""
    pid = fields.get("personal_id")
    if not pid or not pid.value:
        return
    birth = fields.get("birth_date")
    gender = fields.get("gender")
    reasons = validators.check_personal_id(
        pid.value, birth_date=birth.value if birth else None, gender=gender.value if gender else None
    )
    for reason in reasons:
        if reason not in pid.reasons:
            pid.reasons.append(reason)
    if pid.reasons:
        pid.status = "needs_review"
