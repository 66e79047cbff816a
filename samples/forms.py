"""More document kinds for split/classify/extract tests: one-stop papers, certificates, forms, separators.

Kinds (truth field keys in brackets, conventions as in :mod:`samples.documents`; values are what is
printed, dates ISO, amounts and areas as plain numbers "4200000000", "1250.5"):

- ``tiep_nhan``: GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ [superior_agency, issuing_agency, place,
  issue_date, dossier_code, full_name, address, phone, procedure, due_date, signer_title, signer_name];
- ``dang_ky_doanh_nghiep``: GCN đăng ký doanh nghiệp [business_code (valid check digit), business_name,
  business_name_foreign, business_name_short, address, capital_vnd, first_registration_date,
  change_count, change_date, full_name, gender, birth_date, personal_id, nationality, ...];
- ``gcn_qsdd``: GCN quyền sử dụng đất, **two pages** (page 2 carries an ND 30 page number and no header)
  [serial_number, registry_number, full_name, birth_year, personal_id, address, parcel_number, map_sheet,
  parcel_address, area_m2, use_form, land_use_purpose, land_use_term, land_origin, place, issue_date, ...];
- ``quyet_dinh_mat``: a quyết định with a secrecy mark under its number [+ secrecy] (must be refused);
- ``xac_nhan_cu_tru`` (CT07), ``to_khai`` (CT01), ``khai_sinh``, ``cccd`` (an ID card copy);
- separators, which belong to no document: ``trang_trang`` (a blank sheet) and ``tach_ho_so`` (a
  separator sheet: a barcode, "TÁCH HỒ SƠ" in large type and "SOHOA-SEPARATOR").

The five kinds of :mod:`samples.documents` are built there, unchanged; :func:`build_pages` builds any kind.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from samples import vocab
from samples.documents import (
    BUILDERS,
    KINDS,
    PT_BODY,
    PT_DATE,
    PT_RECEIVERS_HEAD,
    PT_SIGNER,
    PT_TITLE,
    SECRECY_STYLES,
    RenderedPage,
    _admin_header,
    _Doc,
    _footer,
    _para,
    _quyet_dinh,
    _signer,
    _title,
)
from samples.layout import BBox, Canvas, TextLine, union

FORM_KINDS = (
    "tiep_nhan",
    "dang_ky_doanh_nghiep",
    "gcn_qsdd",
    "quyet_dinh_mat",
    "xac_nhan_cu_tru",
    "to_khai",
    "khai_sinh",
    "cccd",
)
SEPARATOR_KINDS = ("trang_trang", "tach_ho_so")
DOCUMENT_KINDS = (*KINDS, *FORM_KINDS)
ALL_KINDS = (*DOCUMENT_KINDS, *SEPARATOR_KINDS)
PT_FORM = 12.5
PT_NOTE = 10.5


def _label_rows(d: _Doc, y: int, rows: list[list[tuple[str, str, str | None, str]]]) -> int:
    """Lines of "Label: value" pairs; each pair (label, printed, key, truth value) records its field."""
    for row in rows:
        text, spans, pos = "", [], 0
        for label, printed, key, value in row:
            part = f"{label} {printed}"
            if text:
                text += " "
                pos = len(text)
            spans.append((pos + len(label) + 1, pos + len(part), key, value))
            text += part
            pos = len(text)
        y, lines = _para(d, y, text, justify=False, indent_mm=0)
        for start, end, key, value in spans:
            if key:
                d.put(key, value, _span_box(lines, start, end))
    return y


def _span_box(lines: list[TextLine], start: int, end: int) -> BBox:
    """Box of characters [start, end) of a paragraph wrapped into `lines` (words joined by one space)."""
    boxes, offset = [], 0
    for line in lines:
        lo, hi = max(start - offset, 0), min(end - offset, len(line.text))
        if lo < hi:
            boxes.append(line.span_box(lo, hi))
        offset += len(line.text) + 1
    return union(boxes) if boxes else lines[0].bbox


def _centre(d: _Doc, y: int, text: str, *, pt: float = PT_TITLE, style: str = "bold", zone: str = "title") -> int:
    y, _ = d.c.block(
        [(text, style)],
        y=y,
        x0=d.c.left,
        x1=d.c.right,
        pt=pt,
        zone=zone,
        band=1 if zone != "header" else 0,
        style=style,
        align="center",
        leading=1.25,
    )
    return y


def _motto(d: _Doc, y: int) -> int:
    y = _centre(d, y, vocab.MOTTO, pt=PT_TITLE - 0.5, zone="header")
    y, _ = d.c.block(
        vocab.TAGLINE,
        y=y,
        x0=d.c.left,
        x1=d.c.right,
        pt=PT_TITLE,
        zone="header",
        band=0,
        style="bold",
        align="center",
        leading=1.25,
        underline=True,
    )
    return y + d.gap(PT_TITLE, 1.0)


def _motto_right(d: _Doc) -> int:
    """The national motto and tagline in the right column of a two-column header; returns the y below."""
    c = d.c
    common: dict[str, Any] = dict(
        x0=d.split, x1=c.right, zone="header_right", band=0, column=1, style="bold", align="center", leading=1.2
    )
    yr, _ = c.block(vocab.MOTTO, y=c.top, pt=12.0, **common)
    yr, _ = c.block(vocab.TAGLINE, y=yr, pt=13.0, underline=True, **common)
    return yr


def _form_code_line(d: _Doc, y: int, code: str) -> int:
    c = d.c
    line = c.line(
        [(f"Mẫu {code} ban hành kèm theo Thông tư số 66/2023/TT-BCA", "italic")],
        y=y,
        x0=d.split,
        x1=c.right,
        pt=PT_NOTE,
        zone="header_right",
        band=0,
        column=1,
        align="right",
    )
    d.put("form_code", code, line.span_box(4, 4 + len(code)))
    return line.bbox[3] + d.gap(PT_NOTE, 0.8)


def _date_line(d: _Doc, y: int, place: str, date: dt.date) -> int:
    c = d.c
    line = c.line(
        [(f"{place}, {vocab.vn_date(date)}", "italic")],
        y=y,
        x0=d.split,
        x1=c.right,
        pt=PT_DATE,
        zone="footer_right",
        band=2,
        column=1,
        align="center",
    )
    d.put("place", place, line.span_box(0, len(place)))
    d.put("issue_date", date.isoformat(), line.span_box(len(place) + 2))
    return y + round(1.3 * c.px(PT_DATE))


def _form_signer(
    d: _Doc, y: int, title: str, name: str, *, note: str = "(Ký, ghi rõ họ tên)", left: bool = False, truth: bool = True
) -> int:
    """A signer block (title, note, space to sign, name) in the right column, or the left one."""
    c = d.c
    x0, x1, col, zone = (c.left, d.split, 0, "footer_left") if left else (d.split, c.right, 1, "footer_right")
    block: list[TextLine] = []
    y, drawn = c.block(
        [(title, "bold")], y=y, x0=x0, x1=x1, pt=PT_SIGNER, zone=zone, band=2, column=col, align="center", leading=1.25
    )
    block += drawn
    if truth:
        d.put("signer_title", title, drawn[0].bbox)
    y, drawn = c.block(
        [(note, "italic")],
        y=y,
        x0=x0,
        x1=x1,
        pt=PT_RECEIVERS_HEAD,
        zone=zone,
        band=2,
        column=col,
        align="center",
        leading=1.25,
    )
    block += drawn
    top = y
    y += c.mm(20)
    if truth:
        d.anchors["signature_area"] = (x0, top, x1, y)
    y, drawn = c.block(
        [(name, "bold")], y=y, x0=x0, x1=x1, pt=PT_SIGNER, zone=zone, band=2, column=col, align="center", leading=1.25
    )
    block += drawn
    if truth:
        d.put("signer_name", name, drawn[0].bbox)
        d.anchors["signer_block"] = union([line.bbox for line in block] + [d.anchors["signature_area"]])
    return y


def _dob(p: vocab.Person) -> str:
    return p.birth_date.strftime("%d/%m/%Y")


# -- builders ------------------------------------------------------------------------------------
def _tiep_nhan(d: _Doc) -> int:
    rng = d.rng
    ward, person = d.citizen()
    date = vocab.issue_date(rng)
    due = date + dt.timedelta(days=rng.randint(3, 15))
    code = f"{rng.choice(vocab.AGENCY_EIDS)}-{date:%y%m%d}-{rng.randint(1, 420):04d}"
    procedure = rng.choice(vocab.PROCEDURES)
    desk = vocab.Agency(ward.issuer, "BỘ PHẬN MỘT CỬA", "", "", ward.place, "xa", "", "", None, (), "", "")
    c = d.c
    # no number: a receipt is identified by its dossier code
    lx0, lx1 = c.left, d.split
    y, sup = c.block(
        desk.superior or "",
        y=c.top,
        x0=lx0,
        x1=lx1,
        pt=12.5,
        zone="header_left",
        band=0,
        align="center",
        leading=1.2,
        balance=True,
    )
    d.put("superior_agency", " ".join(x.text for x in sup), union([x.bbox for x in sup]))
    y, iss = c.block(
        [(desk.issuer, "bold")],
        y=y,
        x0=lx0,
        x1=lx1,
        pt=12.5,
        zone="header_left",
        band=0,
        style="bold",
        align="center",
        leading=1.2,
    )
    d.put("issuing_agency", desk.issuer, iss[0].bbox)
    yr = _motto_right(d)
    yd = max(y, yr) + d.gap(PT_DATE, 0.5)
    dline = c.line(
        [(f"{ward.place}, {vocab.vn_date(date)}", "italic")],
        y=yd,
        x0=d.split,
        x1=c.right,
        pt=PT_DATE,
        zone="header_right",
        band=0,
        column=1,
        align="center",
    )
    d.put("place", ward.place, dline.span_box(0, len(ward.place)))
    d.put("issue_date", date.isoformat(), dline.span_box(len(ward.place) + 2))
    y = yd + round(1.3 * c.px(PT_DATE)) + d.gap(PT_TITLE, 0.8)
    y = _centre(d, y, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
    y, lines = c.block(
        f"Mã hồ sơ: {code}",
        y=y + d.gap(PT_BODY, 0.3),
        x0=c.left,
        x1=c.right,
        pt=PT_BODY,
        zone="title",
        band=1,
        align="center",
    )
    d.put("dossier_code", code, lines[0].span_box(len("Mã hồ sơ: ")))
    y += d.gap(PT_BODY, 0.8)
    y, _ = _para(d, y, f"Bộ phận Một cửa {ward.sentence_name}")
    y = _label_rows(
        d,
        y,
        [
            [("Tiếp nhận hồ sơ của:", person.full_name, "full_name", person.full_name)],
            [("Địa chỉ:", person.address, "address", person.address)],
            [("Số điện thoại:", person.phone, "phone", person.phone)],
            [("Nội dung yêu cầu giải quyết:", procedure, "procedure", procedure)],
        ],
    )
    y, _ = _para(d, y, "1. Thành phần hồ sơ nộp gồm:", justify=False)
    for part in rng.sample(vocab.DOSSIER_PARTS, k=2):
        y, _ = _para(d, y, f"- {part};", justify=False)
    y, _ = _para(d, y, "2. Số lượng hồ sơ: 01 (bộ)", justify=False)
    y = _label_rows(d, y, [[("3. Thời gian nhận hồ sơ:", f"08 giờ 30 phút, {vocab.vn_date(date)}", None, "")]])
    y = _label_rows(
        d,
        y,
        [
            [
                (
                    "4. Thời gian trả kết quả giải quyết hồ sơ:",
                    f"14 giờ 00 phút, {vocab.vn_date(due)}",
                    "due_date",
                    due.isoformat(),
                )
            ]
        ],
    )
    y, _ = _para(d, y, "5. Đăng ký nhận kết quả tại: Bộ phận Một cửa.", justify=False)
    y += d.gap(PT_BODY, 0.8)
    _form_signer(d, y, "NGƯỜI NỘP HỒ SƠ", person.full_name, note="(Ký và ghi rõ họ tên)", left=True, truth=False)
    return _form_signer(
        d, y, "NGƯỜI TIẾP NHẬN HỒ SƠ", vocab.full_name(rng, rng.choice(("Nam", "Nữ"))), note="(Ký và ghi rõ họ tên)"
    )


def _dang_ky_doanh_nghiep(d: _Doc) -> int:
    rng = d.rng
    ward, person = d.citizen()
    kind, prefix, foreign_kind, short_kind = rng.choice(vocab.BUSINESS_KINDS)
    trade, trade_en = rng.choice(vocab.BUSINESS_TRADES)
    brand, brand_en = rng.choice(vocab.BUSINESS_BRANDS)
    name = f"{prefix} {trade} {brand}"
    foreign = f"{brand_en} {trade_en} {foreign_kind}"
    short = f"{brand_en} {short_kind}"
    code = vocab.business_code(rng)
    capital = rng.choice(vocab.CAPITALS_VND)
    first = vocab.issue_date(rng) - dt.timedelta(days=rng.randint(400, 3000))
    changes = rng.randint(0, 3)
    changed = first + dt.timedelta(days=rng.randint(100, 380)) if changes else None
    city = ward.area.split(", ")[-1]
    c = d.c
    y, sup = c.block(
        f"SỞ TÀI CHÍNH {city.upper()}",
        y=c.top,
        x0=c.left,
        x1=d.split,
        pt=12.5,
        zone="header_left",
        band=0,
        align="center",
        leading=1.2,
        balance=True,
    )
    d.put("superior_agency", " ".join(x.text for x in sup), union([x.bbox for x in sup]))
    y, iss = c.block(
        [("PHÒNG ĐĂNG KÝ KINH DOANH", "bold")],
        y=y,
        x0=c.left,
        x1=d.split,
        pt=12.5,
        zone="header_left",
        band=0,
        style="bold",
        align="center",
        leading=1.2,
        balance=True,
    )
    d.put("issuing_agency", " ".join(x.text for x in iss), union([x.bbox for x in iss]))
    yr = _motto_right(d)
    y = max(y, yr) + d.gap(PT_TITLE, 1.5)
    y = _centre(d, y, "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP")
    y = _centre(d, y, kind, pt=PT_FORM) + d.gap(PT_BODY, 0.6)
    rows = [
        [("Mã số doanh nghiệp:", code, "business_code", code)],
        [("Đăng ký lần đầu:", vocab.vn_date(first), "first_registration_date", first.isoformat())],
    ]
    if changed:
        rows.append([("Đăng ký thay đổi lần thứ:", f"{changes}, {vocab.vn_date(changed)}", None, "")])
        d.fields["change_count"], d.fields["change_date"] = str(changes), changed.isoformat()
    y = _label_rows(d, y, rows)
    y, _ = _para(d, y, [("1. Tên công ty", "bold")], justify=False, indent_mm=0)
    y = _label_rows(
        d,
        y,
        [
            [("Tên công ty viết bằng tiếng Việt:", name, "business_name", name)],
            [("Tên công ty viết bằng tiếng nước ngoài:", foreign, "business_name_foreign", foreign)],
            [("Tên công ty viết tắt:", short, "business_name_short", short)],
        ],
    )
    address = f"Số {rng.randint(1, 300)} {rng.choice(vocab.STREETS)}, {ward.area}"
    y = _label_rows(d, y, [[("2. Địa chỉ trụ sở chính:", address, "address", address)]])
    y = _label_rows(d, y, [[("3. Vốn điều lệ:", f"{vocab.vn_amount(capital)} đồng", "capital_vnd", str(capital))]])
    words = vocab.vn_number_words(capital)
    y, _ = _para(d, y, f"Bằng chữ: {words[0].upper()}{words[1:]} đồng", justify=False, indent_mm=0)
    y, _ = _para(d, y, [("4. Người đại diện theo pháp luật của công ty", "bold")], justify=False, indent_mm=0)
    y = _label_rows(
        d,
        y,
        [
            [
                ("Họ và tên:", person.full_name, "full_name", person.full_name),
                ("Giới tính:", person.gender, "gender", person.gender),
            ],
            [("Chức danh:", "Giám đốc", None, "")],
            [
                ("Sinh ngày:", _dob(person), "birth_date", person.birth_date.isoformat()),
                ("Dân tộc:", "Kinh", None, ""),
                ("Quốc tịch:", "Việt Nam", "nationality", "Việt Nam"),
            ],
            [("Loại giấy tờ pháp lý của cá nhân:", "Thẻ căn cước", None, "")],
            [("Số giấy tờ pháp lý của cá nhân:", person.personal_id, "personal_id", person.personal_id)],
            [("Địa chỉ liên lạc:", person.address, None, "")],
        ],
    )
    y += d.gap(PT_BODY, 0.5)
    authority, title = rng.choice(((None, "TRƯỞNG PHÒNG"), ("KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG")))
    if authority:
        drawn = d.c.line(
            [(authority, "bold")],
            y=y,
            x0=d.split,
            x1=c.right,
            pt=PT_SIGNER,
            zone="footer_right",
            band=2,
            column=1,
            align="center",
        )
        y = drawn.bbox[3] + d.gap(PT_SIGNER, 0.3)
    d.seal = ("PHÒNG ĐĂNG KÝ KINH DOANH", f"SỞ TÀI CHÍNH {city.upper()}")
    return _form_signer(d, y, title, vocab.full_name(rng, rng.choice(("Nam", "Nữ"))), note="")


def _gcn_qsdd(d: _Doc) -> int:
    rng = d.rng
    ward, person = d.citizen()
    # the people's committee of the city the parcel lies in when there is one, else the ward's
    agency = next((a for a in vocab.AGENCIES if a.level == "tinh" and a.place == ward.place), ward)
    date = vocab.issue_date(rng)
    serial = f"{rng.choice(vocab.LAND_SERIAL_LETTERS)} {rng.randint(100000, 999999)}"
    registry = f"{rng.choice(vocab.LAND_REGISTRY_PREFIXES)} {rng.randint(1, 99999):05d}"
    parcel, sheet = str(rng.randint(1, 999)), str(rng.randint(1, 60))
    area = round(rng.uniform(45.0, 2500.0), 1)
    y = _motto(d, d.c.top)
    y = _centre(d, y, "GIẤY CHỨNG NHẬN")
    y = _centre(d, y, "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT", pt=PT_TITLE - 1)
    y, lines = d.c.block(
        f"Số phát hành: {serial}",
        y=y + d.gap(PT_BODY, 0.3),
        x0=d.c.left,
        x1=d.c.right,
        pt=PT_BODY,
        zone="title",
        band=1,
        align="center",
    )
    d.put("serial_number", serial, lines[0].span_box(len("Số phát hành: ")))
    y += d.gap(PT_BODY, 0.6)
    honorific = "Ông" if person.gender == "Nam" else "Bà"
    year = str(person.birth_date.year)
    y, _ = _para(
        d, y, [("1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất:", "bold")], justify=False, indent_mm=0
    )
    y = _label_rows(
        d,
        y,
        [
            [
                (f"{honorific}:", f"{person.full_name};", "full_name", person.full_name),
                ("Năm sinh:", year, "birth_year", year),
            ],
            [("Số định danh cá nhân:", person.personal_id, "personal_id", person.personal_id)],
            [("Địa chỉ thường trú:", person.address, "address", person.address)],
        ],
    )
    y, _ = _para(d, y, [("2. Thông tin thửa đất:", "bold")], justify=False, indent_mm=0)
    place_addr = f"{rng.choice(vocab.VILLAGES)}, {ward.area}"
    purpose, origin = rng.choice(vocab.LAND_PURPOSES), rng.choice(vocab.LAND_ORIGINS)
    form = rng.choice(("Sử dụng riêng", "Sử dụng chung"))
    y = _label_rows(
        d,
        y,
        [
            [
                ("a) Thửa đất số:", f"{parcel};", "parcel_number", parcel),
                ("b) Tờ bản đồ số:", f"{sheet};", "map_sheet", sheet),
            ],
            [("c) Địa chỉ:", place_addr, "parcel_address", place_addr)],
            [("d) Diện tích:", f"{vocab.vn_decimal(area)} m²", "area_m2", f"{area:g}")],
        ],
    )
    y, _ = _para(d, y, f"(Bằng chữ: {vocab.vn_decimal_words(area)} mét vuông)", justify=False, indent_mm=0)
    y = _label_rows(
        d,
        y,
        [
            [("đ) Hình thức sử dụng:", form, "use_form", form)],
            [("e) Mục đích sử dụng:", purpose, "land_use_purpose", purpose)],
            [("g) Thời hạn sử dụng:", "Lâu dài", "land_use_term", "Lâu dài")],
            [("h) Nguồn gốc sử dụng:", origin, "land_origin", origin)],
        ],
    )
    y, _ = _para(d, y, "3. Tài sản gắn liền với đất: Không.", justify=False, indent_mm=0)
    y = _date_line(d, y + d.gap(PT_BODY, 0.3), agency.place, date)
    authority, title = _signer(d, agency)
    if authority:
        drawn = d.c.line(
            [(authority, "bold")],
            y=y,
            x0=d.split,
            x1=d.c.right,
            pt=PT_SIGNER,
            zone="footer_right",
            band=2,
            column=1,
            align="center",
        )
        d.put("signer_authority", authority, drawn.bbox)
        y = drawn.bbox[3] + d.gap(PT_SIGNER, 0.3)
    d.seal = (agency.issuer, agency.seal_bottom)
    bottom = _form_signer(d, y, title, vocab.full_name(rng, rng.choice(("Nam", "Nữ"))), note="")
    line = d.c.line(
        [("Số vào sổ cấp GCN:", "regular"), (registry, "regular")],
        y=bottom,
        x0=d.c.left,
        x1=d.split,
        pt=PT_NOTE,
        zone="footer_left",
        band=2,
    )
    d.put("registry_number", registry, line.span_box(len("Số vào sổ cấp GCN: ")))
    return line.bbox[3]


def _gcn_qsdd_page2(d: _Doc) -> int:
    """Continuation: the parcel diagram and the changes table, under the page number "2"."""
    c = d.c
    c.line([("2", "regular")], y=c.mm(12), x0=c.left, x1=c.right, pt=13, zone="header", band=0, align="center")
    y, _ = _para(d, c.top, [("4. Sơ đồ thửa đất:", "bold")], justify=False, indent_mm=0)
    box = (c.left + c.mm(30), y, c.right - c.mm(30), y + c.mm(70))
    c.draw.rectangle(box, outline=(0, 0, 0), width=max(1, round(c.dpi / 100)))
    y = box[3] + d.gap(PT_BODY, 1.0)
    y, _ = _para(d, y, [("5. Những thay đổi sau khi cấp Giấy chứng nhận:", "bold")], justify=False, indent_mm=0)
    y, _ = _para(d, y, "Nội dung thay đổi và cơ sở pháp lý: Không có thay đổi.", justify=False, indent_mm=0)
    y, _ = _para(
        d,
        y + d.gap(PT_BODY, 0.5),
        [
            (
                "Người được cấp Giấy chứng nhận không được sửa chữa, tẩy xóa hoặc bổ sung bất kỳ nội dung nào trong "
                "Giấy chứng nhận; khi bị mất hoặc hư hỏng Giấy chứng nhận phải khai báo ngay với cơ quan cấp Giấy.",
                "italic",
            )
        ],
        indent_mm=0,
    )
    return y


def _quyet_dinh_mat(d: _Doc) -> int:
    level = d.rng.choice(vocab.SECRECY)  # drawn even when a level is asked for: the page stays the same
    d.secrecy = d.secrecy or level
    return _quyet_dinh(d)


def _xac_nhan_cu_tru(d: _Doc) -> int:
    rng = d.rng
    ward, person = d.citizen()
    superior, issuer = vocab.police_of(ward)
    sentence = "Công an " + ward.sentence_name.split("Ủy ban nhân dân ", 1)[1]
    police = vocab.Agency(superior or None, issuer, sentence, "CA", ward.place, "xa", "", "", None, (), "", "")
    date = vocab.issue_date(rng)
    y = _form_code_line(d, d.c.top, "CT07")
    y = _admin_header(d, police, f"{vocab.doc_number(rng)}/XNCT-CA", ward.place, date, top=y)
    y = _title(d, y, "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ", None)
    head = vocab.full_name(rng, "Nam") if rng.random() < 0.5 else person.full_name
    relation = "Chủ hộ" if head == person.full_name else rng.choice(vocab.RELATIONS[1:])
    y, _ = _para(d, y, f"{sentence} xác nhận thông tin về cư trú của công dân như sau:")
    y = _label_rows(
        d,
        y,
        [
            [("1. Họ, chữ đệm và tên:", person.full_name, "full_name", person.full_name)],
            [
                ("2. Ngày, tháng, năm sinh:", _dob(person), "birth_date", person.birth_date.isoformat()),
                ("3. Giới tính:", person.gender, "gender", person.gender),
            ],
            [("4. Số định danh cá nhân:", person.personal_id, "personal_id", person.personal_id)],
            [("5. Nơi thường trú:", person.address, "permanent_address", person.address)],
            [("6. Nơi ở hiện tại:", person.address, "current_address", person.address)],
            [("7. Họ, chữ đệm và tên chủ hộ:", head, "household_head", head)],
            [("8. Quan hệ với chủ hộ:", relation, "relation_to_head", relation)],
        ],
    )
    y, _ = _para(d, y, "Thông tin trên được xác nhận theo Cơ sở dữ liệu về cư trú./.")
    title = "TRƯỞNG CÔNG AN PHƯỜNG" if "PHƯỜNG" in issuer else "TRƯỞNG CÔNG AN XÃ"
    d.seal = (issuer, superior)
    return _footer(
        d, y, ["Công dân;", "Lưu: hồ sơ cư trú."], None, title, vocab.full_name(rng, rng.choice(("Nam", "Nữ")))
    )


def _to_khai(d: _Doc) -> int:
    rng = d.rng
    ward, person = d.citizen()
    date = vocab.issue_date(rng)
    recipient = "Công an " + ward.sentence_name.split("Ủy ban nhân dân ", 1)[1]
    y = _form_code_line(d, d.c.top, "CT01")
    y = _motto(d, y)
    y = _centre(d, y, "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ") + d.gap(PT_BODY, 0.4)
    y, lines = d.c.block(
        f"Kính gửi: {recipient}", y=y, x0=d.c.left, x1=d.c.right, pt=PT_BODY, zone="body", band=1, align="center"
    )
    d.put("recipient", recipient, lines[0].span_box(len("Kính gửi: ")))
    y += d.gap(PT_BODY, 0.5)
    request = (
        f"{rng.choice(('Đăng ký thường trú', 'Đăng ký tạm trú', 'Điều chỉnh thông tin về cư trú'))} tại "
        f"{person.address}"
    )
    y = _label_rows(
        d,
        y,
        [
            [("1. Họ, chữ đệm và tên:", person.full_name, "full_name", person.full_name)],
            [
                ("2. Ngày, tháng, năm sinh:", _dob(person), "birth_date", person.birth_date.isoformat()),
                ("3. Giới tính:", person.gender, "gender", person.gender),
            ],
            [("4. Số định danh cá nhân:", person.personal_id, "personal_id", person.personal_id)],
            [("5. Số điện thoại liên hệ:", person.phone, "phone", person.phone)],
            [("6. Nơi thường trú:", person.address, "address", person.address)],
            [("7. Họ, chữ đệm và tên chủ hộ:", person.full_name, "household_head", person.full_name)],
            [("8. Mối quan hệ với chủ hộ:", "Chủ hộ", "relation_to_head", "Chủ hộ")],
            [("9. Nội dung đề nghị:", request, "request", request)],
        ],
    )
    y = _date_line(d, y + d.gap(PT_BODY, 0.5), ward.place, date)
    return _form_signer(d, y, "NGƯỜI KÊ KHAI", person.full_name)


def _khai_sinh(d: _Doc) -> int:
    rng = d.rng
    ward, parent = d.citizen()
    gender = rng.choice(("Nam", "Nữ"))
    birth = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randint(0, 16 * 365))
    child = vocab.full_name(rng, gender)
    pid = vocab.personal_id(rng, birth, gender)
    registered = birth + dt.timedelta(days=rng.randint(3, 50))
    mother = parent.full_name if parent.gender == "Nữ" else vocab.full_name(rng, "Nữ")
    father = parent.full_name if parent.gender == "Nam" else vocab.full_name(rng, "Nam")
    city = ward.area.split(", ")[-1]
    where = f"{rng.choice(vocab.HOSPITALS)}, {city}"
    y = _motto(d, d.c.top)
    y = _centre(d, y, "GIẤY KHAI SINH") + d.gap(PT_BODY, 0.3)
    number, book = str(rng.randint(1, 250)), f"{rng.randint(1, 3):02d}/{registered.year}"
    y = _label_rows(
        d, y, [[("Số:", number, "registration_number", number), ("Quyển số:", book, "registration_book", book)]]
    )
    y += d.gap(PT_BODY, 0.4)
    y = _label_rows(
        d,
        y,
        [
            [("Họ, chữ đệm và tên:", child, "full_name", child)],
            [("Ngày, tháng, năm sinh:", birth.strftime("%d/%m/%Y"), "birth_date", birth.isoformat())],
        ],
    )
    words = vocab.vn_date_words(birth)
    y, _ = _para(d, y, f"Ghi bằng chữ: {words[0].upper()}{words[1:]}", justify=False)
    y = _label_rows(
        d,
        y,
        [
            [
                ("Giới tính:", gender, "gender", gender),
                ("Dân tộc:", "Kinh", "ethnicity", "Kinh"),
                ("Quốc tịch:", "Việt Nam", "nationality", "Việt Nam"),
            ],
            [("Nơi sinh:", where, "place_of_birth", where)],
            [("Quê quán:", ward.area, "hometown", ward.area)],
            [("Số định danh cá nhân:", pid, "personal_id", pid)],
            [("Họ, chữ đệm và tên người mẹ:", mother, "mother_name", mother)],
            [("Họ, chữ đệm và tên người cha:", father, "father_name", father)],
            [("Nơi đăng ký:", ward.sentence_name, "issuing_agency", ward.sentence_name)],
            [("Ngày, tháng, năm đăng ký:", registered.strftime("%d/%m/%Y"), "issue_date", registered.isoformat())],
        ],
    )
    d.seal = (ward.issuer, ward.seal_bottom)
    return _form_signer(
        d,
        y + d.gap(PT_BODY, 0.8),
        "NGƯỜI KÝ GIẤY KHAI SINH",
        vocab.full_name(rng, rng.choice(("Nam", "Nữ"))),
        note="(Ký, ghi rõ họ tên, đóng dấu)",
    )


def _cccd(d: _Doc) -> int:
    """A photocopy of both faces of a citizen ID card, enlarged so its text reads at body size."""
    rng = d.rng
    ward, person = d.citizen()
    c = d.c
    issued = dt.date(2021, 1, 4) + dt.timedelta(days=rng.randint(0, 3 * 365))
    age = issued.year - person.birth_date.year
    expiry_age = next((a for a in (25, 40, 60) if a > age), None)
    x0, x1 = c.left + c.mm(8), c.right - c.mm(8)
    height = round((x1 - x0) * 54 / 85.6)  # the card's proportions
    front = (x0, c.top, x1, c.top + height)
    c.draw.rounded_rectangle(front, radius=c.mm(5), outline=(0, 0, 0), width=max(1, round(c.dpi / 100)))
    y = c.top + c.mm(4)
    for text, pt, style in (
        (vocab.MOTTO, 11.5, "bold"),
        (vocab.TAGLINE, 11.5, "bold"),
        ("CĂN CƯỚC CÔNG DÂN", 15, "bold"),
    ):
        y, _ = c.block(
            [(text, style)], y=y, x0=x0, x1=x1, pt=pt, zone="header", band=0, style=style, align="center", leading=1.2
        )
    photo = (x0 + c.mm(5), y + c.mm(2), x0 + c.mm(33), y + c.mm(40))
    c.draw.rectangle(photo, outline=(0, 0, 0), width=max(1, round(c.dpi / 100)))
    fx0 = photo[2] + c.mm(5)
    y += c.mm(2)
    rows = [
        ("Số:", person.personal_id, "personal_id"),
        ("Họ và tên:", person.full_name.upper(), "full_name"),
        ("Ngày sinh:", _dob(person), "birth_date"),
        ("Giới tính:", person.gender, "gender"),
        ("Quốc tịch:", "Việt Nam", "nationality"),
        ("Quê quán:", ward.area, "hometown"),
        ("Nơi thường trú:", person.address, "address"),
    ]
    truth = {
        "personal_id": person.personal_id,
        "full_name": person.full_name.upper(),
        "birth_date": person.birth_date.isoformat(),
        "gender": person.gender,
        "nationality": "Việt Nam",
        "hometown": ward.area,
        "address": person.address,
    }
    for label, printed, key in rows:
        y, lines = c.block(f"{label} {printed}", y=y, x0=fx0, x1=x1 - c.mm(4), pt=12, zone="body", band=1)
        d.put(key, truth[key], _span_box(lines, len(label) + 1, len(label) + 1 + len(printed)))
    if expiry_age:
        expiry = person.birth_date.replace(year=person.birth_date.year + expiry_age)
        line = c.line(
            [("Có giá trị đến:", "italic"), (expiry.strftime("%d/%m/%Y"), "regular")],
            y=front[3] - c.mm(9),
            x0=x0 + c.mm(5),
            x1=x1,
            pt=11,
            zone="body",
            band=1,
        )
        d.put("expiry_date", expiry.isoformat(), line.span_box(len("Có giá trị đến: ")))
    back = (x0, front[3] + c.mm(12), x1, front[3] + c.mm(12) + height)
    c.draw.rounded_rectangle(back, radius=c.mm(5), outline=(0, 0, 0), width=max(1, round(c.dpi / 100)))
    y = back[1] + c.mm(6)
    y, _ = c.block(
        f"Đặc điểm nhân dạng: {rng.choice(vocab.ID_MARKS)}",
        y=y,
        x0=x0 + c.mm(5),
        x1=x1 - c.mm(5),
        pt=12,
        zone="body",
        band=1,
    )
    y, lines = c.block(
        f"Ngày, tháng, năm: {issued:%d/%m/%Y}",
        y=y + c.mm(2),
        x0=x0 + c.mm(5),
        x1=x1 - c.mm(5),
        pt=12,
        zone="body",
        band=1,
    )
    d.put("issue_date", issued.isoformat(), lines[0].span_box(len("Ngày, tháng, năm: ")))
    y, _ = c.block(
        [("CỤC TRƯỞNG CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", "bold")],
        y=y + c.mm(2),
        x0=x0 + c.mm(40),
        x1=x1 - c.mm(5),
        pt=11,
        zone="body",
        band=1,
        style="bold",
        align="center",
    )
    return back[3]


def _tach_ho_so(d: _Doc) -> int:
    """A separator sheet: "TÁCH HỒ SƠ" in large type, "SOHOA-SEPARATOR" and a short note.

    No barcode: its vertical bars outweigh the text lines when the page stage measures orientation (a
    barcode sheet comes out turned 90°), and the text is what the splitter detects.
    """
    c = d.c
    y = c.top + c.mm(60)
    y, _ = c.block(
        [("TÁCH HỒ SƠ", "bold")], y=y, x0=c.left, x1=c.right, pt=44, zone="body", band=1, style="bold", align="center"
    )
    y, _ = c.block("SOHOA-SEPARATOR", y=y + c.mm(5), x0=c.left, x1=c.right, pt=16, zone="body", band=1, align="center")
    y += c.mm(15)
    for text in (
        "Tờ tách hồ sơ: đặt tờ này trước mỗi thành phần hồ sơ khi quét.",
        "Trang này không được số hóa và không thuộc thành phần hồ sơ nào.",
        "Bộ phận Một cửa sử dụng khi quét nhiều thành phần hồ sơ trong một lần.",
    ):
        y, _ = _para(d, y, text, justify=False)
    return y


Builder = Callable[[_Doc], int]
FORM_BUILDERS: dict[str, tuple[Builder, ...]] = {
    "tiep_nhan": (_tiep_nhan,),
    "dang_ky_doanh_nghiep": (_dang_ky_doanh_nghiep,),
    "gcn_qsdd": (_gcn_qsdd, _gcn_qsdd_page2),
    "quyet_dinh_mat": (_quyet_dinh_mat,),
    "xac_nhan_cu_tru": (_xac_nhan_cu_tru,),
    "to_khai": (_to_khai,),
    "khai_sinh": (_khai_sinh,),
    "cccd": (_cccd,),
    "trang_trang": (lambda d: d.c.top,),
    "tach_ho_so": (_tach_ho_so,),
}


def build_pages(
    kind: str,
    rng: random.Random,
    dpi: int = 200,
    shared: dict[str, Any] | None = None,
    *,
    secrecy_style: str | None = None,
    secrecy_level: str | None = None,
) -> list[RenderedPage]:
    """The page(s) of one document of `kind` (or one separator sheet); raises if a page overflows A4.

    Kinds of :mod:`samples.documents` are built by its builders, so their pages stay byte-identical.
    ``secrecy_style`` (``SECRECY_STYLES``) and ``secrecy_level`` ("MẬT", "TỐI MẬT", "TUYỆT MẬT") fix the
    mark of ``quyet_dinh_mat``, which otherwise the seed draws; other kinds ignore them.
    """
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown document kind {kind!r}; known: {', '.join(ALL_KINDS)}")
    if secrecy_style is not None and secrecy_style not in SECRECY_STYLES:
        raise ValueError(f"unknown secrecy style {secrecy_style!r}; known: {', '.join(SECRECY_STYLES)}")
    if secrecy_level is not None and secrecy_level not in vocab.SECRECY:
        raise ValueError(f"unknown secrecy level {secrecy_level!r}; known: {', '.join(vocab.SECRECY)}")
    shared = {} if shared is None else shared
    builders = FORM_BUILDERS.get(kind) or (BUILDERS[kind],)
    pages = []
    for builder in builders:
        canvas = Canvas(dpi)
        doc = _Doc(canvas, rng, shared)
        if kind == "quyet_dinh_mat":
            doc.secrecy, doc.secrecy_style = secrecy_level, secrecy_style
        bottom = builder(doc)
        if bottom > canvas.bottom:
            raise ValueError(f"{kind} page overflows A4 ({bottom} > {canvas.bottom} px)")
        pages.append(
            RenderedPage(
                canvas.image,
                dpi,
                kind,
                canvas.reading_order(),
                doc.fields,
                doc.boxes,
                doc.anchors,
                doc.seal,
                doc.secrecy_style,
            )
        )
    return pages


# What each generated kind is (quyet_dinh_mat is a decision: it is refused, not misclassified).
KIND_TYPE: dict[str, str] = {
    "quyet_dinh": "decision",
    "cong_van": "official_letter",
    "thong_bao": "notice",
    "giay_xac_nhan": "confirmation",
    "don": "application",
    "tiep_nhan": "receipt",
    "dang_ky_doanh_nghiep": "business_registration",
    "gcn_qsdd": "land_use_certificate",
    "quyet_dinh_mat": "decision",
    "xac_nhan_cu_tru": "residence_confirmation",
    "to_khai": "declaration",
    "khai_sinh": "birth_certificate",
    "cccd": "id_card",
}
