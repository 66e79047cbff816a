"""PDF: the searchable PDF, built with pikepdf from the page JPEGs and the OCR words.

Each page shows the scan's own pixels (upright, deskewed, JPEG-encoded once, embedded as they are)
under an invisible text layer (render mode 3) whose words sit on the words of the image, so search and
selection work in any viewer. The text uses a glyphless font (Tesseract's ``pdf.ttf``: one empty glyph,
every code mapped to it) with an identity ToUnicode map, so extraction returns exactly the OCR text.
Pages are appended one at a time; nothing needs all page images in memory.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import pikepdf
from PIL import Image

from pipeline.models import PageResult, Word
from sohoa.errors import ToolFailed

GLYPH_WIDTH = 0.5  # em; the DW of the glyphless font
FONT_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata/pdf.ttf",
    "/usr/share/tesseract-ocr/4.00/tessdata/pdf.ttf",
    "/usr/share/tessdata/pdf.ttf",
)
TOUNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0000> <FFFF> <0000>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


@lru_cache(maxsize=1)
def glyphless_font_path() -> Path:
    """Tesseract's glyphless font, shipped by the tesseract-ocr package."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    candidates = ([str(Path(prefix) / "pdf.ttf")] if prefix else []) + list(FONT_CANDIDATES)
    for candidate in candidates:
        if Path(candidate).is_file():
            return Path(candidate)
    raise ToolFailed("không tìm thấy phông pdf.ttf của Tesseract", hint="cài gói tesseract-ocr")


def _font(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    """A Type0 font over the glyphless TrueType program; CIDs are UTF-16 code units."""
    program = glyphless_font_path().read_bytes()
    font_file = pikepdf.Stream(pdf, zlib.compress(program), Filter=pikepdf.Name.FlateDecode, Length1=len(program))
    cid_to_gid = pikepdf.Stream(pdf, zlib.compress(b"\x00\x01" * 65536), Filter=pikepdf.Name.FlateDecode)
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name.GlyphLessFont,
            Flags=5,
            FontBBox=[0, 0, 500, 1000],
            ItalicAngle=0,
            Ascent=1000,
            Descent=0,
            CapHeight=1000,
            StemV=80,
            FontFile2=font_file,
        )
    )
    cid_font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=pikepdf.Name.GlyphLessFont,
            CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
            FontDescriptor=descriptor,
            DW=int(GLYPH_WIDTH * 1000),
            CIDToGIDMap=pdf.make_indirect(cid_to_gid),
        )
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name.GlyphLessFont,
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[cid_font],
            ToUnicode=pdf.make_indirect(pikepdf.Stream(pdf, TOUNICODE)),
        )
    )


def _hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _lines(words: Sequence[Word]) -> list[list[Word]]:
    groups: dict[int, list[Word]] = {}
    for w in words:
        groups.setdefault(w.line, []).append(w)
    return [sorted(ws, key=lambda w: w.bbox[0]) for _, ws in sorted(groups.items())]


def text_layer(words: Sequence[Word], *, scale: float, page_height: float) -> bytes:
    """Content stream drawing each word invisibly over its box; ``scale`` = points per pixel."""
    ops: list[str] = ["BT", "3 Tr"]
    for line in _lines(words):
        heights = sorted(w.bbox[3] - w.bbox[1] for w in line)
        size = max(1.0, heights[len(heights) // 2] * scale)
        baseline = page_height - max(w.bbox[3] for w in line) * scale + 0.15 * size
        for i, w in enumerate(line):
            text = w.text + (" " if i < len(line) - 1 else "")
            width = (w.bbox[2] - w.bbox[0]) * scale
            if i < len(line) - 1:  # let the space span the gap to the next word
                width = (line[i + 1].bbox[0] - w.bbox[0]) * scale
            natural = len(text) * GLYPH_WIDTH * size
            hscale = max(1.0, 100.0 * width / natural) if natural > 0 else 100.0
            ops.append(f"/F1 {size:.2f} Tf {hscale:.2f} Tz 1 0 0 1 {w.bbox[0] * scale:.2f} {baseline:.2f} Tm")
            ops.append(f"<{_hex(text)}> Tj")
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


def _image_xobject(pdf: pikepdf.Pdf, jpeg_path: Path) -> tuple[pikepdf.Stream, int, int]:
    """Embed the JPEG as it is (DCTDecode): no second lossy encoding."""
    with Image.open(jpeg_path) as img:
        width, height, mode = img.width, img.height, img.mode
    colorspace = pikepdf.Name.DeviceGray if mode == "L" else pikepdf.Name.DeviceRGB
    stream = pikepdf.Stream(pdf, jpeg_path.read_bytes())
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Image
    stream.Width, stream.Height = width, height
    stream.ColorSpace = colorspace
    stream.BitsPerComponent = 8
    stream.Filter = pikepdf.Name.DCTDecode
    return stream, width, height


def build_searchable_pdf(pages: Iterable[PageResult], out: Path, *, title: str = "", producer: str = "sohoa") -> Path:
    """Write the searchable PDF of these pages to ``out`` (atomically: temp file, then rename)."""
    pdf = pikepdf.new()
    font = _font(pdf)
    for page in pages:
        image, width, height = _image_xobject(pdf, page.image_path)
        scale = 72.0 / page.dpi
        w_pt, h_pt = width * scale, height * scale
        draw = f"q {w_pt:.3f} 0 0 {h_pt:.3f} 0 0 cm /Im0 Do Q\n".encode("ascii")
        content = draw + text_layer(page.words, scale=scale, page_height=h_pt)
        pdf_page = pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=[0, 0, round(w_pt, 3), round(h_pt, 3)],
                Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image), Font=pikepdf.Dictionary(F1=font)),
                Contents=pikepdf.Stream(pdf, zlib.compress(content), Filter=pikepdf.Name.FlateDecode),
            )
        )
        pdf.pages.append(pdf_page)
    if len(pdf.pages) == 0:
        raise ToolFailed("không có trang nào để tạo PDF")
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
        meta["pdf:Producer"] = producer
        meta["xmp:CreatorTool"] = producer
    pdf.docinfo["/Title"] = title
    pdf.docinfo["/Producer"] = producer
    tmp = out.with_suffix(out.suffix + ".part")
    pdf.save(tmp, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    os.replace(tmp, out)
    return out
