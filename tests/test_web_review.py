"""Rejecting a result with a reason, from the outside: who may, what it needs, where the dossier goes.

Results are seeded through the repository as the store stage writes them (no OCR), in a real app over a
real data folder; the reviewer acts through the HTTP API with their session and its CSRF token.
"""

from __future__ import annotations

from typing import Any

import pytest
from seed_results import DAY, decision_fields, seed_dossier, sure_fields
from web_helpers import client, login, make_service

from storage.db import session_scope
from storage.repository import get_dossier, set_state
from workers.desk import todays_dossiers
from workers.service import Service


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    svc = make_service(tmp_path_factory.mktemp("review") / "data")
    yield svc
    svc.close()


def reviewer(service: Service, name: str = "kiem.tra") -> tuple[Any, dict[str, str]]:
    web = client(service)
    return web, {"X-CSRF-Token": login(web, name)}


def test_a_reviewer_rejects_with_a_reason_and_the_dossier_goes_back_to_the_desk(service: Service) -> None:
    dossier, (doubtful, sure) = seed_dossier(service.ctx.engine, "r1", [decision_fields(), sure_fields()])
    web, csrf = reviewer(service)
    assert web.post(f"/api/v1/review/{sure}/approve", headers=csrf).status_code == 403  # only approvers approve
    approver, acsrf = reviewer(service, "phe.duyet")
    assert approver.post(f"/api/v1/review/{sure}/approve", headers=acsrf).status_code == 200
    reason = "Trang 2 bị mờ, không đọc được số định danh"
    done = web.post(f"/api/v1/review/{doubtful}/reject", json={"reason": reason}, headers=csrf)
    assert done.status_code == 200, done.text
    assert done.json() | {"withdrawn": sorted(done.json()["withdrawn"])} == {
        "result": doubtful,
        "dossier": dossier,
        "dossier_state": "rejected",
        "reason": reason,
        "withdrawn": [sure],
    }
    status = web.get(f"/api/v1/dossiers/{dossier}", headers=csrf).json()
    assert status["state"] == "rejected" and reason in status["reason"]
    listed = {d["code"]: d for d in todays_dossiers(service.ctx, service.settings.agency_code, DAY)}
    assert reason in listed[dossier]["reason"], "the desk sees what to scan again"
    assert approver.post(f"/api/v1/review/{sure}/approve", headers=acsrf).status_code == 400  # nothing to approve
    assert doubtful not in str(web.get("/api/v1/review").json())
    entry = next(e for e in service.audit_log(subject=doubtful) if e.action == "result.rejected")
    assert entry.actor == "user:kiem.tra" and entry.payload["dossier"] == dossier
    assert "mờ" not in str(entry.payload), "the reason may name people: the log keeps only its keyed digest"
    assert service.audit_verify().ok


def test_a_reason_is_required_and_a_rejected_result_is_not_rejected_again(service: Service) -> None:
    _, (result,) = seed_dossier(service.ctx.engine, "r2", [decision_fields()])
    web, csrf = reviewer(service)
    url = f"/api/v1/review/{result}/reject"
    assert web.post(url, json={}, headers=csrf).status_code == 422
    assert web.post(url, json={"reason": ""}, headers=csrf).status_code == 422
    blank = web.post(url, json={"reason": "   "}, headers=csrf)
    assert blank.status_code == 400 and blank.json()["error"]["code"] == "bad_input"
    assert web.post(url, json={"reason": "x" * 1001}, headers=csrf).status_code == 422
    assert web.post(url, json={"reason": "mờ"}).status_code == 403  # a session without its CSRF token
    assert web.post(url, json={"reason": "mờ"}, headers=csrf).status_code == 200
    again = web.post(url, json={"reason": "mờ"}, headers=csrf)
    assert again.status_code == 400 and again.json()["error"]["code"] == "review_refused"


def test_only_reviewers_of_the_results_agency_may_reject(service: Service) -> None:
    _, (result,) = seed_dossier(service.ctx.engine, "r3", [decision_fields()])
    url = f"/api/v1/review/{result}/reject"
    for name in ("le.tan", "le.tan.khac", "cong.dan"):
        web, csrf = reviewer(service, name)
        assert web.post(url, json={"reason": "mờ"}, headers=csrf).status_code == 403, name
    service.users_add("kiem.tra.khac", "mat-khau-thu-nghiem", roles=["reviewer"], agency="000.00.99.H99", by="test")
    foreign, csrf = reviewer(service, "kiem.tra.khac")
    assert foreign.post(url, json={"reason": "mờ"}, headers=csrf).status_code == 403
    unknown = foreign.post(f"{url[: -len('/reject')]}-99/reject", json={"reason": "mờ"}, headers=csrf)
    assert unknown.status_code == 404
    reading = service.token_create("kiem.tra", ["read"], days=1, name="t", by="test")
    bearer = {"Authorization": f"Bearer {reading}"}
    assert client(service).post(url, json={"reason": "mờ"}, headers=bearer).status_code == 403  # no review scope
    assert service.status(result.rsplit("-", 1)[0])["state"] == "needs_review"


def test_a_published_result_cannot_be_rejected(service: Service) -> None:
    dossier, (result,) = seed_dossier(service.ctx.engine, "r4", [sure_fields()], state="approved")
    with session_scope(service.ctx.engine) as s:
        set_state(s, get_dossier(s, dossier), "published")
    web, csrf = reviewer(service)
    refused = web.post(f"/api/v1/review/{result}/reject", json={"reason": "mờ"}, headers=csrf)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "review_refused"
