"""Labels as real forms print them, not as our templates do (issue 12): whole labels, bilingual halves,
numbered labels, IDs in boxes, sections that say whose name a generic label gives, the issuer in a
certificate's signature block.

Pages are laid word by word (34 px text, 18 px a character, 14 px between words) and read by the real
line building (``page_lines``) and label reading; each case has its negative beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.doctypes import by_key
from pipeline.extract import extract_document, extract_fields, vocabulary_title
from pipeline.labels import Reading, read_labelled, starts_with_label
from pipeline.layout import Line, page_lines
from pipeline.models import FieldValue, PageResult, Word
from pipeline.normalize import boxed_digits

W, H = 1654, 2339  # A4 at 200 dpi
Token = str | tuple[str, int]  # a word, or (word, box height)


def _lines(rows: list[tuple[int, int, str | list[Token]]], page: int = 1) -> list[Line]:
    """Rows of (x, y, words), each one OCR line; a word may carry its own box height (a box's rule)."""
    words: list[Word] = []
    for line, (x, y, text) in enumerate(rows):
        for token in text.split() if isinstance(text, str) else text:
            word, height = (token, 34) if isinstance(token, str) else token
            top = y + 34 - height + (height - 34) // 2 if height > 34 else y + 34 - height
            words.append(Word(word, (x, top, x + 18 * len(word), top + height), 0.93, line))
            x += 18 * len(word) + 14
    return page_lines(PageResult(page, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), words))


def _read(kind: str, rows: list[tuple[int, int, str | list[Token]]]) -> dict[str, Reading]:
    return read_labelled(_lines(rows), by_key(kind))


def _values(found: dict[str, Reading]) -> dict[str, str | None]:
    return {k: r.value for k, r in found.items()}


# --- birth certificate: "Số" is not "Quyển số"; the parents' names however the form prints them --------


def test_number_and_book_on_one_line_each_go_to_their_own_field() -> None:
    got = _values(_read("birth_certificate", [(200, 300, "Số: 338"), (900, 300, "Quyển số: 01/2007")]))
    assert got["registration_number"] == "338"
    assert got["registration_book"] == "01/2007"
    got = _values(_read("birth_certificate", [(200, 300, "Số: 338 Quyển số: 01/2007")]))
    assert (got["registration_number"], got["registration_book"]) == ("338", "01/2007")


def test_a_book_number_never_fills_the_registration_number() -> None:
    for rows in (
        [(900, 300, "Quyển số: 01/2007")],  # no "Số:" at all
        [(200, 300, "Quyển số: 01/2007"), (200, 360, "Họ, chữ đệm và tên: Lê Văn An")],
        [(200, 300, "Số: ..........."), (200, 350, "Quyển số: 01/2007")],  # "Số" left empty, the book under it
    ):
        got = _values(_read("birth_certificate", rows))
        assert "registration_number" not in got, rows
        assert got["registration_book"] == "01/2007"


def test_a_label_inside_a_longer_phrase_is_not_that_label() -> None:
    got = _values(_read("declaration", [(200, 300, "8. Quan hệ với chủ hộ: Con")]))
    assert got == {"relation_to_head": "Con"}  # not household_head = "Con" from the "chủ hộ:" at its end
    got = _values(_read("birth_certificate", [(200, 300, "Hộ chiếu số: B1234567")]))
    assert "registration_number" not in got
    got = _values(_read("birth_certificate", [(200, 300, "Thông tin về cha, mẹ:"), (200, 350, "Kinh")]))
    assert "mother_name" not in got  # "mẹ:" ends the heading's phrase; it is no label of its own
    got = _values(_read("declaration", [(200, 300, "Số điện thoại: 0912345678; email: an@gmail.com")]))
    assert got["phone"] == "0912345678"  # after a ";" a lower-case label is still one


def test_parents_names_with_the_labels_real_forms_print() -> None:
    rows = [
        (200, 300, "Họ, chữ đệm, tên: Trần Gia Bảo"),
        (200, 360, "Họ, chữ đệm, tên người mẹ: Nguyễn Thị Hoa"),
        (200, 420, "Năm sinh: 1990 Dân tộc: Kinh"),
        (200, 480, "Họ và tên cha: Trần Văn Bình"),
    ]
    got = _values(_read("birth_certificate", rows))
    assert got["full_name"] == "Trần Gia Bảo"
    assert got["mother_name"] == "Nguyễn Thị Hoa"
    assert got["father_name"] == "Trần Văn Bình"


def test_a_parent_label_with_its_value_on_the_next_line() -> None:
    rows = [
        (200, 300, "Họ, chữ đệm và tên người mẹ:"),
        (260, 350, "NGUYỄN THỊ HOA"),
        (200, 420, "Họ, chữ đệm và tên người cha:"),
        (260, 470, "TRẦN VĂN BÌNH"),
    ]
    got = _values(_read("birth_certificate", rows))
    assert (got["mother_name"], got["father_name"]) == ("NGUYỄN THỊ HOA", "TRẦN VĂN BÌNH")


def test_parents_under_section_headings() -> None:
    rows = [
        (200, 300, "Họ, chữ đệm và tên: Trần Gia Bảo"),
        (200, 380, "II. Người mẹ"),
        (200, 430, "Họ, chữ đệm và tên: Nguyễn Thị Hoa"),
        (200, 480, "Năm sinh: 1990"),
        (200, 550, "III. Thông tin về cha:"),
        (200, 600, "Họ, chữ đệm và tên: Trần Văn Bình"),
    ]
    got = _values(_read("birth_certificate", rows))
    assert got["full_name"] == "Trần Gia Bảo"
    assert got["mother_name"] == "Nguyễn Thị Hoa"
    assert got["father_name"] == "Trần Văn Bình"


def test_a_heading_with_no_name_under_it_gives_none() -> None:
    rows = [(200, 300, "Người mẹ"), (200, 350, "Năm sinh: 1990"), (200, 420, "Người cha"), (200, 470, "Dân tộc: Kinh")]
    got = _values(_read("birth_certificate", rows))
    assert "mother_name" not in got and "father_name" not in got


def test_parents_as_the_columns_of_a_table() -> None:
    rows = [
        (200, 300, "Thông tin"),
        (800, 300, "Người mẹ"),
        (1250, 300, "Người cha"),
        (200, 360, "Họ, chữ đệm và tên"),
        (720, 360, "NGUYỄN THỊ HOA"),
        (1180, 360, "TRẦN VĂN BÌNH"),
        (200, 420, "Năm sinh"),
        (800, 420, "1990"),
        (1250, 420, "1988"),
    ]
    got = _values(_read("birth_certificate", rows))
    assert (got["mother_name"], got["father_name"]) == ("NGUYỄN THỊ HOA", "TRẦN VĂN BÌNH")
    assert "full_name" not in got  # the table's "Họ, chữ đệm và tên" row names the parents, not the child


# --- the chip ID card: bilingual labels joined by a slash --------------------------------------------


def test_can_cuoc_2024_bilingual_labels() -> None:
    rows = [
        (100, 200, "Số định danh cá nhân/Personal identification number:"),
        (140, 250, "001090012345"),
        (100, 310, "Họ, chữ đệm và tên khai sinh/Full name:"),
        (140, 360, "NGUYỄN VĂN AN"),
        (100, 420, "Ngày, tháng, năm sinh/Date of birth: 15/03/1990"),
        (100, 480, "Giới tính/Sex: Nam"),
        (900, 480, "Quốc tịch/Nationality: Việt Nam"),
        (100, 700, "Nơi cư trú/Place of residence:"),
        (140, 750, "Số 12 phố Huế, phường Hai Bà Trưng, Hà Nội"),
        (100, 810, "Nơi đăng ký khai sinh/Place of birth:"),
        (140, 860, "Phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội"),
        (100, 920, "Ngày, tháng, năm cấp/Date of issue: 01/07/2024"),
        (100, 980, "Ngày, tháng, năm hết hạn/Date of expiry:"),
        (140, 1030, "15/03/2030"),
    ]
    got = _values(_read("id_card", rows))
    assert got == {
        "personal_id": "001090012345",
        "full_name": "NGUYỄN VĂN AN",
        "birth_date": "1990-03-15",
        "gender": "Nam",
        "nationality": "Việt Nam",
        "address": "Số 12 phố Huế, phường Hai Bà Trưng, Hà Nội",
        "birth_registration_place": "Phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội",
        "issue_date": "2024-07-01",
        "expiry_date": "2030-03-15",
    }


def test_old_cccd_bilingual_labels() -> None:
    rows = [
        (100, 200, "Số/No.: 001090012345"),
        (100, 260, "Quê quán/Place of origin: Xã Tân Lập, Đan Phượng, Hà Nội"),
        (100, 320, "Nơi thường trú/Place of residence: Thôn 2, Tân Lập, Đan Phượng, Hà Nội"),
        (100, 380, "Có giá trị đến/Date of expiry: 15/03/2030"),
        (100, 600, "Ngày, tháng, năm/Date, month, year: 10/05/2021"),
    ]
    got = _values(_read("id_card", rows))
    assert got["personal_id"] == "001090012345"
    assert got["hometown"] == "Xã Tân Lập, Đan Phượng, Hà Nội"
    assert got["address"] == "Thôn 2, Tân Lập, Đan Phượng, Hà Nội"
    assert got["expiry_date"] == "2030-03-15"
    assert got["issue_date"] == "2021-05-10"


def test_a_table_rule_before_a_value_is_no_bilingual_slash() -> None:
    got = _values(_read("birth_certificate", [(100, 300, "Họ, chữ đệm và tên | NGUYỄN VĂN AN")]))
    assert got["full_name"] == "NGUYỄN VĂN AN"


def test_a_value_that_is_another_label_is_never_taken() -> None:
    rows = [
        (100, 810, "Nơi đăng ký khai sinh/Place of birth:"),  # left empty: the next line is the issue date's label
        (140, 860, "Ngày, tháng, năm cấp/Date of issue: 01/07/2024"),
        (100, 920, "Ngày, tháng, năm hết hạn/Date of expiry:"),
        (100, 980, "Giới tính/Sex:"),
    ]
    got = _values(_read("id_card", rows))
    assert "birth_registration_place" not in got
    assert got["issue_date"] == "2024-07-01"
    assert "expiry_date" not in got  # the line under it is the sex's label, not a date
    assert "gender" not in got


def test_the_back_of_an_id_card_ends_the_values_above_it() -> None:
    assert starts_with_label("Đặc điểm nhân dạng/Personal identification: Nốt ruồi C:2cm trên mép phải")
    assert starts_with_label("Ngón trỏ trái/Left index finger")
    assert not starts_with_label("Phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội")


# --- CT01: numbered labels, the ID printed one digit a box ---------------------------------------------


def test_numbered_label_with_digits_in_boxes() -> None:
    got = _read("declaration", [(100, 300, "4. Số định danh cá nhân: 0|5|6|1|9|0|0|1|2|3|4|5")])
    assert (got["personal_id"].value, got["personal_id"].reasons) == ("056190012345", ())
    got = _read("declaration", [(100, 300, "4. Số định danh cá nhân: 0 5 6 1 9 0 0 1 2 3 4 5")])
    assert got["personal_id"].value == "056190012345"


def test_box_rules_read_as_tall_ones_are_dropped() -> None:
    boxes: list[Token] = ["4.", "Số", "định", "danh", "cá", "nhân:"]
    for digit in "056190012345":
        boxes += [("1", 70), digit]  # each box's left rule, taller than the text, read as "1"
    boxes.append(("1", 70))
    got = _read("declaration", [(100, 300, boxes)])
    assert got["personal_id"].value == "056190012345"


def test_one_cell_a_digit_is_read_as_one_number() -> None:
    rows: list[tuple[int, int, str | list[Token]]] = [(100, 300, "4. Số định danh cá nhân:")]
    rows += [(700 + 100 * k, 300, d) for k, d in enumerate("056190012345")]  # a cell per box, far apart
    rows.append((100, 380, "5. Số điện thoại liên hệ: 0912345678"))
    got = _values(_read("declaration", rows))
    assert got["personal_id"] == "056190012345"
    assert got["phone"] == "0912345678"


def test_rules_read_as_ones_between_the_digits_are_repaired_and_flagged() -> None:
    assert boxed_digits("0|5|6|1|9|0|0|1|2|3|4|5") == "056190012345"
    assert boxed_digits("1".join("056190012345")) == "056190012345"  # 11 rules inside
    assert boxed_digits("1" + "1".join("056190012345") + "1") == "056190012345"  # and both outer rules
    assert boxed_digits("0912345678") == "0912345678"  # anything else is left as read
    got = _read("declaration", [(100, 300, "4. Số định danh cá nhân: " + "1".join("056190012345"))])
    assert got["personal_id"].value == "056190012345"
    assert got["personal_id"].reasons == ("ocr_repaired",)


def test_the_householders_id_is_not_the_declarants() -> None:
    rows = [(100, 300, "9. Số định danh cá nhân của chủ hộ: 001090012345")]
    assert "personal_id" not in _read("declaration", rows)


# --- land certificate: the holder's address, the issuer in the signature block -------------------------


LAND = [
    (100, 300, "1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất:"),
    (100, 360, "Ông: Nguyễn Văn An; Năm sinh: 1970"),
    (100, 420, "Địa chỉ: Thôn Đông, xã Tân Lập, huyện Đan Phượng, Hà Nội"),
    (100, 500, "2. Thông tin thửa đất:"),
    (100, 560, "a) Thửa đất số: 215; b) Tờ bản đồ số: 12;"),
    (100, 620, "c) Địa chỉ: Xứ đồng Cửa Chùa, xã Tân Lập"),
    (900, 1500, "Hà Nội, ngày 12 tháng 3 năm 2025"),
    (950, 1560, "SỞ NÔNG NGHIỆP VÀ MÔI"),
    (1100, 1605, "TRƯỜNG"),
    (1050, 1660, "KT. GIÁM ĐỐC"),
    (1030, 1720, "PHÓ GIÁM ĐỐC"),
    (1030, 1950, "Lê Minh Tuấn"),
]


def test_holder_address_is_not_the_parcels() -> None:
    got = _values(_read("land_use_certificate", LAND))
    assert got["address"] == "Thôn Đông, xã Tân Lập, huyện Đan Phượng, Hà Nội"
    assert got["parcel_address"] == "Xứ đồng Cửa Chùa, xã Tân Lập"
    no_holder_address = [row for row in LAND if not row[2].startswith("Địa chỉ")]
    assert "address" not in _values(_read("land_use_certificate", no_holder_address))


def test_issuer_read_from_the_signature_block() -> None:
    fields = extract_fields(_lines(LAND), by_key("land_use_certificate"), None)
    assert fields["issuing_agency"].value == "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"
    assert fields["signer_title"].value == "PHÓ GIÁM ĐỐC"
    committee = [*LAND[:7], (900, 1560, "ỦY BAN NHÂN DÂN TỈNH BẮC NINH"), (1080, 1620, "CHỦ TỊCH")]
    fields = extract_fields(_lines(committee), by_key("land_use_certificate"), None)
    assert fields["issuing_agency"].value == "ỦY BAN NHÂN DÂN TỈNH BẮC NINH"


def test_an_authority_line_is_no_issuer() -> None:
    rows = [*LAND[:7], (1000, 1560, "TM. ỦY BAN NHÂN DÂN"), (1080, 1620, "CHỦ TỊCH")]
    fields = extract_fields(_lines(rows), by_key("land_use_certificate"), None)
    assert "issuing_agency" not in fields


def _document(pages: list[list[tuple[int, int, str | list[Token]]]]) -> dict[str, FieldValue]:
    """A document of these pages (rows as ``_lines`` takes them), extracted and flagged as the pipeline does."""
    lines = [ln for number, rows in enumerate(pages, 1) for ln in _lines(rows, number)]
    fields = extract_document(1, lines, list(range(1, len(pages) + 1))).fields
    return {k: v for k, v in fields.items() if isinstance(v, FieldValue)}


@pytest.mark.parametrize("read", ["GIAM ĐỌC", "GIÁM ĐÓC", "GIAM DOC"])
def test_a_title_read_with_its_marks_lost_or_wrong_is_the_title_with_its_issuer_above_and_name_below(
    read: str,
) -> None:
    rows = [*LAND[:7], (950, 1560, "SỞ NÔNG NGHIỆP VÀ MÔI"), (1100, 1605, "TRƯỜNG"), (1080, 1660, read)]
    got = _document([[*rows, (1030, 1950, "Hồ Thị Kim Oanh")]])
    assert got["signer_title"].value == "GIÁM ĐỐC" and got["signer_title"].raw == read
    assert got["signer_title"].status == "extracted"  # the same letters as the title: marks only, as elsewhere
    assert got["issuing_agency"].value == "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"
    assert got["signer_name"].value == "Hồ Thị Kim Oanh" and got["signer_name"].status == "extracted"


def test_a_committees_issuer_over_its_authority_and_a_title_without_marks() -> None:
    rows = [
        *LAND[:7],
        (880, 1560, "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"),
        (1000, 1620, "TM. ỦY BAN NHÂN DÂN"),
        (1080, 1680, "CHU TICH"),
        (1030, 1950, "Nguyễn Văn Hòa"),
    ]
    got = _document([rows])
    assert got["issuing_agency"].value == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"
    assert (got["signer_authority"].value, got["signer_title"].value) == ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    assert got["signer_name"].value == "Nguyễn Văn Hòa"


def test_letters_two_titles_share_name_neither_of_them() -> None:
    assert vocabulary_title("THU TRUONG") is None  # THỦ TRƯỞNG or THỨ TRƯỞNG: the marks decide
    assert vocabulary_title("THỨ TRƯỞNG") == "THỨ TRƯỞNG"
    assert vocabulary_title("TRUONG") is None  # a wrapped agency's "TRƯỜNG" is no title


def test_the_issuer_of_a_two_page_certificate_is_read_over_the_title_on_the_page_it_is_signed() -> None:
    page2 = [
        (100, 200, "4. Sơ đồ thửa đất:"),
        (100, 1500, "5. Những thay đổi sau khi cấp Giấy chứng nhận:"),
        (100, 1560, "Nội dung thay đổi và cơ sở pháp lý: Không có thay đổi."),
    ]
    rows = [*LAND[:7], (950, 1560, "SỞ NÔNG NGHIỆP VÀ MÔI"), (1100, 1605, "TRƯỜNG"), (1080, 1660, "GIÁM ĐỐC")]
    got = _document([[*rows, (1030, 1950, "Lê Minh Tuấn")], page2])
    assert got["issuing_agency"].value == "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG" and got["issuing_agency"].page == 1
    under = [*LAND[:7], (1080, 1660, "GIÁM ĐỐC"), (950, 1760, "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG")]
    assert "issuing_agency" not in _document([under, page2])  # capitals under the title are not its issuer


def test_a_certificate_without_a_header_takes_no_agency_from_its_own_title() -> None:
    top = [
        (520, 60, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (640, 105, "Độc lập - Tự do - Hạnh phúc"),
        (640, 160, "GIẤY CHỨNG NHẬN"),
        (200, 210, "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT"),
    ]
    got = _document([[*top, *LAND]])
    assert got["issuing_agency"].value == "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"  # over the title, not the title
    assert "superior_agency" not in got


# --- the holder in prose: labels in lower case after ";", a label and a value wrapped over lines -----------


def test_a_holders_address_whose_label_wraps_across_the_line_break_is_read_whole() -> None:
    rows = [
        (100, 300, "Ông: Đoàn Văn Khải; năm sinh: 1988; số định danh cá nhân: 066089120735; địa"),
        (100, 350, "chỉ thường trú: Thôn Tân Lập, phường Buôn Ma Thuột, tỉnh Đắk Lắk."),
        (100, 440, "2. Thông tin thửa đất:"),
    ]
    got = _values(_read("land_use_certificate", rows))
    assert got["address"] == "Thôn Tân Lập, phường Buôn Ma Thuột, tỉnh Đắk Lắk"
    assert (got["full_name"], got["birth_year"], got["personal_id"]) == ("Đoàn Văn Khải", "1988", "066089120735")


def test_a_wrapped_address_ends_at_the_next_label_or_sentence_on_the_line_it_wraps_onto() -> None:
    head = "Ông: Đoàn Văn Khải; năm sinh: 1988; địa chỉ thường trú: Thôn Tân Lập, phường Buôn"
    for tail in ("Ma Thuột, tỉnh Đắk Lắk; số định danh cá nhân: 066089120735.", "Ma Thuột, tỉnh Đắk Lắk. Có nhà ở."):
        got = _values(_read("land_use_certificate", [(100, 300, head), (100, 350, tail)]))
        assert got["address"] == "Thôn Tân Lập, phường Buôn Ma Thuột, tỉnh Đắk Lắk", tail
    # an abbreviation's point is no sentence's end
    tail = "Ma Thuột, Tp. Buôn Ma Thuột; số định danh cá nhân: 066089120735."
    got = _values(_read("land_use_certificate", [(100, 300, head), (100, 350, tail)]))
    assert got["address"] == "Thôn Tân Lập, phường Buôn Ma Thuột, Tp. Buôn Ma Thuột"


def test_a_label_like_phrase_wrapped_inside_a_sentence_is_no_label() -> None:
    rows = [
        (100, 300, "Ông: Đoàn Văn Khải; năm sinh: 1988; đã đăng ký tại cơ quan quản lý địa"),
        (100, 350, "chỉ thường trú: không có"),
    ]
    assert "address" not in _values(_read("land_use_certificate", rows))


# --- footnote calls and required-field stars after a label (mẫu CT01: "Kính gửi(1):") ----------------


def test_labels_with_a_footnote_call_or_a_star_are_still_labels() -> None:
    got = _values(
        _read(
            "declaration",
            [
                (300, 300, "Kính gửi(1): Công an phường Bãi Cháy"),
                (200, 360, "1. Họ, chữ đệm và tên(*): Trương Ngọc Bảo Hằng"),
                (200, 420, "9. Nội dung đề nghị (2): Xóa đăng ký thường trú"),
            ],
        )
    )
    assert got["recipient"] == "Công an phường Bãi Cháy"
    assert got["full_name"] == "Trương Ngọc Bảo Hằng"
    assert got["request"] == "Xóa đăng ký thường trú"


def test_a_number_in_brackets_in_a_sentence_is_no_footnote_label() -> None:
    got = _values(_read("declaration", [(200, 300, "Theo điểm a khoản (2): nội dung đề nghị đã nêu")]))
    assert got.get("request") is None


def test_a_parent_name_running_past_half_way_to_the_next_column_keeps_its_last_word() -> None:
    rows = [
        (200, 300, "Thông tin"),
        (800, 300, "Người mẹ"),
        (1250, 300, "Người cha"),
        (200, 360, "Họ, chữ đệm và tên"),
        (880, 360, "NGUYỄN HỒNG QUỲNH"),  # "QUỲNH" (1088-1178) is centred past half-way (1100)
        (1260, 360, "TRẦN VĂN BÌNH"),
    ]
    got = _values(_read("birth_certificate", rows))
    assert (got["mother_name"], got["father_name"]) == ("NGUYỄN HỒNG QUỲNH", "TRẦN VĂN BÌNH")
