"""Vocabularies as data: province codes of the personal ID, places, agency words, signer titles.

The long lists live in ``data/vocab.json`` (provinces old and new, places, ethnic groups, document type
names); the short closed sets that code matches against stay here, next to their meaning.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return json.loads(resources.files("pipeline").joinpath("data/vocab.json").read_text("utf-8"))


PROVINCES_63: dict[str, str] = _data()["provinces_63"]
PROVINCES_2025: dict[str, str] = _data()["provinces_2025"]
# Birth-registration codes of the 12-digit personal ID (TT 07/2016/TT-BCA): all 63 stay valid, since
# ID numbers never change and the 34 post-merger codes are a subset.
PROVINCE_CODES = frozenset(PROVINCES_63)
PLACES: tuple[str, ...] = (
    *sorted(set(PROVINCES_63.values()) | set(PROVINCES_2025.values())),
    *_data()["places_extra"],
)
ETHNIC_GROUPS: tuple[str, ...] = tuple(_data()["ethnic_groups"])
DOC_TYPE_NAMES: tuple[str, ...] = tuple(_data()["doc_type_names"])
SURNAMES: tuple[str, ...] = tuple(_data()["surnames"])
# Open vocabularies of single fields (land-use terms, purposes, origins, household relations, procedures).
PHRASES: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _data()["phrases"].items()}

# Secrecy marks (ND 30 ô 10a; Luật Bảo vệ bí mật nhà nước): documents carrying one are not digitized.
SECRECY_MARKS = ("TUYỆT MẬT", "TỐI MẬT", "MẬT")

# Words that open the name of a body in the header (ND 30 ô 1): the superior's line ("BỘ CÔNG AN") and the
# issuer's ("CỤC CẢNH SÁT ..."). A head of two words or more, or an abbreviation, opens a new body
# wherever it begins a line; a one-word head may also be the second half of a name broken across lines
# ("MÔI / TRƯỜNG", "HẢI / PHÒNG"), so it opens a body only when the break splits no known pair.
AGENCY_HEADS = (
    "ỦY BAN NHÂN DÂN",
    "UỶ BAN NHÂN DÂN",
    "HỘI ĐỒNG NHÂN DÂN",
    "THƯỜNG TRỰC",
    "ỦY BAN MẶT TRẬN TỔ QUỐC",
    "TÒA ÁN NHÂN DÂN",
    "VIỆN KIỂM SÁT NHÂN DÂN",
    "BỘ",
    "SỞ",
    "PHÒNG",
    "BAN",
    "TỔNG CỤC",
    "CHI CỤC",
    "CỤC",
    "VỤ",
    "TRUNG TÂM",
    "CÔNG AN",
    "VĂN PHÒNG",
    "TRƯỜNG",
    "BỆNH VIỆN",
    "THANH TRA",
    "BẢO HIỂM",
    "KHO BẠC",
    "ĐÀI",
    "HỘI ĐỒNG",
    "CHI NHÁNH",
    "BỘ PHẬN",
    "BỘ CHỈ HUY",
    "BAN CHỈ HUY",
    "CHÍNH PHỦ",
    "TỈNH ỦY",
    "THÀNH ỦY",
    "HUYỆN ỦY",
    "ĐẢNG ỦY",
    "HỌC VIỆN",
    "ĐẠI HỌC",
    "VIỆN",
)
# Heads of bodies whose header always names the body above them (ND 30/2020 ô 1): "UBND TỈNH X" over "SỞ ...".
HEADS_WITH_SUPERIOR = ("SỞ", "PHÒNG", "CHI CỤC", "CỤC", "VĂN PHÒNG")
# Abbreviated heads, as offices print the superior's line ("UBND TỈNH QUẢNG NINH").
AGENCY_ABBREVIATIONS = ("UBND", "HĐND", "TAND", "VKSND", "UBMTTQ", "UBMTTQVN", "BCH", "BHXH")
MOTTO_WORDS = ("CỘNG HÒA", "CỘNG HOÀ", "XÃ HỘI CHỦ NGHĨA", "ĐỘC LẬP", "Độc lập", "Tự do", "Hạnh phúc")

AUTHORITY_PREFIXES = ("TM.", "KT.", "Q.", "TL.", "TUQ.")

# Collective bodies a head signs for ("TM. ỦY BAN NHÂN DÂN" over "CHỦ TỊCH", ND 30 Phụ lục I).
AUTHORITY_BODIES = (
    "ỦY BAN NHÂN DÂN",
    "UỶ BAN NHÂN DÂN",
    "HỘI ĐỒNG NHÂN DÂN",
    "THƯỜNG TRỰC HỘI ĐỒNG NHÂN DÂN",
    "CHÍNH PHỦ",
    "BAN CHỈ ĐẠO",
    "HỘI ĐỒNG",
)

# The title printed under an authority line: a deputy signs "KT." for the head, a head "TM." for the body.
DEPUTY_TITLES = {"BỘ TRƯỞNG": ("THỨ TRƯỞNG",), "CỤC TRƯỞNG": ("PHÓ CỤC TRƯỞNG",)}
HEAD_TITLES = {"ỦY BAN NHÂN DÂN": ("CHỦ TỊCH", "PHÓ CHỦ TỊCH"), "HỘI ĐỒNG NHÂN DÂN": ("CHỦ TỊCH", "PHÓ CHỦ TỊCH")}

SIGNER_TITLES = (
    "CHỦ TỊCH",
    "PHÓ CHỦ TỊCH",
    "GIÁM ĐỐC",
    "PHÓ GIÁM ĐỐC",
    "TRƯỞNG PHÒNG",
    "PHÓ TRƯỞNG PHÒNG",
    "CHÁNH VĂN PHÒNG",
    "PHÓ CHÁNH VĂN PHÒNG",
    "TRƯỞNG BAN",
    "PHÓ TRƯỞNG BAN",
    "CỤC TRƯỞNG",
    "PHÓ CỤC TRƯỞNG",
    "THỦ TRƯỞNG",
    "TRƯỞNG CÔNG AN",
    "CÁN BỘ TIẾP NHẬN",
    "NGƯỜI KÝ",
    "NGƯỜI LÀM ĐƠN",
    "NGƯỜI KHAI",
    "NGƯỜI ĐỀ NGHỊ",
    "BỘ TRƯỞNG",
    "THỨ TRƯỞNG",
    "CHI CỤC TRƯỞNG",
    "NGƯỜI TIẾP NHẬN HỒ SƠ",
    "NGƯỜI TIẾP NHẬN",
    "NGƯỜI NỘP HỒ SƠ",
    "TRƯỞNG PHÒNG ĐĂNG KÝ KINH DOANH",
    "THỦ TRƯỞNG CƠ QUAN ĐĂNG KÝ CƯ TRÚ",
    "NGƯỜI KÝ GIẤY KHAI SINH",
    "NGƯỜI YÊU CẦU",
    "NGƯỜI KÊ KHAI",
    "TRƯỞNG CÔNG AN PHƯỜNG",
    "TRƯỞNG CÔNG AN XÃ",
    "GIÁM ĐỐC VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI",
    "NGƯỜI VIẾT ĐƠN",
)

# The hint a form prints under the line a citizen signs on ("NGƯỜI VIẾT ĐƠN" over "(Ký, ghi rõ họ tên)"):
# forms word it many ways, so the hint, not the list above, says the line over it is a signer's title.
SIGNATURE_HINTS = (
    "Ký, ghi rõ họ tên",
    "Ký và ghi rõ họ tên",
    "Ký, ghi rõ họ và tên",
    "Ký và ghi rõ họ và tên",
    "Ký tên, ghi rõ họ tên",
    "Ký, ghi họ tên",
)
# A citizen's title over such a hint: capitals, this many words, opening with this word ("NGƯỜI LÀM TỜ
# KHAI", "NGƯỜI ĐƯỢC ỦY QUYỀN"); officials' titles ("CHỦ TỊCH") stay a closed list.
APPLICANT_TITLE_HEAD = "NGƯỜI"
APPLICANT_TITLE_WORDS = (2, 6)
