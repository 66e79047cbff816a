"""The second reading flags a field whose value the other recognizer does not read in its region."""

from __future__ import annotations

from pathlib import Path

from pipeline.models import DocumentResult, FieldValue, PageResult
from pipeline.second_reading import second_reading
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
