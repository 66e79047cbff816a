"""Vocabularies as data: province codes of the personal ID, agency words, signer authorities."""

from __future__ import annotations

# Pre-2025 province codes of the 12-digit personal ID (TT 07/2016/TT-BCA); the 34 post-merger codes are a
# subset, and IDs never change, so all 63 stay valid.
PROVINCE_CODES = frozenset(
    f"{n:03d}"
    for n in (
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38, 40,
        42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83,
        84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
    )
)

# Words that open the name of an issuing body under a superior one (e.g. "UBND TỈNH X" / "SỞ TƯ PHÁP").
SUBORDINATE_HEADS = (
    "SỞ", "PHÒNG", "BAN", "CHI CỤC", "CỤC", "TRUNG TÂM", "CÔNG AN", "VĂN PHÒNG", "TRƯỜNG", "BỆNH VIỆN",
    "THANH TRA", "BẢO HIỂM", "KHO BẠC", "ĐÀI", "HỘI ĐỒNG", "CHI NHÁNH",
)

MOTTO_WORDS = ("CỘNG HÒA", "CỘNG HOÀ", "XÃ HỘI CHỦ NGHĨA", "ĐỘC LẬP", "Độc lập", "Tự do", "Hạnh phúc")

AUTHORITY_PREFIXES = ("TM.", "KT.", "Q.", "TL.", "TUQ.")

SIGNER_TITLES = (
    "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "CHÁNH VĂN PHÒNG",
    "PHÓ CHÁNH VĂN PHÒNG", "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", "CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG", "THỦ TRƯỞNG",
    "TRƯỞNG CÔNG AN", "CÁN BỘ TIẾP NHẬN", "NGƯỜI KÝ", "NGƯỜI LÀM ĐƠN", "NGƯỜI KHAI", "NGƯỜI ĐỀ NGHỊ", "BỘ TRƯỞNG", "THỨ TRƯỞNG", "CHI CỤC TRƯỞNG",
)
