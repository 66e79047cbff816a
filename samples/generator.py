"""Seeded generator of synthetic scanned Vietnamese dossiers with exact ground truth.

Why: OCR, orientation, split and extraction need inputs whose right answers are known to the
character. A seed fully determines a dossier (content from ``random.Random(seed)``, pixels from
``numpy.random.default_rng``; no global state), so tests and benchmarks are reproducible and a
failing case is reported as "kind X, seed N".

``truth.json`` (schema ``sohoa.samples.truth/1``), next to the written input::

    {"schema", "seed", "kind" ("quyet_dinh" or "don,giay_xac_nhan"), "kinds", "format", "dpi",
     "defects" (preset name or "custom"), "input" (path relative to truth.json),
     "pages": [{"number" (1-based in the dossier), "document" (1-based; null on a separator sheet),
                "file", "index_in_file",
                "width", "height" (the scanned image), "upright_width", "upright_height",
                "lines": [exact NFC text of each printed line, in reading order],
                "line_boxes": [{"text", "bbox", "zone"}],
                "defects": {what was applied, see samples.defects}}],
     "documents": [{"index", "kind", "pages": [numbers], "fields": {key: value},
                    "field_boxes": {key: {"page", "bbox"}}}]}

Reading order of ``lines``: band by band (header, title+body, footer); inside a band the left
column top to bottom, then the right column (header: agency, "Số:", "V/v ..." then national motto,
tagline, place/date; footer: "Nơi nhận:" list then the signer block). Boxes (``[x0, y0, x1, y1]``,
pixels, top-left origin) are in the clean upright page, i.e. the pipeline's upright, deskewed output
page; ``defects.matrix`` maps them into the scan. Field conventions: see :mod:`samples.documents`.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import zlib
from collections.abc import Sequence
from dataclasses import fields as dc_fields
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
from PIL import Image

from samples.defects import DefectSpec, ScannedPage, apply_defects, preset_spec
from samples.documents import SECRECY_STYLES, RenderedPage
from samples.family_b import KINDS as FAMILY_B_KINDS
from samples.family_b import build_pages as build_pages_b
from samples.family_b.photo import capture
from samples.forms import ALL_KINDS, SEPARATOR_KINDS, build_pages

FORMATS = ("pdf", "tiff", "png", "jpeg")
_FORMAT_ALIASES = {"tif": "tiff", "jpg": "jpeg"}
TRUTH_SCHEMA = "sohoa.samples.truth/1"
COMMITTED_DIR = Path(__file__).resolve().parent / "dossiers"

Defects = str | DefectSpec | Sequence[DefectSpec]


def render_page(kind: str = "quyet_dinh", *, seed: int = 0, dpi: int = 200) -> RenderedPage:
    """One clean upright page of `kind` with its truth (the first, for a multi-page kind); tens of ms."""
    return build_pages(kind, random.Random(seed), dpi)[0]


def render_pages(kind: str = "quyet_dinh", *, seed: int = 0, dpi: int = 200) -> list[RenderedPage]:
    """Every clean upright page of one document of `kind` ("gcn_qsdd" has two)."""
    return build_pages(kind, random.Random(seed), dpi)


def scan_page(
    kind: str = "quyet_dinh", *, seed: int = 0, dpi: int = 200, defects: str | DefectSpec = "clean"
) -> tuple[ScannedPage, RenderedPage]:
    """A page as scanned (with a preset's or a spec's defects) plus the clean page it came from."""
    page = render_page(kind, seed=seed, dpi=dpi)
    spec, preset = _page_spec(defects, seed, 1)
    return apply_defects(page, spec, seed=[seed, 1], preset=preset), page


def parse_defects(text: str) -> str | DefectSpec:
    """ "office" (a preset) or "rotation=90,skew=3,color_mode=gray" (an exact spec), for the CLI."""
    if "=" not in text:
        return text
    types = {f.name: f.type for f in dc_fields(DefectSpec)}
    values: dict[str, Any] = {}
    for item in text.split(","):
        key, _, raw = item.partition("=")
        key = key.strip()
        if key not in types:
            raise ValueError(f"unknown defect {key!r}; known: {', '.join(types)}")
        kind = str(types[key])
        if "bool" in kind:
            values[key] = raw.strip().lower() in ("1", "true", "yes", "on")
        elif kind.startswith("int"):
            values[key] = None if raw.strip() in ("", "none") else int(raw)
        elif "float" in kind:
            values[key] = float(raw)
        else:
            values[key] = raw.strip()
    return DefectSpec(**values)


def _page_spec(defects: Defects, seed: int, number: int) -> tuple[DefectSpec, str | None]:
    if isinstance(defects, str):
        return preset_spec(defects, np.random.default_rng([seed, number, 7])), defects
    if isinstance(defects, DefectSpec):
        return defects, None
    specs = list(defects)
    if len(specs) < number:
        raise ValueError(f"{len(specs)} DefectSpecs given for a dossier of at least {number} pages")
    return specs[number - 1], None


FAMILIES = ("a", "b")
FAMILY_B_DPIS = (200, 240, 300)


def generate_dossier(
    out_dir: Path,
    *,
    seed: int,
    kinds: Sequence[str] = ("quyet_dinh",),
    fmt: str = "pdf",
    dpi: int | None = None,
    defects: Defects = "office",
    jpeg_quality: int = 80,
    name: str = "scan",
    family: str = "a",
    secrecy: str | None = None,
    secrecy_level: str | None = None,
) -> Path:
    """Write one synthetic dossier (one document per kind, in order) and its ``truth.json``.

    Kinds are those of :mod:`samples.forms` (``ALL_KINDS``); most documents are one page, "gcn_qsdd" two.
    The separator kinds "trang_trang" (blank sheet) and "tach_ho_so" (separator sheet) add a page that
    belongs to no document: its page truth has ``"document": null``.

    `defects` is a preset name ("clean", "office", "harsh": drawn per page from the seed), one
    DefectSpec for every page, or one DefectSpec per page. Formats: "pdf" (one multi-page PDF, JPEG
    or 1-bit images at `dpi`), "tiff" (multi-page, lossless, DPI tags), "png" / "jpeg" (a folder
    `name`/ with page-001.png ...). Returns the input path (file or folder); the truth is
    ``out_dir / "truth.json"``. Same arguments, same bytes.

    `family` "a" is the layouts above; "b" is :mod:`samples.family_b` (other faces, A4/A5, frames, tables,
    leaders; a share of preset pages photographed by a phone), whose truth also says ``"family": "b"``.
    `dpi` defaults to 200 for family A and is drawn from 200, 240 and 300 by the seed for family B.
    ``secrecy`` (a style of ``samples.documents.SECRECY_STYLES``) and ``secrecy_level`` fix how
    "quyet_dinh_mat" is marked; by default the seed draws both. Its truth document says ``secrecy_style``.
    """
    fmt = _FORMAT_ALIASES.get(fmt, fmt)
    if family not in FAMILIES:
        raise ValueError(f"unknown layout family {family!r}; known: {', '.join(FAMILIES)}")
    if dpi is None:
        dpi = 200 if family == "a" else random.Random(f"family-b-dpi-{seed}").choice(FAMILY_B_DPIS)
    if isinstance(kinds, str):
        kinds = [k.strip() for k in kinds.split(",") if k.strip()]
    if not kinds:
        raise ValueError("a dossier needs at least one document kind")
    if not 72 <= dpi <= 600:
        raise ValueError(f"dpi must be within 72-600, not {dpi}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    known = ALL_KINDS if family == "a" else (*FAMILY_B_KINDS, *SEPARATOR_KINDS)
    for kind in kinds:
        if kind not in known:
            raise ValueError(f"unknown document kind {kind!r} in family {family}; known: {', '.join(known)}")
    if secrecy is not None and secrecy not in SECRECY_STYLES:
        raise ValueError(f"unknown secrecy style {secrecy!r}; known: {', '.join(SECRECY_STYLES)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    content_rng = random.Random(seed)
    shared: dict[str, Any] = {}
    scans: list[ScannedPage] = []
    pages: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    for kind in kinds:
        index = None if kind in SEPARATOR_KINDS else len(documents) + 1
        doc: dict[str, Any] = {"index": index, "kind": kind, "pages": [], "fields": {}, "field_boxes": {}}
        for page in _build(family, kind, content_rng, dpi, shared, secrecy=secrecy, secrecy_level=secrecy_level):
            number = len(scans) + 1
            spec, preset = _page_spec(defects, seed, number)
            if family == "a":
                scan = apply_defects(page, spec, seed=[seed, number], preset=preset)
            else:
                scan = capture(page, defects, seed=seed, number=number, spec=spec, preset=preset)
            scans.append(scan)
            pages.append(_page_truth(number, index, page, scan))
            doc["pages"].append(number)
            doc["fields"].update(page.fields)
            doc["field_boxes"].update({k: {"page": number, "bbox": list(b)} for k, b in page.field_boxes.items()})
            if page.secrecy_style:
                doc["secrecy_style"] = page.secrecy_style
        if index is not None:
            documents.append(doc)
    target = _write(out_dir, name, fmt, scans, dpi, jpeg_quality)
    for i, page_truth in enumerate(pages):
        page_truth["file"] = target.name if target.is_file() else f"{name}/{_page_name(i + 1, fmt)}"
        page_truth["index_in_file"] = i if target.is_file() else 0
    truth = {
        "schema": TRUTH_SCHEMA,
        "seed": seed,
        "kind": ",".join(kinds),
        "kinds": list(kinds),
        "format": fmt,
        "dpi": dpi,
        "defects": defects if isinstance(defects, str) else "custom",
        "input": target.name,
        "pages": pages,
        "documents": documents,
    }
    if family != "a":  # family A's truth stays byte-identical
        truth["family"] = family
    (out_dir / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return target


def _build(
    family: str,
    kind: str,
    rng: random.Random,
    dpi: int,
    shared: dict[str, Any],
    *,
    secrecy: str | None = None,
    secrecy_level: str | None = None,
) -> list[RenderedPage]:
    """The pages of one document in a family; separator sheets are sohoa's own, the same in both."""
    if family == "a" or kind in SEPARATOR_KINDS:
        return build_pages(kind, rng, dpi, shared, secrecy_style=secrecy, secrecy_level=secrecy_level)
    return list(build_pages_b(kind, rng, dpi, shared))


def _page_truth(number: int, document: int | None, page: RenderedPage, scan: ScannedPage) -> dict[str, Any]:
    return {
        "number": number,
        "document": document,
        "file": "",
        "index_in_file": 0,
        "width": scan.image.width,
        "height": scan.image.height,
        "upright_width": page.image.width,
        "upright_height": page.image.height,
        "lines": [line.text for line in page.lines],
        "line_boxes": [{"text": line.text, "bbox": list(line.bbox), "zone": line.zone} for line in page.lines],
        "defects": scan.defects,
    }


def load_truth(path: Path | str) -> dict[str, Any]:
    """The truth of a generated dossier, from ``truth.json`` or the folder that holds it."""
    path = Path(path)
    if path.is_dir():
        path = path / "truth.json"
    return json.loads(path.read_text(encoding="utf-8"))


def truth_text(truth: dict[str, Any], page_number: int) -> str:
    """A page's true text, one line per printed line (the reference for :func:`samples.cer.cer`)."""
    page = next(p for p in truth["pages"] if p["number"] == page_number)
    return "\n".join(page["lines"])


# -- writers -----------------------------------------------------------------------------------
def _page_name(number: int, fmt: str) -> str:
    return f"page-{number:03d}.{'jpg' if fmt == 'jpeg' else fmt}"


def _is_bw(scan: ScannedPage) -> bool:
    return scan.defects.get("color_mode") == "bw"


def _write(out_dir: Path, name: str, fmt: str, scans: list[ScannedPage], dpi: int, quality: int) -> Path:
    if fmt == "pdf":
        target = out_dir / f"{name}.pdf"
        _write_pdf(target, scans, dpi, quality)
    elif fmt == "tiff":
        target = out_dir / f"{name}.tiff"
        frames = [s.image.convert("1", dither=Image.Dither.NONE) if _is_bw(s) else s.image for s in scans]
        compression = "group4" if all(_is_bw(s) for s in scans) else "tiff_adobe_deflate"
        frames[0].save(target, save_all=True, append_images=frames[1:], dpi=(dpi, dpi), compression=compression)
    else:
        target = out_dir / name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir()
        for i, scan in enumerate(scans, start=1):
            path = target / _page_name(i, fmt)
            if fmt == "png":
                img = scan.image.convert("1", dither=Image.Dither.NONE) if _is_bw(scan) else scan.image
                img.save(path, dpi=(dpi, dpi), optimize=True)
            else:
                scan.image.save(path, "JPEG", quality=quality, dpi=(dpi, dpi))
    return target


def _write_pdf(path: Path, scans: list[ScannedPage], dpi: int, quality: int) -> None:
    """One image per page, page size = pixels / dpi, so a PDF rasterizer at `dpi` gives the pixels back."""
    pdf = pikepdf.new()
    for scan in scans:
        img = scan.image
        w, h = img.size
        if _is_bw(scan):
            bits = np.packbits(np.asarray(img) > 127, axis=1)  # 1 = white in DeviceGray
            xobj = pikepdf.Stream(
                pdf,
                zlib.compress(bits.tobytes(), 9),
                Type=pikepdf.Name.XObject,
                Subtype=pikepdf.Name.Image,
                Width=w,
                Height=h,
                ColorSpace=pikepdf.Name.DeviceGray,
                BitsPerComponent=1,
                Filter=pikepdf.Name.FlateDecode,
            )
        else:
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=quality)
            space = pikepdf.Name.DeviceRGB if img.mode == "RGB" else pikepdf.Name.DeviceGray
            xobj = pikepdf.Stream(
                pdf,
                buf.getvalue(),
                Type=pikepdf.Name.XObject,
                Subtype=pikepdf.Name.Image,
                Width=w,
                Height=h,
                ColorSpace=space,
                BitsPerComponent=8,
                Filter=pikepdf.Name.DCTDecode,
            )
        pw, ph = w * 72 / dpi, h * 72 / dpi
        content = pikepdf.Stream(pdf, f"q {pw:.4f} 0 0 {ph:.4f} 0 0 cm /Im0 Do Q".encode())
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, round(pw, 4), round(ph, 4)],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobj)),
            Contents=content,
        )
        pdf.pages.append(pikepdf.Page(pdf.make_indirect(page)))
    pdf.save(path, deterministic_id=True)


# -- the samples committed to the repository ---------------------------------------------------
COMMITTED: dict[str, dict[str, Any]] = {
    # a one-page decision, office scan in colour with the red seal and a blue signature
    "quyet-dinh": {"seed": 583, "kinds": ("quyet_dinh",), "fmt": "pdf", "defects": "office", "jpeg_quality": 70},
    # a citizen's application and a ward's confirmation about the same kind of person, as JPEG pages
    "cong-dan": {"seed": 46, "kinds": ("don", "giay_xac_nhan"), "fmt": "jpeg", "defects": "office", "jpeg_quality": 70},
    # an official letter fed rotated 90° clockwise, skewed, scanned in grey
    "cong-van-xoay": {
        "seed": 90,
        "kinds": ("cong_van",),
        "fmt": "pdf",
        "jpeg_quality": 70,
        "defects": DefectSpec(
            rotation=90, skew=2.5, noise=3.0, uneven_light=0.08, seal=True, signature=True, color_mode="gray"
        ),
    },
}


def regenerate_committed_samples(root: Path | None = None) -> list[Path]:
    """Rebuild ``samples/dossiers/*`` (inputs + truth.json) from their fixed seeds; returns the inputs."""
    root = root or COMMITTED_DIR
    written = []
    for folder, cfg in COMMITTED.items():
        target = root / folder
        if target.exists():
            shutil.rmtree(target)
        written.append(
            generate_dossier(
                target,
                seed=cfg["seed"],
                kinds=cfg["kinds"],
                fmt=cfg["fmt"],
                dpi=200,
                defects=cfg["defects"],
                jpeg_quality=cfg["jpeg_quality"],
            )
        )
    return written
