"""Checks on extracted values, returning short reason codes; the rules are data in ``pipeline.vocab``."""

from __future__ import annotations

import re
from datetime import date

from pipeline.vocab import PROVINCE_CODES


def iso_date(day: str, month: str, year: str) -> str | None:
    """ISO date from parts, or None when it is not a real calendar date."""
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def check_date(value: str, *, today: date | None = None) -> list[str]:
    """A date must be real and not in the future."""
    try:
        d = date.fromisoformat(value)
    except ValueError:
        return ["invalid_date"]
    if d > (today or date.today()):
        return ["date_in_future"]
    if d.year < 1900:
        return ["date_implausible"]
    return []


def check_personal_id(value: str, *, birth_date: str | None = None, gender: str | None = None) -> list[str]:
    """12 digits, a known province code, century/sex digit agreeing with the birth year and gender.

    There is no published check digit for the personal ID; none is invented here.
    """
    if not re.fullmatch(r"\d{12}", value):
        return ["personal_id_format"]
    reasons: list[str] = []
    if value[:3] not in PROVINCE_CODES:
        reasons.append("personal_id_province")
    g = int(value[3])
    year = 1900 + 100 * (g // 2) + int(value[4:6])
    if birth_date and birth_date[:4].isdigit() and int(birth_date[:4]) != year:
        reasons.append("personal_id_birth_year_mismatch")
    if gender in ("Nam", "Nữ") and (g % 2 == 1) != (gender == "Nữ"):
        reasons.append("personal_id_gender_mismatch")
    if value[6:] == "000000":
        reasons.append("personal_id_format")
    return reasons


def check_phone(value: str) -> list[str]:
    """Vietnamese phone numbers: 10 digits starting with 0 (mobile and landline since 2017)."""
    return [] if re.fullmatch(r"0\d{9}", value) else ["phone_format"]


def check_number_symbol(value: str) -> list[str]:
    """'583/QĐ-UBND' or '163/2025/QĐ-CTUBND': number, optional year, symbol groups."""
    ok = re.fullmatch(r"\d{1,6}/(?:\d{4}/)?[A-ZĐ][A-Za-zĐđ0-9&.]*(?:-[A-ZĐ0-9][A-Za-zĐđ0-9&.]*)*", value)
    return [] if ok else ["number_symbol_format"]
