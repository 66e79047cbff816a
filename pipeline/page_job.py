"""One page, start to finish: rasterize, straighten, write the visible JPEG, clean for OCR, recognize.

This is the unit of parallel work (a process-pool task in ``sohoa process``, an RQ job in the queue), so it takes plain
data (``PageContext``) and returns plain data (``PageResult``); the page's pixels never leave the
process that rendered them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pipeline import clean, ocr, orientation, pages, perspective, postcorrect, quality, rules, secrecy, unread_ink
from pipeline.models import PageRef, PageResult, Word
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


def kept_grey(page: PageResult) -> np.ndarray | None:
    """The page's grey image for reading a region again: the one the page job kept, or, for a page saved
    before it was kept, made again from the colour JPEG; None when neither file is there."""
    kept = reading_grey_path(page.image_path)
    if kept.is_file():
        return cv2.imread(str(kept), cv2.IMREAD_GRAYSCALE)
    if page.image_path.is_file():
        bgr = cv2.imread(str(page.image_path), cv2.IMREAD_COLOR)
        return clean.reading_grey(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return None


def write_reading_grey(grey: np.ndarray, path: Path) -> None:
    """Keep the grey image (coloured ink suppressed, light evened) for the second reading of fields.

    JPEG at quality 90: ~15 ms and ~250 KB, against ~80 ms to make it again from the colour JPEG.
    """
    _write_jpeg(grey, path, 90)


@dataclass
class _Reading:
    """One page turned by one geometry: the gate's findings, the images and the OCR words."""

    gate: list[dict[str, Any]]
    width: int
    height: int
    image_path: Path
    for_ocr: np.ndarray
    words: list[Word]  # as recognized, before post-correction
    cell_rules: list[tuple[int, int, int]]  # vertical table rules: where a row's cells part
    rgb: np.ndarray | None  # the upright colour page, until the secrecy marks are looked for (red ink)
    binary: np.ndarray | None  # the OCR image before rules were erased: a secrecy mark's frame is a "rule"


def _read(ctx: PageContext, raster: pages.RasterPage, geometry: clean.Geometry, timings: dict[str, float]) -> _Reading:
    """Gate, turn and straighten, write the visible JPEG and the grey image, clean and recognize."""
    t = time.perf_counter()
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
    height, width = upright.shape[:2]
    grey = clean.reading_grey(upright)
    write_reading_grey(grey, reading_grey_path(image_path))
    binary = clean.binarize(grey)
    cleared = rules.clear_line_art(binary)  # table rules, sketch strokes and dot leaders hide the text
    for_ocr = cleared.image
    cell_rules = rules.vertical_rules(binary)
    del grey
    timings["clean"] = timings.get("clean", 0.0) + time.perf_counter() - t

    t = time.perf_counter()
    words = ocr.recognize(for_ocr, lang=ctx.settings.ocr_lang, timeout_s=ctx.settings.tesseract_timeout_s)
    if cleared.figures:  # a drawing's labels: small numbers the layout dropped (elsewhere, ~50 ms for nothing)
        words += unread_ink.read_unread(for_ocr, words)
        words = unread_ink.drop_figure_garbage(words, cleared.figures)
    # a whole printed line Tesseract's layout dropped (~50 ms a page to look, one more run when found)
    words += unread_ink.read_dropped_lines(
        for_ocr, words, lang=ctx.settings.ocr_lang, timeout_s=ctx.settings.tesseract_timeout_s
    )
    timings["ocr"] = timings.get("ocr", 0.0) + time.perf_counter() - t
    return _Reading(gate.findings, width, height, image_path, for_ocr, words, cell_rules, upright, binary)


def process_page(ctx: PageContext) -> PageResult:
    """Run every per-page stage; returns the page's OCR words and measurements.

    A page whose orientation is in doubt after reading (``orientation.second_opinion``) and reads better
    turned otherwise is rendered and read again at that rotation; its findings say so.
    """
    timings: dict[str, float] = {}
    t = time.perf_counter()
    raster = pages.rasterize(ctx.ref, ctx.settings)
    dpi, dpi_estimated = raster.dpi, raster.dpi_estimated
    timings["pages"] = time.perf_counter() - t

    t = time.perf_counter()
    raster.rgb, sheet = perspective.correct(raster.rgb)  # a phone photo flattened; a scan untouched
    geometry = clean.measure_geometry(raster.rgb)
    timings["clean"] = time.perf_counter() - t
    reading = _read(ctx, raster, geometry, timings)

    t = time.perf_counter()
    opinion = orientation.second_opinion(
        reading.for_ocr,
        reading.words,
        geometry,
        lang=ctx.settings.ocr_lang,
        timeout_s=ctx.settings.tesseract_timeout_s,
    )
    if opinion is not None:
        timings["orientation"] = time.perf_counter() - t
    if opinion is not None and opinion.changed:
        raster = pages.rasterize(ctx.ref, ctx.settings)  # the scan's own pixels again: one interpolation only
        if sheet is not None:
            raster.rgb = perspective.flatten_light(perspective.warp(raster.rgb, sheet.corners))
        geometry = clean.measure_geometry(raster.rgb, rotation=opinion.rotation)
        reading = _read(ctx, raster, geometry, timings)

    words = reading.words
    if ctx.settings.postcorrect:
        t = time.perf_counter()
        words = postcorrect.correct_words(words)
        timings["ocr"] += time.perf_counter() - t

    confidence = float(np.mean([w.confidence for w in words])) if words else 0.0
    result = PageResult(
        number=ctx.ref.number,
        source=ctx.source_name,
        dpi=dpi,
        dpi_estimated=dpi_estimated,
        width=reading.width,
        height=reading.height,
        rotation=geometry.rotation,
        skew=geometry.skew,
        image_path=reading.image_path,
        words=words,
        ocr_confidence=confidence,
        seconds={k: round(v, 3) for k, v in timings.items()},
        source_index=ctx.ref.source_index,
        cell_rules=reading.cell_rules,
    )
    t = time.perf_counter()
    assert reading.rgb is not None and reading.binary is not None
    result.secrecy = secrecy.find_mark(result, reading.rgb, reading.binary)  # the workers refuse the dossier on it
    result.seconds["secrecy"] = round(time.perf_counter() - t, 3)
    reading.rgb = reading.binary = None
    result.findings = quality.page_findings(result, reading.for_ocr, reading.gate)
    if opinion is not None:
        result.findings = quality.merge_findings(result.findings, [opinion.finding(ctx.ref.number)])
    if sheet is not None:
        result.findings = quality.merge_findings(result.findings, [sheet.finding(ctx.ref.number)])
    return result
