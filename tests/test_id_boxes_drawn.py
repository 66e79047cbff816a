"""An ID printed one digit a box, the boxes sharing their borders (issue 12: CT01, applications, birth
certificates, confirmations), drawn and read through the real path: binarize, rules and combs erased,
page OCR, extraction, the boxes read again.

The page's OCR read such rows as "l0I5l6l1I511Ial5I7I4lsl9l": borders as letters, digits as letters. Each
case draws the row in another font, box width (1.2-2 digit widths), border width (1-3 px) and resolution.
The hostile cases: a box left empty (11 digits) never comes out as a well-formed 12-digit ID, and text
with ones, "l"s and a ruled table is no comb.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline import clean, ocr, rules
from pipeline.box_reread import MISCOUNTED, reread_boxed_ids
from pipeline.documents import read_document
from pipeline.models import DocumentResult, FieldValue, PageResult
from pipeline.page_job import reading_grey_path

LANG = "vie+Vietnamese"  # the page OCR's models (sohoa.settings' default)
FONTS = {
    "serif": "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "dejavu": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "noto": "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
}


def _page(digits: str, font: str, dpi: int, ratio: float, border: int) -> np.ndarray:
    """A CT01 page: title, name, birth date, the ID in boxes (``ratio`` digit widths wide, ``border`` px
    borders, close to the digits; a space in ``digits`` leaves its box empty), an address and a phone."""
    k = dpi / 200
    image = Image.new("L", (round(1654 * k), round(2339 * k)), 255)
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(FONTS[font], round(30 * k))

    def at(v: float) -> int:
        return round(v * k)

    draw.text((at(560), at(200)), "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", font=face, fill=0)
    draw.text((at(200), at(320)), "1. Họ, chữ đệm và tên: Nguyễn Văn Long", font=face, fill=0)
    draw.text((at(200), at(390)), "2. Ngày, tháng, năm sinh: 22/07/1951", font=face, fill=0)
    label, y = "4. Số định danh cá nhân:", at(460)
    draw.text((at(200), y), label, font=face, fill=0)
    x = at(200) + draw.textlength(label, font=face) + at(16)
    digit = draw.textlength("0", font=face)
    box = round(digit * ratio)
    ink = face.getbbox("0")
    top, bottom = y + ink[1] - at(5), y + ink[3] + at(5)
    for i, ch in enumerate(digits):
        draw.text((x + i * box + (box - digit) / 2, y), ch, font=face, fill=0)
    end = x + len(digits) * box
    for i in range(len(digits) + 1):
        draw.rectangle((x + i * box, top, x + i * box + border - 1, bottom), fill=0)
    draw.rectangle((x, top, end + border - 1, top + border - 1), fill=0)
    draw.rectangle((x, bottom - border + 1, end + border - 1, bottom), fill=0)
    draw.text((at(200), at(530)), "5. Nơi thường trú: số 11 đường Lê Lợi, phường Phú Hội", font=face, fill=0)
    draw.text((at(200), at(600)), "6. Số điện thoại liên hệ: 0912345678", font=face, fill=0)
    return np.asarray(image.convert("RGB"))


def _read(rgb: np.ndarray, dpi: int, tmp_path: Path) -> DocumentResult:
    """The page as the page job reads it (grey kept beside its JPEG), then its document."""
    grey = clean.reading_grey(rgb)
    binary = clean.binarize(grey)
    words = ocr.recognize(rules.clear_for_ocr(binary), lang=LANG)
    path = tmp_path / "0001.jpg"
    cv2.imwrite(str(path), grey)
    cv2.imwrite(str(reading_grey_path(path)), grey)
    height, width = binary.shape
    rules_at = rules.vertical_rules(binary)
    page = PageResult(1, "s.pdf", dpi, False, width, height, 0, 0.0, path, words, cell_rules=rules_at)
    return read_document(1, [1], {1: page})


def _check_again(doc: DocumentResult, tmp_path: Path) -> None:
    """The boxes' check run again on the page ``_read`` kept, after a test set the ID's value."""
    grey = cv2.imread(str(reading_grey_path(tmp_path / "0001.jpg")), cv2.IMREAD_GRAYSCALE)
    height, width = grey.shape
    page = PageResult(1, "s.pdf", 200, False, width, height, 0, 0.0, tmp_path / "0001.jpg", [])
    reread_boxed_ids(doc, {1: page})


@pytest.mark.parametrize(
    ("font", "dpi", "ratio", "border", "number"),
    [
        ("serif", 200, 1.5, 2, "048152036917"),
        ("serif", 300, 1.2, 1, "079151003688"),
        ("dejavu", 200, 1.2, 3, "001051027390"),
        ("dejavu", 300, 1.3, 3, "048151012345"),
        ("noto", 200, 2.0, 1, "036051987654"),
        ("noto", 300, 2.0, 3, "048152036917"),
    ],
)
def test_an_id_one_digit_a_box_comes_out_exact(
    font: str, dpi: int, ratio: float, border: int, number: str, tmp_path: Path
) -> None:
    doc = _read(_page(number, font, dpi, ratio, border), dpi, tmp_path)
    field = doc.fields["personal_id"]
    assert isinstance(field, FieldValue) and field.value == number, field
    assert "personal_id_format" not in field.reasons
    assert doc.fields["phone"].value == "0912345678"  # the text beside the boxes reads as before


@pytest.mark.parametrize("font", ["serif", "noto"])
def test_a_box_left_empty_never_gives_a_well_formed_id(font: str, tmp_path: Path) -> None:
    doc = _read(_page("0481520 6917", font, 200, 1.5, 2), 200, tmp_path)
    field = doc.fields["personal_id"]
    assert isinstance(field, FieldValue)
    assert len(field.value or "") != 12 or MISCOUNTED in field.reasons
    assert field.status == "needs_review"


def test_twelve_digits_read_from_eleven_inked_boxes_wait_for_a_reviewer(tmp_path: Path) -> None:
    """Digits set apart once their borders are erased were now and then read twice ("69" as "689"): a
    12-digit value over boxes holding 11 digits is flagged, not signed as read."""
    doc = _read(_page("0481520 6917", "dejavu", 200, 1.5, 2), 200, tmp_path)
    field = doc.fields["personal_id"]
    assert isinstance(field, FieldValue)
    field.value, field.reasons, field.status = "048152036917", [], "extracted"
    _check_again(doc, tmp_path)
    assert MISCOUNTED in field.reasons and field.status == "needs_review"


def test_ones_ls_and_a_ruled_table_are_no_comb() -> None:
    image = Image.new("L", (1654, 900), 255)
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(FONTS["serif"], 30)
    draw.text((200, 100), "Ông Lê Văn Lãnh, số 11/1 lô 1, ll I l | 1 | 1 | 1 | 1 | 1 | 1 | 1", font=face, fill=0)
    cols = (200, 480, 780, 1080, 1280, 1460)  # a ruled table: cells wider than tall
    for c, text in zip(cols, ("STT", "Họ tên", "Năm sinh", "Giới", "Quan hệ"), strict=False):
        draw.text((c + 12, 312), text, font=face, fill=0)
    for y in (300, 360, 420):
        draw.line((cols[0], y, cols[-1], y), fill=0, width=2)
    for x in cols:
        draw.line((x, 300, x, 420), fill=0, width=2)
    binary = clean.binarize(np.asarray(image))
    assert rules.find_combs(binary)[0] == []
    assert np.array_equal(rules.erase_box_combs(binary, binary), binary)


def test_a_well_formed_id_the_boxes_read_otherwise_waits_for_a_reviewer(tmp_path: Path) -> None:
    """A digit misread or read twice once the borders are erased ("...468" for "...469") still makes a
    well-formed ID, which no format rule catches: the boxes' own reading disagrees, and a reviewer looks."""
    doc = _read(_page("048152036917", "serif", 200, 1.5, 2), 200, tmp_path)
    field = doc.fields["personal_id"]
    assert isinstance(field, FieldValue)
    field.value, field.reasons, field.status = "048152036918", [], "extracted"
    _check_again(doc, tmp_path)
    assert field.value == "048152036918" and field.status == "needs_review"
    assert "second_reading_differs" in field.reasons


def test_a_box_filled_with_ink_does_not_stop_the_document(tmp_path: Path) -> None:
    """A smudge filling one box from rule to rule (its columns one run of ink, top to bottom) once crashed
    the whole dossier's job: the ID is now checked without that box, and the document is read."""
    rgb = _page("048152036917", "dejavu", 200, 1.5, 3).copy()
    combs, _ = rules.find_combs(clean.binarize(clean.reading_grey(rgb)))
    assert combs, "the drawn row is a comb"
    comb = combs[0]
    (_, left), (right, _) = comb.borders[3], comb.borders[4]
    rgb[comb.bbox[1] : comb.bbox[3], left:right] = 0  # the fourth box inked over, rule to rule
    doc = _read(rgb, 200, tmp_path)
    assert doc.fields["phone"].value == "0912345678"
    field = doc.fields.get("personal_id")
    assert not isinstance(field, FieldValue) or field.value != "048152036917" or field.status == "needs_review"


def test_letters_run_together_with_wandering_tops_are_no_comb() -> None:
    """A bold word blurred by the scanner into one ink shape ("ường" of an address on a land certificate)
    has full-height stems evenly spaced, like a comb's borders, but no rules: its strokes between the
    stems start and end on different rows. Taken for a comb, it once had its "borders" read as boxes, and
    an empty cut crashed the dossier's job."""
    shape = np.zeros((32, 103), np.uint8)
    for k in range(6):
        shape[:, 20 * k : 20 * k + 3] = 1  # the stems
    for k, (top, bottom) in enumerate([(0, 31), (9, 22), (0, 31), (9, 22), (0, 31)]):
        shape[top : top + 3, 20 * k + 3 : 20 * k + 20] = 1  # shoulders and feet at wandering rows
        shape[bottom - 2 : bottom + 1, 20 * k + 3 : 20 * k + 20] = 1
    assert rules._comb_borders(shape, 24, 122) is None
    shape[9:31, :] = 0  # the same stems under one straight rule over one straight rule: a comb
    shape[:, [20 * k + d for k in range(6) for d in range(3)]] = 1
    shape[0:3, :], shape[29:32, :] = 1, 1
    assert rules._comb_borders(shape, 24, 122) is not None
