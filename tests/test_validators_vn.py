"""Normalizers and validators of Vietnamese values: known good and bad values for every rule."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import pytest

from pipeline import normalize as n
from pipeline import validators as v
from pipeline.doctypes import FieldSpec
from pipeline.labels import normalize_value
from workers.workbench import reason_label

TODAY = date(2026, 1, 15)


# -- text -----------------------------------------------------------------------------------------
def test_fold_keeps_length_and_drops_marks() -> None:
    text = "Quyết định Đà Nẵng"
    assert n.fold(text) == "QUYET DINH DA NANG" and len(n.fold(text)) == len(text)
    assert n.fold_words("Số: 12/QĐ-UBND") == "SO 12 QD UBND"


def test_one_tone_placement_and_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Thuận Hoà")
    assert n.canonical_tone(nfd) == "Thuận Hòa"
    assert n.canonical_tone("thuỷ khoẻ HOÀ") == "thủy khỏe HÒA"
    assert n.canonical_tone("quý Hoàng hoàn thuyền") == "quý Hoàng hoàn thuyền"  # qu-, closed syllables: unchanged
    assert n.clean_text("  ỦY BAN   NHÂN DÂN – XÃ HOÀ VANG ; ") == "ỦY BAN NHÂN DÂN - XÃ HÒA VANG"
    assert n.match_key("Hoà Vang") == n.match_key("HÒA VANG")


# -- numbers --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.250,5", Decimal("1250.5")),
        ("4.200.000.000 đồng", Decimal("4200000000")),
        ("120,5 m²", Decimal("120.5")),
        ("1.250", Decimal("1250")),
        ("1250.5", Decimal("1250.5")),
        ("Diện tích: 45 m2", Decimal("45")),
    ],
)
def test_vietnamese_number_formats(text: str, value: Decimal) -> None:
    assert n.parse_number(text) == value


def test_numbers_in_words() -> None:
    assert n.parse_number_words("Bốn tỷ hai trăm triệu đồng") == 4_200_000_000
    assert n.parse_number_words("một nghìn hai trăm năm mươi phẩy năm mét vuông") == Decimal("1250.5")
    assert n.parse_number_words("hai mươi mốt") == 21 and n.parse_number_words("mười lăm") == 15
    assert n.parse_number_words("một trăm linh năm") == 105 and n.parse_number_words("hai mươi tư") == 24
    assert n.parse_number_words("một nghìn tỷ") == 10**12
    assert n.parse_number_words("mét vuông") is None
    assert n.number_text(Decimal("4200000000.0")) == "4200000000" and n.number_text(Decimal("1250.50")) == "1250.5"


# -- dates ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("ngày 05 tháng 3 năm 2025", "2025-03-05"),
        ("Hà Nội, ngày 05 thủng 3 nắm 2025", "2025-03-05"),  # slips in the fixed words
        ("05/03/2025", "2025-03-05"),
        ("5-3-2025", "2025-03-05"),
        ("14 giờ 00 phút, ngày 12 tháng 3 năm 2025", "2025-03-12"),
        ("ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi lăm", "2025-03-15"),
        ("Ngày mồng năm tháng năm năm một nghìn chín trăm năm mươi lăm", "1955-05-05"),  # "năm" = five and year
        ("05032025", "2025-03-05"),
        ("31/02/2025", None),
        ("không có ngày", None),
    ],
)
def test_dates_to_iso(text: str, iso: str | None) -> None:
    assert n.parse_date(text) == iso


def test_date_plausibility() -> None:
    assert v.check_date("2025-03-05", today=TODAY) == []
    assert v.check_date("2026-03-05", today=TODAY) == ["date_in_future"]
    assert v.check_date("1890-01-01", today=TODAY) == ["date_implausible"]
    assert v.check_date("2025-02-30", today=TODAY) == ["invalid_date"]
    assert v.check_any_date("2040-03-05", today=TODAY) == []  # an expiry or a due date may lie ahead
    assert v.check_year("1975", today=TODAY) == [] and v.check_year("2031", today=TODAY) == ["year_implausible"]
    assert n.parse_year("Năm sinh: 1975") == "1975"


# -- identifiers ----------------------------------------------------------------------------------
def test_personal_id() -> None:
    assert v.check_personal_id("031191606939", birth_date="1991-02-07", gender="Nữ") == []
    assert v.check_personal_id("001305012345", birth_date="2005-06-01", gender="Nữ") == []  # 2000s, female
    assert "personal_id_province" in v.check_personal_id("003191606939")  # 003 is no province code
    assert v.check_personal_id("091191606939") == []  # Kiên Giang's old code stays valid after the 2025 merger
    assert "personal_id_birth_year_mismatch" in v.check_personal_id("031191606939", birth_date="1990-01-01")
    assert "personal_id_gender_mismatch" in v.check_personal_id("031091606939", gender="Nữ")
    assert "personal_id_century" in v.check_personal_id("031491606939", today=TODAY)  # born 2191
    assert v.check_personal_id("031191000000") == ["personal_id_format"]
    assert v.check_personal_id("12345") == ["personal_id_format"]


def test_business_code_check_digit() -> None:
    assert v.mst_check_digit("010023348") == 8
    assert v.check_business_code("0100233488") == []
    assert v.check_business_code("0100233487") == ["business_code_check_digit"]
    assert v.check_business_code("0312687878-001") == v.check_business_code("0312687878")
    assert "business_code_branch" in v.check_business_code("0100233488-000")
    assert v.check_business_code("01002334") == ["business_code_format"]
    assert n.business_code("Mã số doanh nghiệp: 0100 233 488") == "0100233488"
    assert n.business_code("0312687878 - 001") == "0312687878-001"


def test_generated_business_codes_are_valid() -> None:
    import random

    from samples.vocab import business_code

    rng = random.Random(3)
    assert all(v.check_business_code(business_code(rng)) == [] for _ in range(50))


def test_dossier_code() -> None:
    assert v.check_dossier_code("000.00.20.H40-251128-0001", today=TODAY) == []
    assert v.check_dossier_code("H55.242-250305-12345", today=TODAY) == []
    assert v.check_dossier_code("G06.01-250305-0007", today=TODAY) == []
    assert v.check_dossier_code("H40-250305-001", today=TODAY) == ["dossier_code_format"]  # sequence < 4 digits
    assert v.check_dossier_code("000.00.20.H40-250231-0001", today=TODAY) == ["dossier_code_date"]  # 31 Feb
    assert v.check_dossier_code("000.00.20.H40-260305-0001", today=TODAY) == ["dossier_code_date"]  # future
    assert v.dossier_code_date("000.00.20.H40-251128-0001") == "2025-11-28"
    assert n.code("000.00.20.H40 – 251128 -0001") == "000.00.20.H40-251128-0001"


def test_other_formats() -> None:
    assert v.check_phone("0964996295") == [] and v.check_phone("964996295") == ["phone_format"]
    assert v.check_number_symbol("583/QĐ-UBND") == [] and v.check_number_symbol("163/2025/QĐ-CTUBND") == []
    assert v.check_number_symbol("583-QĐ") == ["number_symbol_format"]
    assert v.check_positive("1250.5") == [] and v.check_positive("0") == ["number_implausible"]
    assert v.check_count("2") == [] and v.check_count("x") == ["number_format"]
    assert v.check_authority("TM. ỦY BAN NHÂN DÂN") == [] and v.check_authority("ỦY BAN") == ["authority_format"]
    assert v.check_person_name("Nguyễn Thị Lan") == [] and v.check_person_name("TS. Nguyễn 3") == ["name_format"]
    assert v.check_parcel("215") == [] and v.check_parcel("12a") == [] and v.check_parcel("C44") == []
    assert v.check_parcel("2 15") == ["parcel_format"]
    assert v.check_land_serial("AB 123456") == [] and v.check_land_serial("AA 09273289") == []
    assert v.check_land_serial("A 12") == ["serial_format"]
    assert v.check_land_registry("CS 05494") == [] and v.check_land_registry("AB 123456") == ["registry_format"]
    assert v.check_form_code("CT07") == [] and v.check_form_code("DC01") == [] and v.check_form_code("15") == []
    assert v.check_form_code("T07") == ["unknown_form_code"] and v.check_form_code("CT7") == ["unknown_form_code"]
    assert v.check_foreign_name("MINH KHANG CO., LTD") == [] and v.check_foreign_name("AN PHU CO.,LTD") == []
    assert v.check_foreign_name("MINH KHANG CO. LTD") == ["legal_form_spelling"]
    assert v.check_foreign_name("PHÙ QUY TRADING") == ["foreign_name_marks"]
    assert n.serial("ab123456") == "AB 123456" and n.token("215;") == "215"
    assert n.gender("Nữ") == "Nữ" and n.gender("nam") == "Nam" and n.gender("?") is None


def test_every_schema_validator_exists() -> None:
    from pipeline.doctypes import DOC_TYPES

    names = {f.validator for t in DOC_TYPES for f in t.schema if f.validator}
    assert names <= set(v.VALIDATORS)
    normalizers = {f.normalizer for t in DOC_TYPES for f in t.schema if f.normalizer}
    assert normalizers <= set(n.NORMALIZERS)


@pytest.mark.parametrize(
    ("text", "ambiguous"),
    [
        ("03/04/2025", True),  # 3 April or 4 March: both real dates, only digits
        ("Ngày cấp: 05032025", True),
        ("15/04/2025", False),  # 15 cannot be a month
        ("03/03/2025", False),  # either order gives the same date
        ("ngày 03 tháng 04 năm 2025", False),  # the words say which is the month
        ("ngày ba tháng tư năm hai nghìn không trăm hai mươi lăm", False),
        ("không có ngày", False),
    ],
)
def test_day_month_ambiguity(text: str, ambiguous: bool) -> None:
    assert n.day_month_ambiguous(text) is ambiguous


def test_an_ambiguous_date_field_keeps_its_reading_but_says_why_it_needs_review() -> None:
    spec = FieldSpec("birth_date", "Ngày sinh", "date")
    assert normalize_value(spec, "03/04/1990") == ("1990-04-03", ("day_month_ambiguous",))
    assert normalize_value(spec, "23/04/1990") == ("1990-04-23", ())
    assert "ngày và tháng" in reason_label("day_month_ambiguous")  # the reviewer reads it in Vietnamese
