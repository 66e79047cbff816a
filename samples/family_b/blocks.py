"""Family B's building blocks: agency headers, titles, signer blocks, form fields, tables, boxed digits.

Each block draws on a :class:`~samples.family_b.sheet.Sheet` and records the fields it printed in a
:class:`Draft` (value, box, and the exact printed text), so tests can check every truth value against
what the page shows.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from samples import vocab
from samples.family_b import words
from samples.family_b.sheet import Run, Sheet
from samples.layout import BBox, TextLine, union

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TAGLINE = "Độc lập - Tự do - Hạnh phúc"


@dataclass
class Draft:
    """What a builder printed: fields (truth values), their boxes and printed text, anchors, the seal."""

    s: Sheet
    rng: random.Random
    shared: dict[str, Any]
    fields: dict[str, str] = field(default_factory=dict)
    boxes: dict[str, BBox] = field(default_factory=dict)
    printed: dict[str, str] = field(default_factory=dict)
    anchors: dict[str, BBox] = field(default_factory=dict)
    seal: tuple[str, str] | None = None

    @property
    def pt(self) -> float:
        return self.s.house.pt

    def put(self, key: str, value: str, lines: list[TextLine] | BBox, printed: str) -> None:
        self.fields[key] = value
        self.boxes[key] = lines if isinstance(lines, tuple) else union([ln.bbox for ln in lines])
        self.printed[key] = printed

    def gap(self, factor: float = 0.6) -> int:
        return round(self.s.px(self.pt) * factor)

    def citizen(self) -> tuple[words.Office, words.Citizen]:
        """The dossier's citizen and ward, shared by every family B document of one dossier."""
        if "b_person" not in self.shared:
            ward = self.rng.choice(words.WARDS)
            self.shared["b_ward"] = ward
            self.shared["b_person"] = words.citizen(self.rng, ward)
        return self.shared["b_ward"], self.shared["b_person"]

    def name_as_typed(self, name: str) -> str:
        return name.upper() if self.s.house.upper_names else name


def dmy(date: dt.date) -> str:
    return date.strftime("%d/%m/%Y")


# -- header, title, signer -------------------------------------------------------------------------
def agency_lines(d: Draft, office: words.Office, y: int, x0: int, x1: int) -> int:
    """Superior (regular) and issuer (bold) lines, wrapped in the office's manner, a short rule below."""
    s, pt = d.s, d.pt
    if office.superior:
        y, sup = s.para(
            office.superior,
            x0=x0,
            x1=x1,
            y=y,
            pt=pt,
            zone="header_left",
            band=0,
            align="center",
            leading=1.2,
            balance=s.house.balance_headers,
        )
        d.put("superior_agency", office.superior, sup, " ".join(ln.text for ln in sup))
    y, iss = s.para(
        [(office.issuer, "bold")],
        x0=x0,
        x1=x1,
        y=y,
        pt=pt,
        zone="header_left",
        band=0,
        align="center",
        leading=1.2,
        balance=s.house.balance_headers,
    )
    d.put("issuing_agency", office.issuer, iss, " ".join(ln.text for ln in iss))
    bx0, bx1 = min(ln.bbox[0] for ln in iss), max(ln.bbox[2] for ln in iss)
    mid, half = (bx0 + bx1) // 2, max(s.mm(8), (bx1 - bx0) // 4)
    y += d.gap(0.15)
    s.hline(mid - half, mid + half, y)
    return y + d.gap(0.5)


def header_columns(d: Draft) -> tuple[int, int]:
    """Where the left (agency) column ends and the right (motto) column starts: the motto must fit at
    a point below the body size, so a narrow A5 sheet gives the agency less room."""
    s = d.s
    need = round(s.width_of(s.tokens([(MOTTO, "bold")]), d.pt - 1.5)) + s.mm(2)
    right_x0 = min(s.split + s.mm(2), s.right - need)
    return right_x0 - s.mm(2), right_x0


def motto_lines(d: Draft, y: int, x0: int, x1: int, *, zone: str = "header_right", column: int = 1) -> int:
    s = d.s
    m = s.fit([(MOTTO, "bold")], x0=x0, x1=x1, y=y, pt=d.pt - 0.5, zone=zone, band=0, column=column, align="center")
    y = m.bbox[3] + d.gap(0.3)
    t = s.fit([(TAGLINE, "bold")], x0=x0, x1=x1, y=y, pt=d.pt, zone=zone, band=0, column=column, align="center")
    s.hline(t.bbox[0], t.bbox[2], t.bbox[3] + d.gap(0.2), thick=0.3)
    return t.bbox[3] + d.gap(0.8)


def date_line(
    d: Draft,
    y: int,
    x0: int,
    x1: int,
    place: str,
    date: dt.date,
    *,
    zone: str = "header_right",
    band: int = 0,
    column: int = 1,
    align: str = "center",
) -> int:
    text = f"{place}, {vocab.vn_date(date)}"
    line = d.s.fit([(text, "italic")], x0=x0, x1=x1, y=y, pt=d.pt, zone=zone, band=band, column=column, align=align)
    d.put("place", place, line.span_box(0, len(place)), place)
    d.put("issue_date", date.isoformat(), line.span_box(len(place) + 2), vocab.vn_date(date))
    return line.bbox[3] + d.gap(0.6)


def admin_header(
    d: Draft, office: words.Office, number_symbol: str | None, date: dt.date, *, vv: str | None = None
) -> int:
    """Zones 1-4 (and 5b): two columns, or the motto across the top with the agency under it."""
    s = d.s
    if d.rng.random() < 0.3:  # stacked: the motto across the top, the agency and the date below it
        y = motto_lines(d, s.top, s.left, s.right, zone="header", column=0)
        left_x1, right_x0 = s.split, s.split + s.mm(2)
        y = date_y = agency_lines(d, office, y, s.left, left_x1)
    else:
        left_x1, right_x0 = header_columns(d)
        y = agency_lines(d, office, s.top, s.left, left_x1)
        date_y = max(y, motto_lines(d, s.top, right_x0, s.right))
    if number_symbol is not None:
        line = s.fit(
            f"Số: {number_symbol}", x0=s.left, x1=left_x1, y=y, pt=d.pt, zone="header_left", band=0, align="center"
        )
        d.put("number_symbol", number_symbol, line.span_box(4), number_symbol)
        y = line.bbox[3] + d.gap(0.5)
    if vv is not None:
        y, vl = s.para(
            f"V/v {vv}",
            x0=s.left + s.mm(2),
            x1=left_x1 - s.mm(2),
            y=y,
            pt=d.pt - 0.5,
            zone="header_left",
            band=0,
            align="center",
            leading=1.2,
        )
        d.put(
            "subject", vv, union([vl[0].span_box(4), *[ln.bbox for ln in vl[1:]]]), " ".join(ln.text for ln in vl)[4:]
        )
    date_y = date_line(d, date_y, right_x0, s.right, office.place, date)
    return s.check(max(y, date_y) + d.gap(0.8))


def title_block(d: Draft, y: int, title: str, subject: str | None, *, subject_style: str = "bold") -> int:
    s = d.s
    y, _ = s.para(
        [(title, "bold")], x0=s.left, x1=s.right, y=y, pt=d.pt + 2, zone="title", align="center", leading=1.25
    )
    if subject is not None:
        inset = s.mm(d.rng.choice((4, 10, 18)))
        y, lines = s.para(
            [(subject, subject_style)],
            x0=s.left + inset,
            x1=s.right - inset,
            y=y,
            pt=d.pt + 0.5,
            zone="title",
            align="center",
            leading=1.25,
        )
        d.put("subject", subject, lines, " ".join(ln.text for ln in lines))
        mid = (s.left + s.right) // 2
        s.hline(mid - s.mm(18), mid + s.mm(18), y + d.gap(0.1))
        y += d.gap(0.5)
    return s.check(y + d.gap(0.6))


def signer_block(
    d: Draft,
    y: int,
    authority: str | None,
    title: str,
    name: str,
    *,
    x0: int,
    x1: int,
    note: str | None = None,
    column: int = 1,
    truth: bool = True,
) -> int:
    """Authority, title, a short room to sign (the seal then covers the name), the name."""
    s = d.s
    zone = "footer_right" if column else "footer_left"
    block: list[TextLine] = []
    for text, key in ((authority, "signer_authority"), (title, "signer_title")):
        if text:
            y, drawn = s.para(
                [(text, "bold")],
                x0=x0,
                x1=x1,
                y=y,
                pt=d.pt,
                zone=zone,
                band=2,
                column=column,
                align="center",
                leading=1.2,
            )
            if truth:
                d.put(key, text, drawn, " ".join(ln.text for ln in drawn))
            block += drawn
    if note:
        y, drawn = s.para(
            [(note, "italic")],
            x0=x0,
            x1=x1,
            y=y,
            pt=d.pt - 1.5,
            zone=zone,
            band=2,
            column=column,
            align="center",
            leading=1.2,
        )
        block += drawn
    top = y
    y += s.mm(d.rng.uniform(11, 17) if s.house.paper == "A4" else d.rng.uniform(9, 13))
    if truth:
        d.anchors["signature_area"] = (x0, top, x1, y)
    y, drawn = s.para(
        [(name, "bold")], x0=x0, x1=x1, y=y, pt=d.pt, zone=zone, band=2, column=column, align="center", leading=1.2
    )
    block += drawn
    if truth:
        d.put("signer_name", name, drawn, " ".join(ln.text for ln in drawn))
        d.anchors["signer_block"] = union([ln.bbox for ln in block] + [d.anchors["signature_area"]])
    return y


def office_signer(d: Draft, office: words.Office) -> tuple[str | None, str]:
    r = d.rng.random()
    if r < 0.4:
        return (f"TM. {office.collective}" if office.collective else None), office.head
    if r < 0.85:
        return f"KT. {office.head}", office.deputy
    return None, office.head


def footer(d: Draft, y: int, receivers: list[str], authority: str | None, title: str, name: str) -> int:
    s = d.s
    y += d.gap(0.4)
    ly, _ = s.para(
        [("Nơi nhận:", "bolditalic")], x0=s.left, x1=s.split, y=y, pt=d.pt - 1, zone="footer_left", band=2, leading=1.2
    )
    for item in receivers:
        ly, _ = s.para(f"- {item}", x0=s.left, x1=s.split, y=ly, pt=d.pt - 2, zone="footer_left", band=2, leading=1.2)
    ry = signer_block(d, y, authority, title, name, x0=s.split + s.mm(4), x1=s.right)
    return s.check(max(ly, ry))


# -- form fields -------------------------------------------------------------------------------------
def form_field(
    d: Draft,
    y: int,
    label: str,
    printed: str,
    key: str | None,
    value: str,
    *,
    x0: int | None = None,
    x1: int | None = None,
    below: bool = False,
    leaders: bool | None = None,
    label_style: str = "regular",
    value_style: str = "regular",
    pt: float | None = None,
) -> int:
    """ "Label: value" with dot leaders to the column end, or the value on the lines below its label.

    The value is typed in the office's value face and wraps back to the column's left edge.
    """
    s = d.s
    pt = pt or d.pt
    x0 = s.left if x0 is None else x0
    x1 = s.right if x1 is None else x1
    leaders = s.house.leaders if leaders is None else leaders
    lab = s.write(s.tokens([(label, label_style)]), x=x0, y=y, pt=pt, zone="body")
    space = s.font("regular", pt).getlength(" ")
    face = s.house.value_face
    tokens = s.tokens([(printed, value_style)])
    if below:
        start, y = x0 + s.mm(4), y + s.step(pt, 1.25)
        wrapped = s.wrap(tokens, pt, x1 - start, face=face)
    else:
        start = lab.bbox[2] + space
        wrapped = s.wrap(tokens, pt, x1 - x0, first=round(x1 - start), face=face)
    drawn: list[TextLine] = []
    for i, toks in enumerate(wrapped):
        lx = start if i == 0 or below else x0
        line = s.write(toks, x=lx, y=y, pt=pt, zone="body", face=face)
        drawn.append(line)
        if leaders and line.bbox[2] + s.mm(3) < x1:
            s.leaders(line.bbox[2] + s.mm(1), x1, y + round(0.95 * s.px(pt)))
        y += s.step(pt, 1.3)
    if not wrapped:
        y += s.step(pt, 1.3)
    if key:
        d.put(key, value, drawn, " ".join(ln.text for ln in drawn))
    return s.check(y)


def field_row(
    d: Draft,
    y: int,
    items: list[tuple[str, str, str | None, str]],
    *,
    shares: list[float] | None = None,
    leaders: bool | None = None,
) -> int:
    """Several short fields on one row at tab stops (e.g. "Ngày sinh: ...   Giới tính: ...")."""
    s = d.s
    shares = shares or [1 / len(items)] * len(items)
    x, bottom = s.left, y
    for (label, printed, key, value), share in zip(items, shares, strict=True):
        x1 = x + round((s.right - s.left) * share)
        bottom = max(bottom, form_field(d, y, label, printed, key, value, x0=x, x1=x1 - s.mm(2), leaders=leaders))
        x = x1
    return bottom


def digit_boxes(d: Draft, y: int, label: str, digits: str, key: str, *, x0: int | None = None) -> int:
    """A label then one box per digit, as paper forms print the 12-digit ID."""
    s = d.s
    x0 = s.left if x0 is None else x0
    lab = s.write(s.tokens(label), x=x0, y=y, pt=d.pt, zone="body")
    size = round(s.px(d.pt) * 1.15)
    x = lab.bbox[2] + s.mm(2)
    top = y - round(0.1 * size)
    f = s.font("regular", d.pt, s.house.value_face)
    words_: list[tuple[int, int, BBox]] = []
    for i, ch in enumerate(digits):
        bx = x + i * size
        s.box((bx, top, bx + size, top + size), thick=0.2)
        cx = bx + (size - f.getlength(ch)) / 2
        baseline = y + round(0.95 * s.px(d.pt))
        s.draw.text((round(cx), baseline), ch, font=f, fill=(0, 0, 0), anchor="ls")
        b = s.draw.textbbox((round(cx), baseline), ch, font=f, anchor="ls")
        words_.append((2 * i, 2 * i + 1, (b[0], b[1], b[2], b[3])))
    text = " ".join(digits)
    line = TextLine(text, union([b for _, _, b in words_]), "body", 1, 0, tuple(words_))
    s.lines.append(line)
    d.put(key, digits, [line], text)
    return s.check(top + size + d.gap(0.5))


Cell = tuple[str, str] | tuple[str, str, str, str]  # (text, style) or (printed, style, key, value)


def table(
    d: Draft,
    y: int,
    widths: list[float],
    rows: list[list[Cell]],
    *,
    ruled: bool = True,
    pt: float | None = None,
    x0: int | None = None,
    x1: int | None = None,
) -> int:
    """A table: cells wrap inside their column; ruled tables draw the grid, unruled ones only space it."""
    s = d.s
    pt = pt or d.pt - 0.5
    x0 = s.left if x0 is None else x0
    x1 = s.right if x1 is None else x1
    total = sum(widths)
    edges = [x0]
    for w in widths:
        edges.append(edges[-1] + round((x1 - x0) * w / total))
    pad = s.mm(1.5)
    top = y
    if ruled:
        s.hline(x0, edges[-1], y)
    for row in rows:
        cy = y + pad
        bottom = cy + s.step(pt, 1.25)
        for i, cell in enumerate(row):
            text, style = cell[0], cell[1]
            if not text:
                continue
            face = s.house.value_face if len(cell) == 4 else None
            by, lines = s.para(
                [(text, style)],
                x0=edges[i] + pad,
                x1=edges[i + 1] - pad,
                y=cy,
                pt=pt,
                zone="body",
                leading=1.25,
                face=face,
            )
            bottom = max(bottom, by)
            if len(cell) == 4:
                d.put(cell[2], cell[3], lines, " ".join(ln.text for ln in lines))  # type: ignore[misc]
        y = bottom + pad - s.step(pt, 0.25)
        if ruled:
            s.hline(x0, edges[-1], y)
    if ruled:
        for x in edges:
            s.vline(x, top, y)
    return s.check(y + d.gap(0.6))


def paragraph(d: Draft, y: int, runs: list[Run] | str, *, indent_mm: float = 8.0, style: str = "regular") -> int:
    s = d.s
    y, _ = s.para(
        runs,
        x0=s.left,
        x1=s.right,
        y=y,
        pt=d.pt,
        zone="body",
        style=style,
        indent=s.mm(indent_mm),
        justify=True,
        leading=1.3,
    )
    return s.check(y + d.gap(0.25))


def span_box(lines: list[TextLine], start: int, end: int) -> BBox:
    """Ink box of characters [start, end) of a paragraph wrapped into `lines` (joined by one space)."""
    boxes, offset = [], 0
    for line in lines:
        lo, hi = max(start - offset, 0), min(end - offset, len(line.text))
        if lo < hi:
            boxes.append(line.span_box(lo, hi))
        offset += len(line.text) + 1
    return union(boxes) if boxes else lines[0].bbox


def inline_fields(d: Draft, y: int, parts: list[tuple[str, str | None, str]], *, indent_mm: float = 0.0) -> int:
    """A sentence that carries several fields ("Ông: X; năm sinh: 1975; CCCD số: ..."), wrapped as prose.

    Each part is (printed text, key or None, truth value); parts are joined by one space, or none before
    punctuation.
    """
    s = d.s
    text, spans = "", []
    for printed, key, value in parts:
        if text and printed[:1] not in ",;.)":
            text += " "
        if key:
            spans.append((len(text), len(text) + len(printed), key, value, printed))
        text += printed
    y, lines = s.para(text, x0=s.left, x1=s.right, y=y, pt=d.pt, zone="body", indent=s.mm(indent_mm), leading=1.3)
    for start, end, key, value, printed in spans:
        d.put(key, value, span_box(lines, start, end), printed)
    return s.check(y + d.gap(0.2))
