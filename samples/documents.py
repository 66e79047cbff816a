"""Document kinds laid out in the zones of ND 30/2020 Phụ lục I, with their field values and boxes.

Each builder draws one page on a :class:`~samples.layout.Canvas` and returns the fields it printed,
so truth and pixels come from the same strings. Field conventions (what an extractor must return):

- ``issuing_agency``: the issuer's own (bold) name, wrapped lines joined by one space; the superior
  line, when printed, is ``superior_agency``.
- ``number_symbol``: "583/QĐ-UBND" as printed after "Số: " (case kept, leading zero below 10).
- ``place`` / ``issue_date``: the địa danh as printed and the date as ISO ``YYYY-MM-DD``.
- ``subject``: quyết định / thông báo / giấy xác nhận / đơn: the "Về việc ..." line(s) as printed;
  công văn: the trích yếu without its "V/v " prefix. Wrapped lines are joined by one space.
- ``signer_authority`` ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"; absent when the head signs in
  person), ``signer_title`` ("CHỦ TỊCH"), ``signer_name`` (normal case).
- person forms: ``full_name``, ``birth_date`` (ISO), ``gender`` ("Nam"/"Nữ"), ``personal_id``
  (12 digits), ``address``, ``phone`` (10 digits, printed without spaces).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from samples import vocab
from samples.layout import BBox, Canvas, Run, TextLine, union

# Sizes in points, within the ranges of ND 30 Phụ lục I.
PT_AGENCY = 12.5
PT_MOTTO = 12.0
PT_TAGLINE = 13.0
PT_NUMBER = 13.0
PT_DATE = 13.0
PT_VV = 12.0
PT_TITLE = 14.0
PT_BODY = 13.5
PT_RECEIVERS_HEAD = 12.0
PT_RECEIVERS = 11.0
PT_SIGNER = 13.0

KINDS = ("quyet_dinh", "cong_van", "thong_bao", "giay_xac_nhan", "don")
# How offices set the secrecy mark (ô 10a; TT 24/2020/TT-BCA's stamp is red capitals in a red frame):
# typed bold capitals, the same in a frame, red ink without a frame, a red framed stamp set straight,
# and a red framed rubber stamp pressed a little askew with uneven ink.
SECRECY_STYLES = ("plain", "boxed", "red", "red_boxed", "stamp")
STAMP_INK = (200, 28, 36)  # stamp-pad red


@dataclass
class RenderedPage:
    """One clean, upright page and its exact truth (lines in reading order, fields, boxes)."""

    image: Image.Image  # RGB, white paper, black ink
    dpi: int
    kind: str
    lines: list[TextLine]
    fields: dict[str, str]
    field_boxes: dict[str, BBox] = field(default_factory=dict)
    anchors: dict[str, BBox] = field(default_factory=dict)  # "signer_block", "signature_area"
    seal_text: tuple[str, str] | None = None  # (upper arc, lower arc) when an agency seal belongs here
    secrecy_style: str | None = None  # how the secrecy mark was drawn (SECRECY_STYLES), when there is one

    @property
    def text(self) -> str:
        """The page's text, one truth line per line, in reading order."""
        return "\n".join(line.text for line in self.lines)


class _Doc:
    """Collects field values and boxes while a builder draws."""

    def __init__(self, canvas: Canvas, rng: random.Random, shared: dict[str, Any]) -> None:
        self.c = canvas
        self.rng = rng
        self.shared = shared  # what documents of one dossier have in common (the citizen, the ward)
        self.fields: dict[str, str] = {}
        self.boxes: dict[str, BBox] = {}
        self.anchors: dict[str, BBox] = {}
        self.seal: tuple[str, str] | None = None
        self.secrecy: str | None = None  # a secrecy mark under the number (samples.forms' secret decision)
        self.secrecy_style: str | None = None  # one of SECRECY_STYLES; drawn from the seed when None

    def citizen(self) -> tuple[vocab.Agency, vocab.Person]:
        """The dossier's citizen and their ward/commune, the same in every document that names them."""
        if "person" not in self.shared:
            agency = self.rng.choice([a for a in vocab.AGENCIES if a.level == "xa"])
            self.shared["ward"] = agency
            self.shared["person"] = vocab.make_person(self.rng, agency)
        return self.shared["ward"], self.shared["person"]

    def put(self, key: str, value: str, box: BBox) -> None:
        self.fields[key] = value
        self.boxes[key] = box

    # Columns: the header is two columns (agency | national motto); the footer likewise.
    @property
    def split(self) -> int:
        return self.c.left + round(self.c.text_width * 0.43)

    def gap(self, pt: float, factor: float = 0.6) -> int:
        return round(self.c.px(pt) * factor)


# -- shared zones -------------------------------------------------------------------------------
def _admin_header(
    d: _Doc,
    agency: vocab.Agency,
    number_symbol: str,
    place: str,
    date: dt.date,
    vv: str | None = None,
    *,
    top: int | None = None,
) -> int:
    """Zones 1-4 (and 5b for công văn, 10a when ``d.secrecy`` is set); returns the y below the header."""
    c = d.c
    lx0, lx1, rx0, rx1 = c.left, d.split, d.split, c.right
    y = top0 = c.top if top is None else top
    if agency.superior:
        y, sup = c.block(
            agency.superior, y=y, x0=lx0, x1=lx1, pt=PT_AGENCY, zone="header_left", band=0, align="center", leading=1.2
        )
        d.put("superior_agency", " ".join(line.text for line in sup), union([line.bbox for line in sup]))
    y, issuer = c.block(
        agency.issuer,
        y=y,
        x0=lx0,
        x1=lx1,
        pt=PT_AGENCY,
        zone="header_left",
        band=0,
        style="bold",
        align="center",
        leading=1.2,
        balance=True,
    )
    d.put("issuing_agency", " ".join(line.text for line in issuer), union([line.bbox for line in issuer]))
    y_left = c.rule((lx0 + lx1) // 2, y + d.gap(PT_AGENCY, 0.1), round((lx1 - lx0) * 0.35)) + d.gap(PT_AGENCY)

    yr, _ = c.block(
        vocab.MOTTO,
        y=top0,
        x0=rx0,
        x1=rx1,
        pt=PT_MOTTO,
        zone="header_right",
        band=0,
        column=1,
        style="bold",
        align="center",
        leading=1.2,
    )
    yr, _ = c.block(
        vocab.TAGLINE,
        y=yr,
        x0=rx0,
        x1=rx1,
        pt=PT_TAGLINE,
        zone="header_right",
        band=0,
        column=1,
        style="bold",
        align="center",
        leading=1.2,
        underline=True,
    )
    y_num = max(y_left, yr + d.gap(PT_TAGLINE, 0.4))

    number = c.line(
        [("Số:", "regular"), (number_symbol, "regular")],
        y=y_num,
        x0=lx0,
        x1=lx1,
        pt=PT_NUMBER,
        zone="header_left",
        band=0,
        align="center",
    )
    d.put("number_symbol", number_symbol, number.span_box(4))
    date_text = f"{place}, {vocab.vn_date(date)}"
    dline = c.line(
        [(date_text, "italic")],
        y=y_num,
        x0=rx0,
        x1=rx1,
        pt=PT_DATE,
        zone="header_right",
        band=0,
        column=1,
        align="center",
    )
    d.put("place", place, dline.span_box(0, len(place)))
    d.put("issue_date", date.isoformat(), dline.span_box(len(place) + 2))
    y = y_num + round(1.35 * c.px(PT_NUMBER))
    if d.secrecy:
        y = _secrecy_mark(d, y, lx0, lx1)
    if vv is not None:
        y, vlines = c.block(
            f"V/v {vv}",
            y=y,
            x0=lx0 + c.mm(3),
            x1=lx1 - c.mm(3),
            pt=PT_VV,
            zone="header_left",
            band=0,
            align="center",
            leading=1.2,
            balance=True,
        )
        d.put("subject", vv, union([vlines[0].span_box(4), *[line.bbox for line in vlines[1:]]]))
    return y + d.gap(PT_TITLE, 1.0)


def _secrecy_mark(d: _Doc, y: int, x0: int, x1: int) -> int:
    """Ô 10a: the secrecy mark under the number, in the style ``d.secrecy_style`` (``SECRECY_STYLES``).

    The style and the stamp's tilt and ink come from a generator of their own, seeded by the document's
    state without advancing it: the rest of the page, and the documents after it, stay as they were.
    """
    c = d.c
    sub = random.Random(hashlib.sha256(repr(d.rng.getstate()).encode()).digest())
    style = d.secrecy_style or sub.choice(SECRECY_STYLES)
    if style not in SECRECY_STYLES:
        raise ValueError(f"unknown secrecy style {style!r}; known: {', '.join(SECRECY_STYLES)}")
    d.secrecy_style = style
    stamp = style == "stamp"
    y += d.gap(PT_NUMBER, 0.9 if stamp else 0.3)  # a tilted stamp needs room to swing
    line = c.line(
        [(d.secrecy or "", "bold")], y=y, x0=x0, x1=x1, pt=PT_TITLE, zone="header_left", band=0, align="center"
    )
    pad = c.mm(1.5)
    bx0, by0, bx1, by1 = line.bbox
    frame = (bx0 - 2 * pad, by0 - pad, bx1 + 2 * pad, by1 + pad)
    if style != "plain" and style != "red":
        c.draw.rectangle(frame, outline=(0, 0, 0), width=max(1, round(c.dpi / (75 if stamp else 100))))
    box, bottom = line.bbox, frame[3]
    if style in ("red", "red_boxed", "stamp"):
        box, bottom = _re_ink(c, line, frame, sub if stamp else None)
    d.put("secrecy", d.secrecy or "", box)
    return bottom + d.gap(PT_NUMBER, 0.9 if stamp else 0.6)


def _re_ink(c: Canvas, line: TextLine, frame: BBox, stamp: random.Random | None) -> tuple[BBox, int]:
    """Turn the mark's black ink (inside ``frame`` and its border) stamp-pad red; a ``stamp`` is also
    tilted 3-8 degrees with uneven ink. Returns the text's box and the lowest y of the mark's ink; the
    line's truth boxes follow the ink."""
    border = max(2, round(c.dpi / 50))
    swing = c.mm(4) if stamp is not None else border  # room for the tilted stamp's corners
    region = (frame[0] - swing, frame[1] - swing, frame[2] + swing, frame[3] + swing)
    x0, y0, x1, y1 = region
    crop = np.asarray(c.image.crop(region), dtype=np.float32)
    ink = 1.0 - crop.min(axis=2) / 255.0  # 0 paper .. 1 full ink
    inside = np.zeros(ink.shape, bool)  # only the mark is lifted: the number's descenders may reach in
    inside[swing - border : ink.shape[0] - swing + border, swing - border : ink.shape[1] - swing + border] = True
    ink[~inside] = 0.0
    paper = crop.copy()
    paper[ink > 0] = 255.0
    angle = 0.0
    if stamp is not None:
        angle = stamp.choice((-1, 1)) * stamp.uniform(3.0, 8.0)
        noise = np.random.default_rng(stamp.getrandbits(32)).uniform(0.55, 1.0, ink.shape)
        turned = Image.fromarray((ink * noise * 255).astype(np.uint8)).rotate(
            angle, resample=Image.Resampling.BICUBIC, fillcolor=0
        )
        ink = np.asarray(turned, dtype=np.float32) / 255.0
    out = paper * (1.0 - ink[..., None]) + np.array(STAMP_INK, dtype=np.float32) * ink[..., None]
    c.image.paste(Image.fromarray(out.round().astype(np.uint8)), (x0, y0))
    rows = np.nonzero((ink > 0.2).any(axis=1))[0]
    bottom = y0 + int(rows.max()) + 1 if len(rows) else frame[3]
    if not angle:
        return line.bbox, bottom
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    words = tuple((s, e, _turned(b, angle, centre)) for s, e, b in line.words)
    turned_line = TextLine(line.text, _turned(line.bbox, angle, centre), line.zone, line.band, line.column, words)
    c.lines[c.lines.index(line)] = turned_line
    return turned_line.bbox, bottom


def _turned(box: BBox, angle: float, centre: tuple[float, float]) -> BBox:
    """The axis-aligned box of ``box`` turned ``angle`` degrees counter-clockwise about ``centre``."""
    a = np.deg2rad(angle)
    cx, cy = centre
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        dx, dy = x - cx, y - cy
        xs.append(cx + dx * np.cos(a) + dy * np.sin(a))
        ys.append(cy - dx * np.sin(a) + dy * np.cos(a))
    return (int(min(xs)), int(min(ys)), int(np.ceil(max(xs))), int(np.ceil(max(ys))))


def _title(d: _Doc, y: int, title: str, subject: str | None) -> int:
    """Zone 5a: type name in bold capitals, trích yếu below it, a short rule under."""
    c = d.c
    y, _ = c.block(
        title, y=y, x0=c.left, x1=c.right, pt=PT_TITLE, zone="title", band=1, style="bold", align="center", leading=1.25
    )
    if subject is not None:
        y, lines = c.block(
            subject,
            y=y,
            x0=c.left + c.mm(15),
            x1=c.right - c.mm(15),
            pt=PT_TITLE,
            zone="title",
            band=1,
            style="bold",
            align="center",
            leading=1.25,
            balance=True,
        )
        d.put("subject", " ".join(line.text for line in lines), union([line.bbox for line in lines]))
        y = c.rule((c.left + c.right) // 2, y + d.gap(PT_TITLE, 0.1), round(c.text_width * 0.22))
        y += d.gap(PT_TITLE, 0.2)
    return y + d.gap(PT_TITLE, 0.6)


def _para(
    d: _Doc,
    y: int,
    runs: list[Run] | str,
    *,
    style: str = "regular",
    align: str = "left",
    justify: bool = True,
    indent_mm: float = 10.0,
) -> tuple[int, list[TextLine]]:
    c = d.c
    y, lines = c.block(
        runs,
        y=y,
        x0=c.left,
        x1=c.right,
        pt=PT_BODY,
        zone="body",
        band=1,
        style=style,
        align=align,
        justify=justify,
        indent=c.mm(indent_mm) if align == "left" else 0,
    )
    return y + d.gap(PT_BODY, 0.25), lines


def _signer(d: _Doc, agency: vocab.Agency) -> tuple[str | None, str]:
    """Zone 7a/7b: who signs and in what capacity."""
    rng = d.rng
    if rng.random() < 0.6:
        authority = f"TM. {agency.collective}" if agency.collective else None
        return authority, agency.head
    return f"KT. {agency.head}", agency.deputy


def _footer(
    d: _Doc, y: int, receivers: list[str], authority: str | None, title: str, name: str, *, sign_mm: float = 24.0
) -> int:
    """Zones 9b (Nơi nhận, left) and 7 (signer block, right); records the signature area."""
    c = d.c
    y += d.gap(PT_BODY, 0.5)
    rx0, rx1 = d.split + c.mm(10), c.right
    ly, _ = c.block(
        [("Nơi nhận:", "bolditalic")],
        y=y + round(0.2 * c.px(PT_SIGNER)),
        x0=c.left,
        x1=d.split,
        pt=PT_RECEIVERS_HEAD,
        zone="footer_left",
        band=2,
        leading=1.25,
    )
    for item in receivers:
        ly, _ = c.block(
            f"- {item}", y=ly, x0=c.left, x1=d.split, pt=PT_RECEIVERS, zone="footer_left", band=2, leading=1.25
        )
    block: list[TextLine] = []
    ry = y
    if authority:
        ry, drawn = c.block(
            [(authority, "bold")],
            y=ry,
            x0=rx0,
            x1=rx1,
            pt=PT_SIGNER,
            zone="footer_right",
            band=2,
            column=1,
            align="center",
            leading=1.25,
        )
        d.put("signer_authority", authority, drawn[0].bbox)
        block += drawn
    ry, drawn = c.block(
        [(title, "bold")],
        y=ry,
        x0=rx0,
        x1=rx1,
        pt=PT_SIGNER,
        zone="footer_right",
        band=2,
        column=1,
        align="center",
        leading=1.25,
    )
    d.put("signer_title", title, drawn[0].bbox)
    block += drawn
    sign_top = ry
    ry += c.mm(sign_mm)
    d.anchors["signature_area"] = (rx0, sign_top, rx1, ry)
    ry, drawn = c.block(
        [(name, "bold")],
        y=ry,
        x0=rx0,
        x1=rx1,
        pt=PT_SIGNER,
        zone="footer_right",
        band=2,
        column=1,
        align="center",
        leading=1.25,
    )
    d.put("signer_name", name, drawn[0].bbox)
    block += drawn
    d.anchors["signer_block"] = union([line.bbox for line in block] + [d.anchors["signature_area"]])
    return max(ly, ry)


def _person_lines(d: _Doc, y: int, person: vocab.Person, address_label: str) -> int:
    rows = [
        ("Họ và tên:", person.full_name, "full_name", person.full_name),
        ("Ngày sinh:", person.birth_date.strftime("%d/%m/%Y"), "birth_date", person.birth_date.isoformat()),
        ("Giới tính:", person.gender, "gender", person.gender),
        ("Số định danh cá nhân/CCCD:", person.personal_id, "personal_id", person.personal_id),
        (address_label, person.address, "address", person.address),
        ("Số điện thoại:", person.phone, "phone", person.phone),
    ]
    for label, printed, key, value in rows:
        y, lines = _para(d, y, f"{label} {printed}", justify=False)
        first = lines[0].span_box(len(label) + 1)
        d.put(key, value, union([first, *[line.bbox for line in lines[1:]]]))
    return y


def _year_fmt(text: str, date: dt.date, **extra: str) -> str:
    return text.format(year=date.year, month=date.month, **extra)


def _receivers(d: _Doc, first: str, agency: vocab.Agency, unit: str) -> list[str]:
    head = agency.head.capitalize()
    extra = d.rng.sample(
        ["UBND thành phố;", f"{head} (để b/c);", "Sở Nội vụ;", "Cổng thông tin điện tử;"], k=d.rng.randint(1, 2)
    )
    return [first, *extra, f"Lưu: VT, {unit}."]


# -- builders ----------------------------------------------------------------------------------
def _quyet_dinh(d: _Doc) -> int:
    rng = d.rng
    agency = rng.choice(vocab.AGENCIES)
    date = vocab.issue_date(rng)
    subject, article = rng.choice(vocab.DECISIONS)
    subject = _year_fmt(subject, date)
    article = _year_fmt(article, date, person=vocab.full_name(rng, "Nam"))
    authority, title = _signer(d, agency)
    y = _admin_header(d, agency, f"{vocab.doc_number(rng)}/QĐ-{agency.code}", agency.place, date)
    y = _title(d, y, "QUYẾT ĐỊNH", subject)
    power = agency.issuer if authority and authority.startswith("TM.") else f"{agency.head} {agency.issuer}"
    y, _ = d.c.block(
        power,
        y=y,
        x0=d.c.left,
        x1=d.c.right,
        pt=PT_TITLE,
        zone="body",
        band=1,
        style="bold",
        align="center",
        leading=1.25,
    )
    y += d.gap(PT_BODY, 0.4)
    for text in [*rng.sample(vocab.CAN_CU, k=2), f"Theo đề nghị của {rng.choice(vocab.PROPOSERS)}."]:
        y, _ = _para(d, y, text, style="italic")
    y, _ = _para(d, y + d.gap(PT_BODY, 0.3), [("QUYẾT ĐỊNH:", "bold")], align="center", justify=False)
    y += d.gap(PT_BODY, 0.3)
    y, _ = _para(d, y, [("Điều 1.", "bold"), (article, "regular")])
    y, _ = _para(d, y, [("Điều 2.", "bold"), ("Quyết định này có hiệu lực kể từ ngày ký.", "regular")])
    y, _ = _para(
        d,
        y,
        [
            ("Điều 3.", "bold"),
            (
                "Chánh Văn phòng, Trưởng các phòng, ban có liên quan và các cá nhân có tên tại Điều 1 chịu trách "
                "nhiệm thi hành Quyết định này./.",
                "regular",
            ),
        ],
    )
    d.seal = (agency.issuer, agency.seal_bottom)
    return _footer(
        d,
        y,
        _receivers(d, "Như Điều 3;", agency, rng.choice(agency.units)),
        authority,
        title,
        vocab.full_name(rng, rng.choice(("Nam", "Nữ"))),
    )


def _cong_van(d: _Doc) -> int:
    rng = d.rng
    agency = rng.choice(vocab.AGENCIES)
    date = vocab.issue_date(rng)
    unit = rng.choice(agency.units)
    vv, request = (_year_fmt(t, date) for t in rng.choice(vocab.LETTERS))
    authority, title = _signer(d, agency)
    y = _admin_header(d, agency, f"{vocab.doc_number(rng)}/{agency.code}-{unit}", agency.place, date, vv=vv)
    c = d.c
    others = [r for r in vocab.RECIPIENTS if not agency.sentence_name.startswith(r)]
    recipients = rng.sample(others, k=rng.randint(1, 3))
    kx = c.left + round(c.text_width * 0.22)
    if len(recipients) == 1:
        y, _ = c.block(
            [("Kính gửi:", "regular"), (f"{recipients[0]}.", "regular")],
            y=y,
            x0=c.left,
            x1=c.right,
            pt=PT_TITLE,
            zone="body",
            band=1,
            align="center",
        )
    else:
        kline = c.line([("Kính gửi:", "regular")], y=y, x0=kx, x1=c.right, pt=PT_TITLE, zone="body", band=1)
        kx2 = kline.bbox[2] + c.mm(2)
        for i, r in enumerate(recipients):
            end = "." if i == len(recipients) - 1 else ";"
            y, _ = c.block(f"- {r}{end}", y=y, x0=kx2, x1=c.right, pt=PT_TITLE, zone="body", band=1)
    d.fields["recipients"] = "; ".join(recipients)
    y += d.gap(PT_BODY, 0.5)
    plan = f"Kế hoạch số {rng.randint(10, 300)}/KH-UBND {vocab.vn_date(vocab.issue_date(rng))}"
    y, _ = _para(
        d, y, f"Thực hiện {plan} về chuyển đổi số, {agency.sentence_name} đề nghị các cơ quan, đơn vị {request}."
    )
    y, _ = _para(
        d,
        y,
        "Kết quả thực hiện gửi về Văn phòng trước ngày 25 của tháng cuối quý để tổng hợp, báo cáo cấp có thẩm quyền.",
    )
    y, _ = _para(
        d,
        y,
        f"Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị phản ánh về "
        f"{agency.sentence_name} để được hướng dẫn./.",
    )
    d.seal = (agency.issuer, agency.seal_bottom)
    return _footer(
        d,
        y,
        _receivers(d, "Như trên;", agency, unit),
        authority,
        title,
        vocab.full_name(rng, rng.choice(("Nam", "Nữ"))),
    )


def _thong_bao(d: _Doc) -> int:
    rng = d.rng
    agency = rng.choice(vocab.AGENCIES)
    date = vocab.issue_date(rng)
    subject, content = (_year_fmt(t, date) for t in rng.choice(vocab.NOTICES))
    authority, title = _signer(d, agency)
    y = _admin_header(d, agency, f"{vocab.doc_number(rng)}/TB-{agency.code}", agency.place, date)
    y = _title(d, y, "THÔNG BÁO", subject)
    y, _ = _para(d, y, f"Căn cứ nhiệm vụ được giao, {agency.sentence_name} thông báo {content}.")
    y, _ = _para(
        d, y, "Tổ chức, cá nhân có nhu cầu liên hệ Bộ phận Một cửa trong giờ hành chính để được hướng dẫn cụ thể."
    )
    y, _ = _para(d, y, f"{agency.sentence_name} thông báo để các cơ quan, đơn vị và Nhân dân biết, thực hiện./.")
    d.seal = (agency.issuer, agency.seal_bottom)
    return _footer(
        d,
        y,
        _receivers(d, "Như trên;", agency, rng.choice(agency.units)),
        authority,
        title,
        vocab.full_name(rng, rng.choice(("Nam", "Nữ"))),
    )


def _giay_xac_nhan(d: _Doc) -> int:
    rng = d.rng
    agency, person = d.citizen()
    date = vocab.issue_date(rng)
    subject, purpose = rng.choice(vocab.CONFIRMATIONS)
    authority, title = _signer(d, agency)
    y = _admin_header(d, agency, f"{vocab.doc_number(rng)}/GXN-{agency.code}", agency.place, date)
    y = _title(d, y, "GIẤY XÁC NHẬN", subject)
    y, _ = _para(d, y, f"{agency.sentence_name} xác nhận:")
    y = _person_lines(d, y, person, "Nơi thường trú:")
    honorific = "Ông" if person.gender == "Nam" else "Bà"
    y, _ = _para(
        d,
        y,
        f"{honorific} {person.full_name} hiện đang cư trú tại địa phương, chấp hành tốt "
        "chủ trương, chính sách của Đảng, pháp luật của Nhà nước.",
    )
    y, _ = _para(d, y, f"Giấy xác nhận được cấp để {honorific.lower()} {person.full_name} {purpose}./.")
    d.seal = (agency.issuer, agency.seal_bottom)
    return _footer(
        d,
        y,
        [f"{honorific} {person.full_name};", "Lưu: VT."],
        authority,
        title,
        vocab.full_name(rng, rng.choice(("Nam", "Nữ"))),
    )


def _don(d: _Doc) -> int:
    rng = d.rng
    c = d.c
    agency, person = d.citizen()
    date = vocab.issue_date(rng)
    subject, request = (_year_fmt(t, date) for t in rng.choice(vocab.APPLICATIONS))
    y, _ = c.block(
        vocab.MOTTO,
        y=c.top,
        x0=c.left,
        x1=c.right,
        pt=PT_TITLE - 0.5,
        zone="header",
        band=0,
        style="bold",
        align="center",
        leading=1.25,
    )
    y, _ = c.block(
        vocab.TAGLINE,
        y=y,
        x0=c.left,
        x1=c.right,
        pt=PT_TITLE,
        zone="header",
        band=0,
        style="bold",
        align="center",
        leading=1.25,
        underline=True,
    )
    y += d.gap(PT_TITLE, 1.2)
    d.fields["title"] = "ĐƠN ĐỀ NGHỊ"
    y = _title(d, y, "ĐƠN ĐỀ NGHỊ", subject)
    recipient = agency.sentence_name
    y, lines = c.block(
        f"Kính gửi: {recipient}", y=y, x0=c.left, x1=c.right, pt=PT_BODY, zone="body", band=1, align="center"
    )
    d.put("recipient", recipient, union([lines[0].span_box(len("Kính gửi: ")), *[x.bbox for x in lines[1:]]]))
    y += d.gap(PT_BODY, 0.5)
    y = _person_lines(d, y, person, "Địa chỉ:")
    y, _ = _para(d, y, f"Nội dung đề nghị: {request}.")
    y, _ = _para(
        d, y, "Tôi xin cam đoan những thông tin trên là đúng sự thật và hoàn toàn chịu trách nhiệm trước pháp luật."
    )
    # place and date sit above the applicant's signature, right column
    rx0 = d.split
    y += d.gap(PT_BODY, 0.5)
    dline = c.line(
        [(f"{agency.place}, {vocab.vn_date(date)}", "italic")],
        y=y,
        x0=rx0,
        x1=c.right,
        pt=PT_DATE,
        zone="footer_right",
        band=2,
        column=1,
        align="center",
    )
    d.put("place", agency.place, dline.span_box(0, len(agency.place)))
    d.put("issue_date", date.isoformat(), dline.span_box(len(agency.place) + 2))
    y += round(1.1 * c.px(PT_DATE))
    return _don_signer(d, y, person)


def _don_signer(d: _Doc, y: int, person: vocab.Person) -> int:
    c = d.c
    rx0 = d.split
    block: list[TextLine] = []
    y, drawn = c.block(
        [("NGƯỜI LÀM ĐƠN", "bold")],
        y=y,
        x0=rx0,
        x1=c.right,
        pt=PT_SIGNER,
        zone="footer_right",
        band=2,
        column=1,
        align="center",
        leading=1.25,
    )
    block += drawn
    d.put("signer_title", "NGƯỜI LÀM ĐƠN", drawn[0].bbox)
    y, drawn = c.block(
        [("(Ký, ghi rõ họ tên)", "italic")],
        y=y,
        x0=rx0,
        x1=c.right,
        pt=PT_RECEIVERS_HEAD,
        zone="footer_right",
        band=2,
        column=1,
        align="center",
        leading=1.25,
    )
    block += drawn
    top = y
    y += c.mm(22)
    d.anchors["signature_area"] = (rx0, top, c.right, y)
    y, drawn = c.block(
        [(person.full_name, "bold")],
        y=y,
        x0=rx0,
        x1=c.right,
        pt=PT_SIGNER,
        zone="footer_right",
        band=2,
        column=1,
        align="center",
        leading=1.25,
    )
    block += drawn
    d.put("signer_name", person.full_name, drawn[0].bbox)
    d.anchors["signer_block"] = union([line.bbox for line in block] + [d.anchors["signature_area"]])
    return y


BUILDERS: dict[str, Callable[[_Doc], int]] = {
    "quyet_dinh": _quyet_dinh,
    "cong_van": _cong_van,
    "thong_bao": _thong_bao,
    "giay_xac_nhan": _giay_xac_nhan,
    "don": _don,
}


def build_page(
    kind: str,
    rng: random.Random,
    dpi: int = 200,
    shared: dict[str, Any] | None = None,
) -> RenderedPage:
    """Lay out one page of `kind` with content drawn from `rng`; raises if it does not fit A4.

    Pass the same `shared` dict for every document of a dossier so that an application and a
    confirmation name the same citizen and ward.
    """
    if kind not in BUILDERS:
        raise ValueError(f"unknown document kind {kind!r}; known: {', '.join(KINDS)}")
    canvas = Canvas(dpi)
    doc = _Doc(canvas, rng, {} if shared is None else shared)
    bottom = BUILDERS[kind](doc)
    if bottom > canvas.bottom:
        raise ValueError(f"{kind} page overflows A4 ({bottom} > {canvas.bottom} px)")
    return RenderedPage(canvas.image, dpi, kind, canvas.reading_order(), doc.fields, doc.boxes, doc.anchors, doc.seal)
