"""Typesetting of one A4 page with PIL: words, wrapped/justified paragraphs, rules, and the truth boxes.

Every line drawn is recorded as a :class:`TextLine` (its exact NFC text, ink box, zone and reading-order
key), so the ground truth is a by-product of drawing, never a second copy that could drift.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BBox = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels, origin top-left, x1/y1 exclusive

FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
FONT_FILES = {  # Liberation Serif is metric-compatible with Times New Roman, the ND 30 font
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bolditalic": "LiberationSerif-BoldItalic.ttf",
}
A4_MM = (210.0, 297.0)
INK = (0, 0, 0)

Run = tuple[str, str]  # (text, style)


@lru_cache(maxsize=64)
def font(style: str, px: int) -> ImageFont.FreeTypeFont:
    """The Liberation Serif face for a style at a pixel size (cached: loading a face is slow)."""
    return ImageFont.truetype(str(FONT_DIR / FONT_FILES[style]), px)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def union(boxes: list[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


@dataclass(frozen=True)
class TextLine:
    """One printed line: exact text, ink box, and where it sits in the reading order."""

    text: str
    bbox: BBox
    zone: str  # header_left, header_right, header, title, body, footer_left, footer_right
    band: int  # 0 header, 1 title+body, 2 footer (signer, Nơi nhận)
    column: int  # 0 left or full width, 1 right
    words: tuple[tuple[int, int, BBox], ...] = ()  # (start char, end char, ink box) per word

    def span_box(self, start: int, end: int | None = None) -> BBox:
        """Ink box of the words overlapping text[start:end] (fields are whole words of a line)."""
        end = len(self.text) if end is None else end
        boxes = [b for s, e, b in self.words if s < end and e > start]
        return union(boxes) if boxes else self.bbox


@dataclass
class Canvas:
    """A blank A4 page at a dpi, with ND 30 margins, that remembers every line it draws."""

    dpi: int
    top_mm: float = 25.0  # ND 30 allows 20-25 mm; >= 22 mm stays empty for the signature stamp
    left_mm: float = 30.0
    right_mm: float = 15.0
    bottom_mm: float = 20.0
    lines: list[TextLine] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.width = round(A4_MM[0] / 25.4 * self.dpi)
        self.height = round(A4_MM[1] / 25.4 * self.dpi)
        self.image = Image.new("RGB", (self.width, self.height), "white")
        self.draw = ImageDraw.Draw(self.image)
        self.left = self.mm(self.left_mm)
        self.right = self.width - self.mm(self.right_mm)
        self.top = self.mm(self.top_mm)
        self.bottom = self.height - self.mm(self.bottom_mm)

    # -- units -------------------------------------------------------------------------------
    def mm(self, value: float) -> int:
        return round(value / 25.4 * self.dpi)

    def px(self, pt: float) -> int:
        """Points to pixels: 13 pt is 36 px at 200 dpi."""
        return max(6, round(pt * self.dpi / 72))

    @property
    def text_width(self) -> int:
        return self.right - self.left

    # -- words and wrapping ------------------------------------------------------------------
    def _tokens(self, runs: list[Run] | str, style: str) -> list[Run]:
        if isinstance(runs, str):
            runs = [(runs, style)]
        return [(w, s) for text, s in runs for w in nfc(text).split()]

    def _width(self, tokens: list[Run], pt: float) -> float:
        if not tokens:
            return 0.0
        px = self.px(pt)
        words = sum(font(s, px).getlength(w) for w, s in tokens)
        return words + font("regular", px).getlength(" ") * (len(tokens) - 1)

    def wrap(
        self,
        runs: list[Run] | str,
        pt: float,
        width: int,
        *,
        style: str = "regular",
        indent: int = 0,
        balance: bool = False,
    ) -> list[list[Run]]:
        """Greedy word wrap; the first line is `indent` pixels narrower.

        `balance` re-splits a two-line result into two lines of similar width, as agency names are
        set ("ỦY BAN NHÂN DÂN" / "PHƯỜNG BA ĐÌNH", not "... PHƯỜNG BA" / "ĐÌNH").
        """
        tokens = self._tokens(runs, style)
        lines: list[list[Run]] = [[]]
        for token in tokens:
            room = width - (indent if len(lines) == 1 else 0)
            if lines[-1] and self._width([*lines[-1], token], pt) > room:
                lines.append([])
            lines[-1].append(token)
        lines = [line for line in lines if line]
        if balance and len(lines) == 2:
            splits = [(max(self._width(tokens[:i], pt), self._width(tokens[i:], pt)), i) for i in range(1, len(tokens))]
            best = min(splits)[1]
            lines = [tokens[:best], tokens[best:]]
        return lines

    # -- drawing -----------------------------------------------------------------------------
    def line(
        self,
        tokens: list[Run],
        *,
        y: int,
        x0: int,
        x1: int,
        pt: float,
        zone: str,
        band: int,
        column: int = 0,
        align: str = "left",
        indent: int = 0,
        justify: bool = False,
        underline: bool = False,
    ) -> TextLine:
        """Draw one line of words whose top is at y; record and return it.

        A line wider than [x0, x1) is set smaller, in half points, until it fits (as a typist does
        with "Thành phố Hồ Chí Minh, ngày ..." in the narrow right column).
        """
        while pt > 8 and self._width(tokens, pt) > x1 - x0 - indent:
            pt -= 0.5
        px = self.px(pt)
        space = font("regular", px).getlength(" ")
        natural = self._width(tokens, pt)
        avail = x1 - x0 - indent
        gap = space
        if justify and len(tokens) > 1:
            gap = space + max(0.0, avail - natural) / (len(tokens) - 1)
            start = float(x0 + indent)
        elif align == "center":
            start = x0 + indent + (avail - natural) / 2
        elif align == "right":
            start = x1 - natural
        else:
            start = float(x0 + indent)
        baseline = y + round(0.9 * px)
        x = start
        text_parts: list[str] = []
        words: list[tuple[int, int, BBox]] = []
        pos = 0
        for word, style in tokens:
            f = font(style, px)
            self.draw.text((round(x), baseline), word, font=f, fill=INK, anchor="ls")
            box = self.draw.textbbox((round(x), baseline), word, font=f, anchor="ls")
            words.append((pos, pos + len(word), (box[0], box[1], box[2], box[3])))
            text_parts.append(word)
            pos += len(word) + 1
            x += f.getlength(word) + gap
        if underline:
            thick = max(1, round(px * 0.06))
            uy = baseline + max(2, round(px * 0.12))
            self.draw.rectangle((round(start), uy, round(x - gap), uy + thick - 1), fill=INK)
        text_line = TextLine(" ".join(text_parts), union([b for _, _, b in words]), zone, band, column, tuple(words))
        self.lines.append(text_line)
        return text_line

    def block(
        self,
        runs: list[Run] | str,
        *,
        y: int,
        x0: int,
        x1: int,
        pt: float,
        zone: str,
        band: int,
        column: int = 0,
        style: str = "regular",
        align: str = "left",
        indent: int = 0,
        justify: bool = False,
        leading: float = 1.3,
        underline: bool = False,
        balance: bool = False,
    ) -> tuple[int, list[TextLine]]:
        """Wrap a paragraph into [x0, x1); justified paragraphs keep their last line ragged.

        Returns the y below the block and the lines drawn.
        """
        drawn: list[TextLine] = []
        wrapped = self.wrap(runs, pt, x1 - x0, style=style, indent=indent, balance=balance)
        step = round(leading * self.px(pt))
        for i, tokens in enumerate(wrapped):
            last = i == len(wrapped) - 1
            drawn.append(
                self.line(
                    tokens,
                    y=y,
                    x0=x0,
                    x1=x1,
                    pt=pt,
                    zone=zone,
                    band=band,
                    column=column,
                    align=align,
                    indent=indent if i == 0 else 0,
                    justify=justify and not last,
                    underline=underline,
                )
            )
            y += step
        return y, drawn

    def rule(self, cx: int, y: int, length: int, *, thickness: int | None = None) -> int:
        """A short horizontal rule centred at cx (under the agency name, the trích yếu); returns y below."""
        t = thickness or max(1, round(self.dpi / 150))
        self.draw.rectangle((cx - length // 2, y, cx + length // 2, y + t - 1), fill=INK)
        return y + t

    def reading_order(self) -> list[TextLine]:
        """Lines in row-major order: top to bottom; lines side by side (two columns) left to right.

        A line joins a row when its vertical centre lies inside the ink box of the row's first line
        and it does not overlap the row's lines horizontally. This is the order Tesseract (psm 3)
        emits for these two-column zones: it joins "UBND THÀNH PHỐ HUẾ" and "CỘNG HÒA XÃ HỘI ..."
        into one text line, so a column-first truth would cost a large, meaningless CER.
        """
        rows: list[list[TextLine]] = []
        for line in sorted(self.lines, key=lambda ln: (ln.bbox[1] + ln.bbox[3], ln.bbox[0])):
            centre = (line.bbox[1] + line.bbox[3]) / 2
            for row in rows:
                first = row[0]
                if first.bbox[1] <= centre <= first.bbox[3] and all(
                    line.bbox[0] >= other.bbox[2] or line.bbox[2] <= other.bbox[0] for other in row
                ):
                    row.append(line)
                    break
            else:
                rows.append([line])
        rows.sort(key=lambda row: row[0].bbox[1] + row[0].bbox[3])
        return [line for row in rows for line in sorted(row, key=lambda ln: ln.bbox[0])]
