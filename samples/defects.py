"""Defects of office scans, applied to a clean page with a seeded generator.

Order follows the physics: ink on paper first (blue signature, then the red seal stamped over it),
then the paper is fed (rotation), lies crooked (skew), is lit unevenly, the scanner lid leaves dark
borders, the optics blur, the sensor adds noise, the device compresses (JPEG) and finally converts
to grey or thresholds to black and white. Each step is a parameter of :class:`DefectSpec`; what was
applied is returned as a JSON-ready dict that goes into ``truth.json``.

Conventions the pipeline must respect:
- ``rotation``: degrees **clockwise** the content was turned when fed (0/90/180/270). The clockwise
  turn that makes it upright again is ``correction_rotation`` = (360 - rotation) % 360.
- ``skew``: degrees, positive = content turned **counter-clockwise** (as ``PIL.Image.rotate`` and
  ``cv2.getRotationMatrix2D``); applied after the rotation, about the image centre, size kept.
  Rotating the scan by ``correction_rotation`` clockwise and then by ``-skew`` restores the page.
- ``matrix``: 2x3 affine map from the clean upright page (truth boxes) to the scanned image
  (continuous pixel coordinates; within a pixel).
- ``seal_box`` (``[x0, y0, x1, y1]``), like every truth box, is in the clean upright page.
- ``seal`` / ``signature`` say what was *applied*: a citizen's đơn never gets a seal.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from samples.documents import RenderedPage
from samples.layout import FONT_DIR

COLOR_MODES = ("color", "gray", "bw")
PRESETS = ("clean", "office", "harsh")
SEAL_INK = np.array([205.0, 25.0, 35.0], dtype=np.float32)
SIGNATURE_INK = (25, 45, 165)


@dataclass(frozen=True)
class DefectSpec:
    """Exactly which defects to apply to a page (all off by default, i.e. a clean scan)."""

    rotation: int = 0  # degrees clockwise the page was fed: 0, 90, 180, 270
    skew: float = 0.0  # degrees, positive counter-clockwise
    noise: float = 0.0  # Gaussian sensor noise, sigma in grey levels (0-255)
    blur: float = 0.0  # Gaussian blur sigma in pixels at 200 dpi (scaled to the page's dpi)
    jpeg_quality: int | None = None  # scanner-side JPEG re-encoding (artefacts), e.g. 35
    uneven_light: float = 0.0  # 0-1: darkening at the far side of a lighting gradient
    borders: float = 0.0  # dark scanner border width in mm (each side 50-100 % of it)
    seal: bool = False  # red round seal over the left third of the signer block (if the page has one)
    signature: bool = False  # blue-ink signature scribble in the signature area
    color_mode: str = "color"  # "color", "gray" or "bw" (thresholded)

    def __post_init__(self) -> None:
        if self.rotation not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0, 90, 180 or 270, not {self.rotation}")
        if self.color_mode not in COLOR_MODES:
            raise ValueError(f"color_mode must be one of {COLOR_MODES}, not {self.color_mode!r}")
        if not -45.0 <= self.skew <= 45.0:
            raise ValueError("skew must be within ±45°")
        if self.jpeg_quality is not None and not 1 <= self.jpeg_quality <= 100:
            raise ValueError("jpeg_quality must be 1-100")


def preset_spec(name: str, rng: np.random.Generator) -> DefectSpec:
    """Draw one page's defects from a named preset (the draw depends on the rng only)."""
    if name == "clean":
        return DefectSpec()
    if name == "office":
        return DefectSpec(
            skew=round(float(rng.uniform(-2.0, 2.0)), 2),
            noise=round(float(rng.uniform(2.0, 5.0)), 1),
            uneven_light=round(float(rng.uniform(0.03, 0.10)), 2),
            seal=True,
            signature=True,
            color_mode="color",
        )
    if name == "harsh":
        return DefectSpec(
            rotation=int(rng.choice([90, 180, 270])),
            skew=round(float(rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 4.0)), 2),
            noise=round(float(rng.uniform(5.0, 10.0)), 1),
            blur=round(float(rng.uniform(0.7, 1.4)), 2),
            jpeg_quality=int(rng.integers(30, 51)),
            uneven_light=round(float(rng.uniform(0.2, 0.4)), 2),
            borders=round(float(rng.uniform(4.0, 10.0)), 1),
            seal=True,
            signature=True,
            color_mode=str(rng.choice(["gray", "bw"])),
        )
    raise ValueError(f"unknown defect preset {name!r}; known: {', '.join(PRESETS)}")


@dataclass
class ScannedPage:
    """A page as the scanner delivered it, and the record of what was done to it."""

    image: Image.Image  # "RGB" for colour, "L" for grey and black-and-white (0/255 only)
    defects: dict[str, Any]


# -- ink on paper --------------------------------------------------------------------------------
def _draw_signature(img: np.ndarray, area: tuple[int, int, int, int], rng: np.random.Generator, dpi: int) -> None:
    """A looping blue scribble with a flourish, inside `area`."""
    x0, y0, x1, y1 = area
    cx = (x0 + x1) / 2 + rng.uniform(-0.05, 0.1) * (x1 - x0)
    cy = (y0 + y1) / 2
    half_w = min((x1 - x0) * 0.3, dpi * 1.1)
    half_h = (y1 - y0) * 0.3
    t = np.linspace(0.0, 1.0, 400)
    loops = rng.integers(3, 6)
    phase = rng.uniform(0, 2 * math.pi)
    xs = cx - half_w + 2 * half_w * t + 0.18 * half_w * np.sin(2 * math.pi * loops * t + phase)
    ys = cy + half_h * (0.7 * np.sin(2 * math.pi * (loops + 0.5) * t) * np.exp(-1.5 * t) + 0.3 * (t - 0.5))
    stroke = np.stack([xs, ys], axis=1)
    flourish_t = np.linspace(0, 1, 80)
    flourish = np.stack(
        [cx - half_w * 0.8 + 1.8 * half_w * flourish_t, cy + half_h * (0.9 - 0.5 * flourish_t**2)], axis=1
    )
    thick = max(1, round(dpi * 0.018))
    for curve in (stroke, flourish):
        cv2.polylines(img, [np.round(curve).astype(np.int32)], False, SIGNATURE_INK, thick, cv2.LINE_AA)


def _seal_mask(upper: str, lower: str, radius: int, rng: np.random.Generator) -> np.ndarray:
    """Ink coverage (0-1) of a round seal: outer and inner rings, text around, a star in the middle."""
    size = 2 * radius + 4
    c = size / 2
    im = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(im)
    outer = max(2, radius // 22)
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=255, width=outer)
    r_in = radius * 0.68
    draw.ellipse((c - r_in, c - r_in, c + r_in, c + r_in), outline=255, width=max(1, outer // 2))
    star = [
        (
            c + (radius * (0.26 if i % 2 == 0 else 0.105)) * math.sin(i * math.pi / 5),
            c - (radius * (0.26 if i % 2 == 0 else 0.105)) * math.cos(i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=255)
    text = f"{upper} ★ {lower} ★ "
    glyph_font = ImageFont.truetype(str(FONT_DIR / "LiberationSans-Bold.ttf"), max(8, round(radius * 0.17)))
    r_text = (radius + r_in) / 2
    step = 360.0 / len(text)
    for i, ch in enumerate(text):
        if ch == " ":
            continue
        if ch == "★":  # a small filled star instead of a glyph the font lacks
            a = math.radians(i * step)
            px, py = c + r_text * math.sin(a), c - r_text * math.cos(a)
            s = radius * 0.06
            draw.polygon(
                [
                    (
                        px + (s if k % 2 == 0 else s * 0.4) * math.sin(k * math.pi / 5 + a),
                        py - (s if k % 2 == 0 else s * 0.4) * math.cos(k * math.pi / 5 + a),
                    )
                    for k in range(10)
                ],
                fill=255,
            )
            continue
        box = glyph_font.getbbox(ch)
        gw, gh = box[2] - box[0] + 4, box[3] - box[1] + 4
        glyph = Image.new("L", (gw, gh), 0)
        ImageDraw.Draw(glyph).text((2 - box[0], 2 - box[1]), ch, font=glyph_font, fill=255)
        glyph = glyph.rotate(-i * step, resample=Image.Resampling.BICUBIC, expand=True)
        a = math.radians(i * step)
        px = round(c + r_text * math.sin(a) - glyph.width / 2)
        py = round(c - r_text * math.cos(a) - glyph.height / 2)
        im.paste(255, (px, py), glyph)
    mask = np.asarray(im, dtype=np.float32) / 255.0
    # uneven stamping: ink a little patchy, a few gaps
    patch = cv2.GaussianBlur(rng.random(mask.shape, dtype=np.float32), (0, 0), max(1.0, radius / 25))
    patch = (patch - patch.min()) / max(1e-6, float(patch.max() - patch.min()))
    return mask * np.clip(0.55 + 0.6 * patch, 0.0, 1.0)


def _stamp_seal(
    img: np.ndarray, seal_text: tuple[str, str], area: tuple[int, int, int, int], rng: np.random.Generator, dpi: int
) -> list[int]:
    """Multiply-blend a semi-transparent red seal centred on the left third of the signature area."""
    x0, y0, x1, y1 = area
    radius = round(18.0 / 25.4 * dpi)
    cx = round(x0 + (x1 - x0) * rng.uniform(0.28, 0.36))
    cy = round(y0 + (y1 - y0) * rng.uniform(0.35, 0.5))
    mask = _seal_mask(seal_text[0], seal_text[1], radius, rng)
    angle = float(rng.uniform(-25, 25))
    rot = cv2.getRotationMatrix2D((mask.shape[1] / 2, mask.shape[0] / 2), angle, 1.0)
    mask = cv2.warpAffine(mask, rot, (mask.shape[1], mask.shape[0]))
    alpha = float(rng.uniform(0.7, 0.9))
    h, w = mask.shape
    top, left = cy - h // 2, cx - w // 2
    sy0, sx0 = max(0, top), max(0, left)
    sy1, sx1 = min(img.shape[0], top + h), min(img.shape[1], left + w)
    m = mask[sy0 - top : sy1 - top, sx0 - left : sx1 - left, None] * alpha
    region = img[sy0:sy1, sx0:sx1].astype(np.float32)
    region *= 1.0 - m * (1.0 - SEAL_INK / 255.0)
    img[sy0:sy1, sx0:sx1] = np.clip(region, 0, 255).astype(np.uint8)
    return [cx - radius, cy - radius, cx + radius, cy + radius]


# -- the scanner -------------------------------------------------------------------------------
def _rotation_matrix(rotation: int, w: int, h: int) -> np.ndarray:
    """3x3 map of a clockwise turn by `rotation` from a w x h image to the turned image."""
    return {
        0: np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float64),
        90: np.array([[0, -1, h], [1, 0, 0], [0, 0, 1]], dtype=np.float64),
        180: np.array([[-1, 0, w], [0, -1, h], [0, 0, 1]], dtype=np.float64),
        270: np.array([[0, 1, 0], [-1, 0, w], [0, 0, 1]], dtype=np.float64),
    }[rotation]


def _uneven_light(img: np.ndarray, strength: float, rng: np.random.Generator) -> None:
    h, w = img.shape[:2]
    phi = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    g = (xs / w - 0.5) * math.cos(phi) + (ys / h - 0.5) * math.sin(phi)
    g = (g - g.min()) / max(1e-6, float(g.max() - g.min()))
    factor = 1.0 - strength * g**1.5
    img *= factor[..., None] if img.ndim == 3 else factor


def _borders(img: np.ndarray, width_mm: float, dpi: int, rng: np.random.Generator) -> list[int]:
    h, w = img.shape[:2]
    sides = [round(width_mm * rng.uniform(0.5, 1.0) / 25.4 * dpi) for _ in range(4)]  # top right bottom left
    top, right, bottom, left = sides
    dark = float(rng.uniform(15, 55))
    img[:top] = dark
    img[h - bottom :] = dark
    img[:, :left] = dark
    img[:, w - right :] = dark
    return sides


def _as_array(page: RenderedPage | Image.Image | np.ndarray) -> np.ndarray:
    if isinstance(page, RenderedPage):
        page = page.image
    if isinstance(page, Image.Image):
        return np.array(page.convert("RGB"))
    arr = np.asarray(page)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    return arr.astype(np.uint8).copy()


def apply_defects(
    page: RenderedPage | Image.Image | np.ndarray,
    spec: DefectSpec,
    *,
    seed: int | Sequence[int] = 0,
    dpi: int | None = None,
    preset: str | None = None,
) -> ScannedPage:
    """Turn a clean page into what an office scanner returns, deterministically for `seed`.

    Seal and signature need a :class:`RenderedPage` (they go where its signer block is); on a bare
    image they are skipped and recorded as not applied.
    """
    rng = np.random.default_rng(seed)
    rendered = page if isinstance(page, RenderedPage) else None
    dpi = dpi or (rendered.dpi if rendered else 200)
    img = _as_array(page)
    h0, w0 = img.shape[:2]
    record: dict[str, Any] = {"preset": preset or "custom", **asdict(spec)}
    area = rendered.anchors.get("signature_area") if rendered else None
    record["signature"] = bool(spec.signature and area)
    if spec.signature and area:
        _draw_signature(img, area, rng, dpi)
    record["seal"] = bool(spec.seal and area and rendered and rendered.seal_text)
    record["seal_box"] = None
    if record["seal"] and rendered and rendered.seal_text and area:
        record["seal_box"] = _stamp_seal(img, rendered.seal_text, area, rng, dpi)

    if spec.rotation:
        img = np.ascontiguousarray(np.rot90(img, k=-(spec.rotation // 90)))
    matrix = _rotation_matrix(spec.rotation, w0, h0)
    h, w = img.shape[:2]
    if spec.skew:
        rot = cv2.getRotationMatrix2D((w / 2, h / 2), spec.skew, 1.0)
        img = cv2.warpAffine(
            img, rot, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255)
        )
        matrix = np.vstack([rot, [0, 0, 1]]) @ matrix
    record["correction_rotation"] = (360 - spec.rotation) % 360
    record["matrix"] = [[round(float(v), 6) for v in row] for row in matrix[:2]]

    work = img.astype(np.float32)
    if spec.uneven_light:
        _uneven_light(work, spec.uneven_light, rng)
    record["borders_px"] = _borders(work, spec.borders, dpi, rng) if spec.borders else None
    if spec.blur:
        work = cv2.GaussianBlur(work, (0, 0), spec.blur * dpi / 200)
    if spec.noise:
        work += rng.standard_normal(work.shape, dtype=np.float32) * spec.noise
    out = np.clip(work + 0.5, 0, 255).astype(np.uint8)
    if spec.color_mode != "color":
        out = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)
    if spec.jpeg_quality is not None:
        buf = io.BytesIO()
        Image.fromarray(out).save(buf, "JPEG", quality=spec.jpeg_quality)
        out = np.array(Image.open(io.BytesIO(buf.getvalue())))
    if spec.color_mode == "bw":
        _, out = cv2.threshold(out, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return ScannedPage(Image.fromarray(out), record)
