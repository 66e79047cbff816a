"""The front of family A's ID card alone, at its printed size: the page a phone photo of a card shows.

Why: family A draws the card enlarged on an A4 photocopy, so its text reads at body size. A citizen who
photographs the card itself gives a card-shaped image whose print is about half the body size; the
reception gate and the field flags are developed on this case without looking at the held-out family.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
from PIL import Image

from samples.documents import RenderedPage
from samples.generator import render_page

CARD_MM = (85.6, 53.98)
FRONT_FIELDS = ("personal_id", "full_name", "birth_date", "gender", "nationality", "hometown", "address", "expiry_date")


def _front_box(page: RenderedPage) -> tuple[int, int, int, int]:
    """The card front's frame on the photocopy: the topmost ink outline wider than half the page."""
    ink = (np.asarray(page.image.convert("L")) < 128).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    wide = [s for s in stats[1:] if s[2] > 0.5 * page.image.width]
    x, y, w, h, _ = min(wide, key=lambda s: s[1])
    return int(x), int(y), int(x + w), int(y + h)


def card_front(seed: int, dpi: int) -> RenderedPage:
    """Family A's ID card front of ``seed`` cut out and drawn 85.6 mm wide at ``dpi``, with its fields' truth."""
    probe = render_page("cccd", seed=seed, dpi=200)
    x0, y0, x1, y1 = _front_box(probe)
    width = CARD_MM[0] / 25.4 * dpi
    k = width / (x1 - x0)
    page = render_page("cccd", seed=seed, dpi=round(200 * k))  # drawn near its final size: letters stay sharp
    x0, y0, x1, y1 = _front_box(page)
    card = page.image.crop((x0, y0, x1 + 1, y1 + 1))
    size = (round(width), round(width * CARD_MM[1] / CARD_MM[0]))
    card = card.resize(size, Image.Resampling.LANCZOS)
    fields = {k: v for k, v in page.fields.items() if k in FRONT_FIELDS}
    return replace(page, image=card, dpi=dpi, lines=[], fields=fields, field_boxes={})
