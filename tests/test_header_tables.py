"""Values under their label in a table's head row, and the land-use certificate's parcel fields (issue 12).

Real certificates print the parcel as a table ("Thửa đất số | Tờ bản đồ số | Diện tích (m²) | ..." with
the values in the row under it), as a two-column table (label cell left, value cell right, no colon), or
in prose ("Thửa đất số 215, tờ bản đồ số 12"); the serial stands alone at the foot of page 1, and the
registry number sits beside its own label. Pages are laid out word by word (``_page`` of
test_extract_geometry) and read by the real line building and extraction; one is drawn and OCR'd.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from test_extract_geometry import MOTTO, TAB, Token, _page, _read, _values

from pipeline import clean, ocr, validators
from pipeline.documents import read_document
from pipeline.extract import extract_document
from pipeline.layout import page_lines
from pipeline.models import FieldValue, PageResult, Word
from pipeline.normalize import fold_words, number_truncated, serial
from pipeline.page_job import reading_grey_path
from pipeline.rules import clear_for_ocr, vertical_rules
from pipeline.signer_reread import LANG

W, H = 1654, 2339
Rows = list[tuple[int, int, str | list[Token]]]
GCN: Rows = [
    (250, 200, "ỦY BAN NHÂN DÂN"),
    (250, 245, "THÀNH PHỐ HUẾ"),
    *MOTTO,
    (700, 330, "GIẤY CHỨNG NHẬN"),
    (350, 380, "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT"),
    (230, 480, "2. Thông tin thửa đất:"),
]
PARCEL = ("parcel_number", "map_sheet", "area_m2", "land_use_purpose")


def _gcn(rows: Rows) -> dict[str, str | None]:
    doc = _read([*GCN, *rows])
    assert doc.type == "land_use_certificate"
    return _values(doc)


def _parcel(f: dict[str, str | None]) -> tuple[str | None, ...]:
    return tuple(f.get(k) for k in PARCEL)


HEADS: Rows = [
    (230, 560, "Thửa đất số"),
    (520, 560, "Tờ bản đồ số"),
    (820, 560, "Diện tích (m²)"),
    (1150, 560, "Mục đích sử dụng"),
]


def test_parcel_values_are_read_in_their_heads_columns_in_the_row_below() -> None:
    f = _gcn([*HEADS, (300, 630, "215"), (600, 630, "12"), (880, 630, "1.250,5"), (1130, 630, "Đất ở tại đô thị")])
    assert _parcel(f) == ("215", "12", "1250.5", "Đất ở tại đô thị")


def test_heads_that_wrap_in_their_cells_take_the_row_under_their_last_line() -> None:
    f = _gcn(
        [
            (230, 560, "Thửa đất"),
            (260, 600, "số"),
            (520, 560, "Tờ bản đồ"),
            (560, 600, "số"),
            (820, 560, "Diện tích"),
            (850, 600, "(m²)"),
            (1150, 560, "Mục đích sử dụng"),
            (300, 680, "215"),
            (600, 680, "12"),
            (880, 680, "1.250,5"),
            (1130, 680, "Đất ở tại đô thị"),
        ]
    )
    assert _parcel(f) == ("215", "12", "1250.5", "Đất ở tại đô thị")


def test_heads_wrapped_with_loose_spacing_and_a_misread_unit_still_head_their_columns() -> None:
    """Liberation Serif at 200 dpi through Tesseract: the unit "(m²)" came out as "{m?)", a quote from the
    rule glued to a head, and the heads' second lines a full text height under their first."""
    f = _gcn(
        [
            (230, 560, "“Thửa đất"),
            (260, 626, "số"),
            (520, 560, "Tờ bản đồ"),
            (560, 626, "số"),
            (820, 560, "Diện tích"),
            (850, 626, "{m?)"),
            (1150, 560, "Mục đích sử dụng"),
            (300, 720, "215"),
            (600, 720, "12"),
            (880, 720, "1.250,5"),
            (1130, 720, "ONT"),
        ]
    )
    assert _parcel(f) == ("215", "12", "1250.5", "ONT")


def test_an_unruled_head_row_read_as_one_line_is_cut_into_its_labels() -> None:
    heads = ["Thửa", "đất", "số", TAB, "Tờ", "bản", "đồ", "số", TAB, "Diện", "tích", "(m²)", TAB, "Mục", "đích"]
    f = _gcn([(230, 560, [*heads, "sử", "dụng"]), (260, 630, ["215", TAB, TAB, "12"]), (760, 630, "1.250,5 ONT")])
    assert _parcel(f)[:3] == ("215", "12", "1250.5")


def test_a_ruled_head_row_and_value_row_each_read_as_one_line_part_at_the_rules() -> None:
    """Tesseract reads each row of a tight ruled table as one line; the rules part the cells."""
    heads = ["Thửa đất số", "Tờ bản đồ số", "Diện tích (m²)", "Mục đích sử dụng"]
    values = ["215", "12", "1.250,5", "ONT"]
    starts = [230, 500, 800, 1100]
    words: list[Word] = []
    for line, (y, row) in enumerate(((560, heads), (630, values))):
        for x, cell in zip(starts, row, strict=True):
            for token in cell.split():
                words.append(Word(token, (x, y, x + 18 * len(token), y + 34), 0.93, 100 + line))
                x += 18 * len(token) + 14
    rules = [(x - 20, 540, 690) for x in starts[1:]]
    title = _page(GCN)
    page = PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), title.words + words, cell_rules=rules)
    f = _values(extract_document(1, page_lines(page), [1]))
    assert _parcel(f) == ("215", "12", "1250.5", "ONT")


def test_an_empty_cell_gives_no_value_and_never_its_neighbours() -> None:
    f = _gcn([*HEADS, (300, 630, "215"), (880, 630, "1.250,5"), (1150, 630, "CLN")])
    assert _parcel(f) == ("215", None, "1250.5", "CLN")  # nothing under "Tờ bản đồ số", not "215" nor "1.250,5"


def test_a_head_row_over_an_empty_value_row_yields_no_value_not_the_next_label() -> None:
    f = _gcn([*HEADS, (230, 640, "Địa chỉ thửa đất: Phường Thuận Hóa, thành phố Huế")])
    assert _parcel(f) == (None, None, None, None)
    assert f["parcel_address"] == "Phường Thuận Hóa, thành phố Huế"
    f = _gcn([*HEADS[:2], (230, 640, "Diện tích"), (520, 640, "Mục đích sử dụng")])  # another head row under it
    assert _parcel(f) == (None, None, None, None)


def test_a_second_table_row_is_not_taken_for_a_wrapped_value() -> None:
    rows: Rows = [*HEADS, (300, 630, "215"), (600, 630, "12"), (880, 630, "300"), (1130, 630, "Đất ở tại")]
    rows += [(1130, 672, "đô thị"), (300, 714, "216"), (600, 714, "12"), (880, 714, "950,5"), (1130, 714, "CLN")]
    f = _gcn(rows)
    assert _parcel(f) == ("215", "12", "300", "Đất ở tại đô thị")


def test_household_members_are_read_by_column_on_any_kind() -> None:
    doc = _read(
        [
            (250, 200, "CÔNG AN TỈNH QUẢNG NAM"),
            *MOTTO,
            (560, 330, "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"),
            (230, 480, "Thông tin về các thành viên trong hộ gia đình:"),
            (230, 560, "STT"),
            (330, 560, "Họ, chữ đệm và tên"),
            (760, 560, "Ngày, tháng,"),
            (780, 600, "năm sinh"),
            (1060, 560, "Giới tính"),
            (1260, 560, "Quan hệ với chủ hộ"),
            (250, 670, "1"),
            (330, 670, "Nguyễn Văn An"),
            (760, 670, "12/03/1980"),
            (1080, 670, "Nam"),
            (1300, 670, "Chủ hộ"),
            (250, 730, "2"),
            (330, 730, "Lê Thị Hoa"),
            (760, 730, "05/07/1984"),
            (1080, 730, "Nữ"),
            (1300, 730, "Vợ"),
        ]
    )
    f = _values(doc)
    assert doc.type == "residence_confirmation"
    assert (f["full_name"], f["birth_date"], f["gender"]) == ("Nguyễn Văn An", "1980-03-12", "Nam")
    assert f["relation_to_head"] == "Chủ hộ"  # a value that is a label word is still a value
    assert f.get("household_head") is None  # ... and no label: "Vợ" under it is not the head's name


def test_a_short_misread_head_left_of_the_labels_does_not_undo_the_table() -> None:
    doc = _read(
        [
            (560, 330, "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"),
            (170, 560, "ST."),  # "STT" as Tesseract read it in Liberation Serif
            (330, 560, "Họ, chữ đệm và tên"),
            (1060, 560, "Giới tính"),
            (170, 640, "1"),
            (330, 640, "Nguyễn Văn An"),
            (1080, 640, "Nam"),
        ]
    )
    assert (_values(doc)["full_name"], _values(doc)["gender"]) == ("Nguyễn Văn An", "Nam")


def test_a_label_and_its_value_on_one_line_is_no_head_row() -> None:
    doc = _read([(560, 330, "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"), (230, 560, "8. Quan hệ với chủ hộ: Chủ hộ")])
    assert _values(doc)["relation_to_head"] == "Chủ hộ"


def test_a_two_column_table_without_colons_reads_label_left_value_right() -> None:
    f = _gcn(
        [
            (230, 560, "Thửa đất số"),
            (760, 560, "215"),
            (230, 620, "Tờ bản đồ số"),
            (760, 620, "12"),
            (230, 680, "Diện tích (m²)"),
            (760, 680, "1.250,5"),
            (230, 740, "Mục đích sử dụng"),
            (760, 740, "Đất ở tại đô thị"),
            (230, 800, "Số vào sổ cấp GCN"),
            (760, 800, "CT 21269"),
        ]
    )
    assert _parcel(f) == ("215", "12", "1250.5", "Đất ở tại đô thị")
    assert f["registry_number"] == "CT 21269"


def test_a_unit_ocr_misread_in_a_label_cell_still_names_the_area() -> None:
    for label in ("Diện tích m?)", "Diện tích (m?}", "Diện tích (m2)"):
        f = _gcn([(230, 680, label), (760, 680, "1.250,5")])
        assert f["area_m2"] == "1250.5", label


def test_parcel_numbers_in_prose_without_colons() -> None:
    f = _gcn([(230, 560, "a) Thửa đất số 215, tờ bản đồ số 12;")])
    assert (f["parcel_number"], f["map_sheet"]) == ("215", "12")
    f = _gcn([(230, 560, "a) Thửa đất số: 215; b) Tờ bản đồ số: 12;")])  # family A's own line
    assert (f["parcel_number"], f["map_sheet"]) == ("215", "12")


def test_area_with_its_unit_in_the_label_or_after_the_number_and_its_words_on_the_next_line() -> None:
    words = "(Bằng chữ: Một nghìn hai trăm năm mươi phẩy năm mét vuông)"
    for line in ("c) Diện tích: 1.250,5 m²", "Diện tích (m²): 1250,5", "Diện tích: 1.250,5 m2"):
        doc = _read([*GCN, (230, 620, line), (230, 666, words)])
        area = doc.fields["area_m2"]
        assert isinstance(area, FieldValue) and area.value == "1250.5", line
        assert "digits_words_mismatch" not in area.reasons, line
    doc = _read([*GCN, (230, 620, "Diện tích: 1.520,5 m²"), (230, 666, words)])  # digits and words disagree
    area = doc.fields["area_m2"]
    assert isinstance(area, FieldValue) and "digits_words_mismatch" in area.reasons


def test_a_serial_alone_on_its_line_is_found_by_its_shape() -> None:
    for text, want in (("AA 01234567", "AA 01234567"), ("BA 123456", "BA 123456"), ("AA01234567", "AA 01234567")):
        f = _gcn([(230, 560, "Thửa đất số: 215"), (260, 2200, text)])
        assert f["serial_number"] == want, text
    top = _gcn([(1300, 120, "BA 123456"), (230, 560, "Thửa đất số: 215")])  # at the top of page 1
    assert top["serial_number"] == "BA 123456"


def test_a_serial_shape_inside_a_sentence_or_beside_other_text_is_no_serial() -> None:
    f = _gcn([(230, 560, "Thửa đất số: 215 theo hồ sơ BA 123456 đã nộp"), (260, 2200, "BA 123456 x")])
    assert f.get("serial_number") is None  # "x" a word's space away: one cell, and not a serial's
    f = _gcn([(230, 560, "Thửa đất số: 215"), (230, 2200, "Mã hồ sơ:"), (560, 2200, "BA 123456")])
    assert f.get("serial_number") is None  # the cell after a label is that label's value
    f = _gcn([(230, 2100, "Số vào sổ cấp GCN:"), (230, 2150, "CS 054941")])  # under its own label: the registry
    assert (f.get("serial_number"), f["registry_number"]) == (None, "CS 054941")


def test_labelled_serials_and_registry_numbers_are_never_swapped() -> None:
    for serial_line, registry_line in (
        ("Số phát hành: AA 01234567", "Số vào sổ cấp GCN: CS 05494"),
        ("Seri: BA 123456", "Số vào sổ cấp Giấy chứng nhận: CT 21269"),
        ("Số seri: BA 654321", "Số vào sổ: VP 00123"),
        ("Số phát hành (seri): AA 09273289", "Số vào sổ cấp GCN: CH 00120"),
    ):
        f = _gcn([(730, 420, serial_line), (230, 560, "Thửa đất số: 215"), (230, 2150, registry_line)])
        assert f["serial_number"] == serial_line.split(": ")[1], serial_line
        assert f["registry_number"] == registry_line.split(": ")[1], registry_line


def test_serial_formats_of_both_forms_validate_and_normalize() -> None:
    assert validators.check_land_serial("AA 01234567") == [] and validators.check_land_serial("BA 123456") == []
    assert validators.check_land_serial("AA 0123456") == ["serial_format"]  # a digit lost: 7 is neither form
    assert serial("aa 0123 4567") == "AA 01234567" and serial("CS05494") == "CS 05494"


def _drawn_certificate() -> np.ndarray:
    """A certificate page at 200 dpi in a serif font the samples do not use: a ruled head-row parcel
    table, a registry number beside its label, and the serial alone at the foot of the page."""
    image = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(image)
    serif = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
    font, bold = ImageFont.truetype(serif, 30), ImageFont.truetype(serif.replace(".ttf", "-Bold.ttf"), 34)
    draw.text((600, 200), "GIẤY CHỨNG NHẬN", font=bold, fill="black")
    draw.text((260, 260), "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT", font=font, fill="black")
    draw.text((200, 400), "2. Thông tin thửa đất:", font=bold, fill="black")
    cols = (200, 480, 780, 1080, 1460)
    heads = ("Thửa đất số", "Tờ bản đồ số", "Diện tích (m²)", "Mục đích sử dụng")
    values = ("215", "12", "1.250,5", "Đất ở tại đô thị")
    for k, (head, value) in enumerate(zip(heads, values, strict=True)):
        draw.text((cols[k] + 20, 500), head, font=font, fill="black")
        draw.text((cols[k] + 20, 590), value, font=font, fill="black")
    for y in (480, 560, 650):
        draw.line((cols[0], y, cols[-1], y), fill="black", width=3)
    for x in cols:
        draw.line((x, 480, x, 650), fill="black", width=3)
    draw.text((200, 1900), "Số vào sổ cấp GCN: CS 05494", font=font, fill="black")
    draw.text((700, 2120), "AA 01234567", font=bold, fill="black")
    return np.asarray(image)


def test_a_drawn_certificate_read_through_ocr_gives_its_parcel_fields() -> None:
    binary = clean.binarize(clean.reading_grey(_drawn_certificate()))
    words = ocr.recognize(clear_for_ocr(binary), lang=LANG)
    page = PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), words, cell_rules=vertical_rules(binary))
    f = _values(extract_document(1, page_lines(page), [1]))
    assert _parcel(f) == ("215", "12", "1250.5", "Đất ở tại đô thị")
    assert (f["serial_number"], f["registry_number"]) == ("AA 01234567", "CS 05494")


def test_a_value_the_page_ocr_dropped_from_its_ruled_cell_is_read_again_for_review(tmp_path: Path) -> None:
    """Tesseract dropped "215" and "12", alone in their cells, as noise (Liberation Serif, 200 dpi): the
    labels read, the cells right of them came out empty; each is read again on its own."""
    image = Image.new("L", (W, H), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf", 30)
    for k, value in enumerate(("215", "12")):
        draw.text((667, 572 + 60 * k), value, font=font, fill=0)
    for y in (560, 620, 680):
        draw.line((200, y, 1400, y), fill=0, width=3)
    for x in (200, 650, 1400):
        draw.line((x, 560, x, 680), fill=0, width=3)
    path = tmp_path / "0001.jpg"
    image.save(path)
    image.save(reading_grey_path(path))
    page = _page([*GCN, (216, 572, "Thửa đất số"), (216, 632, "Tờ bản đồ số")])
    page.image_path = path
    page.cell_rules = vertical_rules(clean.binarize(np.asarray(image)))
    doc = read_document(1, [1], {1: page})
    for key, want in (("parcel_number", "215"), ("map_sheet", "12")):
        field = doc.fields[key]
        assert isinstance(field, FieldValue) and field.value == want, key
        assert field.status == "needs_review" and "read_again" in field.reasons
        assert field.bbox is not None and field.bbox[0] > 650  # where the cell is on the page


def test_a_value_running_past_half_way_to_the_next_head_keeps_its_last_word() -> None:
    heads: Rows = [(230, 560, "Thửa đất số"), (520, 560, "Mục đích sử dụng"), (1100, 560, "Diện tích (m²)")]
    # "khác" (976-1048) is centred past half-way to "Diện tích" (954) but under none of its words
    f = _gcn([*heads, (300, 630, "215"), (600, 630, "Đất trồng cây lâu năm khác"), (1150, 630, "1.250,5")])
    assert f.get("land_use_purpose") == "Đất trồng cây lâu năm khác"
    assert f.get("area_m2") == "1250.5"


def test_an_area_in_a_head_row_table_is_checked_against_its_copy_in_words() -> None:
    heads: Rows = [(230, 560, "Thửa đất số"), (520, 560, "Tờ bản đồ số"), (820, 560, "Diện tích (m²)")]
    words = (230, 700, "(Bằng chữ: sáu trăm bốn mươi tám phẩy tám mét vuông)")
    doc = _read([*GCN, *heads, (300, 630, "215"), (600, 630, "12"), (880, 630, "648"), words])
    area = doc.fields["area_m2"]
    assert area.value == "648" and "digits_words_mismatch" in area.reasons  # type: ignore[union-attr]
    doc = _read([*GCN, *heads, (300, 630, "215"), (600, 630, "12"), (880, 630, "648,8"), words])
    assert "digits_words_mismatch" not in doc.fields["area_m2"].reasons  # type: ignore[union-attr]


# --- the foot of page 1 on the new A4 certificate: a registry number wrapped under its label, the serial
# on the signer's name's row, an area whose decimals OCR lost ----------------------------------------------

FOOT: Rows = [(230, 560, "Thửa đất số: 215")]


def test_a_registry_prefix_ending_its_labels_line_is_joined_with_the_digits_under_it() -> None:
    for label in ("Số vào sổ cấp GCN:", "Số vào số cấp GCN:"):  # "sổ" read "số": labels match without marks
        rows: Rows = [
            (230, 2100, f"{label} CH"),
            (1400, 2104, "NN"),  # the seal's ink on the same rows, far right
            (230, 2150, "27481"),
            (1380, 2158, "km"),
        ]
        assert _gcn([*FOOT, *rows])["registry_number"] == "CH 27481", label
    # the seal's ink read into the label's own line, a cell's blank away
    rows = [(230, 2100, ["Số", "vào", "sổ", "cấp", "GCN:", "VP", TAB, TAB, "NN"]), (230, 2150, "63871")]
    assert _gcn([*FOOT, *rows])["registry_number"] == "VP 63871"


def test_a_registry_value_is_not_joined_with_what_is_no_wrapped_code() -> None:
    doc = _read([*GCN, *FOOT, (230, 2100, "Số vào sổ cấp GCN: CH"), (230, 2150, "Ngày 09 tháng 5")])
    registry = doc.fields["registry_number"]
    assert isinstance(registry, FieldValue) and registry.value == "CH" and registry.status == "needs_review"
    f = _gcn([*FOOT, (230, 2100, "Số vào sổ cấp GCN: CH"), (1100, 2150, "27481")])  # not in the label's column
    assert f["registry_number"] == "CH"
    f = _gcn([*FOOT, (230, 2100, "Số vào sổ cấp GCN: CS 05494"), (230, 2150, "27481")])  # a whole code already
    assert f["registry_number"] == "CS 05494"


def test_a_serial_on_the_signers_names_row_is_read_in_its_own_cell() -> None:
    name = "Hồ Thị Kim Oanh"
    for rows in (
        [(230, 2250, "AK 41052279"), (1050, 2250, name)],  # OCR read two lines
        [(230, 2250, ["AK", "41052279", TAB, *name.split()])],  # one line, a cell's blank between
    ):
        assert _gcn([*FOOT, *rows])["serial_number"] == "AK 41052279", rows
    assert _gcn([*FOOT, (230, 2250, "BA 123456"), (1050, 2250, name)])["serial_number"] == "BA 123456"


def test_an_area_read_with_its_decimal_comma_but_no_decimals_waits_for_review() -> None:
    for rows in (
        [(230, 620, "d) Diện tích: 648, m²")],
        [*HEADS, (300, 630, "215"), (600, 630, "12"), (880, 630, "648,"), (1130, 630, "Đất ở tại đô thị")],
    ):
        area = _read([*GCN, *rows]).fields["area_m2"]
        assert isinstance(area, FieldValue) and area.value == "648", rows
        assert area.status == "needs_review" and "number_truncated" in area.reasons, rows
    for text in ("d) Diện tích: 648,8 m²", "d) Diện tích: 1.250 m²", "d) Diện tích: 648 m², đất ở"):
        area = _read([*GCN, (230, 620, text)]).fields["area_m2"]
        assert isinstance(area, FieldValue) and "number_truncated" not in area.reasons, text


def test_a_number_truncated_is_one_ending_with_its_decimal_comma() -> None:
    assert number_truncated("648, m²") and number_truncated("1.250,") and number_truncated("648 ,")
    assert not number_truncated("648,8 m²") and not number_truncated("1.250 m²") and not number_truncated("120 m², đất")


def _drawn_foot(title: str) -> np.ndarray:
    """Page 1 of a new A4 certificate at 200 dpi, no header block: the holder in prose with a label cut
    by the line break, an area whose decimal OCR lost, and the foot as held-out certificates print it
    (the issuer on two lines over a title read without its marks, the registry number wrapped after its
    prefix with a seal's ink to the right, the serial on the signer's name's row)."""
    image = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(image)
    serif = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
    font, bold = ImageFont.truetype(serif, 30), ImageFont.truetype(serif.replace(".ttf", "-Bold.ttf"), 32)
    for x, y, text, face in (
        (600, 200, "GIẤY CHỨNG NHẬN", bold),
        (260, 260, "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT", font),
        (160, 380, "1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất:", bold),
        (160, 440, "Ông: Đoàn Văn Khải; năm sinh: 1988; số định danh cá nhân: 066089120735; địa", font),
        (160, 490, "chỉ thường trú: Thôn Tân Lập, phường Buôn Ma Thuột, tỉnh Đắk Lắk.", font),
        (160, 580, "2. Thông tin thửa đất:", bold),
        (160, 640, "a) Thửa đất số: 215; b) Tờ bản đồ số: 12;", font),
        (160, 700, "d) Diện tích: 648, m²", font),
        (860, 1500, "Lâm Đồng, ngày 09 tháng 5 năm 2023", font),
        (900, 1560, "SỞ NÔNG NGHIỆP VÀ MÔI", bold),
        (1080, 1610, "TRƯỜNG", bold),
        (1090, 1665, title, bold),
        (260, 1760, "Số vào sổ cấp GCN: CH", font),
        (1380, 1760, "NN", font),
        (260, 1812, "27481", font),
        (260, 2000, "AK 41052279", bold),
        (1000, 2000, "Hồ Thị Kim Oanh", bold),
    ):
        draw.text((x, y), text, font=face, fill="black")
    return np.asarray(image)


@pytest.mark.parametrize("title", ["GIAM ĐỌC", "GIÁM ĐÓC"])
def test_a_drawn_certificates_foot_read_through_ocr_gives_issuer_signer_registry_and_serial(title: str) -> None:
    binary = clean.binarize(clean.reading_grey(_drawn_foot(title)))
    words = ocr.recognize(clear_for_ocr(binary), lang=LANG)
    page = PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), words, cell_rules=vertical_rules(binary))
    doc = extract_document(1, page_lines(page), [1])
    f = _values(doc)
    assert (f["signer_title"], f["signer_name"]) == ("GIÁM ĐỐC", "Hồ Thị Kim Oanh")
    assert fold_words(f["issuing_agency"] or "") == "SO NONG NGHIEP VA MOI TRUONG"  # its marks as OCR read them
    assert (f["registry_number"], f["serial_number"]) == ("CH 27481", "AK 41052279")
    assert f["address"] == "Thôn Tân Lập, phường Buôn Ma Thuột, tỉnh Đắk Lắk"
    area = doc.fields["area_m2"]
    assert isinstance(area, FieldValue) and area.value == "648" and "number_truncated" in area.reasons
    for key in ("signer_title", "signer_name", "registry_number", "serial_number", "address"):
        field = doc.fields[key]
        assert isinstance(field, FieldValue) and field.status == "extracted", key
