"""The reviewer's workbench in a real Chromium: by keyboard alone a reviewer corrects one field, confirms the
other, approves; the published PDF verifies with the corrected value embedded. axe-core finds no WCAG A/AA
violation on the queue or the workbench; screenshots at 1366x768 go to docs/screenshots/.

The result is seeded as the store stage writes it, with a really signed PDF (the test PKI) and page images
carrying the values at their boxes, so the picture is the one a reviewer would see.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import launch_chromium, log_in, pki_service, serve
from PIL import Image, ImageDraw, ImageFont
from seed_results import AGENCY, decision_fields, seed_dossier
from sqlalchemy import update
from test_signing_publish import _published_pdf, _stored_result
from test_web_browser import CHROMIUM, new_page, no_violations
from testpki import PkiServer
from web_helpers import PASSWORD

from signing.approval import read_embedded_fields
from storage import keys
from storage.db import session_scope
from storage.tables import DocumentRow, DossierRow, FieldRow
from workers.results import show_result
from workers.review_queue import agency_today

OWNER_ID = "001203004567"  # the personal ID in the seeded decision
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAGE = (1240, 1754)
TEXT = {1: [((100, 200), "Số: 123/QĐ-UBND"), ((10, 20), "001203004567")], 2: [((500, 900), "Nguyễn Văn Bính")]}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def page_jpeg(number: int, size: tuple[int, int] = PAGE) -> bytes:
    """A white page with the seeded fields' text written where their boxes are."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 30) if FONT.exists() else ImageFont.load_default()
    draw.text((size[0] // 3, 80), "QUYẾT ĐỊNH", fill="black", font=font)
    for at, text in TEXT.get(number, []):
        draw.text(at, text, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.fixture(scope="module")
def server(pki: PkiServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, str]]:
    """``sohoa serve`` over a data folder holding one signed result waiting for review."""
    data = tmp_path_factory.mktemp("review-browser")
    service = pki_service(pki, data / "data")
    service.users_add("kiem.duyet", PASSWORD, roles=["reviewer", "approver"], by="test")
    service.users_add("chu.so.huu", PASSWORD, roles=["citizen"], personal_id=OWNER_ID, by="test")
    code = _stored_result(service.ctx, pki, data, "browser-review")
    with session_scope(service.ctx.engine) as session:  # a real type, and the ID's box around its printed text
        session.execute(update(DocumentRow).where(DocumentRow.code == code).values(type="decision"))
        session.execute(update(FieldRow).where(FieldRow.key == "personal_id").values(bbox=[10, 20, 240, 58]))
    dossier = show_result(service.ctx.engine, code).dossier
    for number in (1, 2):
        service.ctx.store.put_bytes(keys.page_image_key(dossier, number), page_jpeg(number), content_type="image/jpeg")
    with serve(service) as base:
        yield base, service, code
    service.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


def test_a_reviewer_corrects_confirms_and_approves_by_keyboard(
    server: tuple[str, Any, str], browser: Any, tmp_path: Path
) -> None:
    base, service, code = server
    page = new_page(browser)
    log_in(page, base, "kiem.duyet", "/review")
    page.wait_for_url(f"{base}/review")
    assert code in page.inner_text("#queue")
    no_violations(page, "review-queue")

    page.click(f'a[href="/review/{code}"]')
    page.wait_for_selector("li.field.active")
    signer = page.locator('li.field[data-ref="signer_name"] input.value')
    assert signer.evaluate("e => e === document.activeElement")  # the first unresolved field has the focus
    assert page.locator('rect.box.active[data-ref="signer_name"]').count() == 1  # and its box is highlighted

    keys_pressed = 0
    page.keyboard.press("Control+A")
    page.keyboard.type("Nguyễn Văn Bình")  # what Telex would leave once composed
    composing = "e => e.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', isComposing: true, bubbles: true}))"
    signer.evaluate(composing)  # Enter that ends an IME composition must not save
    time.sleep(0.3)
    assert page.locator('li.field[data-ref="signer_name"]').get_attribute("data-status") == "needs_review"
    page.keyboard.press("Escape")  # cancel: the value read comes back
    assert signer.input_value() == "Nguyễn Văn Bính"
    page.keyboard.press("Control+A")
    page.keyboard.type("Nguyễn Văn Bình")
    page.keyboard.press("Enter")  # correct, and on to the next unresolved field
    pid = page.locator('li.field[data-ref="personal_id"] input.value')
    page.wait_for_function("() => document.activeElement?.closest('li')?.dataset.ref === 'personal_id'")
    assert page.locator('rect.box.active[data-ref="personal_id"]').count() == 1
    assert "Bản đọc OCR" in page.locator('li.field[data-ref="personal_id"]').inner_text()
    no_violations(page, "review-workbench")
    page.keyboard.press("Control+Enter")  # the ID left breaks its checksum: no "confirm all", it is seen alone
    page.wait_for_function("() => document.getElementById('say').textContent.includes('sai quy tắc')")
    assert not page.locator("#confirm-all").evaluate("d => d.open")
    assert pid.evaluate("e => e === document.activeElement")

    for _ in range(4):  # back over the corrected field's three buttons to its input; Tab skips to the unresolved
        page.keyboard.press("Shift+Tab")
    assert signer.evaluate("e => e === document.activeElement")
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.activeElement?.closest('li')?.dataset.ref === 'personal_id'")
    pid.press("Enter")  # confirm it as read
    keys_pressed += 1
    page.wait_for_function("() => document.querySelector('#left strong').textContent === '0'")
    page.keyboard.press("Shift+?")
    assert page.locator("#help").evaluate("d => d.open")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")  # approve: it publishes, and the next result (none: the queue) opens
    keys_pressed += 1
    page.wait_for_url(f"{base}/review", timeout=120_000)
    print(f"keystrokes to confirm a doubtful field and approve: {keys_pressed}")
    assert "Đã duyệt hôm nay: 1" in page.inner_text("#counters")

    view = show_result(service.ctx.engine, code)
    assert view.state == "published"
    pdf = _published_pdf(service.ctx, code, tmp_path)
    embedded = read_embedded_fields(pdf)
    assert embedded is not None and embedded["fields"]["signer_name"] == "Nguyễn Văn Bình"
    assert embedded["approved_by"] == "user:kiem.duyet"  # the actor from the session
    with ThreadPoolExecutor(1) as pool:  # verification runs its own event loop; Playwright's owns this thread
        report = pool.submit(service.verify, [pdf]).result()[str(pdf)]
    assert report["ok"] and report["embedded_fields"]["match"] is True, report

    owner = new_page(browser)
    log_in(owner, base, "chu.so.huu")
    owner.wait_for_url(f"{base}/my")
    text = owner.inner_text("main")
    assert code in text and view.pdf_sha256 in text and "user:kiem.duyet" in text
    no_violations(owner, "citizen-results")


def test_a_reviewer_rejects_from_the_workbench_with_a_reason(server: tuple[str, Any, str], browser: Any) -> None:
    base, service, _ = server
    dossier, (code,) = seed_dossier(service.ctx.engine, "browser-reject", [decision_fields()])
    page = new_page(browser)
    log_in(page, base, "kiem.duyet", f"/review/{code}")
    page.wait_for_selector("li.field.active")
    page.click("details.reject summary")
    page.fill("#reject-reason", "Trang 2 bị mờ, không đọc được họ tên người ký")
    page.click("#reject")
    page.wait_for_url(f"{base}/review")
    status = service.status(dossier)
    assert status["state"] == "rejected" and "Trang 2 bị mờ" in status["reason"]


def test_a_box_drawn_on_the_page_is_read_again_into_the_field(server: tuple[str, Any, str], browser: Any) -> None:
    base, service, _ = server
    dossier, (code,) = seed_dossier(service.ctx.engine, "browser-reread", [decision_fields()])
    for number in (1, 2):
        service.ctx.store.put_bytes(keys.page_image_key(dossier, number), page_jpeg(number), content_type="image/jpeg")
    page = new_page(browser)
    log_in(page, base, "kiem.duyet", f"/review/{code}")
    page.wait_for_selector("li.field.active")
    page.click('li.field[data-ref="signer_name"] button.reread')
    svg = page.locator('svg.page-svg[data-page="1"]')
    svg.evaluate("e => e.closest('.page-pane').scrollTo(0, 0)")  # the page's top left corner in view
    frame = svg.bounding_box()
    scale = frame["width"] / PAGE[0]  # "Số: 123/QĐ-UBND" is written at (100, 200) in image pixels
    at = lambda x, y: (frame["x"] + x * scale, frame["y"] + y * scale)  # noqa: E731
    page.mouse.move(*at(90, 190))
    page.mouse.down()
    page.mouse.move(*at(300, 220))
    page.mouse.move(*at(400, 245))
    page.mouse.up()
    signer = page.locator('li.field[data-ref="signer_name"] input.value')
    page.wait_for_function("() => document.getElementById('say').textContent.startsWith('Đọc lại')", timeout=30_000)
    assert signer.input_value() == "Số: 123/QĐ-UBND"  # the region's text, in place of the value read
    assert page.locator('li.field[data-ref="signer_name"]').get_attribute("data-status") == "needs_review"  # unsaved
    reads = [e.payload for e in service.audit_log(subject=code) if e.action == "result.read"]
    assert any(p.get("via") == "reread" and p.get("page") == 1 for p in reads)


def test_a_supervisor_filters_the_queue_by_agency_and_procedure(server: tuple[str, Any, str], browser: Any) -> None:
    """Due dates shown in words as well as colour, the filters chosen with the keyboard, and no axe violation."""
    base, service, _ = server
    today = agency_today()
    overseen = "000.00.31.H41"
    plan = [(AGENCY, "1.004222", today - timedelta(days=1)), (AGENCY, "1.004222", today),
            (overseen, "1.001193", today + timedelta(days=3)), (AGENCY, "1.001193", None)]  # fmt: skip
    codes = []
    for index, (agency, procedure, due) in enumerate(plan):
        dossier, (code,) = seed_dossier(service.ctx.engine, f"browser-filter-{index}", [decision_fields()],
                                        agency=agency)  # fmt: skip
        with session_scope(service.ctx.engine) as s:
            s.execute(update(DossierRow).where(DossierRow.code == dossier).values(procedure=procedure, due_on=due))
            s.execute(update(DocumentRow).where(DocumentRow.code == code).values(type="decision"))
        codes.append(code)
    service.users_add("giam.sat", PASSWORD, roles=["reviewer", "approver"], by="test")
    service.users_oversee("giam.sat", [overseen], by="test")
    page = new_page(browser)
    log_in(page, base, "giam.sat", "/review")
    page.wait_for_url(f"{base}/review")
    rows = page.locator("#queue tbody tr")
    shown = [rows.nth(i).locator("code").first.inner_text() for i in range(rows.count())]
    assert [c for c in shown if c in codes] == codes  # overdue, today, in 3 days, no due date
    assert "Quá hạn" in rows.nth(shown.index(codes[0])).inner_text()
    assert "Hôm nay" in rows.nth(shown.index(codes[1])).inner_text()
    no_violations(page, "review-queue-filters")
    page.select_option("#procedure", "1.004222")
    page.locator("form.filters button").press("Enter")  # the filter form, by keyboard
    page.wait_for_url("**/review?*procedure=1.004222*")
    assert page.locator("#queue tbody tr").count() == 2
    page.goto(f"{base}/review?agency={overseen}")
    assert [page.locator("#queue tbody tr code").first.inner_text()] == [codes[2]]
