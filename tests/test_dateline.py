"""The place-and-date line, the number and the form code (issue 12): read by the shape of their words, and
read again from the page image when the page's OCR garbled them.

Text cases run the real line building and extraction on hand-laid OCR words; the re-read cases draw the
header on a page image, give the page the garbled OCR words a degraded scan produced, and run the real
document reading (``read_document``), Tesseract included.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from pipeline import dateline
from pipeline.doctypes import by_key
from pipeline.documents import read_document
from pipeline.extract import extract_document
from pipeline.layout import page_lines
from pipeline.models import DocumentResult, FieldValue, PageResult, Word
from pipeline.page_job import reading_grey_path

W, H = 1654, 2339  # A4 at 200 dpi
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
HEADER = [
    (250, 200, "UBND TỈNH NGHỆ AN"),
    (850, 200, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    (300, 245, "SỞ NỘI VỤ"),
    (1000, 245, "Độc lập - Tự do - Hạnh phúc"),
    (320, 320, "Số: 05/TB-SNV"),
]
BODY = [
    (760, 420, "THÔNG BÁO"),
    (420, 475, "Về việc tổ chức tiếp công dân định kỳ"),
    (240, 560, "Căn cứ Luật Tiếp công dân ngày 25 tháng 11 năm 2013 và các văn bản hướng dẫn thi hành"),
]


def _words(x: int, y: int, text: str, line: int, *, width: int | None = None, conf: float = 0.93) -> list[Word]:
    """OCR words of one line starting at (x, y), 34 px high; spread over ``width`` px when given (the
    extent of the printed text the OCR read them from)."""
    tokens = text.split()
    total = width or sum(18 * len(t) + 14 for t in tokens)
    unit = total / sum(len(t) + 1 for t in tokens)
    out, left = [], float(x)
    for token in tokens:
        right = left + unit * len(token)
        out.append(Word(token, (int(left), y, int(right), y + 34), conf, line))
        left = right + unit
    return out


def _page(rows: list[tuple[int, int, str]], image: Path | None = None) -> PageResult:
    words = [w for k, (x, y, text) in enumerate(rows) for w in _words(x, y, text, k)]
    return PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, image or Path("p.jpg"), words)


def _fields(rows: list[tuple[int, int, str]]) -> dict[str, FieldValue]:
    doc = extract_document(1, page_lines(_page(rows)), [1])
    return {k: v for k, v in doc.fields.items() if isinstance(v, FieldValue)}


def _date_line(text: str, x: int = 900) -> list[tuple[int, int, str]]:
    return [*HEADER, (x, 320, text), *BODY]


def test_marks_slipped_on_the_three_words_keep_the_date() -> None:
    f = _fields(_date_line("Nghệ An, ngảy 03 thảng 01 nãm 2024"))
    assert (f["place"].value, f["issue_date"].value) == ("Nghệ An", "2024-01-03")
    assert f["issue_date"].status == "extracted"


def test_a_number_split_by_a_space_is_one_number() -> None:
    f = _fields(_date_line("Nghệ An, ngày 2 3 tháng 8 năm 20 25"))
    assert f["issue_date"].value == "2025-08-23"


def test_a_lost_comma_keeps_the_place_in_the_right_column_only() -> None:
    f = _fields(_date_line("Thành phố Hồ Chí Minh ngày 14 tháng 12 năm 2024", x=820))
    assert (f["place"].value, f["issue_date"].value) == ("Thành phố Hồ Chí Minh", "2024-12-14")
    # a body sentence naming a date is no place-and-date line
    assert dateline.parse("Căn cứ Luật ngày 25 tháng 11 năm 2013", right_column=False) is None


def test_a_year_run_on_or_out_of_range_is_never_extracted() -> None:
    for printed in ("năm 23034", "năm 3024", "năm 1803"):
        f = _fields(_date_line(f"Nghệ An, ngày 03 tháng 01 {printed}"))
        date = f["issue_date"]
        assert date.value is None and date.status == "needs_review", printed
        assert f["place"].value == "Nghệ An"


def test_a_garbled_date_keeps_its_place_and_the_date_waits_for_review() -> None:
    f = _fields(_date_line("Hà Nội, ngày 23 thang B năm 20-5"))
    assert f["place"].value == "Hà Nội" and f["place"].status == "extracted"
    assert f["issue_date"].value is None and f["issue_date"].status == "needs_review"
    assert f["issue_date"].bbox is not None  # where to read it again


def test_a_label_before_the_date_is_not_a_place() -> None:
    assert dateline.parse("Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 05 tháng 3 năm 2025") is None


def _drawn(path: Path, printed: list[tuple[int, int, str]]) -> dict[int, int]:
    """Draw ``printed`` rows on a white page at ``path`` (and as its kept grey image); returns each row's
    printed width, so the OCR words laid over it cover what was printed."""
    image = Image.new("L", (W, H), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 30)
    widths = {}
    for k, (x, y, text) in enumerate(printed):
        draw.text((x, y), text, font=font, fill=0)
        box = draw.textbbox((x, y), text, font=font)
        widths[k] = box[2] - box[0]
    image.save(path)
    image.save(reading_grey_path(path))
    return widths


def test_a_garbled_header_is_read_again_from_the_image_for_review(tmp_path: Path) -> None:
    """A residence confirmation whose form code, number and date the page's OCR garbled."""
    printed = [
        (900, 150, "Mẫu CT07 ban hành kèm theo Thông tư số 66/2023/TT-BCA"),
        (250, 250, "CÔNG AN PHƯỜNG BA ĐÌNH"),
        (900, 250, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (300, 330, "Số: 62/XNCT-CA"),
        (950, 330, "Hà Nội, ngày 23 tháng 8 năm 2025"),
        (520, 450, "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"),
    ]
    read = {
        0: "Mậu © T0” ban hành kem tha Thông tư sò t 2Ó",
        3: "SỐ: b2 XNCT-CA",
        4: "Hà Nội, ngày 23 thang B năm 20-5",
    }
    path = tmp_path / "0001.jpg"
    widths = _drawn(path, printed)
    words = [w for k, (x, y, text) in enumerate(printed) for w in _words(x, y, read.get(k, text), k, width=widths[k])]
    page = PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, path, words)
    before = extract_document(1, page_lines(page), [1])
    assert before.type == "residence_confirmation"
    assert not _value(before, "issue_date") and not _value(before, "number_symbol")
    assert not _value(before, "form_code")

    doc = read_document(1, [1], {1: page})
    got = {k: doc.fields[k] for k in ("issue_date", "number_symbol", "form_code", "place")}
    assert {k: f.value for k, f in got.items() if isinstance(f, FieldValue)} == {
        "issue_date": "2025-08-23",
        "number_symbol": "62/XNCT-CA",
        "form_code": "CT07",
        "place": "Hà Nội",
    }
    for key in ("issue_date", "number_symbol", "form_code"):
        field = got[key]
        assert isinstance(field, FieldValue)
        assert field.status == "needs_review" and "read_again" in field.reasons, key
    assert list(doc.fields) == [k for k in by_key(doc.type).fields if k in doc.fields]  # schema order kept


def _value(doc: DocumentResult, key: str) -> str | None:
    field = doc.fields.get(key)
    return field.value if isinstance(field, FieldValue) else None


def test_a_labelled_date_the_page_ocr_garbled_is_read_again(tmp_path: Path) -> None:
    """An ID card whose expiry lost its slashes and issue date a digit on the page's reading."""
    printed = [
        (650, 300, "CĂN CƯỚC CÔNG DÂN"),
        (600, 380, "Số: 092192091921"),
        (600, 430, "Họ và tên: HỒ BÍCH THỦY"),
        (340, 870, "Có giá trị đến: 18/08/2032"),
        (340, 1140, "Ngày, tháng, năm: 20/11/2021"),
    ]
    read = {3: "Có gia trị đến: 1808.3032", 4: "Ngày, tháng, năm: 207117202"}
    path = tmp_path / "0001.jpg"
    widths = _drawn(path, printed)
    words = [w for k, (x, y, text) in enumerate(printed) for w in _words(x, y, read.get(k, text), k, width=widths[k])]
    page = PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, path, words)
    doc = read_document(1, [1], {1: page})
    assert doc.type == "id_card"
    assert (_value(doc, "expiry_date"), _value(doc, "issue_date")) == ("2032-08-18", "2021-11-20")
    assert all(doc.fields[k].status == "needs_review" for k in ("expiry_date", "issue_date"))  # type: ignore[union-attr]


def test_a_rule_under_the_agency_read_as_letters_is_not_part_of_its_name() -> None:
    """The dashed rule under "BỘ NỘI VỤ" came out as a word "SỐ" 2 px high, which joined the agency."""
    rows = [(420, 196, "BỘ NỘI VỤ"), (850, 196, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), (950, 240, "Độc lập - Tự do")]
    words = [w for k, (x, y, text) in enumerate(rows) for w in _words(x, y, text, k)]
    words.append(Word("SỐ", (455, 242, 495, 244), 0.15, len(rows)))
    for k, (x, y, text) in enumerate([(380, 300, "Số: 2173/BNV-VP"), (910, 300, "Hà Nội, ngày 16 tháng 5 năm 2025")]):
        words.extend(_words(x, y, text, len(rows) + 1 + k))
    words.extend(_words(360, 350, "V/v rà soát, cập nhật dữ liệu dân cư", len(rows) + 3))
    page = PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), words)
    doc = extract_document(1, page_lines(page), [1])
    assert _value(doc, "issuing_agency") == "BỘ NỘI VỤ"


def test_a_form_code_read_as_an_unknown_code_is_read_again(tmp_path: Path) -> None:
    """ "Mẫu CT01" read "Màu (T01": a code no circular defines, replaced by what the line read alone says."""
    printed = [
        (900, 150, "Mẫu CT01 ban hành kèm theo Thông tư số 66/2023/TT-BCA"),
        (500, 250, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (500, 390, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ"),
    ]
    path = tmp_path / "0001.jpg"
    widths = _drawn(path, printed)
    read = {0: "Màu (T01 ban hành kèm theo Thông tư số 66/2023/TT-BCA"}
    words = [w for k, (x, y, text) in enumerate(printed) for w in _words(x, y, read.get(k, text), k, width=widths[k])]
    page = PageResult(1, "scan.pdf", 200, False, W, H, 0, 0.0, path, words)
    assert _value(extract_document(1, page_lines(page), [1]), "form_code") == "T01"
    doc = read_document(1, [1], {1: page})
    code = doc.fields["form_code"]
    assert isinstance(code, FieldValue)
    assert (code.value, code.status) == ("CT01", "needs_review") and "read_again" in code.reasons
