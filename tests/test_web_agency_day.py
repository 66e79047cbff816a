"""Dossier codes carry the agency's date (Asia/Ho_Chi_Minh), not the server's UTC date.

At 23:30 UTC on 5 March it is already 06:30 on 6 March in Hà Nội: a dossier handed in then is a 6 March
dossier, in its code, on the desk's list of today and on its receipt.
"""

from __future__ import annotations

from pathlib import Path

from freezegun import freeze_time
from web_helpers import client, login, make_service, sample_files


def test_a_dossier_handed_in_at_2330_utc_has_the_next_days_code(tmp_path: Path) -> None:
    service = make_service(tmp_path / "data")
    try:
        with freeze_time("2026-03-05 23:30:00", tz_offset=0, tick=True):
            web = client(service)
            csrf = login(web, "le.tan")
            got = web.post("/api/v1/dossiers", params={"check": "false"}, files=sample_files(),
                           headers={"X-CSRF-Token": csrf})  # fmt: skip
            assert got.status_code == 202, got.text
            code = got.json()["code"]
            assert code == f"{service.settings.agency_code}-260306-0001"
            assert [d["code"] for d in web.get("/api/v1/dossiers/today").json()] == [code]
            page = web.get(f"/desk/receipt/{code}")
            assert "06:30 06/03/2026" in page.text
    finally:
        service.close()
