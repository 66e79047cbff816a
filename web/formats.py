"""Vietnamese formats for pages: dd/MM/yyyy, 24-hour time in Asia/Ho_Chi_Minh, numbers 1.234.567,5, and
pyHanko's names for what changed after a signature in words.

Why by hand: CLDR's vi short date is ``5/3/26``, which the desk does not use; these three rules are all the
pages need, so no locale library is loaded for them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _when(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(VN)


def vn_date(value: datetime | str | None) -> str:
    """``07/12/2026``."""
    when = _when(value)
    return when.strftime("%d/%m/%Y") if when else ""


def vn_datetime(value: datetime | str | None) -> str:
    """``14:05 07/12/2026`` (24-hour, Vietnam time)."""
    when = _when(value)
    return when.strftime("%H:%M %d/%m/%Y") if when else ""


def vn_number(value: float | int | None, decimals: int = 0) -> str:
    """``1.234.567,5``: dots between thousands, a comma before decimals."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


# pyHanko's ModificationLevel: what the revisions after a signature did, as the verify page says it.
CHANGES = {
    "NONE": "Không có thay đổi nào sau khi ký",
    "LTA_UPDATES": "Chỉ bổ sung dữ liệu xác thực dài hạn và dấu thời gian (được phép)",
    "FORM_FILLING": "Chỉ thêm chữ ký hoặc điền biểu mẫu, như chữ ký phê duyệt (được phép)",
    "ANNOTATIONS": "Có thêm chú thích sau khi ký (không được phép)",
    "OTHER": "Nội dung đã bị sửa sau khi ký (không được phép)",
}


def vn_change(level: str | None) -> str:
    """A modification level in Vietnamese; one pyHanko adds later reads as an unknown change, never in English."""
    if not level:
        return "—"
    return CHANGES.get(level, "Có thay đổi chưa xác định được sau khi ký")
