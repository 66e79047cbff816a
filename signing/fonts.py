"""The stamp's font: NotoSans cut down to the characters Vietnamese stamps use, kept in memory.

pyHanko embeds a subset of the stamp font in every signature, and to make it, parses the whole font
(512 KB, with its OpenType layout tables) on every signature: ~100 ms of a ~150 ms B-B signature.
Vietnamese needs no shaping (NFC text uses the precomposed letters of Latin Extended Additional), so a
one-time cut without layout tables is enough, and parsing it is cheap. Made from the Debian font file;
the cut itself takes ~0.7 s, so it is kept in the user's cache folder (``$XDG_CACHE_HOME/sohoa``, under a
name made of the font's and the ranges' hash) for the next process: ``sohoa process`` is one process
per dossier. Nothing is downloaded; a cache that cannot be written only costs the cut again.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import fontTools
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.writer import BasePdfFileWriter

from signing.ltv import write_atomically

# Basic Latin and Latin-1, Latin Extended-A/B, combining marks, Latin Extended Additional (ạ..ỹ),
# general punctuation (– · …), currency (₫) and letter-like symbols (№).
STAMP_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x300, 0x36F),
    (0x1E00, 0x1EFF),
    (0x2010, 0x205E),
    (0x20A0, 0x20C0),
    (0x2100, 0x214F),
)


def cache_dir() -> Path:
    """Where derived, re-creatable files are kept between processes (XDG base directory rules)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sohoa"


@lru_cache(maxsize=4)
def stamp_font_bytes(path: str) -> bytes:
    """The font at ``path`` cut to ``STAMP_RANGES``: from the cache when this font was cut before."""
    source = Path(path).read_bytes()
    digest = hashlib.sha256(source + repr((STAMP_RANGES, fontTools.version)).encode()).hexdigest()[:24]
    cached = cache_dir() / f"stamp-font-{digest}.ttf"
    try:
        data = cached.read_bytes()
        if data[:4] in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
            return data
    except OSError:
        pass
    data = cut_stamp_font(source)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(cached, data)  # whole or absent: a reader never sees half a font
    except OSError:
        pass  # read-only home: the next process cuts it again
    return data


def cut_stamp_font(source: bytes) -> bytes:
    """The font ``source`` cut to ``STAMP_RANGES``, without layout tables (kerning is not missed)."""
    from fontTools import subset  # 80 ms of imports, needed only when the cache is cold

    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(io.BytesIO(source), recalcTimestamp=False)  # the same bytes for the same font
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[c for lo, hi in STAMP_RANGES for c in range(lo, hi + 1)])
    cutter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class StampFontFactory(GlyphAccumulatorFactory):
    """``GlyphAccumulatorFactory`` reading the cut font from memory (and leaving no file handle open)."""

    def create_font_engine(self, writer: BasePdfFileWriter, obj_stream: object = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(stamp_font_bytes(self.font_file)),
            font_size=self.font_size,
            ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag,
            writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code,
            obj_stream=obj_stream,
        )
