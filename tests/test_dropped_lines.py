"""A printed line Tesseract's layout dropped is read again on its own (issue 12).

On a held-out letter the issuer's bold line, level with the motto, came out of the page OCR with no word at
all: the header lost its issuer and the text layer a line. The pages here are drawn, read by Tesseract, and
one line's words are then taken out of the reading, as the layout step drops them; the line must come
back from its ink alone. Ink that is no text (a signature's scribble, a seal's ring of letters) must not.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline import clean, ocr, unread_ink
from pipeline.models import Word

FONTS = Path("/usr/share/fonts/truetype")
SERIF = FONTS / "liberation2/LiberationSerif-Regular.ttf"
SERIF_BOLD = FONTS / "liberation2/LiberationSerif-Bold.ttf"
W, H = 1654, 2339  # A4 at 200 dpi


def _image(draw_more: bool = False) -> np.ndarray:
    img = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(img)
    regular, bold = ImageFont.truetype(str(SERIF), 30), ImageFont.truetype(str(SERIF_BOLD), 30)
    d.text((230, 200), "UBND TỈNH QUẢNG NINH", font=regular, fill=0)
    d.text((180, 245), "ỦY BAN NHÂN DÂN PHƯỜNG HẠ LONG", font=bold, fill=0)
    d.text((900, 200), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=bold, fill=0)
    d.text((1000, 245), "Độc lập - Tự do - Hạnh phúc", font=bold, fill=0)
    d.line((1000, 290, 1390, 290), fill=0, width=2)
    d.text((250, 400), "Số: 125/GXN-UBND", font=regular, fill=0)
    d.text((200, 600), "Ủy ban nhân dân phường Hạ Long xác nhận ông Trần Văn Bình", font=regular, fill=0)
    if draw_more:  # a handwritten scribble in a row and a seal's ring of letters, which no word covers either
        rng = np.random.default_rng(7)
        for k in range(14):  # loops and hooks a glyph's size, a word's space apart: shaped like a line
            x, y = 1000 + 36 * k, 1500
            pts = [(x + int(rng.integers(0, 30)), y + int(rng.integers(0, 34))) for _ in range(6)]
            d.line(pts, fill=0, width=3)
        seal = ImageFont.truetype(str(SERIF_BOLD), 22)
        for k, ch in enumerate("ỦY BAN NHÂN DÂN PHƯỜNG HẠ LONG"):
            a = 2 * math.pi * k / 30
            d.text((1200 + 120 * math.cos(a), 1800 + 120 * math.sin(a)), ch, font=seal, fill=0)
    return clean.binarize(np.array(img))


def _without(words: list[Word], top: int, bottom: int) -> list[Word]:
    return [w for w in words if not top <= (w.bbox[1] + w.bbox[3]) / 2 <= bottom]


def test_a_dropped_header_line_is_read_back_from_its_ink() -> None:
    image = _image()
    words = ocr.recognize(image, lang="vie")
    assert any(w.text == "PHƯỜNG" for w in words)  # the drawn page reads whole
    dropped = _without(words, 240, 290)  # the issuer's line and the motto's second line, as OCR dropped them
    assert not any(w.text == "PHƯỜNG" for w in dropped)
    back = unread_ink.read_dropped_lines(image, dropped, lang="vie")
    texts = [w.text for w in back]
    assert "PHƯỜNG" in texts and "LONG" in texts and "Hạnh" in texts
    assert all(240 <= (w.bbox[1] + w.bbox[3]) / 2 <= 290 for w in back)  # in page pixels, where the line is
    assert {w.line for w in back}.isdisjoint({w.line for w in dropped})  # lines of their own


def test_a_page_read_whole_gives_nothing_back() -> None:
    image = _image()
    assert unread_ink.read_dropped_lines(image, ocr.recognize(image, lang="vie"), lang="vie") == []


def test_ink_that_is_no_text_gives_nothing_back() -> None:
    image = _image(draw_more=True)
    words = [w for w in ocr.recognize(image, lang="vie") if w.bbox[1] < 700]  # the drawings left unread
    assert any(box[1] > 1400 for box in unread_ink.dropped_lines(image, words))  # the scribble is shaped like a line
    back = unread_ink.read_dropped_lines(image, words, lang="vie")
    assert not any(w.bbox[1] > 1400 for w in back)  # nothing from the scribble or the seal's ring
