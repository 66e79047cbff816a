"""Extract: classify one document and read its fields from the OCR lines, marking what needs a reviewer.

Rules follow the fixed zones of ND 30/2020 (agency top-left, number under it, place and date on the
right, title and subject centred, signer bottom-right) and, for forms and certificates, the labels
their schemas list (``pipeline.labels``). Each field keeps the raw text, the page and box of the words
it came from; ``pipeline.field_flags`` then adds the reasons a reviewer must look at it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from pipeline.classify import SUBJECT_CV_RE, TitleMatch, classify, find_title, form_code, motto_start
from pipeline.doctypes import DocType
from pipeline.field_flags import flag_fields
from pipeline.labels import read_labelled
from pipeline.layout import Line, is_upper, union
from pipeline.models import DocumentResult, FieldValue, Word
from pipeline.normalize import clean_text, fold_words, iso_date, nfc
from pipeline.secrecy import mark_in_lines
from pipeline.vocab import AUTHORITY_PREFIXES, SIGNER_TITLES, SUBORDINATE_HEADS
from sohoa.errors import SecretDocument

__all__ = ["check_secret", "classify", "extract_document", "secret_document", "vocabulary_title"]

LOW_CONFIDENCE = 0.55

# "Số: 05UBND-VP": OCR dropped the slash; the number is rebuilt, and the field waits for a reviewer.
NUMBER_NO_SLASH_RE = re.compile(
    r"S[ốôoóồổỗộ]\s*[:;.]\s*(?P<n>\d{1,4})\s*(?P<s>[A-ZĐ]{2,}[A-Za-zĐđ0-9&.]*(?:-[A-ZĐ0-9][A-Za-zĐđ0-9&.]*)*)"
)
NUMBER_RE = re.compile(
    r"S[ốôoóồổỗộ]\s*[:;.]?\s*(?P<v>\d{1,6}\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ][A-Za-zĐđ0-9&.]*(?:\s*[-–—]\s*[A-ZĐ0-9][A-Za-zĐđ0-9&.]*)*)"
)
# The words of a date are fixed ("ngày", "tháng", "năm"); the numbers carry the value, so a slip in a
# word's marks ("thủng", "nắm") must not lose the date: each word is matched by its shape.
DATE_RE = re.compile(
    r"(?P<place>[^,]{2,60}?)\s*[,.]\s*ng\w{1,3}\s+(?P<d>\d{1,2})\s+th\w{1,3}ng\s+(?P<m>\d{1,2})"
    r"\s+n\w{1,2}m\s+(?P<y>\d{4})"
)


def _field(
    value: str | None, words: Sequence[Word], page: int, raw: str | None, reasons: Sequence[str] = ()
) -> FieldValue:
    reasons = list(reasons)
    conf = sum(w.confidence for w in words) / len(words) if words else 0.0
    if words and conf < LOW_CONFIDENCE:
        reasons.append("low_confidence")
    return FieldValue(
        value=value,
        raw=raw,
        confidence=conf,
        page=page if words else None,
        bbox=union(w.bbox for w in words) if words else None,
        reasons=reasons,
    )


def check_secret(lines: Sequence[Line]) -> None:
    """Raise ``SecretDocument`` when the document carries a secrecy mark (MẬT, TỐI MẬT, TUYỆT MẬT).

    The mark is a line of its own in capitals near the top of the first page (``pipeline.secrecy``);
    "bí mật" inside a sentence, or "BẢO VỆ BÍ MẬT NHÀ NƯỚC" in a title, is not a mark.
    """
    if not lines:
        return
    first = min(ln.page for ln in lines)
    mark = mark_in_lines(ln for ln in lines if ln.page == first)
    if mark:
        raise secret_document(mark, first)


def secret_document(mark: str, page: int) -> SecretDocument:
    """The refusal of a document whose page ``page`` carries the secrecy mark ``mark``."""
    return SecretDocument(
        f"Trang {page} có dấu chỉ độ mật «{mark}»: quy định về số hóa không cho phép số hóa tài liệu mật",
        hint="trả lại tài liệu cho người nộp; tài liệu mật được quản lý theo quy định bảo vệ bí mật nhà nước",
    )


def _first_page(lines: Sequence[Line]) -> list[Line]:
    return [ln for ln in lines if ln.page == lines[0].page] if lines else []


def _number(lines: Sequence[Line]) -> tuple[FieldValue | None, Line | None, tuple[int, int] | None]:
    candidates = [ln for ln in _first_page(lines) if ln.top < 0.5]
    for line in candidates:
        m = NUMBER_RE.search(line.text)
        if m:
            value = re.sub(r"[–—]", "-", re.sub(r"\s+", "", m.group("v")))
            words = line.span_words(m.start("v"), m.end("v"))
            return _field(value, words, line.page, m.group(0)), line, m.span()
    for line in candidates:
        m = NUMBER_NO_SLASH_RE.search(line.text)
        if m:
            value = f"{m.group('n')}/{m.group('s')}"
            words = line.span_words(m.start("n"), m.end("s"))
            return _field(value, words, line.page, m.group(0), ["ocr_repaired"]), line, m.span()
    return None, None, None


def _place_date(
    lines: Sequence[Line], number_line: Line | None, number_span: tuple[int, int] | None
) -> dict[str, FieldValue]:
    for line in lines:
        text, offset = line.text, 0
        if line is number_line and number_span:  # "Số: 12/UBND-VX    Huế, ngày ..." read as one line
            offset = number_span[1]
            text = text[offset:]
        for m in DATE_RE.finditer(text):
            place = m.group("place").strip(" .:;-")
            if ":" in place or any(c.isdigit() for c in place):
                continue  # "Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày ..." is not a place
            place_words = line.span_words(offset + m.start("place"), offset + m.end("place"))
            iso = iso_date(m.group("d"), m.group("m"), m.group("y"))
            date_words = line.span_words(offset + m.start("d") - 5, offset + m.end("y"))
            raw_date = m.group(0)[len(m.group("place")) :].strip(" ,")
            return {
                "place": _field(clean_text(place), place_words, line.page, m.group("place")),
                "issue_date": _field(iso, date_words, line.page, raw_date, [] if iso else ["invalid_date"]),
            }
    return {}


def _opens_body(text: str) -> bool:
    folded = fold_words(text)
    return any(folded == h or folded.startswith(h + " ") for h in map(fold_words, SUBORDINATE_HEADS))


def _agency(lines: Sequence[Line], number_line: Line | None) -> dict[str, FieldValue]:
    page = _first_page(lines)
    if not page:
        return {}
    limit = number_line.bbox[1] if number_line else page[0].page_height * 0.25
    head = [
        ln
        for ln in map(_before_motto, page)
        if ln and ln.bbox[3] <= limit + 2 and ln.center_x < 0.5 and is_upper(ln.text) and not _is_number_line(ln)
    ]
    if not head:
        return {}
    # A line that opens a new body's name ("SỞ ...", "ỦY BAN NHÂN DÂN ...") below another means the
    # lines above it name the superior body (chủ quản); the issuer is that line and what follows.
    superior: list[Line] = []
    for i in range(len(head) - 1, 0, -1):
        if _opens_body(head[i].text):
            superior, head = head[:i], head[i:]
            break
    out = {"issuing_agency": _lines_field(head)}
    if superior:
        out["superior_agency"] = _lines_field(superior)
    return out


def _is_number_line(line: Line) -> bool:
    """ "Số: 81/QĐ-..." even when the number is misread ("Số: B1/QĐ-SNNMT"): "Số" and a colon open it."""
    return re.match(r"SO(?:\s|$)", fold_words(line.text)) is not None and ":" in line.text[:6]


def _before_motto(line: Line) -> Line | None:
    """The line without the motto Tesseract may have joined to it ("UBND TỈNH X CỘNG HÒA XÃ HỘI ...")."""
    k = motto_start(line)
    if k is None:
        return line
    return Line(line.page, line.words[:k], line.page_width, line.page_height) if k else None


def _lines_field(lines: Sequence[Line]) -> FieldValue:
    """An agency's name from its header lines, which are printed in capitals: a word OCR read in lower
    case there ("xÃ HÒA VANG") is put back in capitals (``str.upper`` keeps the marks)."""
    words = [w for ln in lines for w in ln.words]
    value = clean_text(" ".join(ln.text for ln in lines)).strip(" -_.")  # OCR reads a speck after "HUẾ" as "."
    value = value.upper()
    return _field(value, words, lines[0].page, " / ".join(ln.text for ln in lines))


def _subject(lines: Sequence[Line], title: TitleMatch | None) -> FieldValue | None:
    for i, line in enumerate(_first_page(lines)):
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
            return _field(clean_text(" ".join(parts)), words, lines[i].page, " ".join(parts))
    if title is None:
        return None
    parts, words = [], []
    prev = lines[title.index]
    for nxt in lines[title.index + 1 : title.index + 4]:
        gap = nxt.bbox[1] - prev.bbox[3]
        stop = nxt.text.startswith(("Căn cứ", "Điều", "Kính gửi")) or ":" in nxt.text or is_upper(nxt.text)
        if stop or gap > 1.2 * (prev.bbox[3] - prev.bbox[1]):
            break
        parts.append(nxt.text)
        words.extend(nxt.words)
        prev = nxt
    return _field(clean_text(" ".join(parts)), words, prev.page, " ".join(parts)) if parts else None


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
    """Zone 7: authority (TM., KT. ...), title and name, the lowest signer block in the right column."""
    out: dict[str, FieldValue] = {}
    right = [ln for ln in lines if ln.center_x > 0.45 and ln.top > 0.2]
    title_idx = None
    for i in range(len(right) - 1, -1, -1):  # the signer signs last: search from the bottom
        text = right[i].text.strip()
        if is_upper(text) and not text.startswith(AUTHORITY_PREFIXES) and vocabulary_title(text):
            title_idx = i
            break
    if title_idx is None:  # an authority line whose title is not in the vocabulary
        title_idx = next(
            (i + 1 for i in range(len(right) - 2, -1, -1) if right[i].text.strip().startswith(AUTHORITY_PREFIXES)),
            None,
        )
    if title_idx is not None and title_idx > 0:
        above = right[title_idx - 1]
        if above.text.strip().startswith(AUTHORITY_PREFIXES) and above.page == right[title_idx].page:
            out["signer_authority"] = _field(clean_text(above.text), above.words, above.page, above.text)
    if title_idx is not None:
        title = right[title_idx]
        value = vocabulary_title(title.text) or clean_text(title.text)
        out["signer_title"] = _field(value, title.words, title.page, title.text)
        right = [ln for ln in right[title_idx + 1 :] if ln.page == title.page]
    for ln in right:
        # Seal and signature ink leave stray marks around the name: keep only word-like tokens.
        kept = [w for w in ln.words if w.text[:1].isalpha()]
        words = [w.text for w in kept]
        if 2 <= len(words) <= 6 and all(w[:1].isupper() for w in words) and not is_upper(" ".join(words)):
            reasons = [] if title_idx is not None else ["signer_title_not_found"]
            if len(kept) < len(ln.words):
                reasons.append("noise_removed")
            out["signer_name"] = _field(clean_text(" ".join(words)), kept, ln.page, ln.text, reasons)
    return out


def _form_code(lines: Sequence[Line]) -> FieldValue | None:
    found = form_code(lines)
    if not found:
        return None
    code, line = found
    words = [w for w in line.words if fold_words(w.text).replace(" ", "") in (code, code[:2])] or list(line.words)
    repaired = code not in fold_words(line.text).replace(" ", "")  # "CT0I" read for "CT01"
    return _field(code, words, line.page, line.text, ["ocr_repaired"] if repaired else [])


def zone_fields(lines: Sequence[Line], title: TitleMatch | None) -> dict[str, FieldValue]:
    """Fields found by their place on the page (ND 30 zones), whatever the document's type."""
    fields: dict[str, FieldValue] = {}
    number, number_line, number_span = _number(lines)
    if number:
        fields["number_symbol"] = number
    fields.update(_place_date(lines, number_line, number_span))
    fields.update(_agency(lines, number_line))
    subject = _subject(lines, title)
    if subject:
        fields["subject"] = subject
    fields.update(_signer(lines))
    code = _form_code(lines)
    if code:
        fields["form_code"] = code
    return fields


def extract_fields(lines: Sequence[Line], doc_type: DocType, title: TitleMatch | None) -> dict[str, FieldValue]:
    """The type's fields: by ND 30 zone, then by label (a label found wins over a zone's guess)."""
    fields = zone_fields(lines, title)
    for key, reading in read_labelled(lines, doc_type).items():
        # a label the schema names for this type ("Ngày cấp" on an ID card) beats the zone rule
        fields[key] = _field(reading.value, reading.words, reading.page, reading.raw, reading.reasons)
    return {k: v for k, v in fields.items() if k in doc_type.fields}


def extract_document(index: int, lines: Sequence[Line], pages: list[int]) -> DocumentResult:
    """Classify one document's lines and extract its fields, marking what needs a reviewer."""
    doc_type, _confidence = classify(lines)
    title = find_title(lines)
    fields = extract_fields(lines, doc_type, title if title and title.doc_type == doc_type else None)
    flag_fields(fields, doc_type)
    ordered: dict[str, FieldValue | list[FieldValue]] = {k: fields[k] for k in doc_type.fields if k in fields}
    return DocumentResult(index=index, type=doc_type.key, pages=pages, fields=ordered)
