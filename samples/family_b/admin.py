"""Family B's ND 30 documents: quyết định, công văn, thông báo, giấy xác nhận.

Field conventions are family A's (:mod:`samples.documents`): wrapped values joined by one space, dates ISO,
``subject`` without "V/v ". The layouts are this family's own: stacked or two-column headers, greedy
agency wraps, subjects set narrow so they wrap, a short signing room so the seal covers the signer's name.
"""

from __future__ import annotations

from samples.family_b import words
from samples.family_b.blocks import (
    Draft,
    admin_header,
    digit_boxes,
    dmy,
    field_row,
    footer,
    form_field,
    office_signer,
    paragraph,
    table,
    title_block,
)


def _office(d: Draft, *, ward: bool | None = None) -> words.Office:
    pool = [o for o in words.OFFICES if ward is None or o.ward == ward]
    return d.rng.choice(pool)


def _fmt(text: str, d: Draft, date_year: int, month: int) -> str:
    return text.format(year=date_year, month=month, quarter=d.rng.randint(1, 4))


def _receivers(d: Draft, office: words.Office, first: str) -> list[str]:
    extra = d.rng.sample(
        ["Thường trực HĐND;", "Các sở, ban, ngành;", "Trang thông tin điện tử;", "Lãnh đạo đơn vị;"],
        k=d.rng.randint(1, 3),
    )
    return [first, *extra, f"Lưu: VT, {office.unit}."]


def quyet_dinh(d: Draft) -> int:
    office, date = _office(d), words.issue_date(d.rng)
    subject = _fmt(d.rng.choice(words.DECISIONS), d, date.year, date.month)
    authority, title = office_signer(d, office)
    y = admin_header(d, office, f"{words.doc_number(d.rng)}/QĐ-{office.code}", date)
    y = title_block(d, y, "QUYẾT ĐỊNH", subject)
    power = office.head if authority is None or authority.startswith("KT") else office.collective or office.head
    y = paragraph(d, y, [(f"{power} {office.issuer}", "bold")], indent_mm=0)
    small = d.s.house.paper == "A5"
    y = paragraph(
        d,
        y,
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
        style="italic",
    )
    if not small:
        y = paragraph(d, y, "Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;", style="italic")
    y = paragraph(d, y, "Theo đề nghị của Chánh Văn phòng.", style="italic")
    y = paragraph(d, y, [("QUYẾT ĐỊNH:", "bold")], indent_mm=0)
    y = paragraph(d, y, [("Điều 1.", "bold"), (subject.replace("Về việc ", "Nội dung: ") + ".", "regular")])
    y = paragraph(d, y, [("Điều 2.", "bold"), ("Quyết định này có hiệu lực kể từ ngày ký./.", "regular")])
    d.seal = (office.issuer, office.seal_bottom)
    return footer(
        d,
        y,
        _receivers(d, office, "Như Điều 2;"),
        authority,
        title,
        words.person_name(d.rng, d.rng.choice(("Nam", "Nữ"))),
    )


def cong_van(d: Draft) -> int:
    office, date = _office(d), words.issue_date(d.rng)
    vv = _fmt(d.rng.choice(words.LETTERS), d, date.year, date.month)
    authority, title = office_signer(d, office)
    y = admin_header(d, office, f"{words.doc_number(d.rng)}/{office.code}-{office.unit}", date, vv=vv)
    s = d.s
    to = d.rng.sample(
        [
            "Ủy ban nhân dân các xã, phường",
            "Các sở, ban, ngành tỉnh",
            "Bộ phận Một cửa các cấp",
            "Văn phòng đăng ký đất đai",
        ],
        k=d.rng.randint(1, 3),
    )
    if len(to) == 1:
        y = paragraph(d, y, f"Kính gửi: {to[0]}.", indent_mm=25)
    else:
        label = s.write(s.tokens("Kính gửi:"), x=s.left + s.mm(20), y=y, pt=d.pt, zone="body")
        for i, item in enumerate(to):
            y, _ = s.para(
                f"- {item}{'.' if i == len(to) - 1 else ';'}",
                x0=label.bbox[2] + s.mm(2),
                x1=s.right,
                y=y,
                pt=d.pt,
                zone="body",
            )
    d.fields["recipients"] = "; ".join(to)
    d.printed["recipients"] = d.fields["recipients"]
    y += d.gap(0.4)
    y = paragraph(
        d,
        y,
        f"Thực hiện chỉ đạo của cấp trên, {office.sentence} đề nghị các cơ quan, đơn vị quan tâm "
        "phối hợp triển khai, báo cáo kết quả đúng thời hạn.",
    )
    y = paragraph(d, y, "Đầu mối liên hệ: Văn phòng, điện thoại 0263 3822 111./.")
    d.seal = (office.issuer, office.seal_bottom)
    return footer(
        d,
        y,
        _receivers(d, office, "Như trên;"),
        authority,
        title,
        words.person_name(d.rng, d.rng.choice(("Nam", "Nữ"))),
    )


def thong_bao(d: Draft) -> int:
    office, date = _office(d), words.issue_date(d.rng)
    subject = _fmt(d.rng.choice(words.NOTICES), d, date.year, date.month)
    authority, title = office_signer(d, office)
    y = admin_header(d, office, f"{words.doc_number(d.rng)}/TB-{office.code}", date)
    y = title_block(d, y, "THÔNG BÁO", subject, subject_style=d.rng.choice(("bold", "regular")))
    y = paragraph(d, y, f"{office.sentence} trân trọng thông báo đến các tổ chức, cá nhân có liên quan được biết.")
    rows = [
        [("STT", "bold"), ("Nội dung", "bold"), ("Thời gian", "bold")],
        [("1", "regular"), ("Tiếp nhận hồ sơ", "regular"), ("Sáng: 7 giờ 30 - 11 giờ 30", "regular")],
        [("2", "regular"), ("Trả kết quả", "regular"), ("Chiều: 13 giờ 30 - 17 giờ 00", "regular")],
    ]
    y = table(d, y, [1, 5, 5], rows, ruled=d.rng.random() < 0.6)
    y = paragraph(d, y, "Trân trọng thông báo./.")
    d.seal = (office.issuer, office.seal_bottom)
    return footer(
        d,
        y,
        _receivers(d, office, "Như trên;"),
        authority,
        title,
        words.person_name(d.rng, d.rng.choice(("Nam", "Nữ"))),
    )


def giay_xac_nhan(d: Draft) -> int:
    ward, person = d.citizen()
    date = words.issue_date(d.rng)
    subject = d.rng.choice(words.CONFIRMATIONS)
    authority, title = office_signer(d, ward)
    y = admin_header(d, ward, f"{words.doc_number(d.rng)}/GXN-UBND", date)
    y = title_block(d, y, "GIẤY XÁC NHẬN", subject)
    y = paragraph(d, y, f"{ward.sentence} xác nhận:", indent_mm=0)
    name = d.name_as_typed(person.name)
    y = form_field(d, y, "Ông/Bà:", name, "full_name", name, value_style="bold")
    y = field_row(
        d,
        y,
        [
            ("Sinh ngày:", dmy(person.birth), "birth_date", person.birth.isoformat()),
            ("Giới tính:", person.gender, "gender", person.gender),
        ],
        shares=[0.6, 0.4],
    )
    if d.rng.random() < 0.5:
        y = digit_boxes(d, y, "Số CCCD:", person.pid, "personal_id")
    else:
        y = form_field(d, y, "Số định danh cá nhân:", person.pid, "personal_id", person.pid)
    y = form_field(d, y, "Nơi cư trú:", person.address, "address", person.address, below=d.rng.random() < 0.5)
    y = form_field(d, y, "Điện thoại:", person.phone, "phone", person.phone)
    y = paragraph(
        d,
        y,
        "Là người đang sinh sống tại địa phương, chấp hành tốt chủ trương, chính sách của Đảng, "
        "pháp luật của Nhà nước./.",
    )
    d.seal = (ward.issuer, ward.seal_bottom)
    return footer(
        d, y, ["Như trên;", "Lưu: VT."], authority, title, words.person_name(d.rng, d.rng.choice(("Nam", "Nữ")))
    )
