"""One page, start to finish: rasterize, straighten, write the visible JPEG, clean for OCR, recognize.

This is the unit of parallel work (a process-pool task today, an RQ job later), so it takes plain
data (``PageContext``) and returns plain data (``PageResult``); the page's pixels never leave the
process that rendered them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from pipeline import clean, ocr, pages, postcorrect, quality, secrecy
from pipeline.models import PageRef, PageResult
from sohoa.settings import Settings


@dataclass(frozen=True)
class PageContext:
    """What a worker needs for one page: where it is, where to write, the settings.

    A context is pickled to the process that runs the page, so its settings are the copy without secrets
    (``Settings.without_secrets``: a pickled secret is in clear), whoever builds it.
    """

    ref: PageRef
    source_name: str
    work_dir: Path
    settings: Settings

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", self.settings.without_secrets())


def _write_jpeg(image: np.ndarray, path: Path, quality: int) -> Path:
    """``image`` (grey, or BGR) as JPEG at ``path``, all at once: a temp file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part.jpg")
    if not cv2.imwrite(str(tmp), image, [cv2.IMWRITE_JPEG_QUALITY, quality]):
        raise OSError(f"cannot write {path}")
    tmp.replace(path)
    return path


def write_visible_jpeg(rgb: np.ndarray, path: Path, quality: int) -> Path:
    """The page as it will be shown and signed: its own colours (grey when it has none), JPEG once."""
    code = cv2.COLOR_RGB2BGR if clean.is_colour(rgb) else cv2.COLOR_RGB2GRAY
    return _write_jpeg(cv2.cvtColor(rgb, code), path, quality)


def reading_grey_path(image_path: Path) -> Path:
    """Where the page's seal-free grey image lies beside its JPEG (``0001.jpg`` -> ``0001.grey.jpg``)."""
    return image_path.with_suffix(".grey.jpg")


def write_reading_grey(grey: np.ndarray, path: Path) -> None:
    """Keep the grey image (coloured ink suppressed, light evened) for the second reading of fields.

    JPEG at quality 90: ~15 ms and ~250 KB, against ~80 ms to make it again from the colour JPEG.
    """
    _write_jpeg(grey, path, 90)


def process_page(ctx: PageContext) -> PageResult:
    """Run every per-page stage; returns the page's OCR words and measurements."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    raster = pages.rasterize(ctx.ref, ctx.settings)
    timings["pages"] = time.perf_counter() - t

    t = time.perf_counter()
    geometry = clean.measure_geometry(raster.rgb)
    gate = quality.check_page(  # the reception gate, on the page as scanned, before any OCR
        raster.rgb,
        number=ctx.ref.number,
        dpi=raster.dpi,
        dpi_estimated=raster.dpi_estimated,
        rotation=geometry.rotation,
    )
    upright = clean.apply_geometry(raster.rgb, geometry)
    del raster.rgb
    image_path = write_visible_jpeg(
        upright, ctx.work_dir / "pages" / f"{ctx.ref.number:04d}.jpg", ctx.settings.jpeg_quality
    )
    grey = clean.reading_grey(upright)
    write_reading_grey(grey, reading_grey_path(image_path))
    for_ocr = clean.binarize(grey)
    del grey
    timings["clean"] = time.perf_counter() - t

    t = time.perf_counter()
    words = ocr.recognize(for_ocr, lang=ctx.settings.ocr_lang, timeout_s=ctx.settings.tesseract_timeout_s)
    if ctx.settings.postcorrect:
        words = postcorrect.correct_words(words)
    timings["ocr"] = time.perf_counter() - t

    t = time.perf_counter()
    height, width = upright.shape[:2]
    confidence = float(np.mean([w.confidence for w in words])) if words else 0.0
    result = PageResult(
        number=ctx.ref.number,
        source=ctx.source_name,
        dpi=raster.dpi,
        dpi_estimated=raster.dpi_estimated,
        width=width,
        height=height,
        rotation=geometry.rotation,
        skew=geometry.skew,
        image_path=image_path,
        words=words,
        ocr_confidence=confidence,
        seconds={k: round(v, 3) for k, v in timings.items()},
        source_index=ctx.ref.source_index,
    )
    result.secrecy = secrecy.find_mark(result, upright, for_ocr)  # the workers refuse the dossier on it
    result.seconds["secrecy"] = round(time.perf_counter() - t, 3)
    result.findings = quality.page_findings(result, for_ocr, gate.findings)
    return result
