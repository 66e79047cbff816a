"""A citizen's own results page from the outside: only results carrying their personal ID, the signed PDF
whose sha256 the page shows, and who used the result (a reviewer's read from the audit log).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from seed_results import decision_fields, seed_dossier
from web_helpers import CITIZEN_ID, client, login, make_service

from workers.reuse_codes import BadReuseCode, redeem
from workers.service import Service


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    svc = make_service(tmp_path_factory.mktemp("citizen") / "data")
    yield svc
    svc.close()


def test_a_citizen_sees_their_results_the_hash_and_who_used_them(service: Service) -> None:
    _, (mine,) = seed_dossier(service.ctx.engine, "own", [decision_fields(personal_id=CITIZEN_ID)],
                              store=service.ctx.store)  # fmt: skip
    _, (theirs,) = seed_dossier(service.ctx.engine, "not-own", [decision_fields()], store=service.ctx.store)
    staff = client(service)
    csrf = login(staff, "kiem.tra")
    assert staff.get(f"/api/v1/results/{mine}", headers={"X-CSRF-Token": csrf}).status_code == 200

    citizen = client(service)
    login(citizen, "cong.dan")
    assert citizen.get("/", follow_redirects=False).headers["location"] == "/my"
    page = citizen.get("/my")
    assert page.status_code == 200, page.text
    assert mine in page.text and theirs not in page.text
    shown = re.search(r'<code class="hash">([0-9a-f]{64})</code>', page.text).group(1)
    pdf = citizen.get(f"/api/v1/results/{mine}/pdf")
    assert pdf.status_code == 200 and hashlib.sha256(pdf.content).hexdigest() == shown
    uses = page.text[page.text.index("Ai đã sử dụng") :]
    assert "user:kiem.tra" in uses and "Xem / tải kết quả" in uses
    assert "user:cong.dan" not in uses  # their own reads are not "uses"

    other = client(service)
    login(other, "cong.dan.khac")
    assert mine not in other.get("/my").text
    assert other.get(f"/api/v1/results/{mine}/pdf").status_code == 403
    assert staff.get("/my").status_code == 403


def test_a_reuse_code_from_the_citizen_page_attaches_the_result_at_the_desk(service: Service) -> None:
    _, (mine,) = seed_dossier(service.ctx.engine, "reuse-own", [decision_fields(personal_id=CITIZEN_ID)],
                              store=service.ctx.store)  # fmt: skip
    later, _ = seed_dossier(service.ctx.engine, "reuse-later", [decision_fields()])
    citizen = client(service)
    citizen_csrf = {"X-CSRF-Token": login(citizen, "cong.dan")}
    page = citizen.get("/my").text
    code = re.search(rf'<code class="reuse-code" id="reuse-\d+">({re.escape(mine)}\.[0-9A-F]{{6}})</code>', page)
    assert code, page
    desk = client(service)
    csrf = {"X-CSRF-Token": login(desk, "le.tan")}
    url = f"/api/v1/dossiers/{later}/reuse"
    wrong = code.group(1)[:-1] + ("0" if code.group(1)[-1] != "0" else "1")
    refused = desk.post(url, json={"reuse_code": wrong}, headers=csrf)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "bad_reuse_code"
    done = desk.post(url, json={"reuse_code": code.group(1).lower()}, headers=csrf)  # typed in lower case
    assert done.status_code == 200, done.text
    assert done.json()["result"] == mine and done.json()["attached"] and mine in done.json()["reused"]
    assert citizen.post(url, json={"reuse_code": code.group(1)}, headers=citizen_csrf).status_code == 403
    assert redeem(service.ctx, code.group(1), now=datetime.now(UTC) + timedelta(days=1)) == mine  # tomorrow too
    with pytest.raises(BadReuseCode):
        redeem(service.ctx, code.group(1), now=datetime.now(UTC) + timedelta(days=2))  # then it lapses
