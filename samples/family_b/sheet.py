"""Family B typesetting: A4 or A5 sheets in several Vietnamese-capable faces, with frames, tables and leaders.

Why a second typesetter: family A draws every page with one face on one paper size; a reader tuned to it
can learn its metrics. Here the face, size, paper and margins come from a seeded :class:`House` style, and
the sheet knows the furniture of real forms (double frames, ruled tables, dot leaders, boxed digits).
Every printed word is recorded as a :class:`~samples.layout.TextLine`, so truth is a by-product of drawing.
Rules, frames, leaders and box outlines are graphics, not text: the truth holds only the words.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from samples.layout import BBox, TextLine, union

PAPER_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_NOTO = Path("/usr/share/fonts/truetype/noto")
_LIB = Path("/usr/share/fonts/truetype/liberation2")
# Faces with Vietnamese glyphs (fc-list :lang=vi), weighted away from family A's Liberation Serif.
FACES: dict[str, dict[str, Path]] = {
    "Noto Serif": {
        s: _NOTO / f"NotoSerif-{n}.ttf"
        for s, n in (("regular", "Regular"), ("bold", "Bold"), ("italic", "Italic"), ("bolditalic", "BoldItalic"))
    },
    "Noto Sans": {
        s: _NOTO / f"NotoSans-{n}.ttf"
        for s, n in (("regular", "Regular"), ("bold", "Bold"), ("italic", "Italic"), ("bolditalic", "BoldItalic"))
    },
    "DejaVu Serif": {
        s: _DEJAVU / f"DejaVuSerif{n}.ttf"
        for s, n in (("regular", ""), ("bold", "-Bold"), ("italic", "-Italic"), ("bolditalic", "-BoldItalic"))
    },
    "DejaVu Serif Condensed": {
        s: _DEJAVU / f"DejaVuSerifCondensed{n}.ttf"
        for s, n in (("regular", ""), ("bold", "-Bold"), ("italic", "-Italic"), ("bolditalic", "-BoldItalic"))
    },
    "DejaVu Sans": {
        s: _DEJAVU / f"DejaVuSans{n}.ttf"
        for s, n in (("regular", ""), ("bold", "-Bold"), ("italic", "-Oblique"), ("bolditalic", "-BoldOblique"))
    },
    "Liberation Sans": {
        s: _LIB / f"LiberationSans-{n}.ttf"
        for s, n in (("regular", "Regular"), ("bold", "Bold"), ("italic", "Italic"), ("bolditalic", "BoldItalic"))
    },
    "Liberation Serif": {
        s: _LIB / f"LiberationSerif-{n}.ttf"
        for s, n in (("regular", "Regular"), ("bold", "Bold"), ("italic", "Italic"), ("bolditalic", "BoldItalic"))
    },
}
FACE_WEIGHTS = {
    "Noto Serif": 3,
    "Noto Sans": 2,
    "DejaVu Serif": 2,
    "DejaVu Serif Condensed": 1,
    "DejaVu Sans": 1,
    "Liberation Sans": 2,
    "Liberation Serif": 1,
}
INK = (0, 0, 0)
Run = tuple[str, str]  # (text, style)


class Overflow(ValueError):
    """The content does not fit the sheet; the builder retries tighter."""


@lru_cache(maxsize=256)
def _font(path: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, px)


@dataclass(frozen=True)
class House:
    """One office's typing habits: face, body size, paper, margins, and how it lays out headers and forms."""

    face: str
    value_face: str  # what the clerk typed into a form's blanks
    pt: float  # body size in points
    paper: str  # "A4" or "A5"
    margins_mm: tuple[float, float, float, float]  # top, right, bottom, left
    split: float  # share of the text width the left header column takes
    balance_headers: bool  # wrap agency names into balanced lines, or greedily ("... VÀ MÔI" / "TRƯỜNG")
    leaders: bool  # dot leaders after form values
    upper_names: bool  # a form's citizen name typed in capitals
    frame: str  # "none", "double", "ornate"


def draw_house(rng: random.Random, *, paper: str | None = None, frame: str = "none") -> House:
    """A seeded office style; A5 is drawn for one sheet in three unless `paper` is given."""
    faces = sorted(FACE_WEIGHTS)
    face = rng.choices(faces, weights=[FACE_WEIGHTS[f] for f in faces])[0]
    value_face = face if rng.random() < 0.6 else rng.choice(faces)
    paper = paper or ("A5" if rng.random() < 0.35 else "A4")
    if paper == "A5":
        pt = rng.choice((9.5, 10.0, 10.5, 11.0))
        margins = (rng.uniform(12, 18), rng.uniform(8, 14), rng.uniform(10, 15), rng.uniform(14, 22))
    else:
        pt = rng.choice((11.5, 12.0, 12.5, 13.0, 13.5))
        margins = (rng.uniform(18, 28), rng.uniform(12, 22), rng.uniform(15, 25), rng.uniform(22, 35))
    if frame != "none":
        margins = tuple(max(m, 16.0 if paper == "A5" else 20.0) for m in margins)  # type: ignore[assignment]
    return House(
        face,
        value_face,
        pt,
        paper,
        tuple(round(m, 1) for m in margins),  # type: ignore[arg-type]
        round(rng.uniform(0.38, 0.48), 3),
        rng.random() < 0.4,
        rng.random() < 0.7,
        rng.random() < 0.5,
        frame,
    )


@dataclass
class Sheet:
    """A blank sheet at a dpi that draws words in its house style and remembers every line."""

    house: House
    dpi: int
    lines: list[TextLine] = field(default_factory=list)

    def __post_init__(self) -> None:
        w_mm, h_mm = PAPER_MM[self.house.paper]
        self.width, self.height = self.mm(w_mm), self.mm(h_mm)
        self.image = Image.new("RGB", (self.width, self.height), "white")
        self.draw = ImageDraw.Draw(self.image)
        top, right, bottom, left = self.house.margins_mm
        self.left, self.right = self.mm(left), self.width - self.mm(right)
        self.top, self.bottom = self.mm(top), self.height - self.mm(bottom)
        if self.house.frame != "none":
            self._frame()

    # -- units and fonts -----------------------------------------------------------------------
    def mm(self, value: float) -> int:
        return round(value / 25.4 * self.dpi)

    def px(self, pt: float) -> int:
        return max(6, round(pt * self.dpi / 72))

    @property
    def split(self) -> int:
        return self.left + round((self.right - self.left) * self.house.split)

    def font(self, style: str, pt: float, face: str | None = None) -> ImageFont.FreeTypeFont:
        return _font(str(FACES[face or self.house.face][style]), self.px(pt))

    def width_of(self, runs: list[Run], pt: float, face: str | None = None) -> float:
        if not runs:
            return 0.0
        space = self.font("regular", pt, face).getlength(" ")
        return sum(self.font(s, pt, face).getlength(w) for w, s in runs) + space * (len(runs) - 1)

    def step(self, pt: float, leading: float = 1.3) -> int:
        return round(leading * self.px(pt))

    # -- text ----------------------------------------------------------------------------------
    @staticmethod
    def tokens(runs: list[Run] | str, style: str = "regular") -> list[Run]:
        if isinstance(runs, str):
            runs = [(runs, style)]
        return [(w, s) for text, s in runs for w in unicodedata.normalize("NFC", text).split()]

    def write(
        self,
        tokens: list[Run],
        *,
        x: float,
        y: int,
        pt: float,
        zone: str,
        band: int = 1,
        column: int = 0,
        face: str | None = None,
        gap: float | None = None,
    ) -> TextLine:
        """Draw words left to right from x with their top at y; record and return the line."""
        px = self.px(pt)
        space = self.font("regular", pt, face).getlength(" ") if gap is None else gap
        baseline = y + round(0.95 * px)
        words: list[tuple[int, int, BBox]] = []
        parts: list[str] = []
        pos = 0
        for word, style in tokens:
            f = self.font(style, pt, face)
            self.draw.text((round(x), baseline), word, font=f, fill=INK, anchor="ls")
            box = self.draw.textbbox((round(x), baseline), word, font=f, anchor="ls")
            words.append((pos, pos + len(word), (box[0], box[1], box[2], box[3])))
            parts.append(word)
            pos += len(word) + 1
            x += f.getlength(word) + space
        line = TextLine(" ".join(parts), union([b for _, _, b in words]), zone, band, column, tuple(words))
        self.lines.append(line)
        return line

    def wrap(
        self,
        tokens: list[Run],
        pt: float,
        width: int,
        *,
        first: int | None = None,
        balance: bool = False,
        face: str | None = None,
    ) -> list[list[Run]]:
        """Greedy wrap (the first line `first` px wide); `balance` evens out a two-line result."""
        lines: list[list[Run]] = [[]]
        for token in tokens:
            room = first if (first is not None and len(lines) == 1) else width
            if lines[-1] and self.width_of([*lines[-1], token], pt, face) > room:
                lines.append([])
            lines[-1].append(token)
        lines = [ln for ln in lines if ln]
        if balance and len(lines) == 2 and first is None:
            best = min(
                range(1, len(tokens)),
                key=lambda i: max(self.width_of(tokens[:i], pt, face), self.width_of(tokens[i:], pt, face)),
            )
            lines = [tokens[:best], tokens[best:]]
        return lines

    def para(
        self,
        runs: list[Run] | str,
        *,
        x0: int,
        x1: int,
        y: int,
        pt: float,
        zone: str,
        band: int = 1,
        column: int = 0,
        style: str = "regular",
        align: str = "left",
        leading: float = 1.3,
        indent: int = 0,
        balance: bool = False,
        justify: bool = False,
        face: str | None = None,
    ) -> tuple[int, list[TextLine]]:
        """Wrap a paragraph into [x0, x1) from y; returns the y below it and its lines."""
        tokens = self.tokens(runs, style)
        wrapped = self.wrap(
            tokens, pt, x1 - x0, first=(x1 - x0 - indent) if indent else None, balance=balance, face=face
        )
        drawn = []
        for i, toks in enumerate(wrapped):
            start = x0 + (indent if i == 0 else 0)
            natural = self.width_of(toks, pt, face)
            gap = None
            if align == "center":
                start += (x1 - start - natural) / 2
            elif align == "right":
                start = x1 - natural
            elif justify and i < len(wrapped) - 1 and len(toks) > 1:
                space = self.font("regular", pt, face).getlength(" ")
                gap = space + max(0.0, (x1 - start - natural)) / (len(toks) - 1)
            drawn.append(self.write(toks, x=start, y=y, pt=pt, zone=zone, band=band, column=column, face=face, gap=gap))
            y += self.step(pt, leading)
        return y, drawn

    def fit(
        self,
        runs: list[Run] | str,
        *,
        x0: int,
        x1: int,
        y: int,
        pt: float,
        zone: str,
        band: int = 1,
        column: int = 0,
        style: str = "regular",
        align: str = "left",
        face: str | None = None,
    ) -> TextLine:
        """One line, set smaller in half points until it fits [x0, x1)."""
        tokens = self.tokens(runs, style)
        while pt > 7 and self.width_of(tokens, pt, face) > x1 - x0:
            pt -= 0.5
        _, drawn = self.para(
            tokens, x0=x0, x1=x1, y=y, pt=pt, zone=zone, band=band, column=column, align=align, face=face
        )
        if len(drawn) != 1:
            raise Overflow("a one-line text does not fit its column")
        return drawn[0]

    # -- graphics ------------------------------------------------------------------------------
    def hline(self, x0: int, x1: int, y: int, *, thick: float = 0.25) -> None:
        t = max(1, self.mm(thick))
        self.draw.rectangle((x0, y, x1, y + t - 1), fill=INK)

    def vline(self, x: int, y0: int, y1: int, *, thick: float = 0.25) -> None:
        t = max(1, self.mm(thick))
        self.draw.rectangle((x, y0, x + t - 1, y1), fill=INK)

    def leaders(self, x0: float, x1: int, baseline: int) -> None:
        """A row of dots from x0 to x1 on the baseline, as a form's blank line."""
        pitch = max(3, self.mm(1.1))
        r = max(1, round(self.dpi / 200))
        x = int(x0) + pitch
        while x < x1:
            self.draw.ellipse((x - r, baseline - r, x + r, baseline + r), fill=INK)
            x += pitch

    def box(self, box: BBox, *, thick: float = 0.25) -> None:
        self.draw.rectangle(box, outline=INK, width=max(1, self.mm(thick)))

    def _frame(self) -> None:
        """A double border (thick outside, thin inside); "ornate" adds a band of diamonds and corner squares."""
        m = self.mm(7 if self.house.paper == "A5" else 9)
        outer = (m, m, self.width - m, self.height - m)
        self.box(outer, thick=0.9)
        g = self.mm(1.6)
        inner = (m + g, m + g, self.width - m - g, self.height - m - g)
        self.box(inner, thick=0.3)
        if self.house.frame != "ornate":
            return
        g2 = self.mm(4.5)
        band = (m + g2, m + g2, self.width - m - g2, self.height - m - g2)
        self.box(band, thick=0.3)
        mid = (g + g2) / 2
        s = self.mm(0.9)
        step = self.mm(4)
        for x in range(outer[0] + g2, outer[2] - g2, step):
            for y in (m + mid, self.height - m - mid):
                self.draw.polygon([(x, y - s), (x + s, y), (x, y + s), (x - s, y)], fill=INK)
        for y in range(outer[1] + g2, outer[3] - g2, step):
            for x in (m + mid, self.width - m - mid):
                self.draw.polygon([(x, y - s), (x + s, y), (x, y + s), (x - s, y)], fill=INK)
        c = self.mm(3)
        for cx, cy in ((m, m), (self.width - m, m), (m, self.height - m), (self.width - m, self.height - m)):
            self.draw.rectangle((cx - c, cy - c, cx + c, cy + c), outline=INK, width=max(1, self.mm(0.5)))

    def check(self, y: int) -> int:
        if y > self.bottom:
            raise Overflow(f"content reaches {y} px, below the bottom margin at {self.bottom} px")
        return y

    def reading_order(self) -> list[TextLine]:
        """Row-major: top to bottom; lines side by side (columns, table cells) left to right."""
        rows: list[list[TextLine]] = []
        for line in sorted(self.lines, key=lambda ln: (ln.bbox[1] + ln.bbox[3], ln.bbox[0])):
            mid = (line.bbox[1] + line.bbox[3]) / 2
            for row in rows:
                first = row[0]
                if first.bbox[1] <= mid <= first.bbox[3] and all(
                    line.bbox[0] >= o.bbox[2] or line.bbox[2] <= o.bbox[0] for o in row
                ):
                    row.append(line)
                    break
            else:
                rows.append([line])
        rows.sort(key=lambda row: row[0].bbox[1] + row[0].bbox[3])
        return [ln for row in rows for ln in sorted(row, key=lambda ln: ln.bbox[0])]
