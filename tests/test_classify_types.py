"""Classification: every document type from its title, form code or "V/v", robust to OCR slips in marks."""

from __future__ import annotations

import os
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from pipeline.classify import classify
from pipeline.layout import Line, page_lines
from pipeline.models import PageResult, Word
from samples.forms import DOCUMENT_KINDS, KIND_TYPE, build_pages
from samples.truth_pages import truth_page_result

W, H = 1654, 2339


def lines_of(rows: list[tuple[int, int, str]]) -> list[Line]:
    """Rows of (x, y, text) as OCR lines on an A4 page at 200 dpi."""
    words: list[Word] = []
    for line, (x, y, text) in enumerate(rows):
        for token in text.split():
            width = 18 * len(token)
            words.append(Word(token, (x, y, x + width, y + 34), 0.93, line))
            x += width + 14
    return page_lines(PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), words))


HEADER = [(300, 200, "ỦY BAN NHÂN DÂN"), (300, 240, "PHƯỜNG BA ĐÌNH"), (950, 200, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("QUYẾT ĐỊNH", "decision"),
        ("QUYÊT ĐINH", "decision"),  # marks lost by OCR
        ("THÔNG BÁO", "notice"),
        ("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "receipt"),
        ("GIAY TIEP NHAN HO SO VA HEN TRA KET QUA", "receipt"),
        ("GIẤY TIỂP NHẬN HÒ SƠ VÀ HẸN TRẢ KÊT QUẢ", "receipt"),
        ("GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT", "land_use_certificate"),
        ("GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP", "business_registration"),
        ("GIÂY CHỨNG NHẠN ĐĂNG KY DOANH NGHIÊP", "business_registration"),
        ("GIẤY CHỨNG NHẬN", "certificate"),
        ("GIẤY XÁC NHẬN", "confirmation"),
        ("XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ", "residence_confirmation"),
        ("GIẤY KHAI SINH", "birth_certificate"),
        ("TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "declaration"),
        ("ĐƠN ĐỀ NGHỊ", "application"),
        ("DƠN XIN XÁC NHẬN", "application"),
        ("CĂN CƯỚC CÔNG DÂN", "id_card"),
        ("CĂN CƯỚC", "id_card"),
    ],
)
def test_title_names_the_type(title: str, expected: str) -> None:
    doc_type, confidence = classify(lines_of([*HEADER, (700, 420, title), (420, 480, "Về việc cấp giấy tờ")]))
    assert doc_type.key == expected
    assert 0.8 <= confidence <= 1.0


def test_a_wrapped_title_is_read_whole() -> None:
    rows = [(760, 300, "GIẤY CHỨNG NHẬN"), (500, 345, "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT")]
    assert classify(lines_of(rows))[0].key == "land_use_certificate"
    rows = [(760, 300, "GIẤY CHỨNG NHẬN"), (500, 345, "Về việc hoàn thành khóa bồi dưỡng")]
    assert classify(lines_of(rows))[0].key == "certificate"


def test_official_letter_form_code_and_other() -> None:
    letter = [*HEADER, (330, 300, "Số: 12/UBND-VP"), (300, 345, "V/v triển khai số hóa hồ sơ"), (700, 450, "Kính gửi:")]
    assert classify(lines_of(letter)) == (classify(lines_of(letter))[0], 0.85)
    assert classify(lines_of(letter))[0].key == "official_letter"
    ct07 = [(1100, 150, "Mẫu CT07 ban hành kèm theo Thông tư số 66/2023/TT-BCA"), (300, 400, "Họ và tên: An")]
    assert classify(lines_of(ct07))[0].key == "residence_confirmation"
    doc_type, confidence = classify(lines_of([(300, 300, "Bảng kê chi tiết"), (300, 350, "Một hai ba")]))
    assert doc_type.key == "other" and confidence < 0.5


def test_header_and_body_lines_are_not_titles() -> None:
    rows = [
        (300, 200, "TRUNG TÂM THÔNG BÁO"),  # an agency in the left header column, not a title
        (950, 200, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (760, 900, "QUYẾT ĐỊNH:"),  # the body's "QUYẾT ĐỊNH:" before the articles
    ]
    assert classify(lines_of(rows))[0].key == "other"


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_every_generated_kind_from_its_layout(kind: str) -> None:
    for seed in range(3):
        pages = [truth_page_result(p, i + 1) for i, p in enumerate(build_pages(kind, random.Random(seed), 150))]
        lines = [line for page in pages for line in page_lines(page)]
        assert classify(lines)[0].key == KIND_TYPE[kind], (kind, seed)


def _ocr_first_page(kind: str) -> PageResult:
    from pipeline import ocr, postcorrect

    page = build_pages(kind, random.Random(11), 200)[0]
    image = np.asarray(page.image.convert("L"))
    words = postcorrect.correct_words(ocr.recognize(image, lang="vie+Vietnamese"))
    return PageResult(1, kind, 200, False, image.shape[1], image.shape[0], 0, 0.0, Path("p.jpg"), words)


@pytest.mark.slow
def test_every_generated_kind_through_tesseract() -> None:
    """Clean pages of each kind, read by Tesseract as the pipeline reads them, are classified right."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        pages = dict(zip(DOCUMENT_KINDS, pool.map(_ocr_first_page, DOCUMENT_KINDS), strict=True))
    wrong = {
        k: classify(page_lines(p))[0].key for k, p in pages.items() if classify(page_lines(p))[0].key != KIND_TYPE[k]
    }
    assert wrong == {}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Mẫu CT07 ban hành kèm theo Thông tư số 66/2023/TT-BCA", "CT07"),
        ("Mẫu số: CT01", "CT01"),
        ("Mẫu CT0I ban hành kèm theo", "CT01"),  # OCR's I for a 1
        ("Mẫu DC01a", "DC01A"),
        ("Mẫu số 15/ĐK", None),
    ],
)
def test_form_codes(text: str, code: str | None) -> None:
    from pipeline.classify import form_code

    found = form_code(lines_of([(1100, 150, text)]))
    assert (found[0] if found else None) == code
