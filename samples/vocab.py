"""Small built-in vocabularies for synthetic Vietnamese administrative documents.

Data, not code: the generator draws agencies, people, subjects and body sentences from these
tables with a seeded ``random.Random``, so a seed always yields the same document. Spellings follow
ND 30/2020 (old tone placement, "CỘNG HÒA", "Hòa", "Thủy"); every string is NFC.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TAGLINE = "Độc lập - Tự do - Hạnh phúc"


@dataclass(frozen=True)
class Agency:
    """An issuing body with what its documents print (zones 2, 3, 4, 7 and 8 of ND 30)."""

    superior: str | None  # line of the superior body (not bold), e.g. "UBND THÀNH PHỐ HUẾ"
    issuer: str  # the issuing body's own name (bold, capitals); the `issuing_agency` field
    sentence_name: str  # the issuer as written inside sentences, e.g. "Ủy ban nhân dân phường Thuận Hóa"
    code: str  # its part of a ký hiệu: "UBND", "STP", "BNV"
    place: str  # địa danh of the date line
    level: str  # "xa" (commune/ward), "tinh" (province/city), "so" (department), "bo" (ministry)
    head: str  # head's title: "CHỦ TỊCH", "GIÁM ĐỐC", "BỘ TRƯỞNG"
    deputy: str  # deputy's title: "PHÓ CHỦ TỊCH", ...
    collective: str | None  # collective name signing "TM. ..." (people's committees) or None
    units: tuple[str, ...]  # drafting units for a công văn ký hiệu and "Lưu: VT, <unit>."
    seal_bottom: str  # text on the lower arc of the seal
    area: str  # the commune/ward and city part of an address, e.g. "phường Thuận Hóa, thành phố Huế"


AGENCIES: tuple[Agency, ...] = (
    Agency(
        "UBND THÀNH PHỐ HUẾ",
        "ỦY BAN NHÂN DÂN PHƯỜNG THUẬN HÓA",
        "Ủy ban nhân dân phường Thuận Hóa",
        "UBND",
        "Huế",
        "xa",
        "CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "ỦY BAN NHÂN DÂN",
        ("VP", "VHXH", "KT"),
        "TP. HUẾ",
        "phường Thuận Hóa, thành phố Huế",
    ),
    Agency(
        None,
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HUẾ",
        "Ủy ban nhân dân thành phố Huế",
        "UBND",
        "Huế",
        "tinh",
        "CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "ỦY BAN NHÂN DÂN",
        ("VP", "NC", "KT", "VX"),
        "TP. HUẾ",
        "phường Phú Xuân, thành phố Huế",
    ),
    Agency(
        "UBND THÀNH PHỐ HÀ NỘI",
        "ỦY BAN NHÂN DÂN PHƯỜNG BA ĐÌNH",
        "Ủy ban nhân dân phường Ba Đình",
        "UBND",
        "Hà Nội",
        "xa",
        "CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "ỦY BAN NHÂN DÂN",
        ("VP", "VHXH"),
        "TP. HÀ NỘI",
        "phường Ba Đình, thành phố Hà Nội",
    ),
    Agency(
        "UBND THÀNH PHỐ HÀ NỘI",
        "SỞ TƯ PHÁP",
        "Sở Tư pháp thành phố Hà Nội",
        "STP",
        "Hà Nội",
        "so",
        "GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        None,
        ("VP", "HCTP", "BTTP"),
        "TP. HÀ NỘI",
        "phường Hoàn Kiếm, thành phố Hà Nội",
    ),
    Agency(
        "UBND THÀNH PHỐ HỒ CHÍ MINH",
        "ỦY BAN NHÂN DÂN PHƯỜNG SÀI GÒN",
        "Ủy ban nhân dân phường Sài Gòn",
        "UBND",
        "Thành phố Hồ Chí Minh",
        "xa",
        "CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "ỦY BAN NHÂN DÂN",
        ("VP", "KT"),
        "TP. HỒ CHÍ MINH",
        "phường Sài Gòn, Thành phố Hồ Chí Minh",
    ),
    Agency(
        "UBND TỈNH NGHỆ AN",
        "SỞ NỘI VỤ",
        "Sở Nội vụ tỉnh Nghệ An",
        "SNV",
        "Nghệ An",
        "so",
        "GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        None,
        ("VP", "CCVC", "TCBC"),
        "TỈNH NGHỆ AN",
        "phường Vinh Phú, tỉnh Nghệ An",
    ),
    Agency(
        "UBND THÀNH PHỐ ĐÀ NẴNG",
        "ỦY BAN NHÂN DÂN XÃ HÒA VANG",
        "Ủy ban nhân dân xã Hòa Vang",
        "UBND",
        "Hòa Vang",
        "xa",
        "CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "ỦY BAN NHÂN DÂN",
        ("VP", "KT"),
        "TP. ĐÀ NẴNG",
        "xã Hòa Vang, thành phố Đà Nẵng",
    ),
    Agency(
        None,
        "BỘ NỘI VỤ",
        "Bộ Nội vụ",
        "BNV",
        "Hà Nội",
        "bo",
        "BỘ TRƯỞNG",
        "THỨ TRƯỞNG",
        None,
        ("VP", "CCVC", "TCBC"),
        "BỘ NỘI VỤ",
        "phường Cầu Giấy, thành phố Hà Nội",
    ),
    Agency(
        "UBND THÀNH PHỐ CẦN THƠ",
        "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
        "Sở Nông nghiệp và Môi trường thành phố Cần Thơ",
        "SNNMT",
        "Cần Thơ",
        "so",
        "GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        None,
        ("VP", "QLĐĐ"),
        "TP. CẦN THƠ",
        "phường Ninh Kiều, thành phố Cần Thơ",
    ),
)

# Birth-registration province codes of personal IDs (TT 07/2016 Phụ lục; all 63 stay valid).
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "022": "Quảng Ninh",
    "031": "Hải Phòng",
    "036": "Nam Định",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "052": "Bình Định",
    "066": "Đắk Lắk",
    "079": "TP Hồ Chí Minh",
    "092": "Cần Thơ",
    "096": "Cà Mau",
}

FAMILY_NAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
)
MIDDLE_MALE = ("Văn", "Hữu", "Đức", "Minh", "Quang", "Xuân", "Công", "Thành", "Đình")
MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Thanh", "Minh", "Bích", "Kim", "Phương")
GIVEN_MALE = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hùng",
    "Khánh",
    "Long",
    "Nam",
    "Phong",
    "Phúc",
    "Quân",
    "Sơn",
    "Tuấn",
    "Việt",
    "Thắng",
    "Đạt",
    "Hiếu",
    "Trung",
    "Lộc",
)
GIVEN_FEMALE = (
    "Hà",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Nga",
    "Tâm",
    "Thảo",
    "Thủy",
    "Trang",
    "Yến",
    "Nhung",
    "Oanh",
    "Vân",
    "Huyền",
    "Ngân",
    "Diệp",
    "Quyên",
)
STREETS = (
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Huệ",
    "Hùng Vương",
    "Phan Đình Phùng",
    "Lý Thường Kiệt",
    "Điện Biên Phủ",
    "Hai Bà Trưng",
    "Nguyễn Trãi",
    "Bà Triệu",
    "Đống Đa",
    "Lê Duẩn",
)
VILLAGES = ("Thôn Đông", "Thôn Trung", "Thôn Phú Lộc", "Tổ dân phố 3", "Tổ dân phố 7", "Khu phố 2")
MOBILE_PREFIXES = (
    "090",
    "091",
    "093",
    "094",
    "096",
    "097",
    "098",
    "086",
    "088",
    "032",
    "035",
    "038",
    "070",
    "077",
    "079",
    "081",
    "083",
    "085",
)

CAN_CU = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
    "Căn cứ Luật Ban hành văn bản quy phạm pháp luật ngày 19 tháng 02 năm 2025;",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
    "Căn cứ Nghị định số 118/2025/NĐ-CP ngày 09 tháng 6 năm 2025 của Chính phủ về thực hiện thủ tục "
    "hành chính theo cơ chế một cửa, một cửa liên thông;",
    "Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;",
    "Căn cứ Luật Cán bộ, công chức ngày 24 tháng 6 năm 2025;",
)
PROPOSERS = (
    "Trưởng phòng Văn hóa - Xã hội",
    "Chánh Văn phòng",
    "Trưởng phòng Kinh tế",
    "Trưởng phòng Tổ chức cán bộ",
    "Giám đốc Trung tâm Phục vụ hành chính công",
)

# (subject "Về việc ...", Điều 1 text) pairs for quyết định.
DECISIONS = (
    (
        "Về việc thành lập Tổ công tác số hóa hồ sơ thủ tục hành chính",
        "Thành lập Tổ công tác số hóa hồ sơ, kết quả giải quyết thủ tục hành chính gồm các thành viên "
        "có tên tại danh sách kèm theo Quyết định này.",
    ),
    (
        "Về việc phê duyệt Kế hoạch cải cách hành chính năm {year}",
        "Phê duyệt Kế hoạch cải cách hành chính năm {year} kèm theo Quyết định này.",
    ),
    (
        "Về việc công nhận kết quả xét tuyển viên chức năm {year}",
        "Công nhận kết quả xét tuyển viên chức năm {year} đối với 12 thí sinh có tên tại Phụ lục kèm theo.",
    ),
    (
        "Về việc khen thưởng thành tích trong công tác chuyển đổi số",
        "Tặng Giấy khen cho 05 tập thể và 09 cá nhân đã có thành tích xuất sắc trong công tác chuyển đổi "
        "số năm {year}.",
    ),
    (
        "Về việc giao đất tái định cư cho hộ gia đình, cá nhân",
        "Giao 120,5 m² đất ở tái định cư tại thửa đất số 215, tờ bản đồ số 12 cho hộ gia đình ông {person}.",
    ),
    (
        "Về việc ban hành Quy chế tiếp nhận và trả kết quả hồ sơ",
        "Ban hành kèm theo Quyết định này Quy chế tiếp nhận và trả kết quả hồ sơ tại Bộ phận Một cửa.",
    ),
)

# trích yếu of công văn (printed after "V/v ") and the request they make.
LETTERS = (
    (
        "triển khai số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
        "tổ chức số hóa hồ sơ, kết quả giải quyết thủ tục hành chính ngay khi tiếp nhận",
    ),
    (
        "rà soát, cập nhật dữ liệu dân cư trên địa bàn",
        "rà soát, cập nhật đầy đủ dữ liệu dân cư của các hộ gia đình trên địa bàn",
    ),
    (
        "tăng cường công tác cải cách hành chính năm {year}",
        "xây dựng kế hoạch và phân công cán bộ theo dõi công tác cải cách hành chính",
    ),
    (
        "cung cấp thông tin phục vụ cấp giấy chứng nhận quyền sử dụng đất",
        "cung cấp thông tin về nguồn gốc, quá trình sử dụng đất của các thửa đất trong danh sách kèm theo",
    ),
    (
        "đôn đốc thực hiện chuyển đổi số trong cơ quan nhà nước",
        "hoàn thành các chỉ tiêu chuyển đổi số đã được giao trong năm {year}",
    ),
)
RECIPIENTS = (
    "Ủy ban nhân dân các phường, xã",
    "Văn phòng Ủy ban nhân dân thành phố",
    "Sở Tư pháp",
    "Công an thành phố",
    "Trung tâm Phục vụ hành chính công",
    "Các phòng, ban chuyên môn",
    "Sở Khoa học và Công nghệ",
)

NOTICES = (
    (
        "Về việc tổ chức tiếp công dân định kỳ tháng {month} năm {year}",
        "tổ chức tiếp công dân định kỳ vào ngày 15 hằng tháng tại Trụ sở tiếp công dân",
    ),
    (
        "Về việc tạm dừng tiếp nhận hồ sơ trực tiếp để nâng cấp hệ thống",
        "tạm dừng tiếp nhận hồ sơ trực tiếp trong hai ngày để nâng cấp hệ thống thông tin giải quyết "
        "thủ tục hành chính",
    ),
    (
        "Về việc tuyển dụng viên chức năm {year}",
        "tuyển dụng 08 chỉ tiêu viên chức làm việc tại các đơn vị sự nghiệp công lập trực thuộc",
    ),
    (
        "Về việc lịch trả kết quả giải quyết thủ tục hành chính",
        "trả kết quả giải quyết thủ tục hành chính vào các buổi sáng từ thứ Hai đến thứ Sáu",
    ),
)

CONFIRMATIONS = (
    ("Về việc xác nhận thông tin cư trú", "bổ sung hồ sơ đăng ký thường trú"),
    ("Về việc xác nhận hoàn cảnh gia đình", "bổ sung hồ sơ xin hỗ trợ học phí"),
    ("Về việc xác nhận nhân thân", "bổ sung hồ sơ đề nghị cấp giấy phép lao động"),
)

APPLICATIONS = (
    ("Về việc cấp bản sao trích lục khai sinh", "cấp 02 bản sao trích lục khai sinh của bản thân"),
    ("Về việc xác nhận thông tin cư trú", "xác nhận thông tin cư trú để bổ sung hồ sơ vay vốn"),
    ("Về việc cấp lại giấy chứng nhận quyền sử dụng đất", "cấp lại giấy chứng nhận quyền sử dụng đất do bị mất"),
    ("Về việc hỗ trợ chi phí học tập", "xem xét hỗ trợ chi phí học tập cho con tôi trong năm học {year}"),
)


@dataclass(frozen=True)
class Person:
    """A citizen with a self-consistent personal ID (province, century/sex digit, birth year)."""

    full_name: str
    gender: str  # "Nam" or "Nữ"
    birth_date: dt.date
    personal_id: str  # 12 digits
    address: str
    phone: str  # 10 digits, printed as is


def personal_id(rng: random.Random, birth: dt.date, gender: str) -> str:
    """A 12-digit ID: province code, century+sex digit (even male, odd female), YY, 6 random digits."""
    province = rng.choice(sorted(PROVINCE_CODES))
    century = 2 * ((birth.year - 1900) // 100) + (1 if gender == "Nữ" else 0)
    serial = rng.randint(1, 999_999)
    return f"{province}{century}{birth.year % 100:02d}{serial:06d}"


def full_name(rng: random.Random, gender: str) -> str:
    """ "Họ, chữ đệm và tên" in normal case, middle name matching the gender."""
    male = gender == "Nam"
    middle = rng.choice(MIDDLE_MALE if male else MIDDLE_FEMALE)
    return f"{rng.choice(FAMILY_NAMES)} {middle} {rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)}"


def make_person(rng: random.Random, agency: Agency) -> Person:
    """A person living in the agency's area, born 1950-2006."""
    gender = rng.choice(("Nam", "Nữ"))
    name = full_name(rng, gender)
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 56 * 365))
    urban = rng.random() < 0.6
    street = f"Số {rng.randint(1, 199)} {rng.choice(STREETS)}" if urban else rng.choice(VILLAGES)
    address = f"{street}, {agency.area}"
    phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 9_999_999):07d}"
    return Person(name, gender, birth, personal_id(rng, birth, gender), address, phone)


def vn_date(d: dt.date) -> str:
    """ "ngày 05 tháng 3 năm 2025": day < 10 and months 1, 2 take a leading zero (ND 30)."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def issue_date(rng: random.Random) -> dt.date:
    """A working-looking date in 2023-2025."""
    return dt.date(2023, 1, 2) + dt.timedelta(days=rng.randint(0, 3 * 365 - 5))


def doc_number(rng: random.Random) -> str:
    """A document number: numbers below 10 take a leading zero."""
    n = rng.choice((rng.randint(1, 9), rng.randint(10, 99), rng.randint(100, 2999)))
    return f"{n:02d}"


# -- one-stop papers, certificates and forms (samples.forms) ------------------------------------
SECRECY = ("MẬT", "TỐI MẬT", "TUYỆT MẬT")
AGENCY_EIDS = ("000.00.20.H40", "000.00.21.H26", "000.00.15.H31", "H40.27", "H26.11", "G06.01")
PROCEDURES = (
    "Đăng ký thường trú",
    "Đăng ký khai sinh",
    "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
    "Cấp bản sao trích lục hộ tịch",
    "Cấp giấy xác nhận tình trạng hôn nhân",
    "Đăng ký biến động quyền sử dụng đất",
    "Đăng ký thành lập doanh nghiệp",
    "Cấp lại giấy chứng nhận quyền sử dụng đất",
)
DOSSIER_PARTS = (
    "Tờ khai theo mẫu",
    "Bản sao giấy tờ tùy thân",
    "Giấy tờ chứng minh chỗ ở hợp pháp",
    "Giấy ủy quyền (nếu có)",
)
BUSINESS_KINDS = (
    ("CÔNG TY TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN", "CÔNG TY TNHH", "COMPANY LIMITED", "CO., LTD"),
    ("CÔNG TY TRÁCH NHIỆM HỮU HẠN HAI THÀNH VIÊN TRỞ LÊN", "CÔNG TY TNHH", "COMPANY LIMITED", "CO., LTD"),
    ("CÔNG TY CỔ PHẦN", "CÔNG TY CỔ PHẦN", "JOINT STOCK COMPANY", "JSC"),
)
BUSINESS_TRADES = (
    ("THƯƠNG MẠI", "TRADING"),
    ("XÂY DỰNG", "CONSTRUCTION"),
    ("DỊCH VỤ", "SERVICES"),
    ("CÔNG NGHỆ", "TECHNOLOGY"),
    ("VẬN TẢI", "TRANSPORT"),
)
BUSINESS_BRANDS = (
    ("AN PHÁT", "AN PHAT"),
    ("MINH KHANG", "MINH KHANG"),
    ("THÀNH ĐẠT", "THANH DAT"),
    ("PHÚ QUÝ", "PHU QUY"),
    ("TÂN THỊNH", "TAN THINH"),
    ("HÒA BÌNH", "HOA BINH"),
)
CAPITALS_VND = (500_000_000, 750_000_000, 1_000_000_000, 1_500_000_000, 2_000_000_000, 4_200_000_000, 10_000_000_000)
TAX_PROVINCES = ("01", "02", "03", "04", "31", "32", "36", "40")
LAND_PURPOSES = ("Đất ở tại nông thôn", "Đất ở tại đô thị", "Đất trồng cây lâu năm", "Đất nuôi trồng thủy sản")
LAND_ORIGINS = (
    "Nhà nước giao đất có thu tiền sử dụng đất",
    "Công nhận quyền sử dụng đất như giao đất có thu tiền sử dụng đất",
    "Nhận chuyển nhượng quyền sử dụng đất",
)
LAND_SERIAL_LETTERS = ("AB", "AC", "AD", "BA", "BC", "CA", "CH", "DA")
LAND_REGISTRY_PREFIXES = ("CH", "CS", "CT", "VP")
RELATIONS = ("Chủ hộ", "Vợ", "Chồng", "Con", "Cháu")
HOSPITALS = ("Bệnh viện Đa khoa tỉnh", "Trạm y tế", "Bệnh viện Phụ sản")
ID_MARKS = (
    "Nốt ruồi cách 2 cm dưới đuôi mắt trái",
    "Sẹo chấm cách 1 cm trên đầu lông mày phải",
    "Nốt ruồi cách 1,5 cm trên cánh mũi phải",
)

_DIGITS_VN = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def _under_thousand(n: int, full: bool) -> list[str]:
    """Words of 0-999; `full` spells a leading "không trăm" / "linh" inside a larger number."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS_VN[hundreds], "trăm"]
    if tens == 0:
        if units:
            words += (["linh"] if hundreds or full else []) + [_DIGITS_VN[units]]
        return words
    words += ["mười"] if tens == 1 else [_DIGITS_VN[tens], "mươi"]
    if units == 1:
        words.append("mốt" if tens > 1 else "một")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(_DIGITS_VN[units])
    return words


def vn_number_words(n: int) -> str:
    """A whole number in Vietnamese words, as certificates spell amounts ("bốn tỷ hai trăm triệu")."""
    if n == 0:
        return "không"
    groups = []
    while n:
        n, g = divmod(n, 1000)
        groups.append(g)
    scales = ("", "nghìn", "triệu", "tỷ")
    words: list[str] = []
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            continue
        words += _under_thousand(g, full=i < len(groups) - 1) + ([scales[i]] if scales[i] else [])
    return " ".join(words)


def vn_amount(n: int) -> str:
    """4200000000 → "4.200.000.000" (a dot groups thousands)."""
    return f"{n:,}".replace(",", ".")


def vn_decimal(value: float) -> str:
    """1250.5 → "1.250,5"; 120.0 → "120"."""
    whole, frac = f"{value:.1f}".split(".")
    return vn_amount(int(whole)) + ("" if frac == "0" else f",{frac}")


def vn_decimal_words(value: float) -> str:
    """1250.5 → "một nghìn hai trăm năm mươi phẩy năm"."""
    whole, frac = f"{value:.1f}".split(".")
    words = vn_number_words(int(whole))
    return words if frac == "0" else f"{words} phẩy {_DIGITS_VN[int(frac)]}"


def vn_date_words(d: dt.date) -> str:
    """A date in words as a birth certificate writes it: "ngày mười lăm tháng ba năm hai nghìn ..."."""
    return f"ngày {vn_number_words(d.day)} tháng {vn_number_words(d.month)} năm {vn_number_words(d.year)}"


def business_code(rng: random.Random) -> str:
    """A 10-digit enterprise/tax code with a valid mod-11 check digit (weights 31, 29, 23, ... 3)."""
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    while True:
        first = rng.choice(TAX_PROVINCES) + f"{rng.randint(1, 9_999_999):07d}"
        check = 10 - sum(w * int(c) for w, c in zip(weights, first, strict=True)) % 11
        if check < 10:
            return first + str(check)


def police_of(ward: Agency) -> tuple[str, str]:
    """(superior, issuer) of the police of a ward agency: "CÔNG AN THÀNH PHỐ HUẾ", "CÔNG AN PHƯỜNG ..."."""
    issuer = ward.issuer.replace("ỦY BAN NHÂN DÂN", "CÔNG AN")
    superior = (ward.superior or "").replace("UBND", "CÔNG AN")
    return superior, issuer
