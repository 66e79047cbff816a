"""The reviewer's queue and workbench from the outside: order, agency walls, the audited page image, and two
reviewers saving the same field (the second gets 409, not a silent overwrite).

Results are seeded through the repository as the store stage writes them (no OCR), their page images put in
the real object store; every request goes through the app with a logged-in session.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont
from seed_results import AGENCY, decision_fields, seed_dossier, sure_fields
from sqlalchemy import select, update
from web_helpers import OTHER_AGENCY, PASSWORD, client, login, make_service

from pipeline.models import FieldValue
from storage import keys
from storage.db import session_scope
from storage.tables import DocumentRow, PageRow, utcnow
from workers.claims import CLAIM_MINUTES, take
from workers.dossiers import AGENCY_TZ
from workers.review_queue import approved_today
from workers.service import Service

PAGE_SIZE = (1240, 1754)  # an A4 page at 150 dpi, the unit the seeded boxes are measured in


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    svc = make_service(tmp_path_factory.mktemp("workbench") / "data")
    svc.users_add("kiem.tra.khac", PASSWORD, roles=["reviewer"], agency=OTHER_AGENCY, by="test")
    svc.users_add("kiem.tra.hai", PASSWORD, roles=["reviewer"], by="test")
    yield svc
    svc.close()


def seeded(service: Service, token: str, fields: dict[str, Any], first: Image.Image | None = None) -> str:
    """One waiting result whose dossier's two page images (white, or ``first`` for page 1) are in the store."""
    dossier, (result,) = seed_dossier(service.ctx.engine, token, [fields])
    for number in (1, 2):
        out = io.BytesIO()
        (first if first and number == 1 else Image.new("RGB", PAGE_SIZE, "white")).save(out, "JPEG", quality=90)
        service.ctx.store.put_bytes(keys.page_image_key(dossier, number), out.getvalue(), content_type="image/jpeg")
    return result


def session(service: Service, name: str) -> tuple[Any, dict[str, str]]:
    web = client(service)
    return web, {"X-CSRF-Token": login(web, name)}


def disagreeing() -> dict[str, Any]:
    reading = FieldValue("45/TB-UBND", "45/T8-UBND", 0.8, 1, (100, 100, 300, 140), "needs_review",
                         ["second_reading_differs"])  # fmt: skip
    return {"number_symbol": reading}


def test_the_queue_puts_a_validator_failure_before_readings_that_disagree(service: Service) -> None:
    second = seeded(service, "q-disagree", disagreeing())
    first = seeded(service, "q-checksum", decision_fields(personal_id="001203004567"))
    web, _ = session(service, "kiem.tra")
    page = web.get("/review")
    assert page.status_code == 200
    order = re.findall(r'href="/review/([^"]+)"', page.text)
    assert order.index(first) < order.index(second)
    assert "Sai quy tắc kiểm tra" in page.text and "Hai lần đọc khác nhau" in page.text
    assert re.search(r"Còn chờ: <strong>(\d+)</strong>", page.text).group(1) == str(len(order))
    other, _ = session(service, "kiem.tra.khac")
    assert not re.findall(r'href="/review/([^"/]+)"', other.get("/review").text)  # another agency sees none
    readers = {
        e.actor for code in (first, second) for e in service.audit_log(subject=code) if e.action == "result.read"
    }
    assert readers.isdisjoint({"user:kiem.tra", "user:kiem.tra.khac"})  # the queue shows no value: no read


def test_the_workbench_draws_each_box_over_the_page_at_the_image_size(service: Service) -> None:
    result = seeded(service, "wb-boxes", decision_fields())
    web, _ = session(service, "kiem.tra")
    page = web.get(f"/review/{result}")
    assert page.status_code == 200, page.text
    width, height = PAGE_SIZE
    assert f'viewBox="0 0 {width} {height}"' in page.text
    box = re.search(r'<rect class="box status-needs_review" data-ref="personal_id" x="(\d+)" y="(\d+)" '
                    r'width="(\d+)" height="(\d+)"', page.text)  # fmt: skip
    assert box and tuple(map(int, box.groups())) == (10, 20, 20, 20)  # bbox (10, 20, 30, 40)
    assert "Bản đọc OCR: <q>Nguyen Van Binh</q>" in page.text
    assert "số định danh sai quy tắc" in page.text  # the reason in Vietnamese
    image = web.get(f"/review/{result}/page/1.jpg")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(image.content)).size == PAGE_SIZE
    reads = [e for e in service.audit_log(subject=result) if e.action == "result.read"]
    assert any(e.payload.get("via") == "page_image" and e.payload.get("page") == 1 for e in reads)
    assert web.get(f"/review/{result}/page/7.jpg").status_code == 404


@pytest.mark.parametrize("name", ["kiem.tra.khac", "cong.dan", "le.tan"])
def test_others_get_neither_the_workbench_nor_the_page_image(service: Service, name: str) -> None:
    result = seeded(service, f"wb-walls-{name}", decision_fields())
    web, csrf = session(service, name)
    assert web.get(f"/review/{result}").status_code == 403
    assert web.get(f"/review/{result}/page/1.jpg").status_code == 403
    put = web.put(f"/api/v1/review/{result}/fields/signer_name", json={"value": "X", "seen": 0}, headers=csrf)
    assert put.status_code == 403
    assert web.get("/review/KHONG-CO-01/page/1.jpg").status_code in (403, 404)


def test_a_save_over_a_newer_version_of_the_field_gets_409(service: Service) -> None:
    """The same reviewer in two tabs: the tab that saw the older value cannot overwrite the newer one."""
    result = seeded(service, "wb-conflict", decision_fields())
    one, csrf = session(service, "kiem.tra")
    url = f"/api/v1/review/{result}/fields/signer_name"
    assert 'data-ref="signer_name" data-version="0"' in one.get(f"/review/{result}").text
    listed = next(r for r in one.get("/api/v1/review").json() if r["code"] == result)
    assert {f["field"]: f["version"] for f in listed["needs_review"]}["signer_name"] == 0  # API clients see it too
    first = one.put(url, json={"value": "Nguyễn Văn Bình", "seen": 0}, headers=csrf)
    assert first.status_code == 200, first.text
    late = one.put(url, json={"value": "Nguyễn Văn Bính", "seen": 0}, headers=csrf)
    assert late.status_code == 409, late.text
    assert service.results_show(result, by="test").fields["signer_name"].value == "Nguyễn Văn Bình"
    page = one.get(f"/review/{result}").text
    assert 'data-ref="signer_name" data-version="1"' in page
    again = one.put(url, json={"value": "Nguyễn Văn Bính", "seen": 1}, headers=csrf)
    assert again.status_code == 200, again.text
    assert one.get(f"/review/{result}").text.count("<td>signer_name</td>") == 2  # both saves in the history


def test_a_claimed_result_is_taken_for_others_until_the_claim_expires(service: Service) -> None:
    result = seeded(service, "wb-claim", decision_fields())
    one, csrf1 = session(service, "kiem.tra")
    two, csrf2 = session(service, "kiem.tra.hai")
    assert 'id="claim"' in one.get(f"/review/{result}").text  # opening it takes it
    bench = two.get(f"/review/{result}").text
    assert 'id="taken"' in bench and "Đang được user:kiem.tra kiểm tra" in bench
    row = re.search(rf"/review/{re.escape(result)}\".*?</tr>", two.get("/review").text, re.S).group(0)
    assert "🔒 user:kiem.tra" in row
    url = f"/api/v1/review/{result}/fields/signer_name"
    refused = two.put(url, json={"value": "Nguyễn Văn Bình", "seen": 0}, headers=csrf2)
    assert refused.status_code == 409 and "đang được user:kiem.tra kiểm tra" in refused.json()["error"]["message"]
    assert one.put(url, json={"value": "Nguyễn Văn Bình", "seen": 0}, headers=csrf1).status_code == 200
    later = utcnow() + timedelta(minutes=CLAIM_MINUTES + 1)
    assert take(service.ctx.engine, result, by="user:kiem.tra.hai", now=later).mine  # expired: anyone may take it
    assert not take(service.ctx.engine, result, by="user:kiem.tra", now=later).mine


def test_done_today_counts_the_agency_approvals_of_its_own_day(service: Service) -> None:
    _, (sure,) = seed_dossier(service.ctx.engine, "wb-done", [sure_fields()])
    before = service.review_done_today(AGENCY)
    approver, csrf = session(service, "phe.duyet")
    assert approver.post(f"/api/v1/review/{sure}/approve", headers=csrf).status_code == 200
    assert service.review_done_today(AGENCY) == before + 1
    assert service.review_done_today(OTHER_AGENCY) == 0
    reviewer, _ = session(service, "kiem.tra")
    assert f"Đã duyệt hôm nay: <strong>{before + 1}</strong>" in reviewer.get("/review").text
    tomorrow = datetime.now(AGENCY_TZ) + timedelta(days=1)
    assert approved_today(service.ctx.engine, AGENCY, now=tomorrow) == 0


def test_the_workbench_puts_each_ocr_word_of_the_page_as_a_clickable_box(service: Service) -> None:
    result = seeded(service, "wb-words", decision_fields())
    words = [["Nguyễn", [400, 500, 520, 540], 0.9, 0, 0], ["Văn", [530, 500, 600, 540], 0.9, 0, 0]]
    with session_scope(service.ctx.engine) as s:
        dossier_id = s.scalar(select(DocumentRow.dossier_id).where(DocumentRow.code == result))
        row = s.scalar(select(PageRow).where(PageRow.dossier_id == dossier_id, PageRow.number == 1))
        row.result = {"words": words}
    web, _ = session(service, "kiem.tra")
    page = web.get(f"/review/{result}").text
    drawn = re.findall(r'<rect class="word" data-text="([^"]+)" x="(\d+)" y="(\d+)" width="(\d+)"', page)
    assert drawn == [("Nguyễn", "400", "500", "120"), ("Văn", "530", "500", "70")]
    reads = [e for e in service.audit_log(subject=result) if e.action == "result.read"]
    assert any(e.payload.get("via") == "workbench" and e.payload.get("words") == 2 for e in reads)


def test_a_region_the_reviewer_draws_is_read_again_and_the_read_recorded(service: Service) -> None:
    """Real Tesseract on a stored page with text written into it; nothing is saved by reading."""
    image = Image.new("RGB", PAGE_SIZE, "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 32)
    ImageDraw.Draw(image).text((300, 600), "Nguyễn Văn Bình", fill="black", font=font)
    result = seeded(service, "wb-reread", decision_fields(), first=image)
    web, csrf = session(service, "kiem.tra")
    url = f"/api/v1/review/{result}/reread"
    read = web.post(url, json={"page": 1, "bbox": [290, 590, 620, 650]}, headers=csrf)
    assert read.status_code == 200, read.text
    assert read.json()["text"] == "Nguyễn Văn Bình" and read.json()["confidence"] > 0.5
    assert service.results_show(result, by="test").fields["signer_name"].value != "Nguyễn Văn Bình"
    reads = [e.payload for e in service.audit_log(subject=result) if e.action == "result.read"]
    assert {"via": "reread", "page": 1, "bbox": [290, 590, 620, 650]} in reads
    outside = web.post(url, json={"page": 1, "bbox": [1200, 10, 1300, 60]}, headers=csrf)
    assert outside.status_code == 400 and outside.json()["error"]["code"] == "bad_region"
    assert web.post(url, json={"page": 9, "bbox": [0, 0, 50, 50]}, headers=csrf).status_code == 404
    other, other_csrf = session(service, "kiem.tra.khac")
    assert other.post(url, json={"page": 1, "bbox": [290, 590, 620, 650]}, headers=other_csrf).status_code == 403


def test_previous_and_next_stay_inside_the_filtered_queue(service: Service) -> None:
    first, middle, last = (seeded(service, f"wb-nav-{i}", decision_fields()) for i in range(3))
    with session_scope(service.ctx.engine) as s:
        s.execute(update(DocumentRow).where(DocumentRow.code.in_([first, last])).values(type="residence_confirmation"))
    web, _ = session(service, "kiem.tra")
    queue = web.get("/review?type=residence_confirmation").text
    assert re.findall(r'href="/review/([^"?]+)\?type=residence_confirmation"', queue) == [first, last]
    bench = web.get(f"/review/{first}?type=residence_confirmation").text
    assert 'id="prev"' not in bench
    assert f'href="/review/{last}?type=residence_confirmation" id="next"' in bench  # the middle one is skipped
    bench = web.get(f"/review/{last}?type=residence_confirmation").text
    assert f'href="/review/{first}?type=residence_confirmation" id="prev"' in bench
    assert f'data-next="{first}" data-filter="?type=residence_confirmation"' in bench  # past the end: the top
    assert middle not in bench


def test_confirm_all_approves_doubtful_fields_as_read_but_never_one_that_breaks_a_rule(service: Service) -> None:
    broken = seeded(service, "all-broken", decision_fields())  # its personal ID fails the checksum
    doubtful = seeded(service, "all-doubtful", disagreeing())  # two readings differ: a person may accept it
    web, headers = session(service, "phe.duyet")
    page = web.get(f"/review/{broken}").text
    assert re.search(r'data-ref="personal_id"[^>]*data-breaks-rule', page)
    assert not re.search(r'data-ref="signer_name"[^>]*data-breaks-rule', page)

    refused = web.post(f"/api/v1/review/{broken}/approve", json={"force": True}, headers=headers)
    assert refused.status_code == 400, refused.text
    assert "personal_id" in refused.json()["error"]["message"]
    with session_scope(service.ctx.engine) as s:
        assert s.scalar(select(DocumentRow.approved_at).where(DocumentRow.code == broken)) is None

    done = web.post(f"/api/v1/review/{doubtful}/approve", json={"force": True}, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["forced"] == ["number_symbol"]
    [entry] = [e for e in service.audit_log(subject=doubtful) if e.action == "result.approved"]
    assert entry.actor == "user:phe.duyet" and entry.payload["unreviewed"] == ["number_symbol"]
