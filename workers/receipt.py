"""The receipt as an A5 PDF made on the server: code, date, pages, the secret and its QR code, for any printer.

Why not the browser's print: a desk without a browser print dialog (a kiosk, a machine client) still needs a
file to hand the citizen. The page is drawn with Pillow (Noto Sans, every Vietnamese letter) at 200 dpi and
put into a PDF by the searchable-PDF builder with each line as invisible text over its pixels, so the code
can be found and copied in the file. Nothing here is kept: the bytes go to the caller.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf
import segno
from PIL import Image, ImageDraw, ImageFont

from pipeline.models import PageResult, Word
from pipeline.pdf import build_searchable_pdf

DPI = 200
A5_MM = (148.0, 210.0)
SIZE = tuple(round(mm / 25.4 * DPI) for mm in A5_MM)  # 1165 x 1654 px
MARGIN = 90
NOTO, DEJAVU = Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/truetype/dejavu")
FONTS = {
    "regular": (NOTO / "NotoSans-Regular.ttf", DEJAVU / "DejaVuSans.ttf"),
    "bold": (NOTO / "NotoSans-Bold.ttf", DEJAVU / "DejaVuSans-Bold.ttf"),
}
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class ReceiptFacts:
    """What a receipt says: who received, which dossier, when, how many pages, and how to look it up."""

    agency: str
    code: str
    received_at: datetime
    pages: int
    secret: str
    status_url: str
    procedure: str | None = None  # "<code> <name>" of the procedure handed in for
    due_on: str | None = None  # ngày hẹn trả, as printed (dd/mm/yyyy)
    components: tuple[tuple[str, str], ...] = ()  # (component, its status) asked for, received, reused, missing


@lru_cache(maxsize=8)
def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    for path in FONTS[weight]:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    raise FileNotFoundError(f"no {weight} font among {FONTS[weight]} (apt: fonts-noto-core)")


def vn_datetime(when: datetime) -> str:
    """``14:05 07/12/2026``: 24-hour Vietnam time, as on the pages."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(VN).strftime("%H:%M %d/%m/%Y")


class _Page:
    """A white A5 page that remembers each line it draws as a word box for the text layer."""

    def __init__(self) -> None:
        self.image = Image.new("L", SIZE, 255)
        self.draw = ImageDraw.Draw(self.image)
        self.words: list[Word] = []
        self.y = MARGIN

    def line(self, text: str, size: int = 30, *, weight: str = "regular", center: bool = False, gap: int = 14) -> None:
        font = _font(weight, size)
        x0, y0, x1, y1 = self.draw.textbbox((0, 0), text, font=font)
        x = (SIZE[0] - (x1 - x0)) // 2 if center else MARGIN
        self.draw.text((x - x0, self.y - y0), text, fill=0, font=font)
        self.words.append(Word(text, (x, self.y, x + x1 - x0, self.y + y1 - y0), 1.0, len(self.words)))
        self.y += (y1 - y0) + gap

    def qr(self, data: str, side: int) -> None:
        code = segno.make(data, error="m")
        scale = max(1, side // code.symbol_size(border=2)[0])
        with tempfile.SpooledTemporaryFile() as buffer:
            code.save(buffer, kind="png", scale=scale, border=2)
            buffer.seek(0)
            with Image.open(buffer) as img:
                self.image.paste(img.convert("L"), ((SIZE[0] - img.width) // 2, self.y))
                self.y += img.height + 16


def receipt_pdf(facts: ReceiptFacts, out: Path) -> Path:
    """Write the A5 receipt of ``facts`` to ``out`` (a PDF of one page)."""
    page = _Page()
    page.line(facts.agency, 30, weight="bold", center=True)
    page.line("PHIẾU TIẾP NHẬN HỒ SƠ", 44, weight="bold", center=True, gap=40)
    page.line("Mã hồ sơ:", 28)
    page.line(facts.code, 40, weight="bold", gap=28)
    page.line(f"Thời điểm nhận: {vn_datetime(facts.received_at)}", 30)
    page.line(f"Số trang: {facts.pages}", 30)
    page.line(f"Mã bí mật tra cứu: {facts.secret}", 30, gap=30 if not facts.procedure else 14)
    if facts.procedure:
        for part in _wrap_words(f"Thủ tục: {facts.procedure}", 58):
            page.line(part, 26, gap=8)
        page.line(f"Ngày hẹn trả kết quả: {facts.due_on or 'chưa xác định'}", 30, weight="bold", gap=12)
        _components(page, facts.components)
    page.qr(facts.status_url, 420 if not facts.procedure else 260)
    page.line("Quét mã QR để tra cứu tình trạng hồ sơ", 26, center=True)
    for part in _wrap(facts.status_url, 60):
        page.line(part, 20, center=True, gap=6)
    page.y = SIZE[1] - MARGIN - 60
    page.line("Giữ phiếu này: mã bí mật cho phép xem tình trạng hồ sơ mà không cần đăng nhập.", 20, center=True)
    with tempfile.TemporaryDirectory(prefix="receipt-") as tmp:
        jpeg = Path(tmp) / "receipt.jpg"
        page.image.save(jpeg, "JPEG", quality=90, dpi=(DPI, DPI))
        result = PageResult(1, "receipt", DPI, False, SIZE[0], SIZE[1], 0, 0.0, jpeg, page.words)
        build_searchable_pdf([result], Path(tmp) / "receipt.pdf", title=f"Phiếu tiếp nhận {facts.code}")
        with pikepdf.open(Path(tmp) / "receipt.pdf") as pdf:  # exactly A5: whole pixels miss it by 0.2 pt
            pdf.pages[0].mediabox = pikepdf.Array([0, 0, *(round(mm / 25.4 * 72, 3) for mm in A5_MM)])
            pdf.save(out)
    return out


COMPONENT_ROOM = SIZE[1] - MARGIN - 60 - 260 - 120  # what the QR code, its caption and the footer leave


def _components(page: _Page, components: tuple[tuple[str, str], ...]) -> None:
    """One line per component while there is room; then how many more (the status page has them all)."""
    for n, (name, status) in enumerate(components):
        if page.y + 2 * 32 > COMPONENT_ROOM and n < len(components) - 1:
            page.line(f"… và {len(components) - n} thành phần khác (xem khi tra cứu)", 20, gap=6)
            return
        page.line(_shorten(f"- {name}: {status}", 88), 20, gap=6)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _wrap_words(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken between words."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line][:3]


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]
