"""OCR: Debian's Tesseract, loaded once per process (tesserocr), turned into typed words with boxes and confidences.

Why in-process: a ``tesseract`` child per page loads both models again every time (~0.1 s of a ~0.7 s
page) and needs the image written out and the TSV read back. tesserocr binds the same Debian library
(``scripts/setup.sh`` builds it from source against libtesseract 5.3.0, not the wheel that bundles another
version), so the words are exactly those of the ``tesseract`` command, ~13 % sooner. Engines are kept
per language/segmentation and lent to one thread at a time. Each Tesseract gets one OpenMP thread
(OMP_THREAD_LIMIT=1, set before the library loads): when pages run in parallel, workers x threads never
exceed the cores, and OpenMP's own threads made a page ~5x slower on 2 cores.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # read by the OpenMP runtime when tesserocr loads it

import cv2
import numpy as np
import tesserocr

from pipeline.models import Word
from sohoa.errors import ToolFailed

PAGE_PSM = 3  # fully automatic page segmentation
TSV_COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num",
               "left", "top", "width", "height", "conf", "text")  # fmt: skip
# Look-alikes Tesseract emits where documents only ever print the plain character ("583⁄QĐ-UBND").
CONFUSABLES = str.maketrans({"⁄": "/", "∕": "/", "／": "/", "‐": "-", "‑": "-", "−": "-"})
_idle: dict[tuple[str, int, str], list[tesserocr.PyTessBaseAPI]] = {}  # engines not in use, by (lang, psm, whitelist)
_idle_lock = threading.Lock()


def _quiet_leptonica() -> None:
    """Leptonica (inside Tesseract) prints notes such as "Error in boxClipToRectangle" on stderr for
    harmless clipping; the ``tesseract`` command kept them in its own stderr, in-process they would reach
    the clerk's terminal and the workers' logs. Only its messages are silenced (L_SEVERITY_NONE)."""
    name = ctypes.util.find_library("lept")
    if name:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(name).setMsgSeverity(6)


_quiet_leptonica()


@lru_cache(maxsize=1)
def available_languages() -> frozenset[str]:
    """Installed Tesseract languages; checked once so a missing `vie` fails fast with a clear error."""
    try:
        _path, langs = tesserocr.get_languages()
    except RuntimeError as exc:
        raise ToolFailed("không đọc được dữ liệu ngôn ngữ của tesseract", hint="chạy scripts/setup.sh") from exc
    return frozenset(langs)


def check_languages(lang: str) -> None:
    """Raise when a requested language pack is not installed."""
    missing = [part for part in lang.split("+") if part not in available_languages()]
    if missing:
        raise ToolFailed(
            f"thiếu dữ liệu ngôn ngữ Tesseract: {', '.join(missing)}",
            hint="cài gói tesseract-ocr-vie và tesseract-ocr-script-viet (scripts/setup.sh)",
        )


@contextlib.contextmanager
def engine(lang: str, psm: int = PAGE_PSM, whitelist: str = "") -> Iterator[tesserocr.PyTessBaseAPI]:
    """An idle Tesseract for ``lang`` and segmentation mode ``psm``, made when none is idle, kept after use.

    ``whitelist``: the only characters it may read (digits, for a number read again on its own); an engine
    keeps its whitelist for life, so engines are kept apart by it and a page engine never gets one.

    Engines are shared by the process's threads one at a time (an engine is not thread-safe), so threads
    that come and go (the second reading's) reuse loaded models. A process that forks page processes, or a
    queue worker, makes them first (``preload``): every page process or job then has them loaded.
    """
    key = (lang, psm, whitelist)
    with _idle_lock:
        api = _idle[key].pop() if _idle.get(key) else None
    if api is None:
        check_languages(lang)
        try:
            api = tesserocr.PyTessBaseAPI(lang=lang, psm=psm, oem=tesserocr.OEM.LSTM_ONLY)
        except RuntimeError as exc:
            raise ToolFailed(f"không khởi động được tesseract ({lang}): {exc}") from exc
        if whitelist:
            api.SetVariable("tessedit_char_whitelist", whitelist)
    try:
        yield api
    finally:
        api.Clear()
        with _idle_lock:
            _idle.setdefault(key, []).append(api)


def preload(lang: str) -> None:
    """Load the page engine and the second reading's engine now (see ``engine``)."""
    for key in ((lang, PAGE_PSM), ("Vietnamese", 6)):
        with engine(*key):
            pass


def recognize(
    image: np.ndarray,
    *,
    lang: str = "vie",
    timeout_s: int = 180,
    psm: int = PAGE_PSM,
    nice: int = 0,
    whitelist: str = "",
) -> list[Word]:
    """Words of a page image (grey or binary, upright) with pixel boxes and 0-1 confidences.

    ``whitelist``: read only these characters (see ``engine``).

    ``nice`` > 0 lowers this thread's priority first: work that may wait (reading ahead) then only takes
    the cores that pages leave idle.
    """
    if nice > 0:
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    grey = np.ascontiguousarray(image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    if grey.dtype != np.uint8:
        grey = grey.astype(np.uint8)
    height, width = grey.shape
    with engine(lang, psm, whitelist) as api:
        api.SetImageBytes(grey.tobytes(), width, height, 1, width)  # the pixels as they are: nothing encoded
        if not api.Recognize(timeout=max(1, timeout_s) * 1000):
            raise ToolFailed(f"tesseract quá thời gian ({timeout_s} s)")
        tsv = api.GetTSVText(0)
    return words_from_data(tsv_to_data(tsv))


def tsv_to_data(tsv: str) -> dict[str, list[str]]:
    """Tesseract's TSV (no header row, as the API gives it) as columns, the shape ``words_from_data`` reads."""
    data: dict[str, list[str]] = {name: [] for name in TSV_COLUMNS}
    for row in tsv.splitlines():
        cells = row.split("\t")
        if len(cells) < len(TSV_COLUMNS):
            cells += [""] * (len(TSV_COLUMNS) - len(cells))
        for name, value in zip(TSV_COLUMNS, cells, strict=False):
            data[name].append(value)
    return data


def words_from_data(data: dict[str, list]) -> list[Word]:
    """Keep real words; number lines in reading order across blocks and paragraphs."""
    words: list[Word] = []
    line_ids: dict[tuple[int, int, int], int] = {}
    for i, text in enumerate(data["text"]):
        text = unicodedata.normalize("NFC", (text or "").strip()).translate(CONFUSABLES)
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        line = line_ids.setdefault(key, len(line_ids))
        x, y, w, h = (int(float(data[k][i])) for k in ("left", "top", "width", "height"))
        words.append(Word(text=text, bbox=(x, y, x + w, y + h), confidence=conf / 100.0, line=line, block=key[0]))
    return words


def single_thread_env() -> None:
    """One OpenMP thread for Tesseract, also for any ``tesseract`` child (this module sets it when imported)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"


def _readable_crop(
    image: np.ndarray, bbox: tuple[int, int, int, int], pad: int
) -> tuple[np.ndarray, tuple[int, int, float]] | None:
    """The padded region in grey, enlarged so capitals are ~30 px high (Tesseract reads best so).

    Returns the crop and how to map its pixels back to the page: ``(x offset, y offset, scale)``;
    None when the region is empty.
    """
    h, w = image.shape[:2]
    x0, y0, x1, y1 = bbox
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    cx, cy = max(0, x0 - pad), max(0, y0 - pad)
    crop = image[cy : min(h, y1 + pad), cx : min(w, x1 + pad)]
    if crop.size == 0:
        return None
    if crop.ndim == 3:
        crop = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    scale = 1.0
    if crop.shape[0] < 48:
        scale = 48 / crop.shape[0]
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return crop, (cx, cy, scale)


def reread_region(
    image: np.ndarray,
    bbox: tuple[int, int, int, int],
    *,
    lang: str = "Vietnamese",
    psm: int = 7,
    pad: int = 6,
    timeout_s: int = 30,
) -> tuple[str, float]:
    """Read one region again with another recognizer setting: (text, mean confidence 0-1).

    Field review compares this second reading with the first: Tesseract's confidence does not reveal a
    wrong tone mark, but two recognizers (the `Vietnamese` script model, one text line, the region
    enlarged) rarely make the same slip. ``image`` is the page's OCR image, ``bbox`` in its pixels.
    """
    readable = _readable_crop(image, bbox, pad)
    if readable is None:
        return "", 0.0
    crop = cv2.copyMakeBorder(readable[0], 10, 10, 10, 10, cv2.BORDER_CONSTANT, value=255)
    words = recognize(crop, lang=lang, timeout_s=timeout_s, psm=psm)
    if not words:
        return "", 0.0
    text = " ".join(w.text for w in words)
    return text, sum(w.confidence for w in words) / len(words)


def read_regions(
    image: np.ndarray,
    boxes: list[tuple[int, int, int, int]],
    *,
    lang: str = "Vietnamese",
    pad: int = 6,
    gap: int = 40,
    timeout_s: int = 60,
    nice: int = 0,
) -> list[list[Word]]:
    """Several regions of one page read in a single Tesseract run (one start-up, not one per region).

    The crops are stacked on a white strip, ``gap`` pixels apart, each enlarged to a readable height;
    each word goes back to the region its centre falls in, its box mapped back to page pixels.
    """
    blank = (np.full((20, 20), 255, np.uint8), (0, 0, 1.0))
    crops = [c if (c := _readable_crop(image, box, pad)) is not None else blank for box in boxes]
    if not crops:
        return []
    width = max(c.shape[1] for c, _ in crops) + 2 * gap
    spans: list[tuple[int, int]] = []
    rows: list[np.ndarray] = [np.full((gap, width), 255, np.uint8)]
    y = gap
    for crop, _ in crops:
        row = np.full((crop.shape[0], width), 255, np.uint8)
        row[:, gap : gap + crop.shape[1]] = crop
        rows.append(row)
        spans.append((y, y + crop.shape[0]))
        y += crop.shape[0]
        rows.append(np.full((gap, width), 255, np.uint8))
        y += gap
    words = recognize(np.vstack(rows), lang=lang, timeout_s=timeout_s, psm=6, nice=nice)
    found: list[list[Word]] = [[] for _ in crops]
    for word in words:
        centre = (word.bbox[1] + word.bbox[3]) / 2
        for i, (top, bottom) in enumerate(spans):
            if top <= centre < bottom:
                cx, cy, scale = crops[i][1]
                x0, y0, x1, y1 = word.bbox
                page_box = (
                    cx + round((x0 - gap) / scale),
                    cy + round((y0 - top) / scale),
                    cx + round((x1 - gap) / scale),
                    cy + round((y1 - top) / scale),
                )
                found[i].append(replace(word, bbox=page_box))
                break
    return [sorted(ws, key=lambda w: (w.line, w.bbox[0])) for ws in found]


def reread_regions(
    image: np.ndarray,
    boxes: list[tuple[int, int, int, int]],
    *,
    lang: str = "Vietnamese",
    pad: int = 6,
    gap: int = 40,
    timeout_s: int = 60,
    nice: int = 0,
) -> list[str]:
    """The text of each region read again (``read_regions``), for field review's second reading."""
    found = read_regions(image, boxes, lang=lang, pad=pad, gap=gap, timeout_s=timeout_s, nice=nice)
    return [" ".join(w.text for w in words) for words in found]
