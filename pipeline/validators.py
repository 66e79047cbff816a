"""Checks on extracted values, returning short reason codes; the rules are data in ``pipeline.vocab``.

Each check answers "could this value be what was printed?": a value that fails is not rejected, its
field waits for a reviewer with the reason. Validators are looked up by the names the document-type
schemas give them (``VALIDATORS``), so a schema says which rule applies without a branch in code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from pipeline.normalize import iso_date
from pipeline.vocab import AUTHORITY_PREFIXES, PROVINCE_CODES

__all__ = ["iso_date"]

MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
# domain-vn.md §3.1: "G06.01", "H55.242", "000.00.20.H40" then -YYMMDD- and a sequence of 4+ digits.
DOSSIER_CODE_RE = re.compile(
    r"^(?P<agency>[A-Z]\d{2}(?:\.\d{2,3}){0,3}|\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(?P<yymmdd>\d{6})-(?P<seq>\d{4,})$"
)
FORM_CODE_RE = re.compile(r"CT0[1-7]|DC0[1-3]|\d{1,2}[a-z]?(?:/[A-ZĐ]{2,5})?")
LEGAL_FORM_RE = re.compile(r"\bCO\W{0,3}LTD\b")
LEGAL_FORM_OK_RE = re.compile(r"\bCO\.,\s?LTD\b")
NUMBER_SYMBOL_RE = re.compile(r"\d{1,6}/(?:\d{4}/)?[A-ZĐ][A-Za-zĐđ0-9&.]*(?:-[A-ZĐ0-9][A-Za-zĐđ0-9&.]*)*")


def _today(today: date | None) -> date:
    return today or date.today()


def check_date(value: str, *, today: date | None = None) -> list[str]:
    """A date must be real, not before 1900 and not in the future (issue dates, birth dates)."""
    try:
        d = date.fromisoformat(value)
    except ValueError:
        return ["invalid_date"]
    if d > _today(today):
        return ["date_in_future"]
    if d.year < 1900:
        return ["date_implausible"]
    return []


def check_any_date(value: str, *, today: date | None = None) -> list[str]:
    """A real date that may lie ahead (a due date, a card's expiry), within a century of today."""
    try:
        d = date.fromisoformat(value)
    except ValueError:
        return ["invalid_date"]
    return [] if abs(d.year - _today(today).year) <= 100 else ["date_implausible"]


def check_year(value: str, *, today: date | None = None) -> list[str]:
    """A birth year: four digits, from 1900 to this year."""
    return [] if value.isdigit() and 1900 <= int(value) <= _today(today).year else ["year_implausible"]


def check_personal_id(
    value: str, *, birth_date: str | None = None, gender: str | None = None, today: date | None = None
) -> list[str]:
    """12 digits, a known province code, century/sex digit agreeing with the birth year and gender.

    The 63 pre-2025 codes stay valid (IDs never change; the 34 post-merger codes are a subset). There is
    no published check digit for the personal ID; none is invented here.
    """
    if not re.fullmatch(r"\d{12}", value):
        return ["personal_id_format"]
    reasons: list[str] = []
    if value[:3] not in PROVINCE_CODES:
        reasons.append("personal_id_province")
    g = int(value[3])
    year = 1900 + 100 * (g // 2) + int(value[4:6])
    if year > _today(today).year:
        reasons.append("personal_id_century")
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
    return [] if NUMBER_SYMBOL_RE.fullmatch(value) else ["number_symbol_format"]


def mst_check_digit(first9: str) -> int | None:
    """The 10th digit of a tax/business code: 10 − (Σ wᵢ·dᵢ mod 11); None when that is 10 or 11 (unused)."""
    check = 10 - sum(w * int(d) for w, d in zip(MST_WEIGHTS, first9, strict=True)) % 11
    return check if check < 10 else None


def check_business_code(value: str) -> list[str]:
    """Mã số doanh nghiệp = MST: 10 digits with a mod-11 check digit; a branch adds "-NNN" (not 000)."""
    m = re.fullmatch(r"(\d{10})(?:-(\d{3}))?", value)
    if not m:
        return ["business_code_format"]
    main, branch = m.groups()
    reasons = []
    if main[2:9] == "0000000":
        reasons.append("business_code_format")
    if mst_check_digit(main[:9]) != int(main[9]):
        reasons.append("business_code_check_digit")
    if branch == "000":
        reasons.append("business_code_branch")
    return reasons


def check_dossier_code(value: str, *, today: date | None = None) -> list[str]:
    """<agency>-YYMMDD-<seq ≥ 4 digits>, the date real and not after today (domain-vn.md §3.1)."""
    m = DOSSIER_CODE_RE.match(value)
    if not m:
        return ["dossier_code_format"]
    yymmdd = m.group("yymmdd")
    iso = iso_date(yymmdd[4:], yymmdd[2:4], "20" + yymmdd[:2])
    if iso is None:
        return ["dossier_code_date"]
    if date.fromisoformat(iso) > _today(today):
        return ["dossier_code_date"]
    return []


def dossier_code_date(value: str) -> str | None:
    """The receipt date inside a dossier code, ISO, or None."""
    m = DOSSIER_CODE_RE.match(value)
    if not m:
        return None
    y = m.group("yymmdd")
    return iso_date(y[4:], y[2:4], "20" + y[:2])


def check_positive(value: str) -> list[str]:
    """Amounts and areas: a positive number ("1250.5", "4200000000")."""
    try:
        return [] if float(value) > 0 else ["number_implausible"]
    except ValueError:
        return ["number_format"]


def check_count(value: str) -> list[str]:
    """Counts ("Đăng ký thay đổi lần thứ 2"): a small positive integer."""
    return [] if value.isdigit() and 0 < int(value) < 1000 else ["number_format"]


def check_authority(value: str) -> list[str]:
    """Zone 7a: "TM. …", "KT. …", "Q. …", "TL. …" or "TUQ. …"."""
    return [] if value.startswith(AUTHORITY_PREFIXES) else ["authority_format"]


def check_person_name(value: str) -> list[str]:
    """Họ, chữ đệm và tên: 2-7 words of letters, no digits, no academic titles (ND 30 ô 7c)."""
    words = value.split()
    if not 2 <= len(words) <= 7 or any(not re.fullmatch(r"[^\W\d_]+", w) for w in words):
        return ["name_format"]
    return check_name_shape(value)


def check_name_shape(value: str) -> list[str]:
    """A name's syllables are capitalised alike: each word opens with a capital, and the rest of it is all
    capitals or all small letters ("Nguyễn Văn An", "NGUYỄN VĂN AN"); "nguyễn vĂn" is a misreading."""
    for word in value.split():
        rest = word[1:]
        if not word[0].isupper() or (rest and not (rest.isupper() or rest.islower())):
            return ["name_shape"]
    return []


# What leaders and rules leave when OCR reads them as text: dot runs, underscores, low quotes, hooks.
LEADER_DEBRIS = re.compile(r"\.{3,}|…|_{2,}|[„‚¬¦•·]")
# A word of punctuation alone ("„", ":", "¬ ¬"); a dash or an ampersand between words is printed so.
PUNCTUATION_WORD = re.compile(r"[^\w\-–&/()+%\"“”']+")


def check_debris(value: str) -> list[str]:
    """Text fields read up to a dot leader or a table rule must not keep pieces of it."""
    if LEADER_DEBRIS.search(value) or any(PUNCTUATION_WORD.fullmatch(w) for w in value.split()):
        return ["leader_debris"]
    return []


def check_parcel(value: str) -> list[str]:
    """Thửa đất số / tờ bản đồ số: digits, optionally a letter ("215", "12a", "C44")."""
    return [] if re.fullmatch(r"[A-Z]?\d{1,6}[a-z]?", value) else ["parcel_format"]


def check_land_serial(value: str) -> list[str]:
    """Số phát hành (seri) of a land certificate: two letters and 6 digits ("BA 123456", older forms) or 8
    (ND 101/2024's "AA 01234567"); 7 digits is one dropped or doubled by OCR."""
    return [] if re.fullmatch(r"[A-Z]{2} ?(?:\d{6}|\d{8})", value) else ["serial_format"]


def check_land_registry(value: str) -> list[str]:
    """Số vào sổ cấp GCN: a registry prefix and digits ("CS 05494", "CH 00120")."""
    return [] if re.fullmatch(r"(?:CH|CS|CT|VP|BC|DA|CN)\s?\d{3,7}", value) else ["registry_format"]


def check_foreign_name(value: str) -> list[str]:
    """A name in a foreign language carries no Vietnamese marks ("PHÙ QUY TRADING" is "PHU QUY" misread),
    and its legal form is spelled as registered: "CO., LTD" / "CO.,LTD", not "CO. LTD" or "CO, LTD"."""
    reasons = [] if all(c.isascii() for c in value if c.isalpha()) else ["foreign_name_marks"]
    if LEGAL_FORM_RE.search(value) and not LEGAL_FORM_OK_RE.search(value):
        reasons.append("legal_form_spelling")
    return reasons


def check_form_code(value: str) -> list[str]:
    """A form code ("Mẫu CT07") is one the issuing circulars define: CT01-CT07 (TT 66/2023/TT-BCA),
    DC01-DC03 (TT 17/2024/TT-BCA), or a numbered form ("15", "01/ĐK"); "T07" is "CT07" misread."""
    return [] if FORM_CODE_RE.fullmatch(value) else ["unknown_form_code"]


Validator = Callable[[str], list[str]]
VALIDATORS: dict[str, Validator] = {
    "date_past": check_date,
    "date_any": check_any_date,
    "year": check_year,
    "personal_id": check_personal_id,
    "phone": check_phone,
    "number_symbol": check_number_symbol,
    "business_code": check_business_code,
    "dossier_code": check_dossier_code,
    "positive": check_positive,
    "count": check_count,
    "authority": check_authority,
    "person_name": check_person_name,
    "parcel": check_parcel,
    "land_serial": check_land_serial,
    "land_registry": check_land_registry,
    "foreign_name": check_foreign_name,
    "form_code": check_form_code,
}


_DATED = frozenset({"date_past", "date_any", "year", "dossier_code"})  # rules that compare with today


def validate(name: str | None, value: str, *, today: date | None = None) -> list[str]:
    """Reasons from the validator a schema names (none named: nothing to check)."""
    if not name:
        return []
    fn = VALIDATORS[name]
    return fn(value, today=today) if name in _DATED else fn(value)  # type: ignore[call-arg]
