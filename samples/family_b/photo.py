"""Phone photos of family B pages: the sheet on a table, seen at an angle, lit from one side, JPEG'd.

Why: citizens and clerks photograph papers as often as they scan them. A photo is not an affine image of
the page (the far edge is shorter), the paper lies on a coloured background, light falls off and a
shadow crosses it. :func:`capture` decides per page, from the seed, whether a preset page is scanned
(family A's :func:`~samples.defects.apply_defects`) or photographed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import cv2
import numpy as np
from PIL import Image

from samples.defects import DefectSpec, ScannedPage, apply_defects
from samples.documents import RenderedPage

PHOTO_SHARE = {"office": 0.25, "harsh": 0.4}  # share of pages photographed under each preset


def phone_photo(page: RenderedPage, rng: np.random.Generator, seed: Sequence[int]) -> ScannedPage:
    """The page inked (signature, seal), then photographed: perspective, background, light, blur, JPEG."""
    inked = apply_defects(page, DefectSpec(seal=True, signature=True), seed=list(seed))
    arr = np.asarray(inked.image.convert("RGB"), dtype=np.float32)
    h, w = arr.shape[:2]
    pad = round(0.06 * max(w, h))
    size = (w + 2 * pad, h + 2 * pad)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    squeeze = rng.uniform(0.0, 0.05) * w  # the far (top) edge looks shorter
    jitter = rng.uniform(-0.015, 0.015, size=(4, 2)) * np.float32([w, h])
    dst = np.float32([[pad + squeeze, pad], [pad + w - squeeze, pad], [pad + w, pad + h], [pad, pad + h]]) + jitter
    dst = dst.astype(np.float32)
    homography = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(arr, homography, size, flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), homography, size, flags=cv2.INTER_LINEAR)[..., None]
    table = np.float32(rng.choice([[120, 86, 60], [70, 72, 78], [160, 150, 135]]))
    grain = cv2.GaussianBlur(rng.standard_normal((size[1], size[0])).astype(np.float32), (0, 0), 6)[..., None]
    background = table + 12 * grain
    img = warped * mask + background * (1 - mask)
    ys, xs = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = ((xs / size[0] - 0.5) * np.cos(angle) + (ys / size[1] - 0.5) * np.sin(angle)) + 0.5
    radial = ((xs / size[0] - 0.5) ** 2 + (ys / size[1] - 0.5) ** 2) * 2
    light = 1.0 - rng.uniform(0.1, 0.3) * ramp - rng.uniform(0.05, 0.2) * radial
    img *= light[..., None]
    img *= np.float32([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 0.95)])  # warm indoor light
    dpi = page.dpi
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.5, 1.1) * dpi / 200)
    img += rng.standard_normal(img.shape).astype(np.float32) * rng.uniform(2.0, 5.0)
    out = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    quality = int(rng.integers(60, 86))
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, "JPEG", quality=quality)
    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    affine, _ = cv2.estimateAffine2D(src, dst)
    record = dict(inked.defects)
    record.update(
        {
            "preset": "photo",
            "photo": True,
            "jpeg_quality": quality,
            "color_mode": "color",
            "homography": [[round(float(v), 6) for v in row] for row in homography],
            "matrix": [[round(float(v), 6) for v in row] for row in affine],  # the best affine fit of the homography
        }
    )
    return ScannedPage(image, record)


def capture(
    page: RenderedPage, defects: str | DefectSpec, *, seed: int, number: int, spec: DefectSpec, preset: str | None
) -> ScannedPage:
    """Scan the page with `spec`, or, for a share of preset pages, photograph it instead."""
    rng = np.random.default_rng([seed, number, 11])
    if isinstance(defects, str) and rng.random() < PHOTO_SHARE.get(defects, 0.0):
        return phone_photo(page, rng, [seed, number])
    return apply_defects(page, spec, seed=[seed, number], preset=preset)
