"""A page's reading judged as a whole: bilingual labels are printed words, OCR debris is not."""

from __future__ import annotations

from pathlib import Path

from pipeline.layout import page_lines
from pipeline.models import PageResult, Word
from pipeline.reading_quality import is_garbage, poor_pages

# The back and front of a chip ID card (Căn cước, 2024), as OCR splits its lines into words.
CARD = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "CĂN CƯỚC",
    "Số định danh cá nhân/Personal identification number:",
    "010191994207",
    "Họ, chữ đệm và tên khai sinh/Full name:",
    "TRƯƠNG NGỌC BẢO HẰNG",
    "Ngày, tháng, năm sinh/Date of birth: 30/03/1991",
    "Giới tính/Sex: Nữ Quốc tịch/Nationality: Việt Nam",
    "Nơi cư trú/Place of residence:",
    "Tổ dân phố Hòa Bình, phường Bãi Cháy, tỉnh Quảng Ninh",
    "Nơi đăng ký khai sinh/Place of birth:",
    "Ngày, tháng, năm cấp/Date of issue: 16/03/2025",
    "Ngày, tháng, năm hết hạn/Date of expiry: 30/03/2031",
]


def _page(lines: list[str], confidence: float = 0.93) -> PageResult:
    words = []
    for n, text in enumerate(lines):
        x = 100
        for token in text.split():
            words.append(Word(token, (x, 100 + 50 * n, x + 18 * len(token), 134 + 50 * n), confidence, n))
            x += 18 * len(token) + 14
    return PageResult(1, "scan.pdf", 300, False, 2480, 3508, 0, 0.0, Path("p.jpg"), words)


def _word(text: str) -> Word:
    return Word(text, (0, 0, 10, 10), 0.9, 0)


def test_a_card_with_bilingual_labels_is_not_a_poorly_read_page() -> None:
    assert poor_pages(page_lines(_page(CARD))) == set()


def test_label_halves_joined_by_a_slash_are_words_not_garbage() -> None:
    for token in ("nhân/Personal", "sinh/Full", "tính/Sex:", "tịch/Nationality:", "expiry:", "Date"):
        assert not is_garbage(_word(token)), token


def test_debris_stays_garbage_even_next_to_a_slash() -> None:
    for token in ("ư—.——e", "~¬", "nhân/xqzt", "tnhe/Personal", "Persnal"):
        assert is_garbage(_word(token)), token


def test_a_card_read_as_debris_is_still_poor() -> None:
    debris = ["ư—.——e ~¬ xqzt/Personal nhân/qwv", "vvv/Sex: ẽĩ tnhe rnnm", "Nơi ~¬ wxq/Date ư—e zzq"] * 3
    assert poor_pages(page_lines(_page(CARD[:3] + debris))) == {1}
