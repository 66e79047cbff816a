"""Family B's certificates: đăng ký doanh nghiệp, GCN quyền sử dụng đất (two pages), trích lục khai sinh, căn cước.

Certificates carry double or ornate frames, values on the line below their labels, column-header tables
(parcel number | map sheet | area), the parents side by side, and a bilingual ID card photocopy.
"""

from __future__ import annotations

import datetime as dt

from samples import vocab
from samples.family_b import words
from samples.family_b.blocks import (
    TAGLINE,
    Draft,
    agency_lines,
    date_line,
    digit_boxes,
    dmy,
    field_row,
    form_field,
    header_columns,
    inline_fields,
    motto_lines,
    office_signer,
    paragraph,
    signer_block,
    table,
)


def _heading(d: Draft, y: int, text: str, *, pt_add: float = 2.0) -> int:
    s = d.s
    y, _ = s.para(
        [(text, "bold")], x0=s.left, x1=s.right, y=y, pt=d.pt + pt_add, zone="title", align="center", leading=1.2
    )
    return s.check(y)


def dang_ky_doanh_nghiep(d: Draft) -> int:
    ward, person = d.citizen()
    s, rng = d.s, d.rng
    province = ward.area.split(", ")[-1]
    reg = words.Office(
        f"SỞ TÀI CHÍNH {province.split(' ', 1)[1].upper()}"
        if province.startswith("tỉnh")
        else f"SỞ TÀI CHÍNH {province.upper()}",
        "PHÒNG ĐĂNG KÝ KINH DOANH VÀ TÀI CHÍNH DOANH NGHIỆP",
        "",
        "",
        ward.place,
        "TRƯỞNG PHÒNG",
        "PHÓ TRƯỞNG PHÒNG",
        None,
        "",
        "",
        ward.area,
        False,
    )
    left_x1, right_x0 = header_columns(d)
    ly = agency_lines(d, reg, s.top, s.left, left_x1)
    y = max(ly, motto_lines(d, s.top, right_x0, s.right)) + d.gap(0.6)
    y = _heading(d, y, "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP")
    kind, foreign_kind, short_kind = rng.choice(words.COMPANY_KINDS)
    y = _heading(d, y, kind, pt_add=0.5) + d.gap(0.4)
    code = vocab.business_code(rng)
    first = words.issue_date(rng) - dt.timedelta(days=rng.randint(500, 2500))
    y = form_field(
        d,
        y,
        "Mã số doanh nghiệp:",
        code,
        "business_code",
        code,
        leaders=False,
        value_style="bold",
        x0=s.left + s.mm(12),
    )
    y = form_field(
        d,
        y,
        "Đăng ký lần đầu:",
        vocab.vn_date(first),
        "first_registration_date",
        first.isoformat(),
        leaders=False,
        x0=s.left + s.mm(12),
    )
    if rng.random() < 0.7:
        n = rng.randint(1, 6)
        changed = first + dt.timedelta(days=rng.randint(60, 400))
        y = inline_fields(
            d,
            y,
            [
                ("Đăng ký thay đổi lần thứ", None, ""),
                (str(n), "change_count", str(n)),
                (",", None, ""),
                (vocab.vn_date(changed), "change_date", changed.isoformat()),
            ],
            indent_mm=12,
        )
    trade, trade_en = rng.choice(words.TRADES)
    brand, brand_en = rng.choice(words.BRANDS)
    name, foreign, short = (
        f"{kind} {trade} {brand}",
        f"{brand_en} {trade_en} {foreign_kind}",
        f"{brand_en} {short_kind}",
    )
    y = paragraph(d, y, [("1. Tên công ty", "bold")], indent_mm=0)
    y = form_field(
        d, y, "Tên công ty viết bằng tiếng Việt:", name, "business_name", name, below=True, value_style="bold"
    )
    y = form_field(
        d, y, "Tên công ty viết bằng tiếng nước ngoài:", foreign, "business_name_foreign", foreign, below=True
    )
    y = form_field(d, y, "Tên công ty viết tắt:", short, "business_name_short", short)
    address = f"Số {rng.randint(3, 250)} đường {rng.choice(words.STREETS)}, {ward.area}"
    y = form_field(d, y, "2. Địa chỉ trụ sở chính:", address, "address", address, below=True, label_style="bold")
    capital = rng.choice(words.CAPITALS)
    y = form_field(
        d, y, "3. Vốn điều lệ:", f"{vocab.vn_amount(capital)} đồng", "capital_vnd", str(capital), label_style="bold"
    )
    spelled = vocab.vn_number_words(capital)
    y = paragraph(d, y, f"Bằng chữ: {spelled[0].upper()}{spelled[1:]} đồng", indent_mm=0, style="italic")
    y = paragraph(d, y, [("4. Người đại diện theo pháp luật của công ty", "bold")], indent_mm=0)
    y = field_row(
        d,
        y,
        [
            ("Họ và tên:", person.name.upper(), "full_name", person.name.upper()),
            ("Giới tính:", person.gender, "gender", person.gender),
        ],
        shares=[0.68, 0.32],
        leaders=False,
    )
    y = field_row(
        d,
        y,
        [
            ("Sinh ngày:", dmy(person.birth), "birth_date", person.birth.isoformat()),
            ("Quốc tịch:", "Việt Nam", "nationality", "Việt Nam"),
        ],
        shares=[0.5, 0.5],
        leaders=False,
    )
    y = form_field(d, y, "Số định danh cá nhân:", person.pid, "personal_id", person.pid, leaders=False)
    y += d.gap(0.4)
    authority, title = rng.choice(((None, "TRƯỞNG PHÒNG"), ("KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG")))
    d.seal = (reg.issuer, reg.superior or "")
    return s.check(
        signer_block(d, y, authority, title, words.person_name(rng, rng.choice(("Nam", "Nữ"))), x0=s.split, x1=s.right)
    )


def gcn_qsdd(d: Draft) -> int:
    ward, person = d.citizen()
    s, rng = d.s, d.rng
    office = (
        next(o for o in words.OFFICES if o.code == "SNNMT")
        if rng.random() < 0.5
        else words.Office(
            None,
            f"ỦY BAN NHÂN DÂN {ward.seal_bottom}",
            "",
            "UBND",
            ward.place,
            "CHỦ TỊCH",
            "PHÓ CHỦ TỊCH",
            "ỦY BAN NHÂN DÂN",
            "",
            ward.seal_bottom,
            ward.area,
            False,
        )
    )
    y = motto_lines(d, s.top, s.left, s.right, zone="header", column=0)
    y = _heading(d, y, "GIẤY CHỨNG NHẬN", pt_add=4)
    y = _heading(d, y, "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT", pt_add=0.5) + d.gap(0.5)
    honorific = "Ông" if person.gender == "Nam" else "Bà"
    name = d.name_as_typed(person.name)
    year = str(person.birth.year)
    y = paragraph(d, y, [("1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất", "bold")], indent_mm=0)
    y = inline_fields(
        d,
        y,
        [
            (f"{honorific}:", None, ""),
            (name, "full_name", name),
            (";", None, ""),
            ("năm sinh:", None, ""),
            (year, "birth_year", year),
            (";", None, ""),
            ("số định danh cá nhân:", None, ""),
            (person.pid, "personal_id", person.pid),
            (";", None, ""),
            ("địa chỉ thường trú:", None, ""),
            (person.address, "address", person.address),
        ],
    )
    y = paragraph(d, y, [("2. Thông tin thửa đất", "bold")], indent_mm=0)
    parcel, sheet_no = str(rng.randint(1, 1200)), str(rng.randint(1, 85))
    area = round(rng.uniform(60.0, 3200.0), 1)
    y = table(
        d,
        y,
        [1, 1, 1],
        [
            [("Thửa đất số", "bold"), ("Tờ bản đồ số", "bold"), ("Diện tích (m²)", "bold")],
            [
                (parcel, "regular", "parcel_number", parcel),
                (sheet_no, "regular", "map_sheet", sheet_no),
                (vocab.vn_decimal(area), "regular", "area_m2", f"{area:g}"),
            ],
        ],
    )
    place_addr = f"{rng.choice(words.HAMLETS)}, {ward.area}"
    purpose, origin = rng.choice(words.LAND_PURPOSES), rng.choice(words.LAND_ORIGINS)
    form = rng.choice(("Sử dụng riêng", "Sử dụng chung"))
    y = form_field(d, y, "Địa chỉ thửa đất:", place_addr, "parcel_address", place_addr, leaders=False)
    y = form_field(d, y, "Hình thức sử dụng:", form, "use_form", form, leaders=False)
    y = form_field(d, y, "Mục đích sử dụng:", purpose, "land_use_purpose", purpose, leaders=False)
    y = form_field(d, y, "Thời hạn sử dụng:", "Lâu dài", "land_use_term", "Lâu dài", leaders=False)
    y = form_field(d, y, "Nguồn gốc sử dụng:", origin, "land_origin", origin, leaders=False)
    y = paragraph(d, y, "3. Tài sản gắn liền với đất: Không có.", indent_mm=0)
    y = date_line(d, y + d.gap(0.2), s.split, s.right, office.place, words.issue_date(rng), zone="footer_right", band=2)
    authority, title = office_signer(d, office)
    line = s.fit(
        [(office.issuer, "bold")],
        x0=s.split,
        x1=s.right,
        y=y,
        pt=d.pt,
        zone="footer_right",
        band=2,
        column=1,
        align="center",
    )
    d.put("issuing_agency", office.issuer, [line], line.text)
    y = line.bbox[3] + d.gap(0.3)
    d.seal = (office.issuer, office.seal_bottom)
    bottom = signer_block(
        d,
        y,
        authority if authority and not authority.startswith("TM") else None,
        title,
        words.person_name(rng, rng.choice(("Nam", "Nữ"))),
        x0=s.split,
        x1=s.right,
    )
    serial = f"{rng.choice(words.SERIAL_LETTERS)} {rng.randint(10_000_000, 99_999_999)}"
    registry = f"{rng.choice(words.REGISTRY_PREFIXES)} {rng.randint(1, 99999):05d}"
    ry = form_field(
        d, y + s.mm(8), "Số vào sổ cấp GCN:", registry, "registry_number", registry, leaders=False, x1=s.split
    )
    sl = s.fit(serial, x0=s.left, x1=s.split, y=ry + d.gap(0.5), pt=d.pt + 1, zone="footer_left", band=2)
    d.put("serial_number", serial, [sl], sl.text)
    return s.check(max(bottom, sl.bbox[3]))


def gcn_qsdd_page2(d: Draft) -> int:
    """The parcel sketch with its side lengths and the changes table."""
    s, rng = d.s, d.rng
    y = paragraph(d, s.top, [("4. Sơ đồ thửa đất", "bold")], indent_mm=0)
    cx, top = (s.left + s.right) // 2, y + s.mm(6)
    w, h = s.mm(rng.uniform(50, 80)), s.mm(rng.uniform(35, 60))
    poly = [(cx - w // 2, top), (cx + w // 2, top + s.mm(4)), (cx + w // 2 - s.mm(6), top + h), (cx - w // 2, top + h)]
    s.draw.polygon(poly, outline=(0, 0, 0), width=max(1, s.mm(0.4)))
    for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=True):
        length = f"{rng.uniform(5, 40):.2f}".replace(".", ",")
        s.write(s.tokens(length), x=(x0 + x1) / 2 + s.mm(1), y=(y0 + y1) // 2 - s.mm(2), pt=d.pt - 2, zone="body")
    y = top + h + s.mm(12)
    y = paragraph(d, y, [("5. Những thay đổi sau khi cấp Giấy chứng nhận", "bold")], indent_mm=0)
    y = table(
        d,
        y,
        [3, 2],
        [
            [("Nội dung thay đổi và cơ sở pháp lý", "bold"), ("Xác nhận của cơ quan có thẩm quyền", "bold")],
            [("Không có thay đổi.", "regular"), ("", "regular")],
        ],
    )
    return s.check(y)


def khai_sinh(d: Draft) -> int:
    ward, parent = d.citizen()
    s, rng = d.s, d.rng
    left_x1, right_x0 = header_columns(d)
    ly = agency_lines(d, ward, s.top, s.left, left_x1)
    y = max(ly, motto_lines(d, s.top, right_x0, s.right)) + d.gap(0.4)
    title = rng.choice(("TRÍCH LỤC KHAI SINH", "GIẤY KHAI SINH"))
    y = _heading(d, y, title, pt_add=3) + d.gap(0.4)
    gender = rng.choice(("Nam", "Nữ"))
    birth = dt.date(2006, 1, 1) + dt.timedelta(days=rng.randint(0, 17 * 365))
    registered = birth + dt.timedelta(days=rng.randint(2, 60))
    number, book = str(rng.randint(1, 400)), f"{rng.randint(1, 4):02d}/{registered.year}"
    y = field_row(
        d,
        y,
        [("Số:", number, "registration_number", number), ("Quyển số:", book, "registration_book", book)],
        leaders=False,
    )
    child = words.person_name(rng, gender).upper()
    y = form_field(d, y, "Họ, chữ đệm, tên:", child, "full_name", child, value_style="bold")
    y = form_field(d, y, "Ngày, tháng, năm sinh:", dmy(birth), "birth_date", birth.isoformat())
    spelled = vocab.vn_date_words(birth)
    y = paragraph(d, y, f"ghi bằng chữ: {spelled}", indent_mm=0, style="italic")
    ethnicity = rng.choice(words.ETHNIC)
    y = field_row(
        d,
        y,
        [
            ("Giới tính:", gender, "gender", gender),
            ("Dân tộc:", ethnicity, "ethnicity", ethnicity),
            ("Quốc tịch:", "Việt Nam", "nationality", "Việt Nam"),
        ],
        shares=[0.3, 0.3, 0.4],
    )
    where = f"{rng.choice(words.BIRTH_PLACES)}, {ward.area.split(', ')[-1]}"
    y = form_field(d, y, "Nơi sinh:", where, "place_of_birth", where)
    y = form_field(d, y, "Quê quán:", ward.area, "hometown", ward.area)
    pid = words.personal_id(rng, birth, gender)
    y = digit_boxes(d, y, "Số định danh cá nhân:", pid, "personal_id")
    mother = parent.name if parent.gender == "Nữ" else words.person_name(rng, "Nữ")
    father = parent.name if parent.gender == "Nam" else words.person_name(rng, "Nam")
    y = table(
        d,
        y,
        [3, 4, 4],
        [
            [("", "regular"), ("Mẹ", "bold"), ("Cha", "bold")],
            [
                ("Họ, chữ đệm, tên", "regular"),
                (mother, "regular", "mother_name", mother),
                (father, "regular", "father_name", father),
            ],
            [("Dân tộc", "regular"), ("Kinh", "regular"), ("Kinh", "regular")],
            [("Quốc tịch", "regular"), ("Việt Nam", "regular"), ("Việt Nam", "regular")],
        ],
        ruled=rng.random() < 0.7,
    )
    y = form_field(d, y, "Nơi đăng ký:", ward.sentence, "issuing_agency", ward.sentence)
    y = form_field(d, y, "Ngày, tháng, năm đăng ký:", dmy(registered), "issue_date", registered.isoformat())
    authority, signer_title = office_signer(d, ward)
    d.seal = (ward.issuer, ward.seal_bottom)
    return s.check(
        signer_block(
            d,
            y + d.gap(0.3),
            authority,
            signer_title,
            words.person_name(rng, rng.choice(("Nam", "Nữ"))),
            x0=s.split,
            x1=s.right,
        )
    )


def cccd(d: Draft) -> int:
    """A photocopy of both faces of a "Căn cước" card (2024 model): bilingual labels, values below them."""
    ward, person = d.citizen()
    s, rng = d.s, d.rng
    issued = dt.date(2024, 7, 1) + dt.timedelta(days=rng.randint(0, 500))
    age = issued.year - person.birth.year
    expiry_age = next((a for a in (25, 40, 60) if a > age), None)
    pt = d.pt - 1
    x0, x1 = s.left + s.mm(4), s.right - s.mm(4)
    height = round((x1 - x0) * 54 / 85.6)
    for face in (0, 1):
        top = s.top + face * (height + s.mm(14))
        card = (x0, top, x1, top + height)
        s.draw.rounded_rectangle(card, radius=s.mm(4), outline=(0, 0, 0), fill=(236, 236, 236), width=max(1, s.mm(0.3)))
        if face == 0:
            y = top + s.mm(3)
            for text, size, style in (
                ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", pt - 1, "bold"),
                (TAGLINE, pt - 1, "bold"),
                ("CĂN CƯỚC", pt + 5, "bold"),
            ):
                line = s.fit(
                    [(text, style)],
                    x0=x0 + s.mm(25),
                    x1=x1 - s.mm(3),
                    y=y,
                    pt=size,
                    zone="header",
                    band=0,
                    align="center",
                )
                y = line.bbox[3] + s.mm(1.5)
            photo = (x0 + s.mm(5), y + s.mm(2), x0 + s.mm(30), y + s.mm(36))
            s.box(photo, thick=0.3)
            fx = photo[2] + s.mm(4)
            y = form_field(
                d,
                y,
                "Số định danh cá nhân/Personal identification number:",
                person.pid,
                "personal_id",
                person.pid,
                below=True,
                leaders=False,
                x0=fx,
                x1=x1 - s.mm(3),
                pt=pt - 1,
                value_style="bold",
            )
            upper = person.name.upper()
            y = form_field(
                d,
                y,
                "Họ, chữ đệm và tên khai sinh/Full name:",
                upper,
                "full_name",
                upper,
                below=True,
                leaders=False,
                x0=fx,
                x1=x1 - s.mm(3),
                pt=pt - 1,
                value_style="bold",
            )
            y = form_field(
                d,
                y,
                "Ngày, tháng, năm sinh/Date of birth:",
                dmy(person.birth),
                "birth_date",
                person.birth.isoformat(),
                leaders=False,
                x0=fx,
                x1=x1 - s.mm(3),
                pt=pt - 1,
            )
            y = form_field(
                d,
                y,
                "Giới tính/Sex:",
                person.gender,
                "gender",
                person.gender,
                leaders=False,
                x0=fx,
                x1=x1 - s.mm(3),
                pt=pt - 1,
            )
            form_field(
                d,
                y,
                "Quốc tịch/Nationality:",
                "Việt Nam",
                "nationality",
                "Việt Nam",
                leaders=False,
                x0=fx,
                x1=x1 - s.mm(3),
                pt=pt - 1,
            )
        else:
            y = top + s.mm(5)
            kw = dict(below=True, leaders=False, x0=x0 + s.mm(5), x1=x1 - s.mm(30), pt=pt - 1)
            y = form_field(d, y, "Nơi cư trú/Place of residence:", person.address, "address", person.address, **kw)
            place = ward.area
            y = form_field(
                d, y, "Nơi đăng ký khai sinh/Place of birth:", place, "birth_registration_place", place, **kw
            )
            kw["below"] = False
            y = form_field(
                d, y, "Ngày, tháng, năm cấp/Date of issue:", dmy(issued), "issue_date", issued.isoformat(), **kw
            )
            if expiry_age:
                expiry = person.birth.replace(year=person.birth.year + expiry_age)
                y = form_field(
                    d,
                    y,
                    "Ngày, tháng, năm hết hạn/Date of expiry:",
                    dmy(expiry),
                    "expiry_date",
                    expiry.isoformat(),
                    **kw,
                )
            s.fit([("BỘ CÔNG AN", "bold")], x0=x0 + s.mm(5), x1=x1 - s.mm(30), y=y + s.mm(1), pt=pt, zone="body")
            qr = (x1 - s.mm(26), top + s.mm(5), x1 - s.mm(5), top + s.mm(26))
            s.box(qr, thick=0.6)
            cell = max(2, (qr[2] - qr[0]) // 11)
            for i in range(11):
                for j in range(11):
                    if rng.random() < 0.5:
                        s.draw.rectangle(
                            (
                                qr[0] + i * cell,
                                qr[1] + j * cell,
                                qr[0] + (i + 1) * cell - 1,
                                qr[1] + (j + 1) * cell - 1,
                            ),
                            fill=(0, 0, 0),
                        )
    return s.check(s.top + 2 * height + s.mm(14))
