"""The review queue's due-date order, its procedure and agency filters, and a supervisor's reach, from the outside.

Results are seeded through the repository (no OCR), their dossiers' ``due_on`` and ``procedure`` set directly as
reception records them; oversight is granted with the real ``sohoa users oversee`` command. Every request goes
through the app with a logged-in session.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from seed_results import AGENCY, decision_fields, seed_dossier
from sqlalchemy import update
from test_web_workbench import seeded, session
from typer.testing import CliRunner
from web_helpers import PASSWORD, make_service

from sohoa.cli import app
from storage import keys
from storage.db import session_scope
from storage.tables import DossierRow
from workers.review_queue import agency_today, approved_today, queue_of
from workers.service import Service

OVERSEEN = "000.00.31.H41"  # agency A: overseen by the supervisor, whose own agency is AGENCY (B)
LINK = re.compile(r'href="/review/([^"?/]+)(?:\?[^"]*)?"><code>')


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("review-filters") / "data"


@pytest.fixture(scope="module")
def service(data: Path) -> Any:
    svc = make_service(data)
    svc.users_add("giam.sat", PASSWORD, roles=["reviewer", "approver"], by="test")
    svc.users_add("kiem.tra.a", PASSWORD, roles=["reviewer"], agency=OVERSEEN, by="test")
    yield svc
    svc.close()


def seeded_in(service: Service, token: str, agency: str) -> str:
    """One waiting result of ``agency`` whose dossier's two page images (white) are in the store."""
    dossier, (result,) = seed_dossier(service.ctx.engine, token, [decision_fields()], agency=agency)
    out = io.BytesIO()
    Image.new("RGB", (620, 877), "white").save(out, "JPEG")
    for number in (1, 2):
        service.ctx.store.put_bytes(keys.page_image_key(dossier, number), out.getvalue(), content_type="image/jpeg")
    return result


def dossier_of(result: str) -> str:
    return result.rsplit("-", 1)[0]


def set_dossier(service: Service, result: str, **values: Any) -> None:
    """Record what reception would have: the procedure and the due date (ngày hẹn trả)."""
    with session_scope(service.ctx.engine) as s:
        s.execute(update(DossierRow).where(DossierRow.code == dossier_of(result)).values(**values))


def queue_codes(web: Any, query: str = "") -> list[str]:
    page = web.get(f"/review{query}")
    assert page.status_code == 200, page.text
    return LINK.findall(page.text)


def test_the_queue_orders_by_due_date_first_and_marks_overdue_and_today_in_words(service: Service) -> None:
    today = agency_today()
    risky_later = seeded(service, "due-later", decision_fields(personal_id="001203004567"))  # validator failure
    calm_overdue = seeded(service, "due-overdue", {"signer_name": decision_fields()["signer_name"]})
    calm_today = seeded(service, "due-today", {"signer_name": decision_fields()["signer_name"]})
    undated = seeded(service, "due-none", decision_fields())
    set_dossier(service, risky_later, due_on=today + timedelta(days=5))
    set_dossier(service, calm_overdue, due_on=today - timedelta(days=2))
    set_dossier(service, calm_today, due_on=today)
    web, _ = session(service, "kiem.tra")
    order = [c for c in queue_codes(web) if c in {risky_later, calm_overdue, calm_today, undated}]
    assert order == [calm_overdue, calm_today, risky_later, undated]  # risk comes only after the due date
    page = web.get("/review").text
    row = lambda code: re.search(rf"/review/{re.escape(code)}\".*?</tr>", page, re.S).group(0)  # noqa: E731
    overdue = row(calm_overdue)
    assert f"{today - timedelta(days=2):%d/%m/%Y}" in overdue and "Quá hạn" in overdue and "⌛" in overdue
    assert "Hôm nay" in row(calm_today) and "Quá hạn" not in row(calm_today)
    assert "Quá hạn" not in row(risky_later) and "Hôm nay" not in row(risky_later)
    assert "Chưa có" in row(undated)


def test_the_procedure_filter_lists_catalogue_names_and_keeps_prev_next_inside(service: Service) -> None:
    one, other, two = (seeded(service, f"proc-{i}", decision_fields()) for i in range(3))
    for code in (one, two):
        set_dossier(service, code, procedure="1.004222", due_on=date(2030, 1, 1))
    set_dossier(service, other, procedure="1.001193", due_on=date(2030, 1, 1))
    web, _ = session(service, "kiem.tra")
    page = web.get("/review").text
    assert '<option value="1.004222">1.004222 – Đăng ký tạm trú</option>' in page
    assert '<option value="1.001193">1.001193 – Đăng ký khai sinh</option>' in page
    assert queue_codes(web, "?procedure=1.004222") == [one, two]
    bench = web.get(f"/review/{one}?procedure=1.004222").text
    assert f'href="/review/{two}?procedure=1.004222" id="next"' in bench and other not in bench
    both = web.get("/review?procedure=1.004222&type=residence_confirmation").text
    assert not LINK.findall(both)  # filters combine: no decision is a residence confirmation


def test_a_supervisor_overseeing_another_agency_sees_and_approves_both_queues(service: Service, data: Path) -> None:
    mine = seeded(service, "sup-mine", decision_fields())
    theirs = seeded_in(service, "sup-theirs", OVERSEEN)
    boss, csrf = session(service, "giam.sat")
    assert theirs not in queue_codes(boss)  # nothing granted yet
    assert boss.get(f"/review/{theirs}").status_code == 403
    done = CliRunner().invoke(app, ["users", "oversee", "giam.sat", OVERSEEN, "--by", "test"],
                              env={"SOHOA_DATA_DIR": str(data)}, catch_exceptions=False)  # fmt: skip
    assert done.exit_code == 0, done.output
    listed = CliRunner().invoke(app, ["users", "list", "--json"], env={"SOHOA_DATA_DIR": str(data)})
    assert next(u for u in json.loads(listed.stdout) if u["username"] == "giam.sat")["oversees"] == [OVERSEEN]
    granted = [e for e in service.audit_log(subject="user:giam.sat") if e.action == "user.oversight"]
    assert granted[-1].actor == "test" and granted[-1].payload["after"] == [OVERSEEN]

    every = queue_codes(boss)
    assert mine in every and theirs in every
    assert queue_codes(boss, f"?agency={OVERSEEN}") == [
        c for c in every if c.startswith(OVERSEEN)
    ]  # only A's, in the same order
    assert mine not in queue_codes(boss, f"?agency={OVERSEEN}")
    assert boss.get(f"/review/{theirs}?agency={OVERSEEN}").status_code == 200
    assert boss.get(f"/review/{theirs}/page/1.jpg").status_code == 200
    url = f"/api/v1/review/{theirs}"
    for field in ("signer_name", "personal_id"):
        assert boss.put(f"{url}/fields/{field}", json={"value": "x" if field == "signer_name" else "001203004568",
                                                        "seen": 0}, headers=csrf).status_code == 200  # fmt: skip
    assert boss.post(f"{url}/approve", headers=csrf).status_code == 200
    approvals = [e.actor for e in service.audit_log(subject=theirs) if e.action == "result.approved"]
    assert approvals == ["user:giam.sat"]
    assert theirs not in queue_codes(boss)  # approved: it has left the queue

    cleared = CliRunner().invoke(app, ["users", "oversee", "giam.sat", "--clear", "--by", "test"],
                                 env={"SOHOA_DATA_DIR": str(data)}, catch_exceptions=False)  # fmt: skip
    assert cleared.exit_code == 0, cleared.output
    assert boss.get(f"/review?agency={OVERSEEN}").status_code == 403


def test_a_reviewer_reaches_no_other_agency_by_the_url(service: Service) -> None:
    theirs = seeded_in(service, "wall-theirs", OVERSEEN)
    web, csrf = session(service, "kiem.tra")  # a reviewer of AGENCY, overseeing nothing
    assert web.get(f"/review?agency={OVERSEEN}").status_code == 403
    assert web.get(f"/review/{theirs}").status_code == 403
    assert web.get(f"/review/{theirs}/page/1.jpg").status_code == 403
    put = web.put(f"/api/v1/review/{theirs}/fields/signer_name", json={"value": "X", "seen": 0}, headers=csrf)
    assert put.status_code == 403
    assert theirs not in [r["code"] for r in web.get("/api/v1/review").json()]
    approver, approver_csrf = session(service, "phe.duyet")
    assert approver.post(f"/api/v1/review/{theirs}/approve", headers=approver_csrf).status_code == 403
    own, _ = session(service, "kiem.tra.a")  # A's own reviewer does see it, and no filter of B's
    assert theirs in queue_codes(own)
    assert own.get(f"/review?agency={AGENCY}").status_code == 403


def test_oversight_is_refused_to_a_clerk_and_for_a_malformed_code(service: Service, data: Path) -> None:
    from sohoa.errors import BadInput

    refused = CliRunner().invoke(app, ["users", "oversee", "le.tan", OVERSEEN], env={"SOHOA_DATA_DIR": str(data)})
    assert refused.exit_code == 2 and "không có vai trò kiểm tra" in refused.stderr
    assert CliRunner().invoke(app, ["users", "oversee", "le.tan"], env={"SOHOA_DATA_DIR": str(data)}).exit_code == 2
    with pytest.raises(BadInput):
        service.users_oversee("le.tan", [OVERSEEN], by="test")
    with pytest.raises(BadInput):
        service.users_oversee("giam.sat", ["<script>"], by="test")
    assert service.users_oversee("giam.sat", [AGENCY], by="test").oversees == []  # one's own agency is not extra


def test_the_queue_query_orders_and_scopes_the_same_on_each_database(engine: Any) -> None:
    """``queue_of`` straight on SQLite and PostgreSQL: due date (none last), then risk; only the agencies asked."""
    rows = [("db-late-risky", AGENCY, date(2030, 1, 9), "001203004567"), ("db-soon", AGENCY, date(2030, 1, 2), None),
            ("db-undated", AGENCY, None, None), ("db-other", OVERSEEN, date(2030, 1, 1), None)]  # fmt: skip
    made = {}
    for token, agency, due, bad_id in rows:
        fields = decision_fields(personal_id=bad_id) if bad_id else {"signer_name": decision_fields()["signer_name"]}
        dossier, (code,) = seed_dossier(engine, token, [fields], agency=agency)
        with session_scope(engine) as s:
            s.execute(update(DossierRow).where(DossierRow.code == dossier).values(due_on=due, procedure="1.004222"))
        made[token] = code
    mine = queue_of(engine, [AGENCY])
    assert [q.code for q in mine] == [made["db-soon"], made["db-late-risky"], made["db-undated"]]
    both = queue_of(engine, [AGENCY, OVERSEEN])
    assert both[0].code == made["db-other"] and {q.agency for q in both} == {AGENCY, OVERSEEN}
    assert both[0].procedure == "1.004222" and both[0].due_state(date(2030, 1, 2)) == "overdue"
    assert approved_today(engine, [AGENCY, OVERSEEN]) == 0
