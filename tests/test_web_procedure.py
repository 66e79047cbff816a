"""The procedure at the desk: chosen from the catalogue, recorded on the dossier with its due date (ngày hẹn
trả), printed on the receipt (HTML and A5 PDF); an unknown or hostile code is a 400 in Vietnamese with
nothing stored; the same files handed in again for another procedure keep the first, and the clerk is told.

The sample dossier is handed in through the API; nothing here needs OCR (the receipt exists from submission).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from web_helpers import PASSWORD, USERS, client, login, sample_files

from pipeline.working_days import due_date, load_holidays
from storage.db import session_scope
from storage.tables import DossierRow
from workers.service import Service, settings_from_env

BIRTH = "1.001193"  # Đăng ký khai sinh: same day
RESIDENCE = "1.004194"  # Đăng ký thường trú: 7 working days


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    svc = Service(settings_from_env(data_dir=tmp_path_factory.mktemp("procedure") / "data"))
    svc.users_add("le.tan", PASSWORD, by="test", **USERS["le.tan"])  # the clerk alone: each user costs a hash
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def desk(service: Service) -> tuple[Any, str]:
    web = client(service)
    return web, login(web, "le.tan")


def _dossiers(service: Service) -> int:
    with session_scope(service.ctx.engine) as s:
        return int(s.scalar(select(func.count()).select_from(DossierRow)) or 0)


def _hand_in(desk: tuple[Any, str], procedure: str) -> Any:
    web, csrf = desk
    return web.post(
        "/api/v1/dossiers",
        params={"check": "false"},
        data={"procedure": procedure},
        files=sample_files(),
        headers={"X-CSRF-Token": csrf},
    )


def test_the_desk_offers_every_procedure_grouped_by_domain_with_a_label(
    service: Service, desk: tuple[Any, str]
) -> None:
    page = desk[0].get("/desk").text
    assert '<label for="procedure">Thủ tục hành chính</label>' in page
    for label in ("Hộ tịch", "Cư trú", "Đất đai", "Đăng ký kinh doanh", "Bảo trợ xã hội"):
        assert f'<optgroup label="{label}">' in page
    for proc in service.procedures_list():
        assert f'<option value="{proc.code}"' in page
    assert f"{RESIDENCE} – Đăng ký thường trú (7 ngày làm việc)" in page


@pytest.mark.parametrize(
    "code",
    [
        "0.000000",
        "9" * 10_000,
        "<script>alert(1)</script>",
        "1.001193' OR '1'='1",
        "../../etc/passwd",
        "１.００１１９３",
    ],
)
def test_an_unknown_or_hostile_code_is_a_400_in_vietnamese_and_nothing_is_stored(
    service: Service, desk: tuple[Any, str], code: str
) -> None:
    before = _dossiers(service)
    got = _hand_in(desk, code)
    assert got.status_code == 400, got.text
    message = got.json()["error"]["message"]
    assert message.startswith("không có thủ tục mã") and len(message) < 200, "a hostile code is not echoed whole"
    assert got.headers["content-type"].startswith("application/json")
    assert _dossiers(service) == before
    uploads = service.settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_the_procedure_and_due_date_are_recorded_and_printed_on_the_receipt(
    service: Service, desk: tuple[Any, str], tmp_path: Path
) -> None:
    got = _hand_in(desk, RESIDENCE)
    assert got.status_code == 202, got.text
    receipt = got.json()
    code = receipt["code"]
    with session_scope(service.ctx.engine) as s:
        row = s.scalars(select(DossierRow).where(DossierRow.code == code)).one()
        assert row.procedure == RESIDENCE
        expected = due_date(row.created_at, 7, load_holidays())
        assert row.due_on == expected and (expected - row.created_at.date()).days >= 9  # 7 working days
    assert receipt["procedure"]["code"] == RESIDENCE and receipt["due_on"] == expected.isoformat()
    assert receipt["procedure"]["processing_days"] == 7

    web = desk[0]
    status = web.get(f"/api/v1/dossiers/{code}").json()
    assert status["procedure"] == RESIDENCE and status["due_on"] == expected.isoformat()
    today = web.get("/desk/today").text
    assert f"<td>{RESIDENCE}</td>" in today and f"<td>{expected:%d/%m/%Y}</td>" in today
    page = web.get(f"/desk/receipt/{code}").text
    assert "Đăng ký thường trú (mã 1.004194)" in page
    assert f'<strong id="receipt-due">{expected:%d/%m/%Y}</strong>' in page
    assert "Thành phần hồ sơ cần có" in page and "Tờ khai thay đổi thông tin cư trú" in page

    pdf = tmp_path / "phieu.pdf"
    pdf.write_bytes(web.get(f"/desk/receipt/{code}", params={"format": "pdf"}).content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60).stdout
    assert "Thủ tục: 1.004194 Đăng ký thường trú" in text
    assert f"Ngày hẹn trả kết quả: {expected:%d/%m/%Y}" in text
    assert "Tờ khai thay đổi thông tin cư trú" in text and "Cần nộp" in text


def test_the_same_files_for_another_procedure_keep_the_first_and_the_clerk_is_told(
    service: Service, desk: tuple[Any, str]
) -> None:
    first = _hand_in(desk, RESIDENCE)
    assert first.status_code == 202, first.text
    again = _hand_in(desk, BIRTH)
    assert again.status_code == 202, again.text
    receipt = again.json()
    assert receipt["code"] == first.json()["code"] and receipt["already_seen"] is True
    assert receipt["procedure"]["code"] == RESIDENCE, "the dossier keeps the procedure it was received for"
    kept = receipt["findings"][0]
    assert kept["code"] == "procedure_kept" and RESIDENCE in kept["message"] and BIRTH in kept["message"]
    assert receipt["due_on"] == first.json()["due_on"]


def test_a_dossier_without_a_procedure_has_no_due_date(service: Service, tmp_path: Path) -> None:
    scan = tmp_path / "blank.png"
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(5)
    Image.fromarray((rng.random((1200, 900)) * 40 + 200).astype("uint8")).save(scan, dpi=(300, 300))
    web = client(service)
    csrf = login(web, "le.tan")
    with scan.open("rb") as f:
        got = web.post("/api/v1/dossiers", params={"check": "false"}, files=[("files", ("blank.png", f, "image/png"))],
                       headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert got.status_code == 202, got.text
    assert "procedure" not in got.json() and "due_on" not in got.json()
    assert "Ngày hẹn trả" not in web.get(f"/desk/receipt/{got.json()['code']}").text
