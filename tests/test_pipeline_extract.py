"""Field rules on hand-made OCR lines: zones of ND 30/2020, labels of forms, validators, review reasons."""

from __future__ import annotations

from pathlib import Path

from pipeline.extract import extract_document, vocabulary_title
from pipeline.layout import page_lines
from pipeline.models import PageResult, Word
from pipeline.validators import check_personal_id

W, H = 1654, 2339


def _page(rows: list[tuple[int, int, str]]) -> PageResult:
    """Rows of (x, y, text); each row becomes one OCR line of words 20 px apart."""
    words: list[Word] = []
    for line, (x, y, text) in enumerate(rows):
        for token in text.split():
            width = 18 * len(token)
            words.append(Word(token, (x, y, x + width, y + 34), 0.93, line))
            x += width + 14
    return PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), words)


DECISION = [
    (280, 200, "UBND THÀNH PHỐ HUẾ"),
    (280, 240, "ỦY BAN NHÂN DÂN"),
    (280, 280, "PHƯỜNG THUẬN HÓA"),
    (350, 355, "Số: 583/QĐ — UBND"),
    (950, 355, "Huế, ngày 18 tháng 9 năm 2025"),
    (760, 440, "QUYẾT ĐỊNH"),
    (420, 495, "Về việc phê duyệt kế hoạch số hóa hồ sơ"),
    (320, 640, "Căn cứ Luật Tổ chức chính quyền địa phương;"),
    (1080, 1240, "TM. ỦY BAN NHÂN DÂN"),
    (1100, 1285, "CHỦ TỊCH"),
    (1080, 1520, "Hoàng Minh Sơn"),
]


def test_decision_fields_from_the_nd30_zones() -> None:
    doc = extract_document(1, page_lines(_page(DECISION)), [1])
    f = {k: v.value for k, v in doc.fields.items()}  # type: ignore[union-attr]
    assert doc.type == "decision"
    assert f["number_symbol"] == "583/QĐ-UBND"  # an OCR'd em dash and spaces are normalized
    assert f["issuing_agency"] == "ỦY BAN NHÂN DÂN PHƯỜNG THUẬN HÓA"  # the superior line is not the issuer
    assert (f["place"], f["issue_date"]) == ("Huế", "2025-09-18")
    assert f["subject"] == "Về việc phê duyệt kế hoạch số hóa hồ sơ"
    assert (f["signer_title"], f["signer_name"]) == ("CHỦ TỊCH", "Hoàng Minh Sơn")
    assert all(v.status == "extracted" for v in doc.fields.values())  # type: ignore[union-attr]
    number = doc.fields["number_symbol"]
    assert number.page == 1 and number.bbox is not None and number.bbox[0] >= 350  # type: ignore[union-attr]


def test_header_columns_read_as_one_ocr_line_are_split() -> None:
    page = _page([(350, 355, "Số: 583/QĐ-UBND"), (950, 355, "Huế, ngày 18 tháng 9 năm 2025")])
    page.words = [Word(w.text, w.bbox, w.confidence, 0) for w in page.words]  # Tesseract: one line
    lines = page_lines(page)
    assert [ln.text for ln in lines] == ["Số: 583/QĐ-UBND", "Huế, ngày 18 tháng 9 năm 2025"]


def test_form_fields_and_cross_checks() -> None:
    rows = [
        (560, 200, "GIẤY XÁC NHẬN"),
        (240, 400, "Họ và tên: Nguyễn Thị Lan"),
        (240, 450, "Ngày sinh: 07/02/1991 Giới tính: Nam"),
        (240, 500, "Số định danh cá nhân: 031191606939"),
        (240, 550, "Nơi thường trú: Tổ dân phố 3, phường Sài Gòn"),
        (240, 600, "Số điện thoại: 0964 996 295"),
    ]
    doc = extract_document(1, page_lines(_page(rows)), [1])
    f = doc.fields
    assert doc.type == "confirmation"
    assert f["full_name"].value == "Nguyễn Thị Lan"  # type: ignore[union-attr]
    assert f["birth_date"].value == "1991-02-07"  # type: ignore[union-attr]
    assert f["phone"].value == "0964996295"  # type: ignore[union-attr]
    pid = f["personal_id"]
    assert pid.value == "031191606939"  # type: ignore[union-attr]
    # digit 4 = 1 says a woman born in the 1900s; the form says Nam: a reviewer must look
    assert pid.status == "needs_review" and "personal_id_gender_mismatch" in pid.reasons  # type: ignore[union-attr]


def test_missing_required_field_waits_for_review() -> None:
    rows = [r for r in DECISION if not r[2].startswith("Số:")]
    doc = extract_document(1, page_lines(_page(rows)), [1])
    number = doc.fields["number_symbol"]
    assert number.value is None and number.status == "needs_review" and number.reasons == ["missing"]  # type: ignore[union-attr]


def test_personal_id_rules() -> None:
    assert check_personal_id("031191606939", birth_date="1991-02-07", gender="Nữ") == []
    assert "personal_id_province" in check_personal_id("003191606939")
    assert "personal_id_birth_year_mismatch" in check_personal_id("031191606939", birth_date="1990-01-01")
    assert check_personal_id("12345") == ["personal_id_format"]


def test_signer_titles_are_a_closed_vocabulary() -> None:
    assert vocabulary_title("NGƯỜI LAÀM ĐƠN") == "NGƯỜI LÀM ĐƠN"
    assert vocabulary_title("_“._ PHÓ-CHỦ TỊCH") == "PHÓ CHỦ TỊCH"
    assert vocabulary_title("QUYẾT ĐỊNH") is None
