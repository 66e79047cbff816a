"""Family B: a second, independent family of layouts for the same document kinds and truth format.

Why: a reader developed on family A (:mod:`samples.documents`, :mod:`samples.forms`) can fit that family's
face, margins and zones without knowing it. Family B is written from the domain notes and real-document
conventions instead: several faces, A4 and A5, frames, ruled and unruled tables, dot leaders, boxed ID
digits, agency names over two or three lines, wrapping subjects, values under their labels, the seal over
the signer's name, and phone photos (:mod:`samples.family_b.photo`). Develop on one family, report on the
other (``benchmarks/extract.py --family``).

Truth is family A's format (``sohoa.samples.truth/1``, same field keys and conventions); each page also
keeps what it printed for each field (:attr:`PageB.printed`), so tests can check values against the ink.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from samples.documents import RenderedPage
from samples.family_b import admin, certificates, citizen
from samples.family_b.blocks import Draft
from samples.family_b.sheet import House, Overflow, Sheet, draw_house

Builder = Callable[[Draft], int]
BUILDERS: dict[str, tuple[Builder, ...]] = {
    "quyet_dinh": (admin.quyet_dinh,),
    "cong_van": (admin.cong_van,),
    "thong_bao": (admin.thong_bao,),
    "giay_xac_nhan": (admin.giay_xac_nhan,),
    "don": (citizen.don,),
    "tiep_nhan": (citizen.tiep_nhan,),
    "xac_nhan_cu_tru": (citizen.xac_nhan_cu_tru,),
    "to_khai": (citizen.to_khai,),
    "dang_ky_doanh_nghiep": (certificates.dang_ky_doanh_nghiep,),
    "gcn_qsdd": (certificates.gcn_qsdd, certificates.gcn_qsdd_page2),
    "khai_sinh": (certificates.khai_sinh,),
    "cccd": (certificates.cccd,),
}
KINDS = tuple(BUILDERS)
# Paper and frame each kind is printed on (None: drawn by the house, A4 or A5).
_PAPER: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "giay_xac_nhan": (None, ("none", "none", "double")),
    "dang_ky_doanh_nghiep": ("A4", ("double", "ornate")),
    "gcn_qsdd": ("A4", ("ornate", "double")),
    "khai_sinh": (None, ("double", "ornate", "none")),
    "cccd": ("A4", ("none",)),
    "to_khai": ("A4", ("none",)),
}


@dataclass
class PageB(RenderedPage):
    """A family B page: a :class:`RenderedPage` that also remembers each field's printed text."""

    printed: dict[str, str] = field(default_factory=dict)
    house: House | None = None


def _tighter(house: House, attempt: int) -> House:
    """A retry after an overflow: a smaller size, then A4 paper."""
    paper = "A4" if attempt >= 2 else house.paper
    pt = house.pt - 0.5 * attempt if paper == house.paper else max(house.pt, 11.0) - 0.5 * (attempt - 2)
    return House(
        house.face,
        house.value_face,
        pt,
        paper,
        house.margins_mm if paper == house.paper else (20.0, 15.0, 18.0, 25.0),
        house.split,
        house.balance_headers,
        house.leaders,
        house.upper_names,
        house.frame,
    )


def build_pages(kind: str, rng: random.Random, dpi: int = 200, shared: dict[str, Any] | None = None) -> list[PageB]:
    """The page(s) of one family B document of `kind`; a page that overflows is set again tighter."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown family B kind {kind!r}; known: {', '.join(KINDS)}")
    shared = {} if shared is None else shared
    paper, frames = _PAPER.get(kind, (None, ("none",)))
    house = draw_house(rng, paper=paper, frame=rng.choice(frames))
    pages: list[PageB] = []
    for number, builder in enumerate(BUILDERS[kind]):
        state, before = rng.getstate(), dict(shared)
        for attempt in range(5):
            rng.setstate(state)
            shared.clear()
            shared.update(before)
            sheet_house = _tighter(house, attempt) if attempt else house
            if number:  # a continuation page: no frame
                sheet_house = House(**{**sheet_house.__dict__, "frame": "none"})
            draft = Draft(Sheet(sheet_house, dpi), rng, shared)
            try:
                builder(draft)
                break
            except Overflow:
                if attempt == 4:
                    raise
        s = draft.s
        pages.append(
            PageB(
                s.image,
                dpi,
                kind,
                s.reading_order(),
                draft.fields,
                draft.boxes,
                draft.anchors,
                draft.seal,
                printed=draft.printed,
                house=sheet_house,
            )
        )
    return pages
