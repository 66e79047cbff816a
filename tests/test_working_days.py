"""The due date (ngày hẹn trả): working days after the agency's date of receipt, skipping weekends, Tết,
30/4-1/5 and the other public holidays of pipeline/data/holidays.json."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipeline.working_days import HolidaysError, due_date, load_holidays

VN = ZoneInfo("Asia/Ho_Chi_Minh")
HOLIDAYS = load_holidays()


def at(y: int, m: int, d: int, hh: int = 9) -> datetime:
    return datetime(y, m, d, hh, tzinfo=VN)


def test_a_weekday_receipt_counts_from_the_next_working_day() -> None:
    assert due_date(at(2026, 3, 2), 3, HOLIDAYS) == date(2026, 3, 5)  # Monday + 3 -> Thursday
    assert due_date(at(2026, 3, 5), 3, HOLIDAYS) == date(2026, 3, 10)  # Thursday + 3 -> Tuesday


def test_a_saturday_receipt_counts_from_monday() -> None:
    assert due_date(at(2026, 3, 7), 1, HOLIDAYS) == date(2026, 3, 9)
    assert due_date(at(2026, 3, 7), 3, HOLIDAYS) == date(2026, 3, 11)
    assert due_date(at(2026, 3, 7), 0, HOLIDAYS) == date(2026, 3, 9), "same-day procedure: the next working day"


def test_tet_2026_is_skipped() -> None:
    # Friday 13/02/2026; Tết days off Monday 16 to Friday 20 February: 3 working days end Wednesday 25.
    assert due_date(at(2026, 2, 13), 3, HOLIDAYS) == date(2026, 2, 25)
    assert due_date(at(2026, 2, 18), 1, HOLIDAYS) == date(2026, 2, 23), "received in Tết: first day after it"


def test_tet_2027_and_its_days_made_up_are_skipped() -> None:
    # Thursday 04/02/2027; off Friday 5 and Monday 8 to Thursday 11 (mùng 1-2 fall on the weekend).
    assert due_date(at(2027, 2, 4), 1, HOLIDAYS) == date(2027, 2, 12)


def test_30_april_and_1_may_are_skipped() -> None:
    # Wednesday 29/04/2026; 30/4 Thursday and 1/5 Friday off, then the weekend.
    assert due_date(at(2026, 4, 29), 1, HOLIDAYS) == date(2026, 5, 4)
    assert due_date(at(2026, 4, 24), 7, HOLIDAYS) == date(2026, 5, 8), "Giỗ Tổ made up on Monday 27/4 too"


def test_a_fixed_holiday_on_a_weekend_gives_the_next_monday_off() -> None:
    # 1/5/2027 is a Saturday: Monday 3 May is off (nghỉ bù).
    assert due_date(at(2027, 4, 29), 1, HOLIDAYS) == date(2027, 5, 4)  # 30/4/2027 is a Friday


def test_a_receipt_on_31_december_crosses_into_the_new_year() -> None:
    # Thursday 31/12/2026; 1/1/2027 is a holiday (Friday), then the weekend.
    assert due_date(at(2026, 12, 31), 1, HOLIDAYS) == date(2027, 1, 4)
    assert due_date(at(2026, 12, 31), 0, HOLIDAYS) == date(2026, 12, 31)


def test_the_date_of_receipt_is_the_agency_date_not_utc() -> None:
    # 23:30 UTC on Thursday 5 March is 06:30 Friday 6 March in Hà Nội: one working day later is Monday.
    assert due_date(datetime(2026, 3, 5, 23, 30, tzinfo=UTC), 1, HOLIDAYS) == date(2026, 3, 9)
    assert due_date(datetime(2026, 3, 5, 23, 30), 1, HOLIDAYS) == date(2026, 3, 9), "naive is UTC"


def test_a_same_day_procedure_received_from_15_00_is_due_the_next_working_day() -> None:
    assert due_date(at(2026, 3, 4, 14), 0, HOLIDAYS) == date(2026, 3, 4)
    assert due_date(at(2026, 3, 4, 15), 0, HOLIDAYS) == date(2026, 3, 5)


def test_an_absurd_count_is_refused() -> None:
    for days in (-1, 10**9):
        with pytest.raises(ValueError):
            due_date(at(2026, 3, 2), days, HOLIDAYS)


def test_an_agency_file_adds_days_off_and_a_broken_one_is_named(tmp_path: Path) -> None:
    own = tmp_path / "ngay-nghi.json"
    own.write_text(json.dumps({"dates": [{"date": "2026-03-03", "name": "Nghỉ theo thông báo"}]}), "utf-8")
    assert due_date(at(2026, 3, 2), 1, load_holidays(own)) == date(2026, 3, 4)
    for bad in ({"dates": [{"date": "2026-02-30", "name": "x"}]}, {"fixed": [{"month": 13, "day": 1, "name": "x"}]}):
        own.write_text(json.dumps(bad), "utf-8")
        with pytest.raises(HolidaysError) as caught:
            load_holidays(own)
        assert "ngay-nghi.json" in caught.value.one_line()
    with pytest.raises(HolidaysError):
        load_holidays(tmp_path / "absent.json")
