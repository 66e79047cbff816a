"""Extraction by geometry on hand-laid OCR words: each failure class of a layout we never drew (issue 12).

The pages are built word by word, with the boxes, heights and confidences OCR gives (leader dots as
low specks, a table rule as a tall "1", a name cut in two lines by a seal), then read by the real
line building (``page_lines``) and extraction.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline import clean, ocr
from pipeline.documents import read_document
from pipeline.extract import extract_document
from pipeline.layout import page_lines
from pipeline.models import DocumentResult, FieldValue, PageResult, Word
from pipeline.normalize import clean_text
from pipeline.page_job import reading_grey_path
from pipeline.rules import clear_for_ocr
from pipeline.signer_reread import LANG

W, H = 1654, 2339  # A4 at 200 dpi
Token = str | tuple[str, int, float]  # a word, or (word, box height, confidence)
TAB = "\t"


def _page(rows: list[tuple[int, int, str | list[Token]]], *, confidence: float = 0.93) -> PageResult:
    """Rows of (x, y, words); each row is one OCR line, its words 14 px apart (``TAB``: 60 px), 34 px high
    unless given."""
    words: list[Word] = []
    for line, (x, y, text) in enumerate(rows):
        tokens = text.split() if isinstance(text, str) else text
        for token in tokens:
            if token == TAB:
                x += 60  # a tab stop: wider than a space, narrower than a column gap
                continue
            word, height, conf = (token, 34, confidence) if isinstance(token, str) else token
            width = 18 * len(word)
            top = y + 34 - height  # specks sit on the baseline
            words.append(Word(word, (x, top, x + width, top + height), conf, line))
            x += width + 14
    return PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), words)


def _read(rows: list[tuple[int, int, str | list[Token]]], **kw: float) -> DocumentResult:
    return extract_document(1, page_lines(_page(rows, **kw)), [1])


def _values(doc: DocumentResult) -> dict[str, str | None]:
    return {k: v.value for k, v in doc.fields.items() if isinstance(v, FieldValue)}


MOTTO = [
    (900, 200, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    (1000, 245, "Độc lập - Tự do - Hạnh phúc"),
]


def test_a_two_line_agency_name_is_one_issuer_under_its_superior() -> None:
    doc = _read(
        [
            (250, 200, "ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI"),
            (230, 245, "SỞ NÔNG NGHIỆP VÀ MÔI"),
            (370, 290, "TRƯỜNG"),
            *MOTTO,
            (320, 360, "Số: 125/QĐ-SNNMT"),
            (950, 360, "Đồng Nai, ngày 05 tháng 3 năm 2025"),
            (760, 450, "QUYẾT ĐỊNH"),
            (400, 505, "Về việc phê duyệt kế hoạch"),
            (1080, 1240, "KT. GIÁM ĐỐC"),
            (1080, 1285, "PHÓ GIÁM ĐỐC"),
            (1080, 1520, "Trần Văn Bình"),
        ]
    )
    f = _values(doc)
    assert doc.type == "decision"
    assert f["issuing_agency"] == "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"
    assert f["superior_agency"] == "ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI"


def test_an_agency_glued_to_the_motto_is_cut_where_the_motto_begins() -> None:
    doc = _read(
        [
            (250, 200, "ỦY BAN NHÂN DÂN TỈNH ĐỒNG NACỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            (230, 245, "SỞ TƯ PHÁP"),
            (1000, 250, "Độc lập - Tự do - Hạnh phúc"),
            (320, 360, "Số: 125/QĐ-STP"),
            (760, 450, "QUYẾT ĐỊNH"),
        ]
    )
    f = _values(doc)
    assert (f["superior_agency"], f["issuing_agency"]) == ("ỦY BAN NHÂN DÂN TỈNH ĐỒNG NA", "SỞ TƯ PHÁP")


def test_a_wrapped_subject_is_read_to_its_end() -> None:
    """A note in the right margin shares the wrapped line's row: it is not part of the subject."""
    doc = _read(
        [
            (250, 200, "ỦY BAN NHÂN DÂN"),
            (250, 245, "XÃ HÒA VANG"),
            *MOTTO,
            (320, 360, "Số: 12/QĐ-UBND"),
            (950, 360, "Đà Nẵng, ngày 05 tháng 3 năm 2025"),
            (760, 450, "QUYẾT ĐỊNH"),
            (330, 505, "Về việc công bố danh mục thủ tục hành"),
            (1380, 548, "(Bản chính)"),
            (420, 552, "chính thuộc thẩm quyền giải quyết"),
            (320, 650, "Căn cứ Luật Tổ chức chính quyền địa phương;"),
            (1080, 1240, "TM. ỦY BAN NHÂN DÂN"),
            (1100, 1285, "CHỦ TỊCH"),
            (1080, 1520, "Lê Thị Hoa"),
        ]
    )
    assert _values(doc)["subject"] == "Về việc công bố danh mục thủ tục hành chính thuộc thẩm quyền giải quyết"


def test_a_subject_set_close_above_the_body_stops_where_the_body_begins() -> None:
    """The body's first line follows the centred subject at a line's gap: it runs past it on both sides."""
    doc = _read(
        [
            (250, 200, "ỦY BAN NHÂN DÂN"),
            (250, 245, "PHƯỜNG BUÔN MA THUỘT"),
            *MOTTO,
            (320, 360, "Số: 45/TB-UBND"),
            (950, 360, "Đắk Lắk, ngày 05 tháng 12 năm 2025"),
            (740, 450, "THÔNG BÁO"),
            (300, 505, "Về việc thay đổi thời gian tiếp nhận hồ sơ trực tiếp"),
            (420, 550, "tại Trung tâm trong dịp cao điểm cuối năm"),
            (200, 596, "Ủy ban nhân dân phường Buôn Ma Thuột trân trọng thông báo đến các"),
            (120, 641, "tổ chức, cá nhân có liên quan được biết và thực hiện như sau"),
            (1080, 1240, "TM. ỦY BAN NHÂN DÂN"),
            (1100, 1285, "CHỦ TỊCH"),
            (1080, 1520, "Lê Thị Hoa"),
        ]
    )
    f = _values(doc)
    assert doc.type == "notice"
    subject = "Về việc thay đổi thời gian tiếp nhận hồ sơ trực tiếp tại Trung tâm trong dịp cao điểm cuối năm"
    assert f["subject"] == subject


def test_a_cong_van_subject_wraps_beside_the_right_column() -> None:
    """The wrapped "V/v" line shares its row with the date: reading order puts the date between them."""
    doc = _read(
        [
            (300, 200, "BỘ NỘI VỤ"),
            *MOTTO,
            (300, 300, "Số: 07/BNV-VP"),
            (250, 350, "V/v rà soát, cập nhật dữ liệu"),
            (950, 352, "Hà Nội, ngày 18 tháng 9 năm 2025"),
            (250, 396, "dân cư trên địa bàn"),
            (525, 470, "Kính gửi: Sở Tư pháp."),
            (1060, 975, "KT. BỘ TRƯỞNG"),
            (1080, 1021, "THỨ TRƯỞNG"),
            (1058, 1259, "Nguyễn Quang Đạt"),
        ]
    )
    f = _values(doc)
    assert doc.type == "official_letter"
    assert f["subject"] == "rà soát, cập nhật dữ liệu dân cư trên địa bàn"
    assert (f["place"], f["issue_date"]) == ("Hà Nội", "2025-09-18")
    assert f["signer_authority"] == "KT. BỘ TRƯỞNG"  # its box touches the title's under it


SIGNED_DECISION = [
    (250, 200, "ỦY BAN NHÂN DÂN"),
    (250, 245, "PHƯỜNG THUẬN HÓA"),
    *MOTTO,
    (320, 360, "Số: 583/QĐ-UBND"),
    (950, 360, "Huế, ngày 18 tháng 9 năm 2025"),
    (760, 450, "QUYẾT ĐỊNH"),
    (400, 505, "Về việc phê duyệt kế hoạch số hóa"),
    (320, 640, "Căn cứ Luật Tổ chức chính quyền địa phương;"),
    (1080, 1240, "TM. ỦY BAN NHÂN DÂN"),
    (1100, 1285, "CHỦ TỊCH"),
]


def test_a_signer_name_cut_in_two_by_the_seal_is_read_whole() -> None:
    seal = [("ư—.——e", 40, 0.35), ("Lí", 30, 0.4), ("me", 30, 0.42)]
    doc = _read(
        [
            *SIGNED_DECISION,
            (1030, 1340, seal),
            (1000, 1400, [("'Dương", 34, 0.6)]),  # the seal's ink glued to the family name
            (1128, 1402, "Văn Nghĩa"),  # OCR put the rest of the row in a line of its own
        ]
    )
    f = _values(doc)
    assert (f["signer_title"], f["signer_name"]) == ("CHỦ TỊCH", "Dương Văn Nghĩa")


def test_a_signer_name_far_below_the_title_past_a_seal_is_found() -> None:
    """The seal's ring text reads as capitalised words above and below the name: the name is the row
    that opens with a family name."""
    seal = [
        (1040, 1340, [("Ủy", 40, 0.5), ("~", 20, 0.2), ("Ban", 40, 0.5)]),
        (1010, 1420, [("Ắ", 60, 0.25), ("ẽĩ", 50, 0.2)]),
        (1060, 1500, [("||", 80, 0.2)]),
        (1100, 1660, [("Nhân", 34, 0.5), ("Dân", 34, 0.5)]),
    ]
    doc = _read([*SIGNED_DECISION, *seal, (1080, 1600, "Phạm Thị Thu Hà"), (230, 1700, "Nơi nhận:")])
    assert _values(doc)["signer_name"] == "Phạm Thị Thu Hà"
    doc = _read([*SIGNED_DECISION, *seal, (1080, 1600, "NGUYỄN VĂN AN")])  # a name printed in capitals
    assert _values(doc)["signer_name"] == "NGUYỄN VĂN AN"


FORM_HEAD = [*MOTTO, (700, 380, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ"), (430, 460, "Kính gửi: Công an phường Bến Nghé.")]
LEADERS = [("No", 6, 0.3), ("Ni", 6, 0.25), ("_-", 8, 0.3), ("¬", 10, 0.2), ("¬", 10, 0.2)]


def test_leader_dots_after_a_value_are_not_part_of_it() -> None:
    doc = _read([*FORM_HEAD, (230, 540, ["1.", "Họ,", "chữ", "đệm", "và", "tên:", "LÊ", "PHƯƠNG", "TUYẾT", *LEADERS])])
    assert _values(doc)["full_name"] == "LÊ PHƯƠNG TUYẾT"


def test_leaders_glued_to_a_value_end_it() -> None:
    """Tesseract's own reading of a DejaVu form with leaders: the dots glued to the value, specks after."""
    low = 0.3
    doc = _read(
        [
            *FORM_HEAD,
            (230, 540, ["1.", "Họ,", "chữ", "đệm", "và", "tên:", "LÊ", "PHƯƠNG", "TUYẾT.........", "nen", "xe..."]),
            (230, 600, ["2.", "Ngày,", "tháng,", "năm", "sinh:", ("12/08/1990", 34, 0.36), ("........-", 6, 0.07)]),
            (230, 660, ["5.", "Số", "điện", "thoại:", ("0912345678.........", 34, 0.0), ("Q.00", 40, low)]),
        ]
    )
    f = _values(doc)
    assert (f["full_name"], f["birth_date"], f["phone"]) == ("LÊ PHƯƠNG TUYẾT", "1990-08-12", "0912345678")
    phone = doc.fields["phone"]
    assert isinstance(phone, FieldValue) and phone.bbox is not None
    assert phone.bbox[2] - phone.bbox[0] < 18 * 12  # the box shows the number, not the dots glued to it
    assert phone.status == "needs_review"  # OCR was unsure of it: a reviewer looks


def test_values_in_table_cells_and_under_their_labels() -> None:
    doc = _read(
        [
            *FORM_HEAD,
            (230, 540, "Họ và tên"),  # a table: the label cell, no colon, the value in the next cell
            (760, 540, "Nguyễn Văn An"),
            (230, 600, "Số định danh cá nhân:"),  # the value on the line under its label
            (260, 646, "079203004567"),
            (230, 700, "Giới tính:"),
            (760, 700, "Nam"),
            (230, 760, ["Số", "điện", "thoại", TAB, "0905123456"]),  # no colon, a tab before the value
        ]
    )
    f = _values(doc)
    assert (f["full_name"], f["personal_id"], f["gender"]) == ("Nguyễn Văn An", "079203004567", "Nam")
    assert f["phone"] == "0905123456"


def test_a_wrapped_address_stops_at_the_next_label_and_a_rule_is_no_digit() -> None:
    doc = _read(
        [
            *FORM_HEAD,
            (230, 540, "Địa chỉ thường trú: Số 12 đường Lê Lợi, phường Bến Nghé, thành phố Hồ"),
            (230, 586, "Chí Minh"),
            (230, 632, "Số điện thoại ......"),  # the next label, its colon lost among the leaders
            (760, 632, ["0912345678", ("1", 70, 0.45)]),  # the table's rule read as a "1"
        ]
    )
    f = _values(doc)
    assert f["address"] == "Số 12 đường Lê Lợi, phường Bến Nghé, thành phố Hồ Chí Minh"
    assert f["phone"] == "0912345678"


def test_a_receipt_names_its_applicant_id_and_date() -> None:
    doc = _read(
        [
            (250, 200, "ỦY BAN NHÂN DÂN"),
            (250, 245, "XÃ HÒA VANG"),
            *MOTTO,
            (500, 380, "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"),
            (600, 440, "Mã hồ sơ: 000.00.20.H40-250305-0012"),
            (230, 520, "Ông/Bà: Trần Thị Mai"),
            (230, 566, "Số CMND/CCCD: 048185001234"),
            (230, 612, "Ngày tiếp nhận: 05/3/2025"),
            (230, 658, "Nội dung yêu cầu giải quyết: Đăng ký thường trú"),
            (230, 704, "Ngày hẹn trả kết quả: 12/3/2025"),
            (1050, 900, "NGƯỜI TIẾP NHẬN HỒ SƠ"),
            (1080, 1100, "Võ Thanh Tùng"),
        ]
    )
    f = _values(doc)
    assert doc.type == "receipt"
    assert (f["full_name"], f["personal_id"], f["issue_date"]) == ("Trần Thị Mai", "048185001234", "2025-03-05")
    assert f["signer_name"] == "Võ Thanh Tùng"


def test_a_confirmation_with_labels_below_and_a_date_in_digits() -> None:
    doc = _read(
        [
            (250, 200, "CÔNG AN TỈNH QUẢNG NAM"),
            (250, 245, "CÔNG AN XÃ ĐẠI LỘC"),
            *MOTTO,
            (960, 330, "Quảng Nam, ngày 07/4/2025"),
            (720, 420, "GIẤY XÁC NHẬN"),
            (230, 520, "Xác nhận ông/bà:"),
            (300, 566, "Huỳnh Minh Khôi"),
            (230, 612, "Số CCCD ........"),
            (760, 612, "049095000123"),
            (1100, 900, "TRƯỞNG CÔNG AN XÃ"),
            (1120, 1100, "Đoàn Văn Lực"),
        ]
    )
    f = _values(doc)
    assert doc.type == "confirmation"
    assert (f["full_name"], f["personal_id"]) == ("Huỳnh Minh Khôi", "049095000123")
    assert (f["place"], f["issue_date"]) == ("Quảng Nam", "2025-04-07")


def test_a_dash_ocr_put_inside_a_word_is_dropped() -> None:
    assert clean_text("Đăng ký thường trú, hồ-sơ trực tuyến") == "Đăng ký thường trú, hồ sơ trực tuyến"
    assert clean_text("e-mail") == "e-mail" and clean_text("Bà Rịa - Vũng Tàu") == "Bà Rịa - Vũng Tàu"


def test_a_poorly_read_page_yields_no_extracted_field() -> None:
    rows: list[tuple[int, int, str | list[Token]]] = [*SIGNED_DECISION, (1080, 1520, "Hoàng Minh Sơn")]
    good = _read(rows)
    assert all(v.status == "extracted" for v in good.fields.values() if isinstance(v, FieldValue))
    poor = _read(rows, confidence=0.6)  # the same words, read with little confidence
    fields = [v for v in poor.fields.values() if isinstance(v, FieldValue)]
    assert fields and all(v.status == "needs_review" for v in fields)
    assert all("poor_page_reading" in v.reasons for v in fields if v.value is not None)
    garbage = [(1000, 1600 + 40 * k, [("ẽĩ", 34, 0.9), ("ưỡ—", 34, 0.9), ("ẩă", 34, 0.9)]) for k in range(6)]
    noisy = _read([*rows, *garbage])  # confident, but a third of the page is no words at all
    assert all(v.status == "needs_review" for v in noisy.fields.values() if isinstance(v, FieldValue))


def test_a_name_the_page_ocr_lost_inside_a_seal_is_read_again_for_review(tmp_path: Path) -> None:
    """The page's OCR read the title but took the seal, and the name inside it, for a picture."""
    image = Image.new("L", (W, H), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 34)
    draw.text((1100, 1240), "GIÁM ĐỐC", font=font, fill=0)
    draw.ellipse((980, 1330, 1480, 1830), outline=90, width=12)  # a seal printed in grey, no colour to drop
    draw.text((1060, 1560), "Dương Văn Nghĩa", font=font, fill=0)
    path = tmp_path / "0001.jpg"
    image.save(path)
    image.save(reading_grey_path(path))
    rows: list[tuple[int, int, str | list[Token]]] = [
        (250, 200, "SỞ TƯ PHÁP"),
        *MOTTO,
        (320, 360, "Số: 12/QĐ-STP"),
        (950, 360, "Huế, ngày 18 tháng 9 năm 2025"),
        (760, 450, "QUYẾT ĐỊNH"),
        (400, 505, "Về việc phê duyệt kế hoạch"),
        (1100, 1240, "GIÁM ĐỐC"),
    ]
    page = _page(rows)
    page.image_path = path
    doc = read_document(1, [1], {1: page})
    name = doc.fields["signer_name"]
    assert isinstance(name, FieldValue)
    assert name.value == "Dương Văn Nghĩa" and name.status == "needs_review" and "read_again" in name.reasons
    assert name.bbox is not None and name.bbox[1] > 1500  # where it is printed on the page


def _drawn_form() -> np.ndarray:
    """A form at 200 dpi in a font the samples do not use: leaders after values, a ruled table."""
    image = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 34)
    draw.text((500, 200), "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", font=font, fill="black")
    y = 320
    for label, value in (("Họ, chữ đệm và tên:", "LÊ PHƯƠNG TUYẾT"), ("Số điện thoại:", "0912345678")):
        draw.text((200, y), f"{label} {value} " + "." * 70, font=font, fill="black")
        y += 60
    top = 500
    cells = (("Nơi thường trú", "Số 12 đường Lê Lợi, phường Bến Nghé"), ("Giới tính", "Nữ"))
    for k, (label, value) in enumerate(cells):
        draw.text((220, top + 90 * k + 25), label, font=font, fill="black")
        draw.text((720, top + 90 * k + 25), value, font=font, fill="black")
    for k in range(3):
        draw.line((200, top + 90 * k, 1450, top + 90 * k), fill="black", width=3)
    for x in (200, 700, 1450):
        draw.line((x, top, x, top + 180), fill="black", width=3)
    return np.asarray(image)


def test_rules_and_leaders_are_taken_out_of_the_ocr_image_so_labels_and_values_read() -> None:
    binary = clean.binarize(clean.reading_grey(_drawn_form()))
    cleared = clear_for_ocr(binary)
    page = PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), ocr.recognize(cleared, lang=LANG))
    f = _values(extract_document(1, page_lines(page), [1]))
    assert (f["full_name"], f["phone"], f["gender"]) == ("LÊ PHƯƠNG TUYẾT", "0912345678", "Nữ")
    assert f["address"] == "Số 12 đường Lê Lợi, phường Bến Nghé"  # its label was in a ruled cell


def test_dots_of_the_text_stay_when_leaders_go() -> None:
    image = Image.new("L", (1200, 200), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 34)
    ImageDraw.Draw(image).text((20, 60), "Nghị định; hộ tịch... ạ ị ọ ụ. Hết.", font=font, fill=0)
    binary = clean.binarize(np.asarray(image))
    assert np.array_equal(clear_for_ocr(binary), binary)


def test_a_frame_speck_between_two_title_lines_does_not_cut_the_title() -> None:
    """An ornate frame's stroke left as a flat "¬" line between "GIẤY CHỨNG NHẬN" and "QUYỀN SỬ DỤNG ĐẤT …"
    must not leave a bare "GIẤY CHỨNG NHẬN" (a generic certificate) for a land-use certificate."""
    rows: list[tuple[int, int, str | list[Token]]] = [
        *MOTTO,
        (700, 320, "GIẤY CHỨNG NHẬN"),
        (420, 334, [("¬", 12, 0.3)]),  # 356-368: under the title (320-354), over the next line (372-406)
        (1300, 336, [("_-", 8, 0.2)]),
        (300, 372, "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT"),
        (240, 460, "1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất"),
    ]
    assert _read(rows).type == "land_use_certificate"
