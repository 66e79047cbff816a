"""Family B's own vocabulary: other agencies (post-2025 provinces, long names that wrap), people and subjects.

Why separate from :mod:`samples.vocab`: a reader that memorised family A's agencies, names and sentences
must not find them here. Only the formats fixed by law (dates, ID structure, tax-code check digit, number
words) are shared, through :mod:`samples.vocab`'s helpers.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Office:
    """An issuing body: header lines, how sentences name it, its ký hiệu part, seat and signers."""

    superior: str | None
    issuer: str
    sentence: str
    code: str
    place: str
    head: str
    deputy: str
    collective: str | None  # "ỦY BAN NHÂN DÂN" when it signs "TM. ..."
    unit: str  # drafting unit for a công văn ký hiệu
    seal_bottom: str
    area: str  # the ward/commune and province of addresses around it
    ward: bool  # a commune/ward body (citizen papers)


OFFICES: tuple[Office, ...] = (
    Office(
        "UBND TỈNH LÂM ĐỒNG",
        "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
        "Sở Nông nghiệp và Môi trường tỉnh Lâm Đồng",
        "SNNMT",
        "Lâm Đồng",
        "GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        None,
        "QLĐĐ",
        "TỈNH LÂM ĐỒNG",
        "phường Xuân Hương - Đà Lạt, tỉnh Lâm Đồng",
        False,
    ),
    Office(
        "BỘ CÔNG AN",
        "CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI",
        "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
        "C06",
        "Hà Nội",
        "CỤC TRƯỞNG",
        "PHÓ CỤC TRƯỞNG",
        None,
        "P4",
        "BỘ CÔNG AN",
        "phường Đống Đa, thành phố Hà Nội",
        False,
    ),
    Office(
        "UBND TỈNH ĐỒNG NAI",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
        "Trung tâm Phục vụ hành chính công tỉnh Đồng Nai",
        "TTPVHCC",
        "Đồng Nai",
        "GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        None,
        "NV",
        "TỈNH ĐỒNG NAI",
        "phường Trấn Biên, tỉnh Đồng Nai",
        False,
    ),
    Office(
        None,
        "ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA",
        "Ủy ban nhân dân tỉnh Khánh Hòa",
        "UBND",
        "Khánh Hòa",
        "CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "ỦY BAN NHÂN DÂN",
        "KT",
        "TỈNH KHÁNH HÒA",
        "phường Nha Trang, tỉnh Khánh Hòa",
        False,
    ),
    Office(
        "UBND TỈNH THANH HÓA",
        "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH",
        "Sở Văn hóa, Thể thao và Du lịch tỉnh Thanh Hóa",
        "SVHTTDL",
        "Thanh Hóa",
        "GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        None,
        "VP",
        "TỈNH THANH HÓA",
        "phường Hạc Thành, tỉnh Thanh Hóa",
        False,
    ),
    Office(
        "UBND THÀNH PHỐ HỒ CHÍ MINH",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "Sở Khoa học và Công nghệ Thành phố Hồ Chí Minh",
        "SKHCN",
        "Thành phố Hồ Chí Minh",
        "GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        None,
        "CĐS",
        "TP. HỒ CHÍ MINH",
        "phường Bến Thành, Thành phố Hồ Chí Minh",
        False,
    ),
    Office(
        "UBND THÀNH PHỐ HẢI PHÒNG",
        "ỦY BAN NHÂN DÂN PHƯỜNG HỒNG BÀNG",
        "Ủy ban nhân dân phường Hồng Bàng",
        "UBND",
        "Hải Phòng",
        "CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "ỦY BAN NHÂN DÂN",
        "VP",
        "TP. HẢI PHÒNG",
        "phường Hồng Bàng, thành phố Hải Phòng",
        True,
    ),
    Office(
        "UBND TỈNH NINH BÌNH",
        "ỦY BAN NHÂN DÂN XÃ GIA VIỄN",
        "Ủy ban nhân dân xã Gia Viễn",
        "UBND",
        "Gia Viễn",
        "CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "ỦY BAN NHÂN DÂN",
        "VHXH",
        "TỈNH NINH BÌNH",
        "xã Gia Viễn, tỉnh Ninh Bình",
        True,
    ),
    Office(
        "UBND TỈNH AN GIANG",
        "ỦY BAN NHÂN DÂN PHƯỜNG LONG XUYÊN",
        "Ủy ban nhân dân phường Long Xuyên",
        "UBND",
        "An Giang",
        "CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "ỦY BAN NHÂN DÂN",
        "KT",
        "TỈNH AN GIANG",
        "phường Long Xuyên, tỉnh An Giang",
        True,
    ),
    Office(
        "UBND TỈNH ĐẮK LẮK",
        "ỦY BAN NHÂN DÂN PHƯỜNG BUÔN MA THUỘT",
        "Ủy ban nhân dân phường Buôn Ma Thuột",
        "UBND",
        "Đắk Lắk",
        "CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "ỦY BAN NHÂN DÂN",
        "VP",
        "TỈNH ĐẮK LẮK",
        "phường Buôn Ma Thuột, tỉnh Đắk Lắk",
        True,
    ),
    Office(
        "UBND TỈNH QUẢNG NINH",
        "ỦY BAN NHÂN DÂN PHƯỜNG BÃI CHÁY",
        "Ủy ban nhân dân phường Bãi Cháy",
        "UBND",
        "Quảng Ninh",
        "CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "ỦY BAN NHÂN DÂN",
        "VHXH",
        "TỈNH QUẢNG NINH",
        "phường Bãi Cháy, tỉnh Quảng Ninh",
        True,
    ),
)
WARDS = tuple(o for o in OFFICES if o.ward)

# Birth-registration codes (TT 07/2016), none of family A's.
PROVINCE_CODES = (
    "002",
    "008",
    "010",
    "019",
    "024",
    "025",
    "027",
    "033",
    "034",
    "035",
    "037",
    "056",
    "062",
    "064",
    "068",
    "075",
    "080",
    "089",
    "091",
    "094",
)
FAMILY = (
    "Trịnh",
    "Đinh",
    "Mai",
    "Lâm",
    "Tạ",
    "Hà",
    "Cao",
    "Lương",
    "Trương",
    "Châu",
    "Dương",
    "Lê",
    "Nguyễn",
    "Tôn",
    "Kiều",
    "Âu",
)
MIDDLE_M = ("Văn", "Gia", "Bảo", "Quốc", "Trọng", "Hoàng", "Anh", "Tấn")
MIDDLE_F = ("Thị", "Phương", "Hồng", "Thùy", "Mỹ", "Khánh", "Thị Thanh", "Ngọc Bảo")
GIVEN_M = ("Nghĩa", "Khoa", "Duy", "Khôi", "Tùng", "Vĩnh", "Thịnh", "Kiên", "Toàn", "Nhân", "Lợi", "Huy")
GIVEN_F = ("Tuyết", "Thư", "Nhi", "Quỳnh", "Nguyệt", "Uyên", "Trâm", "Loan", "Xuân", "Ánh", "Giang", "Hằng")
STREETS = (
    "Ngô Quyền",
    "Lạch Tray",
    "Pasteur",
    "Võ Thị Sáu",
    "Tôn Đức Thắng",
    "Nguyễn Chí Thanh",
    "Hoàng Diệu",
    "Trường Chinh",
    "Phạm Văn Đồng",
    "Yersin",
)
HAMLETS = ("Thôn Bắc Sơn", "Ấp Mỹ Thạnh", "Buôn Ea Tu", "Xóm Đình", "Tổ dân phố Hòa Bình")
PHONE_PREFIXES = ("039", "036", "084", "089", "092", "056", "058", "099", "087", "076")

DECISIONS = (
    "Về việc phê duyệt danh sách hộ gia đình, cá nhân được hỗ trợ kinh phí chuyển đổi cơ cấu cây trồng "
    "trên đất trồng lúa năm {year}",
    "Về việc ban hành Quy trình nội bộ giải quyết thủ tục hành chính trong lĩnh vực đất đai thuộc thẩm "
    "quyền giải quyết của cơ quan",
    "Về việc thu hồi đất để thực hiện dự án nâng cấp, mở rộng tuyến đường liên xã",
    "Về việc công bố danh mục thủ tục hành chính được thực hiện tiếp nhận, trả kết quả qua dịch vụ bưu chính công ích",
    "Về việc cử cán bộ tham gia lớp bồi dưỡng kỹ năng số hóa hồ sơ lưu trữ",
)
LETTERS = (
    "hướng dẫn thực hiện số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại Bộ phận Một cửa các cấp",
    "đề nghị cung cấp hồ sơ địa chính phục vụ công tác đo đạc, chỉnh lý bản đồ",
    "góp ý dự thảo Quy chế phối hợp tiếp nhận hồ sơ trực tuyến",
    "báo cáo tình hình thực hiện Đề án 06 quý {quarter} năm {year}",
)
NOTICES = (
    "Về việc thay đổi thời gian tiếp nhận hồ sơ trực tiếp tại Trung tâm trong dịp cao điểm cuối năm",
    "Về việc niêm yết công khai danh sách các thửa đất đủ điều kiện cấp giấy chứng nhận",
    "Về việc kết quả kiểm tra, sát hạch thí sinh dự tuyển công chức năm {year}",
    "Về việc lịch tiếp công dân của lãnh đạo tháng {month} năm {year}",
)
CONFIRMATIONS = (
    "Về việc xác nhận người có hoàn cảnh khó khăn đang sinh sống trên địa bàn",
    "Về việc xác nhận thời gian công tác và quá trình đóng bảo hiểm",
    "Về việc xác nhận tình trạng nhà ở để hoàn thiện hồ sơ vay vốn",
)
APPLICATIONS = (
    (
        "Về việc xin cấp giấy phép xây dựng nhà ở riêng lẻ",
        "cấp giấy phép xây dựng nhà ở riêng lẻ trên thửa đất của gia đình",
    ),
    ("Về việc đề nghị tách thửa đất", "cho phép tách thửa đất đang sử dụng thành hai thửa"),
    ("Về việc đề nghị miễn, giảm học phí", "xem xét miễn, giảm học phí cho con tôi theo chế độ chính sách"),
    ("Về việc xin xác nhận nơi cư trú", "xác nhận nơi cư trú để hoàn thiện hồ sơ xin việc"),
)
PROCEDURES = (
    "Đăng ký biến động đất đai",
    "Cấp giấy phép xây dựng",
    "Chứng thực chữ ký",
    "Đăng ký kết hôn",
    "Đăng ký hộ kinh doanh",
    "Cấp phiếu lý lịch tư pháp",
)
COMPANY_KINDS = (
    ("CÔNG TY TNHH MỘT THÀNH VIÊN", "ONE MEMBER COMPANY LIMITED", "CO., LTD"),
    ("CÔNG TY CỔ PHẦN", "JOINT STOCK COMPANY", "JSC"),
    ("CÔNG TY TNHH", "COMPANY LIMITED", "CO., LTD"),
)
TRADES = (
    ("NÔNG SẢN", "AGRICULTURAL PRODUCTS"),
    ("CƠ KHÍ", "MECHANICAL"),
    ("DU LỊCH", "TRAVEL"),
    ("GIÁO DỤC", "EDUCATION"),
    ("THỰC PHẨM", "FOOD"),
)
BRANDS = (
    ("HƯNG THỊNH", "HUNG THINH"),
    ("SAO MAI", "SAO MAI"),
    ("ĐẠI LỘC", "DAI LOC"),
    ("BẢO CHÂU", "BAO CHAU"),
    ("VIỆT HƯNG", "VIET HUNG"),
)
CAPITALS = (300_000_000, 800_000_000, 1_200_000_000, 3_000_000_000, 6_500_000_000)
LAND_PURPOSES = ("Đất ở tại nông thôn", "Đất trồng lúa", "Đất trồng cây hằng năm khác", "Đất ở tại đô thị")
LAND_ORIGINS = (
    "Nhận thừa kế quyền sử dụng đất",
    "Nhận tặng cho quyền sử dụng đất",
    "Nhà nước giao đất có thu tiền sử dụng đất",
)
SERIAL_LETTERS = ("AA", "AK", "DB", "EA", "HG")
REGISTRY_PREFIXES = ("CS", "CH", "VP", "BC")
ETHNIC = ("Kinh", "Tày", "Mường", "Ê Đê", "Khmer")
BIRTH_PLACES = ("Bệnh viện Sản Nhi", "Trung tâm Y tế khu vực", "Bệnh viện Đa khoa khu vực")


@dataclass(frozen=True)
class Citizen:
    """A person with a self-consistent 12-digit ID (century/sex digit, birth year)."""

    name: str
    gender: str
    birth: dt.date
    pid: str
    address: str
    phone: str


def person_name(rng: random.Random, gender: str) -> str:
    male = gender == "Nam"
    return (
        f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_M if male else MIDDLE_F)} {rng.choice(GIVEN_M if male else GIVEN_F)}"
    )


def personal_id(rng: random.Random, birth: dt.date, gender: str) -> str:
    century = 2 * ((birth.year - 1900) // 100) + (1 if gender == "Nữ" else 0)
    return f"{rng.choice(PROVINCE_CODES)}{century}{birth.year % 100:02d}{rng.randint(1, 999_999):06d}"


def citizen(rng: random.Random, ward: Office) -> Citizen:
    gender = rng.choice(("Nam", "Nữ"))
    birth = dt.date(1948, 1, 1) + dt.timedelta(days=rng.randint(0, 57 * 365))
    street = (
        f"Số {rng.randint(2, 420)}/{rng.randint(1, 30)} đường {rng.choice(STREETS)}"
        if rng.random() < 0.5
        else rng.choice(HAMLETS)
    )
    phone = rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 9_999_999):07d}"
    return Citizen(
        person_name(rng, gender), gender, birth, personal_id(rng, birth, gender), f"{street}, {ward.area}", phone
    )


def issue_date(rng: random.Random) -> dt.date:
    return dt.date(2022, 3, 1) + dt.timedelta(days=rng.randint(0, 3 * 365))


def doc_number(rng: random.Random) -> str:
    n = rng.choice((rng.randint(1, 9), rng.randint(10, 999), rng.randint(1000, 4999)))
    return f"{n:02d}"
