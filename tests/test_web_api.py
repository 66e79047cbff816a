"""The /api/v1 API and the login from the outside: sessions, CSRF, tokens, roles, agencies, owners, errors.

A real app over a real data folder (SQLite, local store); one sample dossier is handed in and, for the
tests marked slow, digitized, so results, review and verify run on real signed PDFs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_helpers import CITIZEN_ID, OTHER_AGENCY, PASSWORD, client, login, make_service, sample_files

from workers.service import Service


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    svc = make_service(tmp_path_factory.mktemp("web") / "data", login_attempts_per_minute=5, lookups_per_minute=8)
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def submitted(service: Service) -> dict[str, Any]:
    """The receipt of the sample dossier, handed in by the desk clerk."""
    web = client(service)
    csrf = login(web, "le.tan")
    got = web.post("/api/v1/dossiers", files=sample_files(), headers={"X-CSRF-Token": csrf})
    assert got.status_code == 202, got.text
    return got.json()


@pytest.fixture(scope="module")
def processed(service: Service, submitted: dict[str, Any]) -> dict[str, Any]:
    """The sample dossier digitized (what the embedded runner does after the receipt)."""
    assert service.process_recorded(submitted["code"]) in ("needs_review", "approved", "published")
    return service.status(submitted["code"])


def as_user(service: Service, name: str) -> tuple[TestClient, str]:
    web = client(service)
    return web, login(web, name)


def test_submit_returns_the_receipt_at_once_without_processing(submitted: dict[str, Any]) -> None:
    assert submitted["state"] == "received" and submitted["pages"] == 2
    assert len(submitted["secret"]) == 16 and submitted["secret"] in submitted["status_url"]


def test_a_session_without_its_csrf_token_cannot_submit(service: Service) -> None:
    web, _csrf = as_user(service, "le.tan")
    refused = web.post("/api/v1/dossiers", files=sample_files())
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    wrong = web.post("/api/v1/dossiers", files=sample_files(), headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403


def test_the_login_form_needs_its_csrf_cookie(service: Service) -> None:
    web = client(service)
    refused = web.post("/login", data={"username": "le.tan", "password": PASSWORD, "csrf": "forged"})
    assert refused.status_code == 403


def test_wrong_password_and_unknown_user_get_the_same_answer_then_a_rate_limit(service: Service) -> None:
    web = client(service)
    page = web.get("/login")
    csrf = web.cookies.get("sohoa_csrf")
    assert csrf and csrf in page.text
    answers = [web.post("/login", data={"username": n, "password": "sai-mat-khau-1", "csrf": csrf}) for n in
               ("kiem.tra", "khong.co.ai")]  # fmt: skip
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].text.count("không đúng") == answers[1].text.count("không đúng") == 1
    statuses = [
        web.post("/login", data={"username": "kiem.tra", "password": "sai-mat-khau-1", "csrf": csrf}).status_code
        for _ in range(6)
    ]
    assert statuses[-1] == 429


def test_no_login_is_401_in_the_api_and_a_redirect_on_pages(service: Service) -> None:
    web = client(service)
    assert web.get("/api/v1/dossiers/today").status_code == 401
    page = web.get("/desk", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_staff_of_another_agency_get_403_for_a_dossier_and_unknown_codes_are_404(
    service: Service, submitted: dict[str, Any]
) -> None:
    mine, _ = as_user(service, "le.tan")
    other, _ = as_user(service, "le.tan.khac")
    assert mine.get(f"/api/v1/dossiers/{submitted['code']}").status_code == 200
    assert other.get(f"/api/v1/dossiers/{submitted['code']}").status_code == 403
    assert other.get(f"/desk/receipt/{submitted['code']}").status_code == 403
    assert submitted["code"] not in str(other.get("/api/v1/dossiers/today").json())
    missing = mine.get("/api/v1/dossiers/000.00.20.H40-991231-9999")
    assert missing.status_code == 404 and set(missing.json()["error"]) == {"code", "message"}


def test_a_clerk_of_another_agency_cannot_submit_here(service: Service) -> None:
    web, csrf = as_user(service, "le.tan.khac")
    refused = web.post("/api/v1/dossiers", files=sample_files(), headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403, OTHER_AGENCY


def test_a_citizen_sees_no_dossier_and_a_reviewer_cannot_submit(service: Service, submitted: dict[str, Any]) -> None:
    citizen, _ = as_user(service, "cong.dan")
    assert citizen.get(f"/api/v1/dossiers/{submitted['code']}").status_code == 403
    reviewer, csrf = as_user(service, "kiem.tra")
    assert reviewer.post("/api/v1/dossiers", files=sample_files(), headers={"X-CSRF-Token": csrf}).status_code == 403


def test_public_status_needs_the_receipt_secret_and_shows_no_personal_data(
    service: Service, submitted: dict[str, Any]
) -> None:
    web = client(service)
    code, secret = submitted["code"], submitted["secret"]
    shown = web.get(f"/api/v1/status/{code}", params={"secret": secret})
    assert shown.status_code == 200 and shown.json()["state"] == "received"
    assert set(shown.json()) == {"code", "state", "label", "received_at", "updated_at", "documents", "pages"}
    assert web.get(f"/api/v1/status/{code}", params={"secret": "0" * 16}).status_code == 404
    page = web.get("/status", params={"code": code, "secret": secret})
    assert page.status_code == 200 and "Đã tiếp nhận" in page.text and 'lang="vi"' in page.text


def test_tokens_are_scoped_revocable_and_bad_ones_refused(service: Service, submitted: dict[str, Any]) -> None:
    token = service.token_create("le.tan", ["read"], days=1, name="test", by="test")
    api = client(service)
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get(f"/api/v1/dossiers/{submitted['code']}", headers=bearer).status_code == 200
    assert api.post("/api/v1/dossiers", files=sample_files(), headers=bearer).status_code == 403  # no submit scope
    assert api.get("/api/v1/dossiers/today", headers={"Authorization": "Bearer sohoa_nope"}).status_code == 401
    with pytest.raises(Exception, match="phạm vi"):
        service.token_create("kiem.tra", ["submit"], days=1, name="x", by="test")  # a reviewer has no submit


def test_a_disabled_user_loses_sessions_and_tokens(tmp_path: Path) -> None:
    svc = make_service(tmp_path / "data")
    web, _ = as_user(svc, "le.tan")
    token = svc.token_create("le.tan", ["read"], days=1, name="t", by="test")
    svc.users_disable("le.tan", by="test")
    assert web.get("/api/v1/dossiers/today").status_code == 401
    assert client(svc).get("/api/v1/dossiers/today", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    svc.close()


def test_bad_input_is_400_and_a_malformed_request_422(service: Service) -> None:
    web, csrf = as_user(service, "le.tan")
    junk = web.post("/api/v1/check", files=[("files", ("a.pdf", b"not a pdf", "application/pdf"))],
                    headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert junk.status_code == 400 and junk.json()["error"]["code"] != "internal"
    assert web.post("/api/v1/check", headers={"X-CSRF-Token": csrf}).status_code == 422


def test_audit_verify_is_for_admins(service: Service) -> None:
    admin, _ = as_user(service, "quan.tri")
    assert admin.get("/api/v1/audit/verify").json()["ok"] is True
    clerk, _ = as_user(service, "le.tan")
    assert clerk.get("/api/v1/audit/verify").status_code == 403


@pytest.mark.slow
def test_results_only_for_their_owner_and_their_agency(service: Service, processed: dict[str, Any]) -> None:
    citizen, _ = as_user(service, "cong.dan")
    mine = citizen.get("/api/v1/results", params={"personal_id": CITIZEN_ID})
    assert mine.status_code == 200 and mine.json(), "the applicant's form holds their ID"
    code = mine.json()[0]["code"]
    assert citizen.get(f"/api/v1/results/{code}").status_code == 200
    pdf = citizen.get(f"/api/v1/results/{code}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    other, _ = as_user(service, "cong.dan.khac")
    assert other.get(f"/api/v1/results/{code}").status_code == 403
    assert other.get(f"/api/v1/results/{code}/pdf").status_code == 403
    assert other.get("/api/v1/results", params={"personal_id": CITIZEN_ID}).status_code == 403
    foreign, _ = as_user(service, "le.tan.khac")
    assert foreign.get(f"/api/v1/results/{code}").status_code == 403
    assert foreign.get("/api/v1/results", params={"personal_id": CITIZEN_ID}).json() == []
    reads = [e for e in service.audit_log(subject=code, limit=1000) if e.actor == "user:cong.dan"]
    assert reads, "the citizen's reads are in the audit log under their name"


@pytest.mark.slow
def test_a_reviewer_corrects_but_only_an_approver_approves(service: Service, processed: dict[str, Any]) -> None:
    result = processed["documents"][0]
    reviewer, csrf = as_user(service, "kiem.tra")
    shown = reviewer.get(f"/api/v1/results/{result}").json()
    field = next(iter(shown["fields"]))
    value = shown["fields"][field]
    value = (value[0] if isinstance(value, list) else value)["value"] or "x"
    target = field if not isinstance(shown["fields"][field], list) else f"{field}.0"
    url = f"/api/v1/review/{result}/fields/{target}"
    put = reviewer.put(url, json={"value": value}, headers={"X-CSRF-Token": csrf})
    assert put.status_code in (200, 400), put.text  # 400 only when the result is published (closed)
    assert reviewer.post(f"/api/v1/review/{result}/approve", headers={"X-CSRF-Token": csrf}).status_code == 403
    token = service.token_create("kiem.tra", ["review"], days=1, name="t", by="test")
    bearer = {"Authorization": f"Bearer {token}"}
    assert client(service).post(f"/api/v1/review/{result}/approve", headers=bearer).status_code == 403
    approver, csrf = as_user(service, "phe.duyet")
    approved = approver.post(f"/api/v1/review/{result}/approve", json={"force": True}, headers={"X-CSRF-Token": csrf})
    assert approved.status_code == 200, approved.text
    assert approved.json()["dossier_state"] in ("approved", "published", "needs_review")


@pytest.mark.slow
def test_verify_reports_a_signed_result_and_keeps_nothing(service: Service, processed: dict[str, Any]) -> None:
    citizen, _ = as_user(service, "cong.dan")
    code = citizen.get("/api/v1/results", params={"personal_id": CITIZEN_ID}).json()[0]["code"]
    pdf = citizen.get(f"/api/v1/results/{code}/pdf").content
    uploads = service.settings.data_dir / "uploads"
    checked = client(service).post("/api/v1/verify", files={"file": ("x.pdf", pdf, "application/pdf")})
    assert checked.status_code == 200, checked.text
    report = checked.json()
    assert report["signatures"] and report["signatures"][0]["intact"] is True
    assert not any(uploads.iterdir())
    tampered = pdf.replace(b"/Type /Catalog", b"/Type  /Catalog", 1)
    broken = client(service).post("/api/v1/verify", files={"file": ("x.pdf", tampered, "application/pdf")})
    assert broken.status_code in (200, 400) and broken.json().get("ok") is not True
