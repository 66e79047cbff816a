"""Conventions of real forms nobody on the team drew (issue 12): a one-stop receipt set as a two-column
table without rules, a citizen's title over a signing hint, and the back of a chip ID card with its QR code
and fingerprint box read as debris beside the labels.

Each case is laid word by word (``test_extract_geometry._page``: 34 px text, 14 px between words) with its
negatives beside it, then drawn with PIL in a font the samples do not use and read by the real Tesseract.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from test_extract_geometry import MOTTO, TAB, Token, _page, _read, _values

from pipeline import clean, ocr
from pipeline.doctypes import by_key
from pipeline.extract import extract_document
from pipeline.field_flags import signer_title_ok
from pipeline.labels import far_debris, read_labelled
from pipeline.layout import Line, page_lines
from pipeline.models import FieldValue, PageResult, Word
from pipeline.rules import clear_for_ocr, vertical_rules
from pipeline.signer import hinted_title, signature_hint
from pipeline.signer_reread import LANG

W, H = 1654, 2339  # A4 at 200 dpi
Rows = list[tuple[int, int, str]]
NOTO = "/usr/share/fonts/truetype/noto/NotoSerif-{}.ttf"

# --- one-stop receipt: label left, value right, no rules, no colons ---------------------------------------

RECEIPT_HEAD: Rows = [
    (250, 200, "ỦY BAN NHÂN DÂN"),
    (230, 245, "PHƯỜNG LONG XUYÊN"),
    *MOTTO,
    (400, 400, "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"),
    (500, 450, "Mã hồ sơ: 000.00.20.H40-250316-0012"),
]
RECEIPT_TABLE: Rows = [
    (300, 560, "Người nộp hồ sơ"),
    (800, 560, "Phan Thị Mỹ Hằng"),
    (300, 620, "Số CCCD"),
    (800, 620, "031190004512"),
    (300, 680, "Địa chỉ"),
    (800, 680, "Số 214/9 đường Tôn Đức Thắng, phường Long Xuyên, tỉnh"),
    (800, 725, "An Giang"),
    (300, 790, "Điện thoại"),
    (800, 790, "0912773045"),
]
DOCUMENTS = (290, 910, "Thành phần hồ sơ: Tờ khai; bản sao giấy tờ tùy thân; giấy tờ liên quan.")


def test_a_receipt_table_without_rules_gives_the_procedure_beside_thu_tuc_and_every_other_row() -> None:
    doc = _read([*RECEIPT_HEAD, *RECEIPT_TABLE, (300, 850, "Thủ tục"), (800, 850, "Đăng ký kết hôn"), DOCUMENTS])
    f = _values(doc)
    assert doc.type == "receipt"
    assert f["procedure"] == "Đăng ký kết hôn"
    assert f["full_name"] == "Phan Thị Mỹ Hằng"
    assert f["personal_id"] == "031190004512"
    assert f["address"] == "Số 214/9 đường Tôn Đức Thắng, phường Long Xuyên, tỉnh An Giang"
    assert f["phone"] == "0912773045"


def test_a_receipt_row_read_as_one_line_parts_label_and_value_at_the_cell_gap() -> None:
    tabs = [TAB, TAB, TAB]
    rows: list[tuple[int, int, str | list[Token]]] = [
        *RECEIPT_HEAD,
        (300, 560, ["Người", "nộp", "hồ", "sơ", *tabs, "Phan", "Thị", "Mỹ", "Hằng"]),
        (300, 620, ["Thủ", "tục", *tabs, "Đăng", "ký", "kết", "hôn"]),
    ]
    f = _values(_read(rows))
    assert (f["procedure"], f["full_name"]) == ("Đăng ký kết hôn", "Phan Thị Mỹ Hằng")
    rows = [*RECEIPT_HEAD, (300, 620, "Thủ tục hành chính được giải quyết trong ngày")]  # word spacing: prose
    assert _values(_read(rows)).get("procedure") is None


@pytest.mark.parametrize(
    "line",
    [
        "Thủ tục: Đăng ký kết hôn",
        "Tên thủ tục: Đăng ký kết hôn",
        "Thủ tục hành chính đề nghị giải quyết: Đăng ký kết hôn",
        "Tên thủ tục hành chính: Đăng ký kết hôn",
    ],
)
def test_the_procedure_under_the_labels_real_receipts_print(line: str) -> None:
    assert _values(_read([*RECEIPT_HEAD, (300, 560, line)]))["procedure"] == "Đăng ký kết hôn"


@pytest.mark.parametrize(
    "rows",
    [
        [(290, 560, "Bộ phận Một cửa tiếp nhận hồ sơ thủ tục hành chính của ông/bà Phan Thị Mỹ Hằng")],
        [(290, 560, "Thủ tục hành chính được giải quyết theo quy định hiện hành.")],
        [(300, 560, "Mã thủ tục: 1.001193")],  # a code, not the procedure's name
        [(300, 560, "Mã TTHC: 1.001193")],
        [(300, 560, "Lĩnh vực"), (800, 560, "Hộ tịch")],  # the field of law, not the procedure
        [(300, 560, "Lĩnh vực: Hộ tịch")],
        [DOCUMENTS],
    ],
)
def test_thu_tuc_inside_other_text_is_no_procedure(rows: Rows) -> None:
    assert _values(_read([*RECEIPT_HEAD, *rows])).get("procedure") is None  # required: "missing", no value


def test_the_list_of_documents_and_the_field_of_law_end_the_procedure_before_them() -> None:
    long = "Đăng ký kết hôn có yếu tố nước ngoài tại Ủy ban nhân dân phường theo Luật Hộ tịch 2014"
    doc = _read([*RECEIPT_HEAD, (300, 850, "Thủ tục:"), (500, 850, long), (290, 898, DOCUMENTS[2])])
    assert doc.fields["procedure"].value == long  # type: ignore[union-attr]  # not joined to the documents line
    doc = _read([*RECEIPT_HEAD, (300, 850, "Thủ tục: Đăng ký kết hôn Lĩnh vực: Hộ tịch")])
    assert doc.fields["procedure"].value == "Đăng ký kết hôn"  # type: ignore[union-attr]


# --- a citizen's title over "(Ký, ghi rõ họ tên)" -----------------------------------------------------------

APPLICATION: Rows = [
    *MOTTO,
    (650, 400, "ĐƠN ĐỀ NGHỊ"),
    (500, 450, "Về việc cấp bản sao trích lục hộ tịch"),
    (200, 560, "Kính gửi: Ủy ban nhân dân phường Bãi Cháy"),
    (200, 620, "Tôi tên là: Nguyễn Văn An"),
    (200, 680, "Nội dung đề nghị: cấp bản sao trích lục khai sinh"),
    (950, 900, "Bãi Cháy, ngày 05 tháng 3 năm 2025"),
]


def _signed(title: str, hint: str = "(Ký, ghi rõ họ tên)") -> dict[str, FieldValue]:
    rows: Rows = [*APPLICATION, (1080, 950, title), (1060, 995, hint), (1080, 1200, "Nguyễn Văn An")]
    doc = _read(rows)
    assert doc.type == "application"
    return {k: v for k, v in doc.fields.items() if isinstance(v, FieldValue)}


def test_nguoi_viet_don_is_a_signer_title() -> None:
    f = _signed("NGƯỜI VIẾT ĐƠN")
    assert (f["signer_title"].value, f["signer_title"].status) == ("NGƯỜI VIẾT ĐƠN", "extracted")
    assert f["signer_name"].value == "Nguyễn Văn An"


@pytest.mark.parametrize("title", ["NGƯỜI LÀM TỜ KHAI", "NGƯỜI ĐƯỢC ỦY QUYỀN", "NGƯỜI CAM ĐOAN"])
@pytest.mark.parametrize("hint", ["(Ký, ghi rõ họ tên)", "(Ký và ghi rõ họ tên)", "(Ky, ghi ro ho ten)"])
def test_an_unlisted_citizens_title_over_a_signing_hint_is_read_as_printed(title: str, hint: str) -> None:
    f = _signed(title, hint)
    assert f["signer_title"].value == title  # never snapped to a listed title ("NGƯỜI KHAI")
    assert f["signer_title"].status == "extracted"


@pytest.mark.parametrize("garbled", ["NGƯỜI LÀM TỜ KHAl", "NGUOI LAM TO KHAI", "NGƯỜI LÀM TỜ KHẢl"])
def test_a_garbled_unlisted_title_waits_for_review(garbled: str) -> None:
    f = _signed(garbled)
    assert f["signer_title"].value == garbled
    assert f["signer_title"].status == "needs_review" and "not_in_vocabulary" in f["signer_title"].reasons


def test_a_capitals_line_opening_with_nguoi_is_no_title_without_a_hint_under_it() -> None:
    f = _signed("NGƯỜI LÀM TỜ KHAI", hint="Nguyễn Văn Bình")  # a name, not a hint
    assert f["signer_title"].value is None
    rows: Rows = [*APPLICATION, (1080, 950, "NGƯỜI LÀM TỜ KHAI"), (1080, 1200, "Nguyễn Văn An")]
    assert _values(_read(rows))["signer_title"] is None  # the hint far below, not right under it


def test_the_shape_of_a_citizens_title_and_its_hint() -> None:
    assert signature_hint("(Ký, ghi rõ họ tên)") and signature_hint("(Ký và ghi rõ họ và tên)")
    assert signature_hint("(Ký, ghi rõ họ tên, đóng dấu)")
    assert not signature_hint("Nguyễn Văn An") and not signature_hint("(Ghi chú)")
    assert signer_title_ok("NGƯỜI VIẾT ĐƠN") and signer_title_ok("NGƯỜI ĐƯỢC UỶ QUYỀN")
    assert not signer_title_ok("NGƯỜI")  # one word
    assert not signer_title_ok("NGƯỜI VIẾT ĐON")  # "ĐON" spells no syllable
    assert not signer_title_ok("TỔ TRƯỞNG TỔ DÂN PHỐ SỐ")  # an official's title stays a closed list
    rows = [_line(900, [("NGƯỜI", 1000), ("LÀM", 1140), ("TỜ", 1220), ("KHAI", 1290), ("BÁO", 1390), ("LẠI", 1470)])]
    assert not hinted_title([*rows, _line(945, [("(Ký,", 1000), ("ghi", 1080)])], 0)


def _line(y: int, words: list[tuple[str, int]]) -> Line:
    return Line(1, tuple(Word(t, (x, y, x + 18 * len(t), y + 34), 0.93, 0) for t, x in words), W, H)


# --- the back of a chip ID card: the QR code and fingerprint box beside the labels --------------------------


def _card(debris: dict[int, str], *, same_line: bool = False) -> dict[str, str | None]:
    """The back of a card, a row of debris at x=1400 on the rows it names (0: residence label, 1: its
    value, 2: birth registration label, 3: its value), as lines of their own or glued to the row's line."""
    rows = [
        (100, 700, "Nơi cư trú/Place of residence:"),
        (140, 750, "Tổ dân phố Tân Tiến, phường Bãi Cháy, tỉnh Quảng Ninh"),
        (100, 810, "Nơi đăng ký khai sinh/Place of birth:"),
        (140, 860, "phường Bãi Cháy, tỉnh Quảng Ninh"),
    ]
    words: list[Word] = []
    for k, (x, y, text) in enumerate(rows):
        for token in text.split():
            words.append(Word(token, (x, y, x + 18 * len(token), y + 34), 0.93, k))
            x += 18 * len(token) + 14
        if k in debris:
            box = (1400, y, 1400 + 18 * len(debris[k]), y + 34)
            words.append(Word(debris[k], box, 0.62, k if same_line else 10 + k))
    words.append(Word("Ngày,", (100, 920, 190, 954), 0.93, 20))
    page = PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), words)
    return {k: r.value for k, r in read_labelled(page_lines(page), by_key("id_card")).items()}


HELD_OUT_DEBRIS = {0: "...", 1: "Ñ", 2: ") |", 3: "_"}


@pytest.mark.parametrize("same_line", [False, True])
def test_card_debris_at_the_far_right_is_no_value_and_the_values_under_the_labels_read(same_line: bool) -> None:
    for debris in (HELD_OUT_DEBRIS, {0: "Ñ", 2: "ee"}, {1: "Ñ", 3: ")|"}, {0: ")|", 1: ")|", 2: ")|", 3: ")|"}):
        got = _card(debris, same_line=same_line)
        assert got["address"] == "Tổ dân phố Tân Tiến, phường Bãi Cháy, tỉnh Quảng Ninh", debris
        assert got["birth_registration_place"] == "phường Bãi Cháy, tỉnh Quảng Ninh", debris


def test_a_short_value_across_a_cell_gap_is_still_a_value() -> None:
    rows = [(100, 480, "Giới tính/Sex:"), (700, 480, "Nữ"), (100, 540, "Số/No.:"), (700, 540, "001090012345")]
    got = {k: r.value for k, r in read_labelled(page_lines(_page(rows)), by_key("id_card")).items()}
    assert (got["gender"], got["personal_id"]) == ("Nữ", "001090012345")
    rows = [(230, 560, "Tờ bản đồ số"), (760, 560, "7"), (230, 620, "Thửa đất số"), (760, 620, "12")]
    got = {k: r.value for k, r in read_labelled(page_lines(_page(rows)), by_key("land_use_certificate")).items()}
    assert (got["map_sheet"], got["parcel_number"]) == ("7", "12")


def test_far_debris_counts_only_a_gapped_run_without_words_at_the_end_of_a_row() -> None:
    def row(*tokens: tuple[str, int]) -> list[Word]:
        return [Word(t, (x, 0, x + 18 * len(t), 34), 0.9, 0) for t, x in tokens]

    assert far_debris(row(("Quảng", 100), ("Ninh", 204), ("Ñ", 1400)), 34) == 1
    assert far_debris(row(("Ninh", 100), ("...", 1200), ("Ñ", 1400)), 34) == 2
    assert far_debris(row(("Ninh", 100), ("Ñ", 186)), 34) == 0  # at word spacing: the value's own (checked later)
    assert far_debris(row(("Giới", 100), ("tính:", 190), ("Nữ", 700)), 34) == 0  # a syllable
    assert far_debris(row(("số", 100), ("7", 700)), 34) == 0  # a digit
    assert far_debris(row(("Ñ", 1400)), 34) == 0  # nothing before it: no row to be beside


# --- drawn pages read by the real Tesseract --------------------------------------------------------------------


def _font(style: str = "Regular", px: int = 30) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(NOTO.format(style), px)


def _ocr_lines(image: Image.Image) -> list[Line]:
    binary = clean.binarize(clean.reading_grey(np.asarray(image)))
    words = ocr.recognize(clear_for_ocr(binary), lang=LANG)
    page = PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), words, cell_rules=vertical_rules(binary))
    return page_lines(page)


def test_a_drawn_receipt_without_rules_gives_its_procedure_and_applicant() -> None:
    image = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(image)
    body, bold, italic = _font(), _font("Bold", 32), _font("Italic")
    d.text((180, 150), "UBND PHƯỜNG LONG XUYÊN", font=body, fill="black")
    d.text((200, 195), "BỘ PHẬN MỘT CỬA", font=bold, fill="black")
    d.text((900, 150), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=bold, fill="black")
    d.text((1000, 195), "Độc lập - Tự do - Hạnh phúc", font=bold, fill="black")
    d.text((950, 280), "Long Xuyên, ngày 16 tháng 3 năm 2025", font=italic, fill="black")
    d.text((240, 400), "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", font=bold, fill="black")
    d.text((420, 460), "Mã hồ sơ: 000.00.20.H40-250316-0012", font=body, fill="black")
    table = [
        ("Người nộp hồ sơ", "Phan Thị Mỹ Hằng"),
        ("Số CCCD", "031190004512"),
        ("Địa chỉ", "Số 214/9 đường Tôn Đức Thắng, phường Long Xuyên, tỉnh"),
        ("", "An Giang"),
        ("Điện thoại", "0912773045"),
        ("Thủ tục", "Đăng ký kết hôn"),
    ]
    for k, (label, value) in enumerate(table):
        d.text((240, 560 + 55 * k), label, font=body, fill="black")
        d.text((620, 560 + 55 * k), value, font=body, fill="black")
    d.text((220, 900), DOCUMENTS[2], font=body, fill="black")
    d.text((220, 960), "Ngày hẹn trả kết quả: 20/03/2025", font=body, fill="black")
    doc = extract_document(1, _ocr_lines(image), [1])
    f = _values(doc)
    assert doc.type == "receipt"
    assert f["procedure"] == "Đăng ký kết hôn"
    assert (f["full_name"], f["personal_id"], f["phone"]) == ("Phan Thị Mỹ Hằng", "031190004512", "0912773045")
    assert f["address"] == "Số 214/9 đường Tôn Đức Thắng, phường Long Xuyên, tỉnh An Giang"


def test_a_drawn_application_signed_nguoi_viet_don_gives_its_signer() -> None:
    image = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(image)
    body, bold, italic = _font(), _font("Bold", 32), _font("Italic")
    d.text((420, 150), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=bold, fill="black")
    d.text((560, 195), "Độc lập - Tự do - Hạnh phúc", font=bold, fill="black")
    d.text((660, 320), "ĐƠN ĐỀ NGHỊ", font=_font("Bold", 40), fill="black")
    d.text((430, 380), "Về việc cấp bản sao trích lục khai sinh", font=bold, fill="black")
    d.text((200, 480), "Kính gửi: Ủy ban nhân dân phường Bãi Cháy", font=body, fill="black")
    d.text((200, 540), "Tôi tên là: Nguyễn Văn An", font=body, fill="black")
    d.text((200, 600), "Nội dung đề nghị: cấp bản sao trích lục khai sinh.", font=body, fill="black")
    d.text((900, 860), "Bãi Cháy, ngày 05 tháng 3 năm 2025", font=italic, fill="black")
    d.text((1030, 910), "NGƯỜI VIẾT ĐƠN", font=bold, fill="black")
    d.text((1010, 955), "(Ký, ghi rõ họ tên)", font=italic, fill="black")
    d.text((1030, 1150), "Nguyễn Văn An", font=bold, fill="black")
    doc = extract_document(1, _ocr_lines(image), [1])
    assert doc.type == "application"
    title, name = doc.fields["signer_title"], doc.fields["signer_name"]
    assert isinstance(title, FieldValue) and (title.value, title.status) == ("NGƯỜI VIẾT ĐƠN", "extracted")
    assert isinstance(name, FieldValue) and name.value == "Nguyễn Văn An"


def test_a_drawn_card_back_with_marks_at_the_far_right_of_each_row_gives_both_places() -> None:
    """Tesseract reads the marks right of the rows as ")|" lines of their own, as it read a card's QR code."""
    image = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(image)
    body = _font()
    rows = [
        (180, "Nơi cư trú/Place of residence:"),
        (220, "Tổ dân phố Tân Tiến, phường Bãi Cháy, tỉnh Quảng Ninh"),
        (180, "Nơi đăng ký khai sinh/Place of birth:"),
        (220, "phường Bãi Cháy, tỉnh Quảng Ninh"),
    ]
    for k, (x, text) in enumerate(rows):
        d.text((x, 300 + 55 * k), text, font=body, fill="black")
        d.text((1300, 300 + 55 * k), ")|", font=body, fill="black")
    d.text((180, 520), "Ngày, tháng, năm cấp/Date of issue: 16/03/2025", font=body, fill="black")
    lines = _ocr_lines(image)
    assert any(ln.bbox[0] > 1250 for ln in lines)  # the marks were read, as text of their own
    got = {k: r.value for k, r in read_labelled(lines, by_key("id_card")).items()}
    assert got["address"] == "Tổ dân phố Tân Tiến, phường Bãi Cháy, tỉnh Quảng Ninh"
    assert got["birth_registration_place"] == "phường Bãi Cháy, tỉnh Quảng Ninh"
