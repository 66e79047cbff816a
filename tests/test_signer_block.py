"""The signer block under a seal (issue 12): authority, title and name read as a block, each failure class
OCR showed on harsh scans built as OCR words or drawn on a page and read for real."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.documents import read_document
from pipeline.extract import extract_document
from pipeline.layout import page_lines
from pipeline.models import DocumentResult, FieldValue, PageResult, Word
from pipeline.page_job import reading_grey_path

W, H = 1654, 2339  # A4 at 200 dpi
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
HEAD = [
    (250, 200, "ỦY BAN NHÂN DÂN"),
    (250, 245, "PHƯỜNG THUẬN HÓA"),
    (900, 200, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    (1000, 245, "Độc lập - Tự do - Hạnh phúc"),
    (320, 360, "Số: 583/QĐ-UBND"),
    (950, 360, "Huế, ngày 18 tháng 9 năm 2025"),
    (760, 450, "QUYẾT ĐỊNH"),
    (400, 505, "Về việc phê duyệt kế hoạch số hóa"),
    (200, 640, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015 và các văn bản"),
]


def _page(rows: list[tuple[int, int, str]]) -> PageResult:
    """Rows of (x, y, text), each one OCR line of 34 px high words."""
    words: list[Word] = []
    for line, (x, y, text) in enumerate(rows):
        for token in text.split():
            width = 18 * len(token)
            words.append(Word(token, (x, y, x + width, y + 34), 0.9, line))
            x += width + 14
    return PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), words)


def _signer(authority: str | None, title: str) -> DocumentResult:
    block = [(1060, 1240, authority)] if authority else []
    rows = [*HEAD, *block, (1080, 1285, title), (1060, 1600, "Phạm Thị Thu Hà")]
    return extract_document(1, page_lines(_page(rows)), [1])


def _field(doc: DocumentResult, key: str) -> FieldValue:
    field = doc.fields[key]
    assert isinstance(field, FieldValue)
    return field


@pytest.mark.parametrize(
    ("printed", "read"),
    [
        ("K T. CHỦ TỊCH", "KT. CHỦ TỊCH"),
        ("KT, CHỦ TỊCH", "KT. CHỦ TỊCH"),
        ("TM.ỦY BAN NHÂN DÂN", "TM. ỦY BAN NHÂN DÂN"),
        ("` TM ỦY-BAN NHÂN DÂN", "TM. ỦY BAN NHÂN DÂN"),
        ("KT. `ˆ GIÁM ĐỐC", "KT. GIÁM ĐỐC"),
    ],
)
def test_an_authority_read_with_noise_is_the_authority(printed: str, read: str) -> None:
    doc = _signer(printed, "PHÓ CHỦ TỊCH")
    authority = _field(doc, "signer_authority")
    assert authority.value == read and authority.status == "extracted"  # only spaces and specks differ
    assert _field(doc, "signer_title").value == "PHÓ CHỦ TỊCH"


@pytest.mark.parametrize("printed", ["TM. ỦY BẠN NHÂN DÂN", "TM. 'V RAN NHÂN DÂN"])
def test_an_authority_whose_letters_were_repaired_waits_for_review(printed: str) -> None:
    authority = _field(_signer(printed, "CHỦ TỊCH"), "signer_authority")
    assert authority.value == "TM. ỦY BAN NHÂN DÂN" and "ocr_repaired" in authority.reasons
    assert authority.status == "needs_review"


@pytest.mark.parametrize(
    ("authority", "read", "title"),
    [
        ("KT. CHỦ TỊCH", "/ ta PHÓ: Mà TỊCH", "PHÓ CHỦ TỊCH"),
        ("TM. ỦY BAN NHÂN DÂN", "„ v #%Tti TỊCH", "CHỦ TỊCH"),
        ("TM. ỦY BAN NHÂN DÂN", "/.... CHỒNTỊCH", "CHỦ TỊCH"),
    ],
)
def test_a_title_under_seal_specks_is_snapped_and_waits_for_review(authority: str, read: str, title: str) -> None:
    field = _field(_signer(authority, read), "signer_title")
    assert field.value == title and field.raw == read
    assert field.status == "needs_review" and "ocr_repaired" in field.reasons


def test_a_title_is_not_snapped_to_a_longer_one_it_is_the_start_of() -> None:
    field = _field(_signer(None, "NGƯỜI TIẾP NHẬN"), "signer_title")
    assert field.value == "NGƯỜI TIẾP NHẬN" and field.status == "extracted"


def test_a_title_with_a_lost_word_before_it_is_not_taken_silently() -> None:
    field = _field(_signer(None, "Tên CHỦ TỊCH"), "signer_title")
    assert field.status == "needs_review"


def _draw_block(tmp_path: Path, name: str) -> Path:
    """A signer block on a grey page with a seal's ring (grey after binarisation) through the title's first
    word and the name's family name, as a harsh scan has it."""
    image = Image.new("L", (W, H), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(BOLD, 34)
    draw.text((1000, 1240), "TM. ỦY BAN NHÂN DÂN", font=font, fill=0)
    draw.text((1120, 1290), "CHỦ TỊCH", font=font, fill=0)
    draw.text((1040, 1600), name, font=font, fill=0)
    draw.ellipse((930, 1310, 1230, 1610), outline=60, width=4)  # the ring crosses "CHỦ" and the family name
    path = tmp_path / "0001.jpg"
    image.save(path)
    image.save(reading_grey_path(path))
    return path


def test_a_signer_block_the_page_ocr_lost_to_the_seal_is_read_again_for_review(tmp_path: Path) -> None:
    path = _draw_block(tmp_path, "Nguyễn Quang Đạt")
    page = _page(HEAD)  # the page's OCR took the whole block for a picture
    page.image_path = path
    doc = read_document(1, [1], {1: page})
    got = {k: _field(doc, k) for k in ("signer_authority", "signer_title", "signer_name")}
    assert {k: f.value for k, f in got.items()} == {
        "signer_authority": "TM. ỦY BAN NHÂN DÂN",
        "signer_title": "CHỦ TỊCH",
        "signer_name": "Nguyễn Quang Đạt",
    }
    assert all(f.status == "needs_review" and "read_again" in f.reasons for f in got.values())


def test_a_name_that_lost_its_family_name_under_the_ring_is_read_whole_for_review(tmp_path: Path) -> None:
    path = _draw_block(tmp_path, "Nguyễn Quang Đạt")
    page = _page([*HEAD, (1000, 1240, "TM. ỦY BAN NHÂN DÂN"), (1120, 1290, "CHỦ TỊCH"), (1180, 1600, "Quang Đạt")])
    page.image_path = path
    name = _field(read_document(1, [1], {1: page}), "signer_name")
    assert name.value == "Nguyễn Quang Đạt" and name.status == "needs_review" and "read_again" in name.reasons


def test_a_name_that_does_not_open_with_a_family_name_waits_for_review() -> None:
    rows = [*HEAD, (1060, 1240, "TM. ỦY BAN NHÂN DÂN"), (1080, 1285, "CHỦ TỊCH"), (1100, 1600, "Ngọc Mai")]
    name = _field(extract_document(1, page_lines(_page(rows)), [1]), "signer_name")
    assert name.value == "Ngọc Mai" and name.status == "needs_review" and "family_name_unknown" in name.reasons


@pytest.mark.parametrize(
    ("printed", "title", "read"),
    [("^” GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "KT. GIÁM ĐỐC"), ("1“ ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN")],
)
def test_an_authority_whose_prefix_the_seal_ate_is_inferred_for_review(printed: str, title: str, read: str) -> None:
    doc = _signer(printed, title)
    authority = _field(doc, "signer_authority")
    assert authority.value == read and authority.status == "needs_review"
    assert _field(doc, "signer_title").value == title


def test_a_line_far_above_a_title_is_no_authority() -> None:
    rows = [*HEAD, (1060, 1000, "ỦY BAN NHÂN DÂN"), (1080, 1285, "CHỦ TỊCH"), (1060, 1600, "Phạm Thị Thu Hà")]
    assert "signer_authority" not in extract_document(1, page_lines(_page(rows)), [1]).fields


def test_a_title_with_its_marks_lost_behind_seal_specks_is_snapped_and_waits_for_review() -> None:
    doc = _signer(None, "/ ta GIAM ĐỌC")
    title = _field(doc, "signer_title")
    assert title.value == "GIÁM ĐỐC" and title.status == "needs_review" and "ocr_repaired" in title.reasons
    assert _field(doc, "signer_name").value == "Phạm Thị Thu Hà"
    doc = _signer(None, "GIAM ĐỌC")  # the same letters alone on the line: the marks corrected, as elsewhere
    assert _field(doc, "signer_title").value == "GIÁM ĐỐC" and _field(doc, "signer_title").status == "extracted"
