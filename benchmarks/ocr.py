"""OCR accuracy and speed of sohoa against OCRmyPDF and raw Tesseract, side by side on one seeded corpus.

Run from the repository root (the default takes about 6-10 minutes on 2 cores, most of it the memory case):

    .venv/bin/python benchmarks/ocr.py                  # 45 pages, seed 2026, then the 10/100-page memory case
    .venv/bin/python benchmarks/ocr.py --seed 7         # the held-out corpus: tuning must not overfit seed 2026
    .venv/bin/python benchmarks/ocr.py --quick          # 6 pages, no memory case: the smoke test (under a minute)
    .venv/bin/python benchmarks/ocr.py --no-memory --detail --json results.json

Options: --pages 45 --per-dossier 5 --dpi 200 --jobs N (default: all cores) --no-memory --memory-pages 10,100
--memory-ocrmypdf (OCRmyPDF on the memory dossiers too) --memory-only (no corpus) --detail (CER and orientation
of every page) --json FILE (every number, machine-readable) --work DIR (keep the corpus and every output there).

**Corpus.** Built from an explicit ``samples.defects.DefectSpec`` per page so that every condition is
there in fixed proportions: skew band 0-1° / 1-2.5° / 2.5-4° (a third each, random sign),
fed rotation 0 (two thirds) / 90 / 180 / 270 (a ninth each), red seal over the signer block requested on two
pages of three (a ``don`` has no signer block, so fewer are applied), colour / grey / black-and-white (a third
each), and degradation light (noise, slight uneven light) / medium (+ blur, scanner JPEG 50-70, uneven light,
thin borders) / heavy (stronger noise and blur, JPEG 30-45, strong uneven light, dark borders 4-10 mm), a
third each; every page has a blue signature. Each factor's list is shuffled on its own with the seed, so the
crossing differs between seeds. Pages are grouped into dossiers of ``--per-dossier`` pages (multi-page PDFs,
one page per document, the five document kinds in turn), written at ``--dpi``.

**Systems**, each given the same N cores (``--jobs``), every process with ``OMP_THREAD_LIMIT=1`` (Tesseract's
OpenMP threads are ~5x slower on a 2-core machine; OCRmyPDF and sohoa set it themselves too):

1. ``tesseract``: raw Tesseract CLI, ``tesseract PAGE.tif OUT -l vie pdf`` on every page, N at a time. The
   pages are rasterized once with ``pdftoppm -r DPI -tiff`` (LZW, lossless) **before and outside** the timing.
   The speed floor.
2. ``ocrmypdf``: ``ocrmypdf -l vie --deskew --rotate-pages --output-type pdf --jobs N`` per dossier.
3. ``sohoa``: ``sohoa process DOSSIER.pdf --out DIR --json`` per dossier, ``SOHOA_WORKERS=N``, embedded mode
   with ``SOHOA_DATA_DIR`` in the work folder (its database and development key are made by one untimed
   1-page warm-up dossier first, as on a running installation).

The systems take turns dossier by dossier (raw Tesseract, OCRmyPDF, sohoa on dossier 1, then on dossier 2, ...),
so load from other work on a shared machine hits all three alike; each run's process start-up is inside its
timing; a system's times are summed over its dossiers and its peak RSS is the largest of its runs. The
ratios are therefore steadier than the absolute figures.

**Columns** of the main table (one row per system):

- ``pages``: pages of the corpus; a page of a dossier the system failed on counts with empty text.
- ``wall s``: elapsed time of all of the system's runs. ``pages/min`` = 60 x pages / wall s.
- ``busy %``: CPU s / (wall s x N): how much of its N cores the system kept busy.
- ``CPU s/pg``: user + system CPU seconds of the whole process tree (``getrusage(RUSAGE_CHILDREN)`` deltas,
  see ``_measure.py``) per page.
- ``peak RSS MB``: the largest sum of RSS over all live processes of the tree, sampled every 50 ms (of the
  system's dossier runs, the largest). ``PSS MB``: the same with proportional set sizes, where memory
  shared by k processes (a forked pool, a process forked to exec a tool) counts 1/k in each: what the tree
  really holds; RSS sums count shared pages once per process.
- ``CER`` / ``WER`` / ``CER-nodia``: pooled over pages (sum of edit distances / sum of reference lengths) of
  ``samples.cer`` (``cer``, ``wer``, ``cer(strip_diacritics=True)``) between the truth's lines and
  ``pdftotext -layout`` of each output page, the signature stamp's lines dropped with ``strip_stamp``
  (the stamp is only on sohoa's first page; harmless for the others).
- ``orient``: rotated pages (fed 90/180/270) whose output page is upright, n/m. **Definition**, identical for
  all systems and independent of OCR quality: the output page is rasterized at 24 dpi in grey; its ink (local
  background minus grey) is correlated (Pearson, central 84 % of both, slight blur) with a map of the truth's
  text-line boxes turned 0/90/180/270° clockwise (only turns with the page's portrait/landscape shape); the
  page is upright when the best turn is 0. Applied to the input scans the same check must recover each
  page's fed rotation: that self-check is printed. Upright pages a system turned wrongly are listed too.
  (A text-based check would mislead: Tesseract reads a page fed 90° quite well while leaving it sideways.)
- ``KB/page``: total size of the output PDFs / pages (raw Tesseract's PDFs embed the lossless rasters).

Then a table of CER by page condition (skew band, rotation, seal, colour mode, degradation, document kind)
and the ratio lines ``sohoa/OCRmyPDF pages/min`` (target >= 1.5) and ``sohoa/OCRmyPDF CER`` (target <= 0.3),
and the same against raw Tesseract.

**Memory case** (skip with ``--no-memory``): one dossier of each size in ``--memory-pages`` (default 10 and
100 pages, ``office`` defects) through sohoa (and OCRmyPDF with ``--memory-ocrmypdf``): wall time, pages/min,
peak RSS and PSS of the tree with the processes that made up the RSS peak, and the ratio of the largest to the
smallest dossier's peak RSS (target <= 1.2) and PSS.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from _measure import MB, TreeMonitor, Usage
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from samples.cer import cer, normalize_text, strip_stamp, wer  # noqa: E402
from samples.defects import DefectSpec  # noqa: E402
from samples.generator import generate_dossier, load_truth  # noqa: E402

KINDS = ("quyet_dinh", "cong_van", "thong_bao", "giay_xac_nhan", "don")
SYSTEMS = ("tesseract", "ocrmypdf", "sohoa")
LABELS = {"tesseract": "raw tesseract", "ocrmypdf": "OCRmyPDF", "sohoa": "sohoa"}
TIMEOUT_S = 3600
ORIENT_DPI = 24
TIFF_LZW = ("-tiff", "-tiffcompression", "lzw")  # lossless and 10x faster to write than pdftoppm's PNG

# Factor cycles: a prefix of any length keeps every level (before the per-factor shuffle).
ROTATION_CYCLE = (0, 90, 0, 180, 0, 270, 0, 0, 0)
SKEW_BANDS = ((0.0, 0.95), (1.05, 2.45), (2.55, 4.0))
COLOR_CYCLE = ("color", "gray", "bw")
DEGRADATION_CYCLE = ("light", "medium", "heavy")
SEAL_CYCLE = (True, True, False)


_T0 = time.perf_counter()


def progress(message: str) -> None:
    """A progress line on stderr (stdout carries only the tables)."""
    print(f"[{time.perf_counter() - _T0:6.1f} s] {message}", file=sys.stderr, flush=True)


# -- the corpus ----------------------------------------------------------------------------------
def _cycle(values: Sequence[Any], n: int, rng: random.Random) -> list[Any]:
    items = [values[i % len(values)] for i in range(n)]
    rng.shuffle(items)
    return items


def plan_pages(n: int, seed: int) -> list[DefectSpec]:
    """`n` DefectSpecs with every condition in fixed proportion, crossed at random by `seed`."""
    rng = random.Random(seed)
    rotations = _cycle(ROTATION_CYCLE, n, rng)
    bands = _cycle(range(len(SKEW_BANDS)), n, rng)
    colors = _cycle(COLOR_CYCLE, n, rng)
    levels = _cycle(DEGRADATION_CYCLE, n, rng)
    seals = _cycle(SEAL_CYCLE, n, rng)
    specs = []
    for i in range(n):
        lo, hi = SKEW_BANDS[bands[i]]
        skew = round(rng.choice((-1.0, 1.0)) * rng.uniform(lo, hi), 2)
        common = {"rotation": rotations[i], "skew": skew, "seal": seals[i], "signature": True, "color_mode": colors[i]}
        if levels[i] == "light":
            extra: dict[str, Any] = {
                "noise": round(rng.uniform(2, 5), 1),
                "uneven_light": round(rng.uniform(0.03, 0.1), 2),
            }
        elif levels[i] == "medium":
            extra = {
                "noise": round(rng.uniform(4, 7), 1),
                "blur": round(rng.uniform(0.4, 0.75), 2),
                "jpeg_quality": rng.randint(50, 70),
                "uneven_light": round(rng.uniform(0.1, 0.2), 2),
                "borders": round(rng.uniform(0.0, 4.0), 1),
            }
        else:
            extra = {
                "noise": round(rng.uniform(7, 10), 1),
                "blur": round(rng.uniform(0.8, 1.3), 2),
                "jpeg_quality": rng.randint(30, 45),
                "uneven_light": round(rng.uniform(0.2, 0.4), 2),
                "borders": round(rng.uniform(4.0, 10.0), 1),
            }
        specs.append(DefectSpec(**common, **extra))
    return specs


@dataclass
class Dossier:
    """One generated multi-page PDF and its truth."""

    name: str
    seed: int
    kinds: list[str]
    input: Path
    truth: dict[str, Any]

    @property
    def pages(self) -> list[dict[str, Any]]:
        return self.truth["pages"]


def build_corpus(work: Path, *, pages: int, per_dossier: int, seed: int, dpi: int) -> list[Dossier]:
    """Dossiers of `per_dossier` pages (the last may be shorter) covering `pages` planned pages."""
    specs = plan_pages(pages, seed)
    dossiers = []
    for i, start in enumerate(range(0, pages, per_dossier)):
        chunk = specs[start : start + per_dossier]
        kinds = [KINDS[(i + j) % len(KINDS)] for j in range(len(chunk))]
        name = f"d{i + 1:02d}"
        folder = work / "corpus" / name
        d_seed = seed * 1000 + i
        path = generate_dossier(folder, seed=d_seed, kinds=kinds, fmt="pdf", dpi=dpi, defects=chunk)
        dossiers.append(Dossier(name, d_seed, kinds, path, load_truth(folder)))
    return dossiers


def page_conditions(page: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    """(group, condition) of a page, from what the generator recorded as applied."""
    d = page["defects"]
    skew = abs(float(d["skew"]))
    band = "0-1°" if skew < 1 else "1-2.5°" if skew < 2.5 else "2.5-4°"
    blur = float(d.get("blur") or 0)
    level = "light" if blur == 0 else "medium" if blur < 0.8 else "heavy"
    return [
        ("skew", band),
        ("rotation", "upright" if d["rotation"] == 0 else f"fed {d['rotation']}°"),
        ("seal", "seal over signer" if d["seal"] else "no seal"),
        ("colour", {"color": "colour", "gray": "grey", "bw": "black & white"}[d["color_mode"]]),
        ("degradation", level),
        ("kind", kind),
    ]


# -- running the systems -------------------------------------------------------------------------
def _tool(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found beside {sys.executable} nor on PATH")
    return found


def _env(**extra: str) -> dict[str, str]:
    return dict(os.environ, OMP_THREAD_LIMIT="1", **extra)


@dataclass
class PageOut:
    """Where one corpus page ended up in a system's output."""

    pdf: Path
    index: int  # 1-based page of `pdf`
    drop_lines: tuple[str, ...] = ()  # substrings of lines to drop besides the stamp (sohoa's result code)


@dataclass
class SystemRun:
    """One system's outputs over the corpus, and what each of its dossier runs cost."""

    name: str
    usages: list[Usage] = field(default_factory=list)
    outputs: dict[tuple[str, int], PageOut] = field(default_factory=dict)  # (dossier, page number) -> output
    pdfs: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # sohoa's result JSON per dossier

    @property
    def usage(self) -> Usage:
        """Times summed over the dossier runs, peak memory the largest of them."""
        top = max(self.usages, key=lambda u: u.peak_rss, default=None)
        return Usage(
            wall_s=sum(u.wall_s for u in self.usages),
            cpu_s=sum(u.cpu_s for u in self.usages),
            peak_rss=top.peak_rss if top else 0,
            samples=sum(u.samples for u in self.usages),
            peak_pss=max((u.peak_pss for u in self.usages), default=0),
            peak_detail=top.peak_detail if top else "",
        )


def rasterize(dossiers: Sequence[Dossier], work: Path, dpi: int) -> dict[tuple[str, int], Path]:
    """Every page as a lossless TIFF at the corpus dpi, for raw Tesseract (outside its timing)."""
    images = {}
    for d in dossiers:
        for p in d.pages:
            stem = work / "raster" / d.name / f"p{p['number']:03d}"
            stem.parent.mkdir(parents=True, exist_ok=True)
            n = str(p["number"])
            cmd = ["pdftoppm", "-r", str(dpi), "-f", n, "-l", n, *TIFF_LZW, "-singlefile", str(d.input), str(stem)]
            subprocess.run(cmd, check=True, timeout=TIMEOUT_S)
            images[(d.name, p["number"])] = stem.with_suffix(".tif")
    return images


def tesseract_dossier(run: SystemRun, d: Dossier, work: Path, jobs: int, images: dict[tuple[str, int], Path]) -> None:
    """Raw Tesseract on the dossier's page images, `jobs` pages at a time."""
    out_dir = work / "out-tesseract"
    out_dir.mkdir(parents=True, exist_ok=True)
    tesseract, env = _tool("tesseract"), _env()

    def one(key: tuple[str, int]) -> tuple[tuple[str, int], Path, str]:
        base = out_dir / f"{key[0]}-p{key[1]:03d}"
        cmd = [tesseract, str(images[key]), str(base), "-l", "vie", "pdf"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
        return key, base.with_suffix(".pdf"), "" if proc.returncode == 0 else proc.stderr.strip()[-300:]

    keys = [(d.name, p["number"]) for p in d.pages]
    with TreeMonitor() as monitor, ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, keys))
    assert monitor.usage is not None
    run.usages.append(monitor.usage)
    for key, pdf, err in results:
        if err or not pdf.is_file():
            run.errors.append(f"{key[0]} page {key[1]}: {err or 'no output'}")
            continue
        run.outputs[key] = PageOut(pdf, 1)
        run.pdfs.append(pdf)


def ocrmypdf_cmd(jobs: int, src: Path, dst: Path) -> list[str]:
    return [_tool("ocrmypdf"), "-l", "vie", "--deskew", "--rotate-pages", "--output-type", "pdf", "--jobs", str(jobs),
            str(src), str(dst)]  # fmt: skip


def ocrmypdf_dossier(run: SystemRun, d: Dossier, work: Path, jobs: int) -> None:
    out_dir = work / "out-ocrmypdf"
    out_dir.mkdir(parents=True, exist_ok=True)
    dst = out_dir / f"{d.name}.pdf"
    with TreeMonitor() as monitor:
        proc = subprocess.run(ocrmypdf_cmd(jobs, d.input, dst), env=_env(), capture_output=True, text=True,
                              timeout=TIMEOUT_S)  # fmt: skip
    assert monitor.usage is not None
    run.usages.append(monitor.usage)
    (out_dir / f"{d.name}.log").write_text(proc.stderr, encoding="utf-8")  # its rotation decisions are there
    if proc.returncode != 0 or not dst.is_file():
        run.errors.append(f"{d.name}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
        return
    run.pdfs.append(dst)
    for p in d.pages:
        run.outputs[(d.name, p["number"])] = PageOut(dst, p["number"])


def sohoa_env(data_dir: Path, jobs: int) -> dict[str, str]:
    return _env(SOHOA_DATA_DIR=str(data_dir), SOHOA_WORKERS=str(jobs))


def sohoa_dossier(run: SystemRun, d: Dossier, work: Path, jobs: int, data_dir: Path) -> None:
    out = work / "out-sohoa" / d.name
    cmd = [_tool("sohoa"), "process", str(d.input), "--out", str(out), "--json"]
    with TreeMonitor() as monitor:
        proc = subprocess.run(cmd, env=sohoa_env(data_dir, jobs), capture_output=True, text=True, timeout=TIMEOUT_S)
    assert monitor.usage is not None
    run.usages.append(monitor.usage)
    if proc.returncode != 0:
        run.errors.append(f"{d.name}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
        return
    result = json.loads(proc.stdout)
    run.reports[d.name] = result
    for doc in result["documents"]:
        pdf = out / doc["pdf"]["filename"]
        run.pdfs.append(pdf)
        for index, number in enumerate(doc["pages"], start=1):
            run.outputs[(d.name, number)] = PageOut(pdf, index, drop_lines=(f"· {doc['code']}",))


def run_systems(dossiers: Sequence[Dossier], work: Path, jobs: int, data_dir: Path,
                images: dict[tuple[str, int], Path]) -> list[SystemRun]:  # fmt: skip
    """The three systems take turns dossier by dossier, so load from elsewhere hits all of them alike."""
    runs = {name: SystemRun(name) for name in SYSTEMS}
    for i, d in enumerate(dossiers, start=1):
        progress(f"dossier {i}/{len(dossiers)} ({len(d.pages)} pages): raw tesseract, OCRmyPDF, sohoa")
        tesseract_dossier(runs["tesseract"], d, work, jobs, images)
        ocrmypdf_dossier(runs["ocrmypdf"], d, work, jobs)
        sohoa_dossier(runs["sohoa"], d, work, jobs, data_dir)
    return [runs[name] for name in SYSTEMS]


def warm_up(work: Path, jobs: int, data_dir: Path, dpi: int) -> None:
    """One untimed 1-page dossier through sohoa: its database and development key exist before the timing."""
    folder = work / "warm-up"
    src = generate_dossier(folder, seed=1, kinds=("cong_van",), fmt="pdf", dpi=dpi, defects="clean")
    subprocess.run(
        [_tool("sohoa"), "process", str(src), "--out", str(folder / "out")],
        env=sohoa_env(data_dir, jobs),
        capture_output=True,
        check=True,
        timeout=TIMEOUT_S,
    )


# -- scoring -------------------------------------------------------------------------------------
def pdf_pages_text(pdf: Path) -> list[str]:
    """``pdftotext -layout`` of every page (pages are separated by form feeds)."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")


def page_images(pdf: Path, dpi: int = ORIENT_DPI) -> list[np.ndarray]:
    """Every page of `pdf` in grey at `dpi` (small: for the orientation check)."""
    with tempfile.TemporaryDirectory(prefix="sohoa-orient-") as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), f"{tmp}/p"], check=True)
        files = sorted(Path(tmp).glob("p-*.png"), key=lambda f: int(f.stem.rsplit("-", 1)[1]))
        return [np.asarray(Image.open(io.BytesIO(f.read_bytes())).convert("L"), dtype=np.float32) for f in files]


def _ink(grey: np.ndarray) -> np.ndarray:
    background = cv2.dilate(grey, np.ones((9, 9), np.uint8))
    return np.clip(background - grey, 0, 255)


def _layout(page: dict[str, Any], src_dpi: int, dpi: int = ORIENT_DPI) -> np.ndarray:
    scale = dpi / src_dpi
    mask = np.zeros((round(page["upright_height"] * scale), round(page["upright_width"] * scale)), np.float32)
    for line in page["line_boxes"]:
        x0, y0, x1, y1 = (v * scale for v in line["bbox"])
        mask[int(y0) : math.ceil(y1), int(x0) : math.ceil(x1)] = 1.0
    return mask


def _central(a: np.ndarray, margin: float = 0.08) -> np.ndarray:
    h, w = a.shape
    return a[int(h * margin) : h - int(h * margin), int(w * margin) : w - int(w * margin)]


def page_turn(grey: np.ndarray, page: dict[str, Any], src_dpi: int) -> int:
    """Clockwise turn (0/90/180/270) of the upright page that best explains `grey`: 0 means upright.

    -1 when no turn could be compared (a blank output page): never counted as upright.
    """
    ink = cv2.GaussianBlur(_central(_ink(grey)), (0, 0), 1.5)
    layout = _layout(page, src_dpi)
    best, best_score = -1, -2.0
    for turn in (0, 90, 180, 270):
        m = np.rot90(layout, k=-(turn // 90))
        if (m.shape[0] > m.shape[1]) != (grey.shape[0] > grey.shape[1]):
            continue
        m = cv2.resize(_central(m), (ink.shape[1], ink.shape[0]), interpolation=cv2.INTER_AREA)
        m = cv2.GaussianBlur(m, (0, 0), 1.5)
        if ink.std() == 0 or m.std() == 0:
            continue
        score = float(np.corrcoef(ink.ravel(), m.ravel())[0, 1])
        if score > best_score:
            best, best_score = turn, score
    return best


@dataclass
class PageScore:
    dossier: str
    number: int
    kind: str
    conditions: list[tuple[str, str]]
    fed_rotation: int
    ref_chars: int
    ref_chars_nodia: int
    ref_words: int
    dist: dict[str, int] = field(default_factory=dict)  # system -> character edit distance
    dist_nodia: dict[str, int] = field(default_factory=dict)
    dist_words: dict[str, int] = field(default_factory=dict)
    turn: dict[str, int | None] = field(default_factory=dict)  # system -> turn found on its output page


def _distance(metric: Callable[..., float], ref: str, hyp: str, n: int, **kw: Any) -> int:
    return round(metric(ref, hyp, **kw) * n)


def score_corpus(dossiers: Sequence[Dossier], runs: Sequence[SystemRun]) -> tuple[list[PageScore], int]:
    """Per-page distances and orientation for every system; also how many input pages the check reads right."""
    scores: dict[tuple[str, int], PageScore] = {}
    input_ok = 0
    for d in dossiers:
        dpi = int(d.truth["dpi"])
        for p, grey in zip(d.pages, page_images(d.input), strict=True):
            ref = "\n".join(p["lines"])
            kind = d.kinds[p["document"] - 1]
            scores[(d.name, p["number"])] = PageScore(
                d.name,
                p["number"],
                kind,
                page_conditions(p, kind),
                int(p["defects"]["rotation"]),
                len(normalize_text(ref)),
                len(normalize_text(ref, strip_diacritics=True)),
                len(normalize_text(ref).split()),
            )
            input_ok += page_turn(grey, p, dpi) == int(p["defects"]["rotation"])
    truth_pages = {(d.name, p["number"]): (p, int(d.truth["dpi"])) for d in dossiers for p in d.pages}
    for run in runs:
        texts: dict[Path, list[str]] = {pdf: pdf_pages_text(pdf) for pdf in set(run.pdfs)}
        greys: dict[Path, list[np.ndarray]] = {pdf: page_images(pdf) for pdf in set(run.pdfs)}
        for key, s in scores.items():
            page, dpi = truth_pages[key]
            ref = "\n".join(page["lines"])
            out = run.outputs.get(key)
            hyp, turn = "", None
            if out is not None and out.index <= len(greys[out.pdf]):
                hyp = strip_stamp(texts[out.pdf][out.index - 1])
                hyp = "\n".join(ln for ln in hyp.splitlines() if not any(x in ln for x in out.drop_lines))
                turn = page_turn(greys[out.pdf][out.index - 1], page, dpi)
            s.dist[run.name] = _distance(cer, ref, hyp, s.ref_chars)
            s.dist_nodia[run.name] = _distance(cer, ref, hyp, s.ref_chars_nodia, strip_diacritics=True)
            s.dist_words[run.name] = _distance(wer, ref, hyp, s.ref_words)
            s.turn[run.name] = turn
    return list(scores.values()), input_ok


def pooled(scores: Sequence[PageScore], system: str, kind: str = "cer") -> float:
    if kind == "cer":
        num, den = sum(s.dist[system] for s in scores), sum(s.ref_chars for s in scores)
    elif kind == "nodia":
        num, den = sum(s.dist_nodia[system] for s in scores), sum(s.ref_chars_nodia for s in scores)
    else:
        num, den = sum(s.dist_words[system] for s in scores), sum(s.ref_words for s in scores)
    return num / den if den else float("nan")


# -- reporting -----------------------------------------------------------------------------------
def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def summarize(run: SystemRun, scores: Sequence[PageScore], jobs: int) -> dict[str, Any]:
    pages = len(scores)
    rotated = [s for s in scores if s.fed_rotation]
    size = sum(p.stat().st_size for p in set(run.pdfs))
    u = run.usage
    return {
        "system": run.name,
        "pages": pages,
        "wall_s": u.wall_s,
        "pages_per_min": 60 * pages / u.wall_s if u.wall_s else float("nan"),
        "busy_pct": 100 * u.cpu_s / (u.wall_s * jobs) if u.wall_s else float("nan"),
        "cpu_s_per_page": u.cpu_s / pages if pages else float("nan"),
        "peak_rss_mb": u.peak_rss / MB,
        "peak_pss_mb": u.peak_pss / MB,
        "peak_detail": u.peak_detail,
        "cer": pooled(scores, run.name),
        "wer": pooled(scores, run.name, "wer"),
        "cer_nodia": pooled(scores, run.name, "nodia"),
        "orientation_fixed": sum(s.turn[run.name] == 0 for s in rotated),
        "rotated_pages": len(rotated),
        "upright_turned": [f"{s.dossier}p{s.number}" for s in scores if not s.fed_rotation and s.turn[run.name] != 0],
        "not_fixed": [f"{s.dossier}p{s.number} ({s.fed_rotation}°)" for s in rotated if s.turn[run.name] != 0],
        "kb_per_page": size / 1024 / pages if pages else float("nan"),
        "errors": run.errors,
    }


def print_main_table(rows: Sequence[dict[str, Any]]) -> None:
    head = (
        f"{'system':<14} {'pages':>5} {'wall s':>7} {'pages/min':>9} {'busy %':>6} {'CPU s/pg':>8} {'peak RSS MB':>11} "
        f"{'PSS MB':>6} {'CER':>7} {'WER':>7} {'CER-nodia':>9} {'orient':>7} {'KB/page':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        orient = f"{r['orientation_fixed']}/{r['rotated_pages']}"
        print(
            f"{LABELS[r['system']]:<14} {r['pages']:>5} {r['wall_s']:>7.1f} {r['pages_per_min']:>9.1f} "
            f"{r['busy_pct']:>6.0f} {r['cpu_s_per_page']:>8.2f} {r['peak_rss_mb']:>11.0f} "
            f"{r['peak_pss_mb']:>6.0f} {r['cer']:>7.4f} "
            f"{r['wer']:>7.4f} {r['cer_nodia']:>9.4f} {orient:>7} {r['kb_per_page']:>8.0f}"
        )


def condition_table(scores: Sequence[PageScore], systems: Sequence[str]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[PageScore]] = {}
    for s in scores:
        for cond in s.conditions:
            groups.setdefault(cond, []).append(s)
    order = ["skew", "rotation", "seal", "colour", "degradation", "kind"]
    rows = []
    for group, cond in sorted(groups, key=lambda gc: (order.index(gc[0]), gc[1])):
        members = groups[(group, cond)]
        rows.append(
            {"group": group, "condition": cond, "pages": len(members), **{n: pooled(members, n) for n in systems}}
        )
    return rows


def print_condition_table(rows: Sequence[dict[str, Any]], systems: Sequence[str]) -> None:
    head = f"{'condition':<30} {'pages':>5} " + " ".join(f"{'CER ' + LABELS[n]:>18}" for n in systems)
    print(head)
    print("-" * len(head))
    for r in rows:
        label = f"{r['group']}: {r['condition']}"
        print(f"{label:<30} {r['pages']:>5} " + " ".join(f"{r[n]:>18.4f}" for n in systems))


def print_detail(scores: Sequence[PageScore], systems: Sequence[str]) -> None:
    print(f"{'page':<8} {'kind':<14} {'conditions':<52} " + " ".join(f"{LABELS[n]:>16}" for n in systems))
    for s in scores:
        conds = ", ".join(c for g, c in s.conditions if g != "kind")
        cells = []
        for n in systems:
            mark = "" if s.turn[n] == 0 else f" ↻{s.turn[n]}"
            cells.append(f"{s.dist[n] / max(1, s.ref_chars):.3f}{mark}".rjust(16))
        print(f"{s.dossier + 'p' + str(s.number):<8} {s.kind:<14} {conds:<52} " + " ".join(cells))


def sohoa_self_report(dossiers: Sequence[Dossier], run: SystemRun) -> str:
    """How sohoa's own JSON (rotation applied, skew corrected) compares with the truth."""
    rot_ok = total = 0
    skew_err: list[float] = []
    for d in dossiers:
        report = run.reports.get(d.name)
        if not report:
            continue
        for page, truth in zip(report["pages"], d.pages, strict=False):
            total += 1
            rot_ok += int(page["rotation"]) == int(truth["defects"]["correction_rotation"])
            skew_err.append(abs(float(page["skew"]) + float(truth["defects"]["skew"])))
    if not total:
        return "sohoa's JSON: no pages"
    return (
        f"sohoa's JSON: rotation applied = truth's correction on {rot_ok}/{total} pages; "
        f"|skew corrected + truth skew| median {float(np.median(skew_err)):.2f}°, max {max(skew_err):.2f}°"
    )


# -- memory case ---------------------------------------------------------------------------------
def memory_case(
    work: Path, sizes: Sequence[int], *, seed: int, dpi: int, jobs: int, data_dir: Path, with_ocrmypdf: bool
) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        folder = work / "memory" / f"p{n:03d}"
        kinds = [KINDS[i % len(KINDS)] for i in range(n)]
        src = generate_dossier(folder, seed=seed + n, kinds=kinds, fmt="pdf", dpi=dpi, defects="office")
        cmds = [
            ("sohoa", [_tool("sohoa"), "process", str(src), "--out", str(folder / "sohoa")], sohoa_env(data_dir, jobs))
        ]
        if with_ocrmypdf:
            cmds.append(("ocrmypdf", ocrmypdf_cmd(jobs, src, folder / "ocrmypdf.pdf"), _env()))
        for system, cmd, env in cmds:
            progress(f"memory case: {LABELS[system]} on {n} pages")
            with TreeMonitor() as monitor:
                proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
            u = monitor.usage
            assert u is not None
            rows.append(
                {
                    "system": system,
                    "pages": n,
                    "wall_s": u.wall_s,
                    "pages_per_min": 60 * n / u.wall_s,
                    "busy_pct": 100 * u.cpu_s / (u.wall_s * jobs),
                    "cpu_s_per_page": u.cpu_s / n,
                    "peak_rss_mb": u.peak_rss / MB,
                    "peak_pss_mb": u.peak_pss / MB,
                    "peak_detail": u.peak_detail,
                    "exit": proc.returncode,
                    "error": proc.stderr.strip()[-300:] if proc.returncode else "",
                }
            )
    return rows


def print_memory(rows: Sequence[dict[str, Any]]) -> None:
    head = (
        f"{'system':<14} {'pages':>5} {'wall s':>7} {'pages/min':>9} {'busy %':>6} {'CPU s/pg':>8} {'peak RSS MB':>11} "
        f"{'PSS MB':>6}  processes at the RSS peak (MB)"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{LABELS[r['system']]:<14} {r['pages']:>5} {r['wall_s']:>7.1f} {r['pages_per_min']:>9.1f} "
            f"{r['busy_pct']:>6.0f} {r['cpu_s_per_page']:>8.2f} {r['peak_rss_mb']:>11.0f} {r['peak_pss_mb']:>6.0f}  "
            f"{r['peak_detail'][:90]}" + (f"  FAILED exit {r['exit']}" if r["exit"] else "")
        )
    for system in SYSTEMS:
        mine = sorted((r for r in rows if r["system"] == system and not r["exit"]), key=lambda r: r["pages"])
        if len(mine) >= 2:
            small, big = mine[0], mine[-1]
            ratio = _ratio(big["peak_rss_mb"], small["peak_rss_mb"])
            ratio_pss = _ratio(big["peak_pss_mb"], small["peak_pss_mb"])
            target = " (target <= 1.2)" if system == "sohoa" else ""
            print(
                f"{LABELS[system]} peak RSS {big['pages']}/{small['pages']} pages = {ratio:.2f}{target}"
                f"   (peak PSS {ratio_pss:.2f})"
            )
    for r in rows:
        if r["exit"]:
            print(f"  {LABELS[r['system']]} {r['pages']} pages failed: {r['error']}")


# -- main ----------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2026, help="corpus seed (2026; 7 is the held-out one)")
    parser.add_argument("--pages", type=int, default=45, help="pages in the corpus (at least 40 for a real run)")
    parser.add_argument("--per-dossier", type=int, default=5, help="pages per dossier (multi-page PDF)")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cores given to every system")
    parser.add_argument("--quick", action="store_true", help="6 pages in 2 dossiers, no memory case (smoke test)")
    parser.add_argument(
        "--memory",
        dest="memory",
        action="store_true",
        default=None,
        help="run the memory case (the default, except with --quick)",
    )
    parser.add_argument("--no-memory", dest="memory", action="store_false", help="skip the memory case")
    parser.add_argument("--memory-pages", default="10,100", help="dossier sizes of the memory case")
    parser.add_argument("--memory-ocrmypdf", action="store_true", help="run OCRmyPDF on the memory dossiers too")
    parser.add_argument("--memory-only", action="store_true", help="only the memory case, no corpus")
    parser.add_argument("--detail", action="store_true", help="print CER and orientation of every page")
    parser.add_argument("--json", type=Path, help="write every number to this JSON file")
    parser.add_argument("--work", type=Path, help="keep the corpus and outputs in this folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.pages, args.per_dossier = 6, 3
    if args.memory is None:
        args.memory = not args.quick
    args.memory = args.memory or args.memory_only
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="sohoa-bench-ocr-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return _main(args, work.resolve())
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


def _main(args: argparse.Namespace, work: Path) -> int:
    data_dir = work / "sohoa-data"
    payload: dict[str, Any] = {}
    failed = False
    if not args.memory_only:
        payload, failed = corpus_benchmark(args, work, data_dir)
    if args.memory:
        sizes = [int(x) for x in args.memory_pages.split(",") if x.strip()]
        progress(f"memory case: dossiers of {', '.join(map(str, sizes))} pages")
        memory = memory_case(
            work,
            sizes,
            seed=args.seed,
            dpi=args.dpi,
            jobs=args.jobs,
            data_dir=data_dir,
            with_ocrmypdf=args.memory_ocrmypdf,
        )
        print()
        print(f"memory case: one dossier of {' and '.join(map(str, sizes))} pages, 'office' defects, {args.jobs} cores")
        print_memory(memory)
        payload["memory"] = memory
        failed = failed or any(r["exit"] for r in memory)
    if args.json:
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    return 1 if failed else 0


def corpus_benchmark(args: argparse.Namespace, work: Path, data_dir: Path) -> tuple[dict[str, Any], bool]:
    """The three systems on the seeded corpus: prints the tables; returns every number and whether any failed."""
    progress(f"generating {args.pages} pages (seed {args.seed}) in {work}")
    dossiers = build_corpus(work, pages=args.pages, per_dossier=args.per_dossier, seed=args.seed, dpi=args.dpi)
    progress("rasterizing the pages for raw Tesseract, warming sohoa's data folder up")
    images = rasterize(dossiers, work, args.dpi)
    warm_up(work, args.jobs, data_dir, args.dpi)
    runs = run_systems(dossiers, work, args.jobs, data_dir, images)
    progress("scoring: pdftotext, CER, orientation")
    scores, input_ok = score_corpus(dossiers, runs)
    progress("done")
    rows = [summarize(run, scores, args.jobs) for run in runs]
    conditions = condition_table(scores, SYSTEMS)

    n_pages = len(scores)
    count: dict[str, dict[str, int]] = {g: {} for g in ("skew", "rotation", "seal", "colour", "degradation")}
    for s in scores:
        for g, c in s.conditions:
            if g in count:
                count[g][c] = count[g].get(c, 0) + 1
    print(
        f"corpus: {n_pages} pages in {len(dossiers)} dossiers, seed {args.seed}, {args.dpi} dpi, "
        f"{args.jobs} cores for every system"
    )
    for g, cs in count.items():
        print(f"  {g}: " + ", ".join(f"{c} {k}" for c, k in sorted(cs.items())))
    print()
    print_main_table(rows)
    print()
    by = {r["system"]: r for r in rows}
    so, om, te = by["sohoa"], by["ocrmypdf"], by["tesseract"]
    print(f"sohoa/OCRmyPDF pages/min = {_ratio(so['pages_per_min'], om['pages_per_min']):.2f}   (target >= 1.5)")
    print(f"sohoa/OCRmyPDF CER = {_ratio(so['cer'], om['cer']):.2f}   (target <= 0.3)")
    print(f"sohoa/raw tesseract pages/min = {_ratio(so['pages_per_min'], te['pages_per_min']):.2f}")
    print(f"sohoa/raw tesseract CER = {_ratio(so['cer'], te['cer']):.2f}")
    print()
    print_condition_table(conditions, SYSTEMS)
    print()
    print(f"orientation check on the input scans: fed rotation recovered on {input_ok}/{n_pages} pages")
    for r in rows:
        if r["not_fixed"] or r["upright_turned"]:
            print(
                f"  {LABELS[r['system']]}: rotated pages left wrong: {', '.join(r['not_fixed']) or 'none'}; "
                f"upright pages turned: {', '.join(r['upright_turned']) or 'none'}"
            )
    print(sohoa_self_report(dossiers, runs[2]))
    for r in rows:
        for err in r["errors"]:
            print(f"  {LABELS[r['system']]} FAILED {err}")
    if args.detail:
        print()
        print_detail(scores, SYSTEMS)
    payload = {
        "corpus": {
            "seed": args.seed,
            "pages": n_pages,
            "dossiers": len(dossiers),
            "dpi": args.dpi,
            "jobs": args.jobs,
            "orientation_check_inputs_ok": input_ok,
        },
        "systems": rows,
        "conditions": conditions,
        "pages": [asdict(s) for s in scores],
    }
    return payload, any(r["errors"] for r in rows)


if __name__ == "__main__":
    sys.exit(main())
