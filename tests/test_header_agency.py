"""The agency header block (ND 30 ô 1): superior body over issuer, in the shapes real offices print.

Each variant is laid out word by word as OCR gives it (the helpers of ``test_extract_geometry``) and read
by the real line building and extraction; the slow test draws a few headers in fonts the samples do not
use and reads them through the page OCR.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline import agency_names, clean, ocr
from pipeline.extract import extract_document
from pipeline.layout import page_lines
from pipeline.models import FieldValue, PageResult
from pipeline.normalize import fold_words
from pipeline.postcorrect import correct_words
from pipeline.rules import clear_for_ocr
from pipeline.signer_reread import LANG
from tests.test_extract_geometry import MOTTO, _read

Rows = list[tuple[int, int, str]]
DECISION_BODY: Rows = [
    (320, 420, "Số: 125/QĐ-UBND"),
    (950, 420, "Hải Phòng, ngày 05 tháng 3 năm 2025"),
    (760, 500, "QUYẾT ĐỊNH"),
    (400, 555, "Về việc phê duyệt kế hoạch"),
]


def _agencies(rows: Rows, body: Rows = DECISION_BODY) -> dict[str, FieldValue]:
    doc = _read([*rows, *MOTTO, *body])
    keys = ("superior_agency", "issuing_agency")
    return {k: v for k, v in doc.fields.items() if k in keys and isinstance(v, FieldValue)}


def _pair(fields: dict[str, FieldValue]) -> tuple[str | None, str | None]:
    sup = fields.get("superior_agency")
    return (sup.value if sup else None), fields["issuing_agency"].value


@pytest.mark.parametrize(
    ("rows", "superior", "issuer"),
    [
        (  # the superior abbreviated, over a ward
            [(250, 200, "UBND TỈNH QUẢNG NINH"), (230, 245, "ỦY BAN NHÂN DÂN PHƯỜNG HẠ LONG")],
            "UBND TỈNH QUẢNG NINH",
            "ỦY BAN NHÂN DÂN PHƯỜNG HẠ LONG",
        ),
        (  # the superior abbreviated, over a department
            [(250, 200, "UBND HUYỆN GIA LÂM"), (260, 245, "PHÒNG TƯ PHÁP")],
            "UBND HUYỆN GIA LÂM",
            "PHÒNG TƯ PHÁP",
        ),
        (  # the superior wrapped on a lone head word ("PHÒNG" completes "HẢI"), the issuer wrapped too
            [
                (250, 200, "UBND THÀNH PHỐ HẢI"),
                (330, 245, "PHÒNG"),
                (260, 290, "ỦY BAN NHÂN DÂN"),
                (250, 335, "PHƯỜNG HỒNG BÀNG"),
            ],
            "UBND THÀNH PHỐ HẢI PHÒNG",
            "ỦY BAN NHÂN DÂN PHƯỜNG HỒNG BÀNG",
        ),
        (  # police: a body under a body of the same head
            [(250, 200, "CÔNG AN TỈNH NINH BÌNH"), (250, 245, "CÔNG AN XÃ GIA VIỄN")],
            "CÔNG AN TỈNH NINH BÌNH",
            "CÔNG AN XÃ GIA VIỄN",
        ),
        (  # a ministry over a department whose name wraps on a line opening with no head word
            [(250, 200, "BỘ CÔNG AN"), (200, 245, "CỤC CẢNH SÁT QUẢN LÝ"), (200, 290, "HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI")],
            "BỘ CÔNG AN",
            "CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI",
        ),
        (  # a unit under a department
            [(220, 200, "SỞ NÔNG NGHIỆP VÀ MÔI"), (330, 245, "TRƯỜNG"), (200, 290, "VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI")],
            "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
            "VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI",
        ),
        (  # the superior's line joined to the motto by OCR
            [(250, 200, "UBND TỈNH NINH BÌNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), (280, 245, "SỞ TƯ PHÁP")],
            "UBND TỈNH NINH BÌNH",
            "SỞ TƯ PHÁP",
        ),
        (  # the issuer's head wraps inside itself, and a rule's ink sits on its last line
            [
                (250, 200, "UBND THÀNH PHỐ HẢI PHÒNG"),
                (300, 245, "ỦY BAN NHÂN"),
                (250, 290, "„ DÂN PHƯỜNG HỒNG BÀNG _"),
            ],
            "UBND THÀNH PHỐ HẢI PHÒNG",
            "ỦY BAN NHÂN DÂN PHƯỜNG HỒNG BÀNG",
        ),
        (  # three bodies: the issuer's direct superior is the one above it
            [(250, 200, "BỘ CÔNG AN"), (200, 245, "CỤC CẢNH SÁT GIAO THÔNG"), (220, 290, "PHÒNG ĐĂNG KÝ XE")],
            "CỤC CẢNH SÁT GIAO THÔNG",
            "PHÒNG ĐĂNG KÝ XE",
        ),
    ],
)
def test_the_header_splits_into_superior_and_issuer(rows: Rows, superior: str, issuer: str) -> None:
    fields = _agencies(rows)
    assert _pair(fields) == (superior, issuer)
    assert all(v.reasons == [] for v in fields.values())


RECEIPT_BODY: Rows = [
    (350, 400, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"),
    (600, 460, "Mã hồ sơ: 000.00.20.H40-250305-0012"),
    (200, 540, "Bộ phận tiếp nhận và trả kết quả đã nhận hồ sơ của ông/bà:"),
    (300, 590, "ÂU THÙY HẰNG"),  # the applicant's name in capitals, on a line of its own
    (200, 640, "Số CCCD: 037190001234"),
]


def test_a_one_stop_desk_under_its_commune_and_not_the_applicant_is_the_issuer() -> None:
    rows = [(250, 200, "ỦY BAN NHÂN DÂN XÃ GIA"), (340, 245, "VIỄN"), (280, 290, "BỘ PHẬN MỘT CỬA")]
    fields = _agencies(rows, RECEIPT_BODY)
    assert _pair(fields) == ("ỦY BAN NHÂN DÂN XÃ GIA VIỄN", "BỘ PHẬN MỘT CỬA")
    assert all(v.reasons == [] for v in fields.values())


def test_a_name_in_capitals_high_on_the_page_is_not_the_issuer_when_a_body_is_named() -> None:
    rows = [(250, 150, "ỦY BAN NHÂN DÂN"), (260, 195, "PHƯỜNG HỒNG BÀNG")]
    body = [(200, 420, "Ông/bà:"), (300, 470, "ĐOÀN VĂN KHẢI")]  # no number line, no title: the top quarter
    assert _pair(_agencies(rows, body)) == (None, "ỦY BAN NHÂN DÂN PHƯỜNG HỒNG BÀNG")


def test_a_line_below_the_date_is_body_text_even_when_it_names_a_body() -> None:
    """No number line: the date line bounds the header, so a capital line of the body is not the issuer."""
    rows = [(250, 200, "CÔNG AN TỈNH NINH BÌNH"), (250, 245, "CÔNG AN XÃ GIA VIỄN")]
    body = [(960, 330, "Ninh Bình, ngày 07/4/2025"), (250, 420, "CÔNG AN XÃ GIA VIỄN XÁC NHẬN")]
    assert _pair(_agencies(rows, body)) == ("CÔNG AN TỈNH NINH BÌNH", "CÔNG AN XÃ GIA VIỄN")


def test_a_header_that_names_no_body_is_flagged() -> None:
    """The agency's lines were not read: whatever capitals stand in for them wait for a reviewer."""
    fields = _agencies([], [(300, 420, "ĐOÀN VĂN KHẢI"), (200, 470, "Số điện thoại: 0912345678")])
    issuer = fields["issuing_agency"]
    assert issuer.value == "ĐOÀN VĂN KHẢI" and issuer.status == "needs_review" and "agency_shape" in issuer.reasons


@pytest.mark.parametrize(
    ("value", "flagged"),
    [
        ("UBND THÀNH PHỐ HẢI PHÒNG ỦY BAN NHÂN DÂN PHƯỜNG HỒNG BÀNG", True),  # two bodies run together
        ("SỞ TƯ PHÁP UBND TỈNH NINH BÌNH", True),
        ("ÂU THÙY HẰNG", True),  # a person's name
        ("GIẤY TIẾP NHẬN HỒ SƠ", True),  # a title
        ("VĂN PHÒNG ỦY BAN NHÂN DÂN TỈNH NINH BÌNH", False),  # the office of a committee is one body
        ("THƯỜNG TRỰC HỘI ĐỒNG NHÂN DÂN HUYỆN GIA LÂM", False),
        ("CHI NHÁNH VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI HUYỆN GIA VIỄN", False),
        ("TRƯỜNG ĐẠI HỌC LUẬT HÀ NỘI", False),
        ("HĐND TỈNH QUẢNG NINH", False),
        ("VKSND HUYỆN GIA LÂM", False),
        ("Ủy ban nhân dân xã Gia Viễn", False),  # case does not matter
    ],
)
def test_an_agency_value_is_flagged_when_it_is_no_body_or_two(value: str, flagged: bool) -> None:
    assert (agency_names.shape_reasons(value) == ["agency_shape"]) is flagged


def test_line_breaks_tell_a_name_cut_in_two_from_the_next_body() -> None:
    cont = agency_names.continues_name
    assert cont("UBND THÀNH PHỐ HẢI", "PHÒNG")  # a city's name, wrapped
    assert cont("SỞ TÀI NGUYÊN VÀ MÔI", "TRƯỜNG TỈNH NINH BÌNH")  # a known pair across the break
    assert cont("SỞ NÔNG NGHIỆP VÀ", "PHÁT TRIỂN NÔNG THÔN")
    assert not cont("PHÒNG", "ỦY BAN NHÂN DÂN")  # "VĂN PHÒNG ỦY BAN" is a phrase, a strong head still wins
    assert not cont("UBND TỈNH NINH BÌNH", "SỞ TƯ PHÁP")
    assert not cont("ỦY BAN NHÂN DÂN XÃ GIA VIỄN", "UBND")
    assert cont("TRUNG TÂM PHỤC", "VỤ HÀNH CHÍNH CÔNG")  # "phục vụ", though "Vĩnh Phúc" folds alike
    assert cont("CHI", "CỤC THUẾ KHU VỰC") and cont("ỦY", "BAN NHÂN DÂN XÃ GIA VIỄN")  # a head cut in two
    assert not cont("SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG", "PHÒNG QUẢN LÝ ĐẤT ĐAI")  # "môi trường" ends a name
    assert not cont("UBND TỈNH VĨNH LONG", "TRƯỜNG THPT LƯU VĂN LIỆT")
    assert not cont("UBND TỈNH NINH BÌNH", "ỦYBAN NHÂN DÂN XÃ GIA VIỄN")  # a space lost inside the head
    assert agency_names.split_bodies(["UBND THÀNH PHỐ HẢI", "PHÒNG", "ỦY BAN NHÂN DÂN", "PHƯỜNG HỒNG BÀNG"]) == [
        [0, 1],
        [2, 3],
    ]


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("UBNDTỈNH LÀOCAI", "UBND TỈNH LÀO CAI"),
        ("ỦY BAN NHÂN DÂN TỈNH BÌNHĐỊNH", "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH"),
        ("HĐNDHUYỆN", "HĐND HUYỆN"),
        ("UBMTTQVN TỈNH", "UBMTTQVN TỈNH"),  # an abbreviation of its own is not cut
        ("SỞ TƯ PHÁP", "SỞ TƯ PHÁP"),
        ("BANDÂN", "BANDÂN"),  # run-together words that are no place and follow no abbreviation stay
    ],
)
def test_spaces_lost_in_a_header_are_put_back(read: str, meant: str) -> None:
    assert agency_names.respace(read) == meant


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("UY BẠN NHAN DÂN XÃ HÒA VANG", "ỦY BAN NHÂN DÂN XÃ HÒA VANG"),  # a head's marks, from the list
        ("VĂN PHONG ĐĂNG KÝ ĐẤT ĐAI", "VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI"),
        ("UỶ BAN NHÂN DÂN TỈNH", "UỶ BAN NHÂN DÂN TỈNH"),  # a listed spelling (older tone placement) stays
        ("SỞ TƯ PHÁP", "SỞ TƯ PHÁP"),
        ("PHONG ĐĂNG KÝ KINH DOANH", "PHÒNG ĐĂNG KÝ KINH DOANH"),  # a one-word head as the name's first word
        ("PHÒNG BẠN ĐỌC", "PHÒNG BẠN ĐỌC"),  # ... only there: "BẠN" inside a name is no "BAN"
    ],
)
def test_a_heads_marks_are_spelled_as_the_vocabulary_does(read: str, meant: str) -> None:
    assert agency_names.spell_heads(read) == meant


@pytest.mark.parametrize(
    "rows",
    [
        ["UBND TỈNH NINH BÌNH", "ỦY BAN NHÂN", "DÂN XÃ GIA VIỄN"],  # the issuer's head wraps inside itself
        ["UBND TỈNH NINH BÌNH", "UY BẠN NHAN", "DÂN XÃ GIA VIỄN"],  # and loses its marks to OCR
        ["UBND TỈNH NINH BÌNH", "ỦY BAN", "NHÂN DÂN XÃ GIA VIỄN"],
    ],
)
def test_a_head_cut_at_the_line_end_still_begins_the_issuer(rows: list[str]) -> None:
    assert agency_names.split_bodies(rows) == [[0], [1, 2]]
    assert agency_names.cut_head(rows[1])
    assert not agency_names.cut_head("SỞ TƯ")  # a one-word head is no cut head: "SỞ TƯ PHÁP" wrapped is a name
    assert agency_names.split_bodies(["SỞ NÔNG NGHIỆP VÀ", "ỦY BAN"]) == [[0, 1]]  # after "VÀ" a name goes on


# --- drawn and read by the page OCR -------------------------------------------------------------------

DPI = 250
PW, PH = round(8.27 * DPI), round(11.69 * DPI)
FONTS = Path("/usr/share/fonts/truetype")
SERIF, SERIF_BOLD = FONTS / "liberation2/LiberationSerif-Regular.ttf", FONTS / "liberation2/LiberationSerif-Bold.ttf"
SANS, SANS_BOLD = FONTS / "noto/NotoSans-Regular.ttf", FONTS / "noto/NotoSans-Bold.ttf"
DEJAVU_SERIF = FONTS / "dejavu/DejaVuSerifCondensed.ttf"
DEJAVU_SERIF_BOLD = FONTS / "dejavu/DejaVuSerifCondensed-Bold.ttf"


def _header_page(superior: list[str], issuer: list[str], regular: Path, bold: Path, body: list[str]) -> np.ndarray:
    """An A4 page at 250 dpi: the agency column centred on the left third with a rule under the issuer,
    the motto on the right, number and date, a title and a few body lines."""
    image = Image.new("L", (PW, PH), 255)
    draw = ImageDraw.Draw(image)
    pt = DPI * 13 // 72
    reg, bld = ImageFont.truetype(str(regular), pt), ImageFont.truetype(str(bold), pt)
    centre, y = 470, 180
    for text, font in [*((t, reg) for t in superior), *((t, bld) for t in issuer)]:
        width = draw.textlength(text, font=font)
        draw.text((centre - width / 2, y), text, font=font, fill=0)
        y += int(pt * 1.25)
    draw.line((centre - 110, y + 8, centre + 110, y + 8), fill=0, width=3)
    for k, text in enumerate(("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")):
        width = draw.textlength(text, font=bld)
        draw.text((1450 - width / 2, 180 + k * int(pt * 1.25)), text, font=bld, fill=0)
    y = max(y + 60, 420)
    draw.text((300, y), "Số: 125/QĐ-UBND", font=reg, fill=0)
    draw.text((1050, y), "Ninh Bình, ngày 05 tháng 3 năm 2025", font=reg, fill=0)
    y += 140
    for text in body:
        width = draw.textlength(text, font=bld)
        draw.text(((PW - width) / 2 if text.isupper() else 250, y), text, font=bld if text.isupper() else reg, fill=0)
        y += int(pt * 1.6)
    return np.asarray(image)


def _ocr_fields(image: np.ndarray) -> dict[str, FieldValue]:
    binary = clean.binarize(clean.reading_grey(np.stack([image] * 3, axis=-1)))
    words = correct_words(ocr.recognize(clear_for_ocr(binary), lang=LANG))
    page = PageResult(1, "scan.pdf", DPI, False, PW, PH, 0, 0.0, Path("p.jpg"), words)
    doc = extract_document(1, page_lines(page), [1])
    return {k: v for k, v in doc.fields.items() if isinstance(v, FieldValue)}


def _assert_read(field: FieldValue, expected: str) -> None:
    """The split is what is checked here, not Tesseract's marks: the name has all its words and no other.
    (In these fonts "TRƯỜNG" may come out "TRƯƠNG", flagged by the phrase vocabulary, and "VIỄN" "VIÊN",
    not flagged: "Gia Viễn" is in no vocabulary and the word was read confidently.)"""
    assert field.value is not None and fold_words(field.value) == fold_words(expected), field.value


@pytest.mark.slow
@pytest.mark.parametrize(
    ("superior", "issuer", "regular", "bold"),
    [
        (["UBND THÀNH PHỐ HẢI", "PHÒNG"], ["ỦY BAN NHÂN DÂN", "PHƯỜNG HỒNG BÀNG"], SERIF, SERIF_BOLD),
        (["UBND TỈNH QUẢNG NINH"], ["SỞ TƯ PHÁP"], SANS, SANS_BOLD),
        (["CÔNG AN TỈNH NINH BÌNH"], ["CÔNG AN XÃ GIA VIỄN"], SERIF, SERIF_BOLD),
        (["SỞ NÔNG NGHIỆP VÀ MÔI", "TRƯỜNG"], ["VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI"], DEJAVU_SERIF, DEJAVU_SERIF_BOLD),
    ],
)
def test_drawn_headers_read_through_the_page_ocr(
    superior: list[str], issuer: list[str], regular: Path, bold: Path
) -> None:
    body = ["QUYẾT ĐỊNH", "Về việc phê duyệt kế hoạch số hóa hồ sơ", "Căn cứ Luật Tổ chức chính quyền địa phương;"]
    fields = _ocr_fields(_header_page(superior, issuer, regular, bold, body))
    _assert_read(fields["superior_agency"], " ".join(superior))
    _assert_read(fields["issuing_agency"], " ".join(issuer))


@pytest.mark.slow
def test_a_drawn_one_stop_receipt_names_its_desk_not_its_applicant() -> None:
    body = [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Bộ phận tiếp nhận và trả kết quả đã nhận hồ sơ của ông/bà:",
        "ĐOÀN VĂN KHẢI",
        "Số CCCD: 037190001234",
    ]
    image = _header_page(["ỦY BAN NHÂN DÂN XÃ GIA", "VIỄN"], ["BỘ PHẬN MỘT CỬA"], SANS, SANS_BOLD, body)
    fields = _ocr_fields(image)
    _assert_read(fields["superior_agency"], "ỦY BAN NHÂN DÂN XÃ GIA VIỄN")
    _assert_read(fields["issuing_agency"], "BỘ PHẬN MỘT CỬA")
