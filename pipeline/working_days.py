"""The due date of a dossier (ngày hẹn trả): its date of receipt plus the procedure's processing time in
working days, skipping weekends and public holidays.

Why here and pure: the desk, ``sohoa submit`` and ``sohoa process`` must promise the same date for the same
dossier, and it must be testable around Tết without a database. The holidays are data
(``data/holidays.json``); an agency adds its own days (a notice's extra day off) with
``SOHOA_HOLIDAYS_FILE``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.data_files import validated_json
from sohoa.errors import BadInput

AGENCY_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SAME_DAY_CUTOFF = time(15, 0)  # received from 15:00, a same-day procedure is due the next working day
MAX_DAYS = 365  # the catalogue schema's bound: a longer count is a broken file, not a procedure


class HolidaysError(BadInput):
    """A holidays file that does not follow ``data/holidays.schema.json`` or names a day that does not exist."""

    code = "holidays_file"


@dataclass(frozen=True)
class Holidays:
    """Days off besides weekends: ``fixed`` (month, day) every year, with the next working day off when one
    falls on a weekend (nghỉ bù), and ``dates`` given one by one (Tết, Giỗ Tổ, a notice's extra days)."""

    fixed: frozenset[tuple[int, int]] = frozenset()
    dates: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a day off."""
        return day.weekday() < 5 and day not in _days_off(self, day.year)


@cache
def _days_off(holidays: Holidays, year: int) -> frozenset[date]:
    off = {d for d in holidays.dates if d.year == year}
    fixed = sorted(date(year, m, d) for m, d in holidays.fixed if _exists(year, m, d))
    off |= set(fixed)
    for day in fixed:  # a fixed holiday on a weekend: the first weekday after it that is not off
        if day.weekday() >= 5:
            substitute = day + timedelta(days=1)
            while substitute.weekday() >= 5 or substitute in off:
                substitute += timedelta(days=1)
            off.add(substitute)
    return frozenset(off)


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def agency_date(when: datetime) -> datetime:
    """``when`` in the agencies' time zone (a naive time is taken as UTC, as the database stores it)."""
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(AGENCY_TZ)


def due_date(received_at: datetime, processing_days: int, holidays: Holidays) -> date:
    """The day the result is promised: ``processing_days`` working days counted from the working day after
    the agency's date of receipt. ``0`` is the same day, or the next working day when received on a day
    off or from 15:00."""
    if not 0 <= processing_days <= MAX_DAYS:
        raise ValueError(f"processing_days must be within 0..{MAX_DAYS}, not {processing_days}")
    local = agency_date(received_at)
    day = local.date()
    if processing_days == 0 and holidays.is_working_day(day) and local.time() < SAME_DAY_CUTOFF:
        return day
    left = max(processing_days, 1)
    while left:
        day += timedelta(days=1)
        if holidays.is_working_day(day):
            left -= 1
    return day


def vn_date(day: date) -> str:
    """``dd/mm/yyyy``, as on Vietnamese forms."""
    return day.strftime("%d/%m/%Y")


@cache
def _schema() -> dict[str, Any]:
    return json.loads(resources.files("pipeline").joinpath("data/holidays.schema.json").read_text("utf-8"))


def parse_holidays(text: str, source: str) -> Holidays:
    """The days off of one file; ``HolidaysError`` naming the file and the first fault otherwise."""
    data = validated_json(text, source, _schema(), HolidaysError, "tệp ngày nghỉ")
    fixed = set()
    for entry in data.get("fixed", []):
        if not _exists(2000, entry["month"], entry["day"]):  # 2000 is a leap year: 29/2 is allowed
            raise HolidaysError(f"ngày {entry['day']}/{entry['month']} không có", file=source)
        fixed.add((entry["month"], entry["day"]))
    dates = set()
    for entry in data.get("dates", []):
        try:
            dates.add(date.fromisoformat(entry["date"]))
        except ValueError as exc:
            raise HolidaysError(f"ngày {entry['date']} không có", file=source) from exc
    return Holidays(frozenset(fixed), frozenset(dates))


def load_holidays(agency_file: Path | None = None) -> Holidays:
    """The shipped days off, plus the agency's file (``SOHOA_HOLIDAYS_FILE``) when there is one."""
    shipped = parse_holidays(
        resources.files("pipeline").joinpath("data/holidays.json").read_text("utf-8"), "holidays.json"
    )
    if agency_file is None:
        return shipped
    if not agency_file.is_file():
        raise HolidaysError("tệp ngày nghỉ của cơ quan không tồn tại", file=str(agency_file))
    own = parse_holidays(agency_file.read_text("utf-8"), str(agency_file))
    return Holidays(shipped.fixed | own.fixed, shipped.dates | own.dates)
