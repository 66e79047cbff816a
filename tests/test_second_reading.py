"""The second reading flags a field whose value the other recognizer does not read in its region."""

from __future__ import annotations

from pathlib import Path

from pipeline.doctypes import FieldSpec, by_key
from pipeline.models import DocumentResult, FieldValue, PageResult
from pipeline.second_reading import corrected, could_be_value, second_reading
from samples.defects import DefectSpec
from samples.generator import scan_page


def test_disagreeing_field_waits_for_review_and_agreeing_one_does_not(tmp_path: Path) -> None:
    scan, clean = scan_page("cong_van", seed=12, dpi=200, defects=DefectSpec(noise=3.0))
    image = tmp_path / "0001.jpg"
    scan.image.convert("RGB").save(image, quality=90)
    page = PageResult(1, "scan.pdf", 200, False, scan.image.width, scan.image.height, 0, 0.0, image)

    def field(key: str, value: str) -> FieldValue:
        return FieldValue(value, value, 0.95, 1, tuple(clean.field_boxes[key]))  # type: ignore[arg-type]

    right = field("signer_name", clean.fields["signer_name"])
    wrong = field("issuing_agency", "SỞ XÂY DỰNG")  # a confident misreading of another agency
    doc = DocumentResult(1, "official_letter", [1], {"signer_name": right, "issuing_agency": wrong})
    assert second_reading([doc], [page]) == 1
    assert wrong.status == "needs_review" and wrong.reasons == ["second_reading_differs"]
    assert right.status == "extracted" and right.reasons == []


def test_second_reading_reads_the_kept_ocr_image_when_there_is_one(tmp_path: Path) -> None:
    """The page job keeps the grey reading image (``0001.grey.jpg``); the second reading must
    read that one, not the JPEG: here it holds another page, so the field no longer matches."""
    scan, clean = scan_page("cong_van", seed=12, dpi=200, defects=DefectSpec(noise=3.0))
    other, _ = scan_page("cong_van", seed=13, dpi=200, defects=DefectSpec())
    image = tmp_path / "0001.jpg"
    scan.image.convert("RGB").save(image, quality=90)
    other.image.convert("L").save(tmp_path / "0001.grey.jpg", quality=90)
    page = PageResult(1, "scan.pdf", 200, False, scan.image.width, scan.image.height, 0, 0.0, image)
    value = clean.fields["signer_name"]
    right = FieldValue(value, value, 0.95, 1, tuple(clean.field_boxes["signer_name"]))  # type: ignore[arg-type]
    doc = DocumentResult(1, "official_letter", [1], {"signer_name": right})
    assert second_reading([doc], [page]) == 1
    assert right.reasons == ["second_reading_differs"]


def _spec(doc_type: str, key: str) -> FieldSpec:
    return next(s for s in by_key(doc_type).schema if s.key == key)


def test_the_second_reading_gets_the_first_readings_corrections() -> None:
    """A ward's name and a title put right for the first reading are put right for the second too: "BÃI
    CHAY" after "PHƯỜNG" is the ward "Bãi Cháy", "GIAM ĐỘC" the title "GIÁM ĐỐC"."""
    issuer = _spec("confirmation", "issuing_agency")
    assert corrected(issuer, "ỦY BAN NHÂN DÂN PHƯỜNG BÃI CHAY") == "ỦY BAN NHÂN DÂN PHƯỜNG BÃI CHÁY"
    assert corrected(_spec("land_use_certificate", "signer_title"), "GIAM ĐỘC") == "GIÁM ĐỐC"


def test_only_a_reading_that_could_be_the_value_counts_against_the_first() -> None:
    issuer, name = _spec("confirmation", "issuing_agency"), _spec("birth_certificate", "full_name")
    assert not could_be_value(issuer, "ỦY BAN NHÂN DÂN PHƯỜNG LONG XUYEÊN")  # no syllable: the reader's slip
    assert not could_be_value(issuer, "ỦY BAN NHÂN DÂN PHƯỜNG ch OP GB?")
    assert not could_be_value(_spec("residence_confirmation", "form_code"), "GT0Z")  # no form code
    assert not could_be_value(_spec("confirmation", "signer_authority"), "KT, CHỦ TỊCH")
    assert could_be_value(name, "TẠ THÙY ÁNH")  # another real name: the disagreement stands
    assert could_be_value(issuer, "ỦY BAN NHÂN DÂN PHƯỜNG HỒNG BÀNG")


def test_a_disagreement_the_second_reader_garbled_does_not_flag(tmp_path: Path) -> None:
    """The same page as above: a right value whose region the second reader garbles is no doubt about it."""
    scan, clean = scan_page("cong_van", seed=12, dpi=200, defects=DefectSpec(noise=3.0))
    image = tmp_path / "0001.jpg"
    scan.image.convert("RGB").save(image, quality=90)
    page = PageResult(1, "scan.pdf", 200, False, scan.image.width, scan.image.height, 0, 0.0, image)
    value = clean.fields["signer_name"]
    right = FieldValue(value, value, 0.95, 1, tuple(clean.field_boxes["signer_name"]))  # type: ignore[arg-type]
    doc = DocumentResult(1, "official_letter", [1], {"signer_name": right})
    garbled = {1: ((right.bbox,), [value[:-2] + "ỌỌ?"])}  # as a reading made ahead: the same region, garbled
    assert second_reading([doc], [page], known=garbled) == 0  # type: ignore[arg-type]
    assert right.status == "extracted"
    other = {1: ((right.bbox,), ["Nguyễn Văn Bình"])}  # another possible name: that one still waits
    assert second_reading([doc], [page], known=other) == 1  # type: ignore[arg-type]
    number = FieldValue("048152036917", "048152036917", 0.95, 1, right.bbox)
    doc = DocumentResult(1, "declaration", [1], {"personal_id": number})
    garbled = {1: ((right.bbox,), ["l0I5l6l1I5l9l5l7l4l6l8"])}  # boxes read as letters: the digits still count
    assert second_reading([doc], [page], known=garbled) == 1  # type: ignore[arg-type]
