"""Extract: classify one document and read its fields from the OCR lines, marking what needs a reviewer.

Rules follow the fixed zones of ND 30/2020 (agency top-left, number under it, place and date on the
right, title and subject centred, signer bottom-right) and, for forms and certificates, the labels
their schemas list (``pipeline.labels``). Each field keeps the raw text, the page and box of the words
it came from; ``pipeline.field_flags`` then adds the reasons a reviewer must look at it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

from pipeline import agency_names, dateline, header
from pipeline.classify import TitleMatch, classify, find_title, form_code
from pipeline.doctypes import DocType
from pipeline.field_build import field_from_words as _field
from pipeline.field_flags import flag_fields
from pipeline.field_marks import correct_fields
from pipeline.geometry import below_in_column
from pipeline.issuer_block import signature_issuer
from pipeline.labels import read_labelled
from pipeline.layout import Line, is_upper
from pipeline.models import DocumentResult, FieldValue
from pipeline.normalize import clean_text, fold_words, iso_date
from pipeline.reading_quality import mark_poor_reading
from pipeline.secrecy import mark_in_lines
from pipeline.signer import signer_fields, vocabulary_title
from sohoa.errors import SecretDocument

__all__ = ["check_secret", "classify", "extract_document", "secret_document", "vocabulary_title"]


# "Số: 05UBND-VP": OCR dropped the slash; the number is rebuilt, and the field waits for a reviewer.
NUMBER_NO_SLASH_RE = re.compile(
    r"S[ốôoóồổỗộ]\s*[:;.]\s*(?P<n>\d{1,4})\s*(?P<s>[A-ZĐ]{2,}[A-Za-zĐđ0-9&.]*(?:-[A-ZĐ0-9][A-Za-zĐđ0-9&.]*)*)"
)
NUMBER_RE = re.compile(
    r"S[ốôoóồổỗộ]\s*[:;.]?\s*(?P<v>\d{1,6}\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ][A-Za-zĐđ0-9&.]*(?:\s*[-–—]\s*[A-ZĐ0-9][A-Za-zĐđ0-9&.]*)*)"
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
    skip = (number_line, number_span[1]) if number_line and number_span else None
    found = dateline.find(lines, skip)  # "Số: 12/UBND-VX    Huế, ngày ..." may be read as one line
    if found is None:
        loose = header.loose_date(lines)
        if loose is not None:
            return _loose_place_date(*loose)
        found = dateline.find(lines, skip, garbled=True)  # the place, and where to read the date again
    if found is None:
        return {}
    line, reading, offset = found
    d0, d1 = reading.date_span
    date_words = line.span_words(offset + d0, offset + d1)
    reasons = [] if reading.date else ["unreadable" if reading.garbled else "date_implausible"]
    out = {"issue_date": _field(reading.date, date_words, line.page, reading.raw_date, reasons)}
    if reading.place and reading.place_span:
        place_words = line.span_words(offset + reading.place_span[0], offset + reading.place_span[1])
        out["place"] = _field(clean_text(reading.place), place_words, line.page, reading.place)
    return out


def _loose_place_date(line: Line, place: str | None, parts: tuple[str, str, str], raw: str) -> dict[str, FieldValue]:
    """The fields of a date line written otherwise than ND 30's ("Quảng Nam, ngày 07/4/2025")."""
    iso = iso_date(*parts)
    iso = iso if dateline.plausible(iso) else None
    out = {"issue_date": _field(iso, line.words, line.page, raw, [] if iso else ["invalid_date"])}
    if place:
        out["place"] = _field(clean_text(place), line.words, line.page, place)
    return out


def _agency(
    lines: Sequence[Line], number_line: Line | None, title: TitleMatch | None, date: FieldValue | None
) -> dict[str, FieldValue]:
    """The superior body and the issuer from the header block above the number (or, without one, the top
    quarter and the date line) and the title: a name printed in capitals in the body (an applicant's) is
    never the issuer. The tightest bound that leaves a block wins, so a title or date printed level with
    the header, off ND 30, does not lose the agency."""
    page = _first_page(lines)
    if not page:
        return {}
    limit = number_line.bbox[1] if number_line else page[0].page_height * 0.25
    bounds = [limit]
    title = title or find_title(lines)
    if title and lines[title.index].page == page[0].page:
        bounds.append(lines[title.index].bbox[1])
        page = [ln for ln in page if ln not in _title_lines(page, lines[title.index])]
    if date and date.bbox and date.page == page[0].page and number_line is None:
        bounds.append(date.bbox[1])
    block: list[Line] = []
    for bound in sorted({b for b in bounds if b <= limit}):
        block = header.agency_block(page, bound, _is_number_line)
        if block:
            break
    if not block:
        return {}
    superior, issuer = header.split_superior(block)
    out = {"issuing_agency": _lines_field(issuer, agency_names.issuer_reasons)}
    if superior:
        out["superior_agency"] = _lines_field(superior)
    return out


def _title_lines(page: Sequence[Line], title: Line) -> list[Line]:
    """The title's line and the capitals it wraps onto ("GIẤY CHỨNG NHẬN" / "QUYỀN SỬ DỤNG ĐẤT, ..."): a
    certificate without a header prints its title in the top quarter, where it is no agency's name."""
    return [title, *itertools.takewhile(lambda ln: is_upper(ln.text), below_in_column(page, title))]


def _is_number_line(line: Line) -> bool:
    """ "Số: 81/QĐ-..." even when the number is misread ("Số: B1/QĐ-SNNMT"): "Số" and a colon open it."""
    return re.match(r"SO(?:\s|$)", fold_words(line.text)) is not None and ":" in line.text[:6]


def _lines_field(lines: Sequence[Line], check: Callable[[str], list[str]] = agency_names.shape_reasons) -> FieldValue:
    """An agency's name from its header lines (capitals: a word OCR read in lower case is put back),
    flagged when it is no agency's name or two run together (``agency_names.shape_reasons``)."""
    words = [w for ln in lines for w in ln.words]
    text = header.agency_text(lines)
    raw = " / ".join(ln.text for ln in lines)
    return _field(text, words, lines[0].page, raw, check(text))


def _subject(lines: Sequence[Line], title: TitleMatch | None) -> FieldValue | None:
    found = header.cv_subject(lines) or (header.title_subject(lines, title) if title else None)
    if not found:
        return None
    block, value = found
    words = [w for ln in block for w in ln.words]
    raw = " ".join(ln.text for ln in block)
    return _field(value, words, block[0].page, raw)


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
    fields.update(_agency(lines, number_line, title, fields.get("issue_date")))
    subject = _subject(lines, title)
    if subject:
        fields["subject"] = subject
    fields.update(signer_fields(lines))
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
    if "issuing_agency" in doc_type.fields and "issuing_agency" not in fields:
        # a certificate without a header names it over the signer's title
        issuer = signature_issuer(lines, fields.get("signer_title"))
        if issuer is not None:
            block, name = issuer
            words = [w for ln in block for w in ln.words]
            raw = " / ".join(ln.text for ln in block)
            fields["issuing_agency"] = _field(name, words, block[0].page, raw, agency_names.shape_reasons(name))
    return {k: v for k, v in fields.items() if k in doc_type.fields}


def extract_document(index: int, lines: Sequence[Line], pages: list[int]) -> DocumentResult:
    """Classify one document's lines and extract its fields, marking what needs a reviewer."""
    doc_type, _confidence = classify(lines)
    title = find_title(lines)
    fields = extract_fields(lines, doc_type, title if title and title.doc_type == doc_type else None)
    correct_fields(fields, doc_type)
    mark_poor_reading(fields, lines)
    flag_fields(fields, doc_type)
    ordered: dict[str, FieldValue | list[FieldValue]] = {k: fields[k] for k in doc_type.fields if k in fields}
    return DocumentResult(index=index, type=doc_type.key, pages=pages, fields=ordered)
