"""The receipt as an A5 PDF from the server: its size, its text (pdftotext) and its QR code (OpenCV reads it).

The sample dossier is handed in through the API (no digitizing needed: the receipt exists from submission).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import cv2
import pikepdf
import pytest
from web_helpers import client, login, make_service, sample_files

from workers.service import Service

A5_PT = (419.528, 595.276)  # 148 x 210 mm


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    svc = make_service(tmp_path_factory.mktemp("receipt") / "data")
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def handed_in(service: Service) -> tuple[Any, dict[str, Any]]:
    web = client(service)
    csrf = login(web, "le.tan")
    got = web.post("/api/v1/dossiers", params={"check": "false"}, files=sample_files(), headers={"X-CSRF-Token": csrf})
    assert got.status_code == 202, got.text
    return web, got.json()


def test_the_receipt_pdf_is_one_a5_page_with_the_code_date_pages_and_secret(
    handed_in: tuple[Any, dict[str, Any]], tmp_path: Path
) -> None:
    web, receipt = handed_in
    got = web.get(f"/desk/receipt/{receipt['code']}", params={"format": "pdf"})
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "phieu.pdf"
    pdf.write_bytes(got.content)
    with pikepdf.open(pdf) as opened:
        assert len(opened.pages) == 1
        box = [float(v) for v in opened.pages[0].mediabox]
        assert box[:2] == [0, 0] and all(abs(a - b) < 0.01 for a, b in zip(box[2:], A5_PT, strict=True))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    assert receipt["code"] in text and receipt["secret"] in text
    assert "PHIẾU TIẾP NHẬN HỒ SƠ" in text and "Số trang: 2" in text
    assert "Thời điểm nhận: " in text and "/20" in text.split("Thời điểm nhận: ")[1].splitlines()[0]


def test_the_receipt_pdf_qr_code_opens_the_status_with_the_secret(
    handed_in: tuple[Any, dict[str, Any]], tmp_path: Path
) -> None:
    web, receipt = handed_in
    pdf = tmp_path / "phieu.pdf"
    pdf.write_bytes(web.get(f"/desk/receipt/{receipt['code']}", params={"format": "pdf"}).content)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "p")], check=True, timeout=60
    )
    decoded, _points, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(tmp_path / "p.png")))
    assert decoded == receipt["status_url"] and receipt["secret"] in decoded


def test_the_receipt_pdf_is_for_the_desk_of_its_agency_only(
    service: Service, handed_in: tuple[Any, dict[str, Any]]
) -> None:
    _, receipt = handed_in
    url = f"/desk/receipt/{receipt['code']}?format=pdf"
    other = client(service)
    login(other, "le.tan.khac")
    assert other.get(url).status_code == 403
    assert client(service).get(url, follow_redirects=False).status_code == 303  # to the login page
    web, _ = handed_in
    assert web.get(f"/desk/receipt/{receipt['code']}", params={"format": "docx"}).status_code == 422
