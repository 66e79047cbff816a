"""A page of line art with text touching it, drawn here in fonts and shapes the sample families do not use.

The second page of a land-use certificate is mostly line art: a parcel sketch (a quadrilateral with
slanted edges, each edge's length printed at its midpoint, on or across the stroke), a small ruled table
and framed notes. Tests and ``benchmarks/line_art.py`` render it, scan it (noise, blur, a slight skew,
JPEG), read it through the page job and compare the text with the truth kept while drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from samples.defects import DefectSpec, apply_defects

FONTS = {
    "noto-serif": "/usr/share/fonts/truetype/noto/NotoSerif-{}.ttf",
    "noto-sans": "/usr/share/fonts/truetype/noto/NotoSans-{}.ttf",
    "dejavu-serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif{}.ttf",
}
A4_MM = (210.0, 297.0)


@dataclass(frozen=True)
class LineArtPage:
    """A drawn, scanned page: its pixels, the text printed on it in reading order, and the edge labels."""

    image: np.ndarray  # RGB as scanned
    lines: list[str]
    labels: list[str]  # the sketch's edge lengths, each touching or crossing its stroke
    dpi: int
    sketch: tuple[int, int, int, int]  # the parcel sketch's box (x0, y0, x1, y1), labels included
    corners: list[tuple[int, int]]  # the parcel's corners, in pixels of the unscanned page


def _face(name: str, bold: bool, px: int) -> ImageFont.FreeTypeFont:
    pattern = FONTS[name]
    style = ("-Bold" if bold else "") if "dejavu" in name else ("Bold" if bold else "Regular")
    return ImageFont.truetype(pattern.format(style), px)


def draw_line_art_page(*, dpi: int = 300, font: str = "noto-serif", seed: int = 0, scan: bool = True) -> LineArtPage:
    """Sections 4 and 5 of a certificate's second page: a slanted parcel sketch, a ruled table, framed notes."""
    rng = np.random.default_rng(seed)

    def mm(v: float) -> int:
        return round(v / 25.4 * dpi)

    img = Image.new("RGB", (mm(A4_MM[0]), mm(A4_MM[1])), "white")
    d = ImageDraw.Draw(img)
    body = _face(font, False, mm(4.2))
    bold = _face(font, True, mm(4.2))
    small = _face(font, False, mm(3.6))
    texts: list[tuple[float, float, str]] = []  # (centre y, left x, text) for the truth's reading order

    def put(x: float, y: float, text: str, face: ImageFont.FreeTypeFont, anchor: str = "la") -> None:
        d.text((x, y), text, font=face, fill="black", anchor=anchor)
        x0, y0, _, y1 = d.textbbox((x, y), text, font=face, anchor=anchor)
        texts.append(((y0 + y1) / 2, x0, text))

    stroke = max(2, mm(0.4))
    d.rectangle((mm(9), mm(9), img.width - mm(9), img.height - mm(9)), outline="black", width=mm(0.8))  # page frame
    put(mm(25), mm(24), "4. Sơ đồ thửa đất:", bold)

    # The parcel: a quadrilateral, no edge horizontal or vertical, jittered by the seed.
    jitter = rng.uniform(-4, 4, size=(4, 2))
    corners = np.array([(48, 52), (150, 40), (170, 118), (36, 104)], float) + jitter
    pts = [(mm(x), mm(y)) for x, y in corners]
    for a, b in zip(pts, pts[1:] + pts[:1], strict=True):
        d.line((a, b), fill="black", width=stroke)
    lengths = [f"{rng.uniform(10, 60):.2f}".replace(".", ",") for _ in pts]
    for k, (a, b) in enumerate(zip(pts, pts[1:] + pts[:1], strict=True)):
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        # Even edges: the number sits across the stroke; odd edges: it stands on it, touching.
        put(mx, my if k % 2 == 0 else my - mm(0.2), lengths[k], small, "mm" if k % 2 == 0 else "mb")
    cx, cy = corners.mean(axis=0)
    put(mm(cx), mm(cy - 4), "Thửa đất số: 125", body, "mm")
    put(mm(cx), mm(cy + 4), "Tờ bản đồ số: 18", body, "mm")

    put(mm(25), mm(132), "5. Những thay đổi sau khi cấp Giấy chứng nhận:", bold)
    left, mid, right, top = mm(22), mm(105), mm(188), mm(142)
    rows = [top, top + mm(16), top + mm(34)]
    for y in rows:
        d.line((left, y, right, y), fill="black", width=max(2, mm(0.3)))
    for x in (left, mid, right):
        d.line((x, rows[0], x, rows[-1]), fill="black", width=max(2, mm(0.3)))
    put((left + mid) / 2, (rows[0] + rows[1]) / 2, "Nội dung thay đổi và cơ sở pháp lý", small, "mm")
    put((mid + right) / 2, (rows[0] + rows[1]) / 2, "Xác nhận của cơ quan có thẩm quyền", small, "mm")
    put(left + mm(3), (rows[1] + rows[2]) / 2, "Không có thay đổi.", body, "lm")

    box_top = mm(190)
    d.rectangle((mm(22), box_top, mm(188), box_top + mm(26)), outline="black", width=stroke)
    put(mm(24), box_top + mm(3), "Người được cấp Giấy chứng nhận không được sửa chữa,", body)
    put(mm(24), box_top + mm(13), "tẩy xóa hoặc bổ sung bất kỳ nội dung nào trong Giấy.", body)
    put(mm(25), mm(232), "Mã vạch: CS 01234567", body)

    rows_of_text: list[list[tuple[float, float, str]]] = []
    for item in sorted(texts):
        if rows_of_text and item[0] - rows_of_text[-1][0][0] < mm(2.5):
            rows_of_text[-1].append(item)
        else:
            rows_of_text.append([item])
    lines = [" ".join(t for _, _, t in sorted(row, key=lambda i: i[1])) for row in rows_of_text]
    xs, ys = [x for x, _ in pts], [y for _, y in pts]
    sketch = (min(xs) - mm(8), min(ys) - mm(5), max(xs) + mm(8), max(ys) + mm(5))
    if not scan:
        return LineArtPage(np.asarray(img), lines, lengths, dpi, sketch, pts)
    spec = DefectSpec(
        skew=float(rng.uniform(-0.8, 0.8)), noise=4.0, blur=0.8, jpeg_quality=75, uneven_light=0.05, color_mode="gray"
    )
    scanned = apply_defects(img, spec, seed=seed, dpi=dpi)
    return LineArtPage(np.asarray(scanned.image.convert("RGB")), lines, lengths, dpi, sketch, pts)


def save_png(page: LineArtPage, path: Path) -> Path:
    """The scanned page as a PNG carrying its dpi, as a clerk's scanner would write it."""
    Image.fromarray(page.image).save(path, dpi=(page.dpi, page.dpi))
    return path
