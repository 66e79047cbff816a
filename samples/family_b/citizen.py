"""Family B's citizen papers: đơn, tờ khai (CT01), phiếu tiếp nhận, xác nhận cư trú (CT07).

Forms as offices print them: dot leaders after typed values, labels with the value on the line below,
IDs in one box per digit, applicant data in ruled or unruled tables, the form code top right on two lines.
"""

from __future__ import annotations

import datetime as dt

from samples import vocab
from samples.family_b import words
from samples.family_b.blocks import (
    Draft,
    admin_header,
    agency_lines,
    date_line,
    digit_boxes,
    dmy,
    field_row,
    footer,
    form_field,
    header_columns,
    motto_lines,
    paragraph,
    signer_block,
    table,
    title_block,
)


def _form_code(d: Draft, code: str) -> int:
    s = d.s
    y, lines = s.para(
        f"Mẫu {code} ban hành kèm theo Thông tư số 66/2023/TT-BCA ngày 17/11/2023 của Bộ trưởng Bộ Công an",
        x0=s.split + s.mm(8),
        x1=s.right,
        y=s.top,
        pt=d.pt - 2.5,
        style="italic",
        zone="header_right",
        band=0,
        column=1,
        align="right",
        leading=1.15,
    )
    d.put("form_code", code, lines[0].span_box(4, 4 + len(code)), code)
    return y + d.gap(0.4)


def _id(d: Draft, y: int, label: str, pid: str) -> int:
    if d.rng.random() < 0.5:
        return digit_boxes(d, y, label, pid, "personal_id")
    return form_field(d, y, label, pid, "personal_id", pid)


def _applicant_sign(d: Draft, y: int, place: str, date: dt.date, title: str, name: str) -> int:
    s = d.s
    y = date_line(d, y + d.gap(0.3), s.split, s.right, place, date, zone="footer_right", band=2)
    return signer_block(d, y, None, title, name, x0=s.split, x1=s.right, note="(Ký, ghi rõ họ tên)")


def don(d: Draft) -> int:
    ward, person = d.citizen()
    date = words.issue_date(d.rng)
    subject, request = d.rng.choice(words.APPLICATIONS)
    s = d.s
    y = motto_lines(d, s.top, s.left, s.right, zone="header", column=0)
    y = title_block(d, y, "ĐƠN ĐỀ NGHỊ", subject, subject_style=d.rng.choice(("bold", "italic")))
    title = next(ln for ln in s.lines if ln.text == "ĐƠN ĐỀ NGHỊ")
    d.put("title", title.text, [title], title.text)
    recipient = ward.sentence
    y = form_field(d, y, "Kính gửi:", recipient, "recipient", recipient, leaders=False, x0=s.left + s.mm(15))
    name = d.name_as_typed(person.name)
    y = form_field(
        d, y, d.rng.choice(("Họ và tên người đề nghị:", "Họ và tên:")), name, "full_name", name, value_style="bold"
    )
    y = field_row(
        d,
        y,
        [
            ("Ngày sinh:", dmy(person.birth), "birth_date", person.birth.isoformat()),
            ("Giới tính:", person.gender, "gender", person.gender),
        ],
        shares=[0.6, 0.4],
    )
    y = _id(d, y, "Số định danh cá nhân:", person.pid)
    y = form_field(d, y, "Nơi cư trú:", person.address, "address", person.address, below=d.rng.random() < 0.4)
    y = form_field(d, y, "Số điện thoại:", person.phone, "phone", person.phone)
    y = form_field(d, y, "Nội dung đề nghị:", request, "request", request, below=True)
    y = paragraph(d, y, "Tôi xin cam đoan nội dung trên là đúng sự thật./.")
    return _applicant_sign(d, y, ward.place, date, "NGƯỜI VIẾT ĐƠN", person.name)


def to_khai(d: Draft) -> int:
    ward, person = d.citizen()
    date = words.issue_date(d.rng)
    s = d.s
    y = _form_code(d, "CT01")
    y = motto_lines(d, y, s.left, s.right, zone="header", column=0)
    y, _ = s.para(
        [("TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "bold")],
        x0=s.left,
        x1=s.right,
        y=y,
        pt=d.pt + 1.5,
        zone="title",
        align="center",
    )
    recipient = "Công an " + ward.sentence.split("Ủy ban nhân dân ", 1)[1]
    y = form_field(d, y + d.gap(0.3), "Kính gửi(1):", recipient, "recipient", recipient, x0=s.left + s.mm(10))
    name = d.name_as_typed(person.name)
    y = form_field(d, y, "1. Họ, chữ đệm và tên:", name, "full_name", name)
    y = field_row(
        d,
        y,
        [
            ("2. Ngày, tháng, năm sinh:", dmy(person.birth), "birth_date", person.birth.isoformat()),
            ("3. Giới tính:", person.gender, "gender", person.gender),
        ],
        shares=[0.65, 0.35],
    )
    y = _id(d, y, "4. Số định danh cá nhân:", person.pid)
    y = form_field(d, y, "5. Số điện thoại liên hệ:", person.phone, "phone", person.phone)
    y = form_field(d, y, "6. Nơi thường trú:", person.address, "address", person.address)
    y = form_field(d, y, "7. Họ, chữ đệm và tên chủ hộ:", name, "household_head", name)
    y = form_field(d, y, "8. Mối quan hệ với chủ hộ:", "Chủ hộ", "relation_to_head", "Chủ hộ")
    kind = d.rng.choice(("Đăng ký tạm trú", "Xóa đăng ký thường trú", "Gia hạn tạm trú"))
    request = f"{kind} tại {person.address}"
    y = form_field(d, y, "9. Nội dung đề nghị(2):", request, "request", request, below=d.rng.random() < 0.5)
    y = paragraph(d, y, [("10. Những thành viên trong hộ gia đình cùng thay đổi:", "regular")], indent_mm=0)
    member = words.person_name(d.rng, d.rng.choice(("Nam", "Nữ")))
    y = table(
        d,
        y,
        [1, 6, 4, 3, 3],
        [
            [
                ("TT", "bold"),
                ("Họ, chữ đệm và tên", "bold"),
                ("Ngày, tháng, năm sinh", "bold"),
                ("Giới tính", "bold"),
                ("Quan hệ với chủ hộ", "bold"),
            ],
            [
                ("1", "regular"),
                (member, "regular"),
                (dmy(dt.date(2012, 5, 1) + dt.timedelta(days=d.rng.randint(0, 3000))), "regular"),
                ("", "regular"),
                ("Con", "regular"),
            ],
        ],
        ruled=True,
    )
    return _applicant_sign(d, y, ward.place, date, "NGƯỜI KÊ KHAI", person.name)


def tiep_nhan(d: Draft) -> int:
    ward, person = d.citizen()
    date = words.issue_date(d.rng)
    due = date + dt.timedelta(days=d.rng.randint(2, 20))
    s = d.s
    desk = words.Office(ward.issuer, "BỘ PHẬN MỘT CỬA", "", "", ward.place, "", "", None, "", "", ward.area, True)
    left_x1, right_x0 = header_columns(d)
    ly = agency_lines(d, desk, s.top, s.left, left_x1)
    ry = motto_lines(d, s.top, right_x0, s.right)
    y = date_line(d, max(ly, ry), right_x0, s.right, ward.place, date)
    y, _ = s.para(
        [("PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "bold")],
        x0=s.left,
        x1=s.right,
        y=y,
        pt=d.pt + 1,
        zone="title",
        align="center",
        leading=1.2,
    )
    code = f"{d.rng.choice(('H35.12', 'H49.7', 'G12.33', '000.00.31.H23'))}-{date:%y%m%d}-{d.rng.randint(1, 999):04d}"
    y = form_field(
        d,
        y + d.gap(0.3),
        "Mã hồ sơ:",
        code,
        "dossier_code",
        code,
        leaders=False,
        x0=s.left + s.mm(20),
        value_style="bold",
    )
    procedure = d.rng.choice(words.PROCEDURES)
    name = d.name_as_typed(person.name)
    ruled = d.rng.random() < 0.6
    y = table(
        d,
        y,
        [2, 5],
        [
            [("Người nộp hồ sơ", "regular"), (name, "bold", "full_name", name)],
            [("Số CCCD", "regular"), (person.pid, "regular", "personal_id", person.pid)],
            [("Địa chỉ", "regular"), (person.address, "regular", "address", person.address)],
            [("Điện thoại", "regular"), (person.phone, "regular", "phone", person.phone)],
            [("Thủ tục", "regular"), (procedure, "regular", "procedure", procedure)],
        ],
        ruled=ruled,
    )
    y = paragraph(d, y, "Thành phần hồ sơ: Tờ khai; bản sao giấy tờ tùy thân; giấy tờ liên quan.", indent_mm=0)
    due_text = f"15 giờ 00, {vocab.vn_date(due)}"
    y = form_field(
        d, y, "Ngày hẹn trả kết quả:", due_text, "due_date", due.isoformat(), leaders=False, label_style="bold"
    )
    y += d.gap(0.4)
    signer_block(d, y, None, "NGƯỜI NỘP HỒ SƠ", person.name, x0=s.left, x1=s.split, column=0, truth=False)
    return signer_block(
        d, y, None, "NGƯỜI TIẾP NHẬN", words.person_name(d.rng, d.rng.choice(("Nam", "Nữ"))), x0=s.split, x1=s.right
    )


def xac_nhan_cu_tru(d: Draft) -> int:
    ward, person = d.citizen()
    date = words.issue_date(d.rng)
    s = d.s
    area = ward.sentence.split("Ủy ban nhân dân ", 1)[1]
    police = words.Office(
        ward.superior.replace("UBND", "CÔNG AN") if ward.superior else None,
        ward.issuer.replace("ỦY BAN NHÂN DÂN", "CÔNG AN"),
        "Công an " + area,
        "CA",
        ward.place,
        "TRƯỞNG CÔNG AN",
        "PHÓ TRƯỞNG CÔNG AN",
        None,
        "",
        ward.seal_bottom,
        ward.area,
        True,
    )
    y = _form_code(d, "CT07")
    top = s.top
    s.top = y
    y = admin_header(d, police, f"{words.doc_number(d.rng)}/XNCT", date)
    s.top = top
    y = title_block(d, y, "XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ", None)
    y = paragraph(d, y, f"{police.sentence} xác nhận thông tin về cư trú của công dân như sau:")
    name = d.name_as_typed(person.name)
    head = name if d.rng.random() < 0.5 else d.name_as_typed(words.person_name(d.rng, "Nam"))
    relation = "Chủ hộ" if head == name else d.rng.choice(("Vợ", "Con", "Cháu ruột"))
    if d.rng.random() < 0.5:
        y = table(
            d,
            y,
            [5, 7],
            [
                [("Họ, chữ đệm và tên", "regular"), (name, "bold", "full_name", name)],
                [
                    ("Ngày, tháng, năm sinh", "regular"),
                    (dmy(person.birth), "regular", "birth_date", person.birth.isoformat()),
                ],
                [("Giới tính", "regular"), (person.gender, "regular", "gender", person.gender)],
                [("Số định danh cá nhân", "regular"), (person.pid, "regular", "personal_id", person.pid)],
                [("Nơi thường trú", "regular"), (person.address, "regular", "permanent_address", person.address)],
                [("Nơi ở hiện tại", "regular"), (person.address, "regular", "current_address", person.address)],
                [("Họ, chữ đệm và tên chủ hộ", "regular"), (head, "regular", "household_head", head)],
                [("Quan hệ với chủ hộ", "regular"), (relation, "regular", "relation_to_head", relation)],
            ],
            ruled=d.rng.random() < 0.7,
        )
    else:
        y = form_field(d, y, "1. Họ, chữ đệm và tên:", name, "full_name", name, value_style="bold")
        y = field_row(
            d,
            y,
            [
                ("2. Ngày sinh:", dmy(person.birth), "birth_date", person.birth.isoformat()),
                ("3. Giới tính:", person.gender, "gender", person.gender),
            ],
            shares=[0.6, 0.4],
        )
        y = _id(d, y, "4. Số định danh cá nhân:", person.pid)
        y = form_field(d, y, "5. Nơi thường trú:", person.address, "permanent_address", person.address, below=True)
        y = form_field(d, y, "6. Nơi ở hiện tại:", person.address, "current_address", person.address, below=True)
        y = form_field(d, y, "7. Họ, chữ đệm và tên chủ hộ:", head, "household_head", head)
        y = form_field(d, y, "8. Quan hệ với chủ hộ:", relation, "relation_to_head", relation)
    y = paragraph(d, y, "Xác nhận này có giá trị 30 ngày kể từ ngày cấp./.", style="italic")
    d.seal = (police.issuer, police.seal_bottom)
    title = "TRƯỞNG CÔNG AN PHƯỜNG" if "PHƯỜNG" in police.issuer else "TRƯỞNG CÔNG AN XÃ"
    return footer(
        d, y, ["Công dân;", "Lưu: hồ sơ cư trú."], None, title, words.person_name(d.rng, d.rng.choice(("Nam", "Nữ")))
    )
