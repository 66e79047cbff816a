"""Issue 15's browser flows beyond one result, in Debian's Chromium: a queue of three worked by keyboard
alone (correct, confirm all, confirm one), two reviewers racing on one field, and a citizen's PDF that
another citizen cannot reach by editing the address.

Results are seeded as the store stage writes them, each with a really signed PDF (the test PKI), so the
published PDFs verify as a citizen's would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import launch_chromium, log_in, pki_service, serve
from seed_results import decision_fields, seed_dossier
from sqlalchemy import update
from test_signing_publish import digitized_pdf, store_signed
from test_web_browser import CHROMIUM, new_page, no_violations
from test_web_review_browser import page_jpeg
from testpki import PkiServer
from web_helpers import CITIZEN_ID, PASSWORD

from pipeline.models import FieldValue
from signing.approval import read_embedded_fields
from storage import keys
from storage.db import session_scope
from storage.tables import DocumentRow
from workers.results import show_result
from workers.service import Service

QUEUE_AGENCY = "000.00.21.H40"  # the queue test's own agency: its queue holds its three results only
RACE_AGENCY = "000.00.22.H40"
# Keys that press a link or button fire "click" too; only a pointer fires pointerdown/mousedown.
POINTER_WATCH = """for (const kind of ["pointerdown", "mousedown"]) addEventListener(kind, () => sessionStorage.setItem(
  "pointer-presses", String(Number(sessionStorage.getItem("pointer-presses") ?? 0) + 1)), true);"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def doubtful_signer() -> dict[str, Any]:
    """A decision whose signer alone is doubtful, for a reason no rule makes certain (so "confirm all" may take it)."""
    fields = decision_fields()
    fields["personal_id"] = FieldValue("001203004567", "001203004567", 0.95, 1, (10, 20, 240, 58))
    return fields


@pytest.fixture(scope="module")
def site(pki: PkiServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Service, Path]]:
    """``sohoa serve`` over a data folder signing with the test PKI; the base URL, the service, a signed PDF."""
    data = tmp_path_factory.mktemp("review-flows")
    service = pki_service(pki, data / "data")
    service.users_add("hang.cho", PASSWORD, roles=["reviewer", "approver"], agency=QUEUE_AGENCY, by="test")
    service.users_add("duyet.mot", PASSWORD, roles=["reviewer"], agency=RACE_AGENCY, by="test")
    service.users_add("duyet.hai", PASSWORD, roles=["reviewer"], agency=RACE_AGENCY, by="test")
    pdf = digitized_pdf(pki, data)
    with serve(service) as base:
        yield base, service, pdf
    service.close()


def signed_result(service: Service, pdf: Path, token: str, fields: dict[str, Any], **seed: Any) -> str:
    """One stored result of ``fields`` with the signed ``pdf`` and page images, typed as a decision."""
    dossier, (code,) = seed_dossier(service.ctx.engine, token, [fields], **seed)
    store_signed(service.ctx, code, pdf)
    with session_scope(service.ctx.engine) as session:
        session.execute(update(DocumentRow).where(DocumentRow.code == code).values(type="decision"))
    for number in (1, 2):
        service.ctx.store.put_bytes(keys.page_image_key(dossier, number), page_jpeg(number), content_type="image/jpeg")
    return code


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


def _focused_field(page: Any) -> str:
    return page.evaluate("() => document.activeElement?.closest('li.field')?.dataset.ref ?? ''")


def _bench_opens(page: Any, base: str, code: str) -> None:
    page.wait_for_url(f"{base}/review/{code}", timeout=120_000)  # approving publishes (signs) first
    page.wait_for_function("() => document.activeElement?.closest('li.field')?.dataset.ref === 'signer_name'")


def test_a_queue_of_three_is_worked_by_keyboard_alone(
    site: tuple[str, Service, Path], browser: Any, tmp_path: Path
) -> None:
    base, service, pdf = site
    seeded = {signed_result(service, pdf, f"queue-{i}", doubtful_signer(), agency=QUEUE_AGENCY) for i in range(3)}
    page = new_page(browser)
    log_in(page, base, "hang.cho", "/review")
    page.context.add_init_script(POINTER_WATCH)  # from here on, every page counts the pointer's presses
    page.reload()
    rows = page.locator("#queue tbody tr code")
    order = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert set(order) == seeded and "Còn chờ: 3" in page.inner_text("#counters")

    for _ in range(40):  # Tab to the first result of the queue, then Enter opens it
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement?.getAttribute('href') ?? ''").startswith("/review/"):
            break
    page.keyboard.press("Enter")
    first, second, third = order
    _bench_opens(page, base, first)
    page.keyboard.press("Control+A")
    page.keyboard.type("Nguyễn Văn Bình")
    page.keyboard.press("Enter")  # saves the correction
    page.wait_for_function("() => document.querySelector('#left strong').textContent === '0'")
    page.keyboard.press("Control+Enter")  # approves; the next result opens by itself

    _bench_opens(page, base, second)
    page.keyboard.press("Control+Enter")  # the signer left doubtful: the confirm-all dialog asks once
    page.wait_for_function("() => document.getElementById('confirm-all').open")
    assert "Nguyễn Văn Bính" in page.inner_text("#confirm-all-list")
    assert page.evaluate("() => document.activeElement.id") == "confirm-all-yes"
    no_violations(page, "review-confirm-all")
    page.keyboard.press("Enter")  # confirm all as read, and approve

    _bench_opens(page, base, third)
    page.keyboard.press("Enter")  # confirms the signer as read
    page.wait_for_function("() => document.querySelector('#left strong').textContent === '0'")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"{base}/review", timeout=120_000)
    counters = page.inner_text("#counters")
    assert page.evaluate("() => sessionStorage.getItem('pointer-presses')") is None  # no mouse was needed
    assert "Còn chờ: 0" in counters and "Đã duyệt hôm nay: 3" in counters, counters

    signers = {first: "Nguyễn Văn Bình", second: "Nguyễn Văn Bính", third: "Nguyễn Văn Bính"}
    for code, signer in signers.items():
        assert show_result(service.ctx.engine, code).state == "published"
        path = tmp_path / f"{code}.pdf"
        service.ctx.store.download(show_result(service.ctx.engine, code).pdf_key, path)  # type: ignore[arg-type]
        embedded = read_embedded_fields(path)
        assert embedded is not None and embedded["fields"]["signer_name"] == signer
        assert embedded["approved_by"] == "user:hang.cho"
        with ThreadPoolExecutor(1) as pool:  # verification runs its own event loop; Playwright's owns this thread
            report = pool.submit(service.verify, [path]).result()[str(path)]
        assert report["ok"] and report["embedded_fields"]["match"] is True, report
    approvals = {
        code: [e.payload for e in service.audit_log(subject=code) if e.action == "result.approved"] for code in order
    }
    assert approvals[second] and approvals[second][-1].get("unreviewed") == ["signer_name"], approvals[second]
    assert not approvals[first][-1].get("unreviewed") and not approvals[third][-1].get("unreviewed")


def test_two_reviewers_race_on_one_field(site: tuple[str, Service, Path], browser: Any) -> None:
    base, service, pdf = site
    code = signed_result(service, pdf, "race", doubtful_signer(), agency=RACE_AGENCY)
    first, second = new_page(browser), new_page(browser)  # two browser contexts: two sessions
    log_in(first, base, "duyet.mot", f"/review/{code}")
    first.wait_for_selector("#claim")
    log_in(second, base, "duyet.hai", f"/review/{code}")
    taken = second.inner_text("#taken")
    assert "Đang được user:duyet.mot kiểm tra" in taken, taken

    for page, value in ((first, "Nguyễn Văn Bình"), (second, "Nguyễn Văn Binh")):
        page.fill('li.field[data-ref="signer_name"] input.value', value)
    first.press('li.field[data-ref="signer_name"] input.value', "Enter")
    first.wait_for_function("() => document.getElementById('say').textContent.includes('đã lưu giá trị mới')")
    second.press('li.field[data-ref="signer_name"] input.value', "Enter")
    second.wait_for_function("() => document.getElementById('say').textContent.startsWith('Không lưu được')")
    said = second.inner_text("#say")
    assert f"kết quả {code} đang được user:duyet.mot kiểm tra" in said, said
    assert second.locator('li.field[data-ref="signer_name"]').get_attribute("data-status") == "needs_review"

    view = show_result(service.ctx.engine, code)
    assert view.fields_dict()["signer_name"]["value"] == "Nguyễn Văn Bình"
    assert [(r["field"], r["new"], r["by"]) for r in view.revisions] == [
        ("signer_name", "Nguyễn Văn Bình", "user:duyet.mot")
    ]
    second.reload()
    assert "Nguyễn Văn Binh" not in second.inner_text("table.history")


def test_a_citizen_downloads_their_pdf_and_another_cannot_reach_it(
    site: tuple[str, Service, Path], browser: Any
) -> None:
    base, service, pdf = site
    code = signed_result(service, pdf, "citizen-own", decision_fields(personal_id=CITIZEN_ID))
    owner = new_page(browser)
    log_in(owner, base, "cong.dan")
    owner.wait_for_url(f"{base}/my")
    card = owner.locator("section.own", has=owner.locator(f"code:text-is('{code}')"))
    shown = card.locator("code.hash").inner_text()
    with owner.expect_download() as download:
        card.locator("a.button[download]").click()
    got = Path(download.value.path()).read_bytes()
    assert got.startswith(b"%PDF") and hashlib.sha256(got).hexdigest() == shown

    other = new_page(browser)
    log_in(other, base, "cong.dan.khac")
    assert code not in other.inner_text("main")
    for url in (f"/api/v1/results/{code}/pdf", f"/api/v1/results/{code}", f"/review/{code}"):
        response = other.goto(f"{base}{url}")
        assert response.status in (403, 404), (url, response.status)
        body = response.body()
        assert not body.startswith(b"%PDF") and CITIZEN_ID.encode() not in body, url
    reads = [e for e in service.audit_log(subject=code) if e.action == "result.read"]
    assert reads and all(e.actor != "user:cong.dan.khac" for e in reads), [(e.actor, e.payload) for e in reads]
