"""The pages in a real Chromium (Debian's package, driven by Playwright): a clerk hands in a two-file dossier
and prints the receipt, a citizen checks its status, anyone verifies a signed PDF; axe-core finds no WCAG A/AA
violation on any of them, and screenshots at 1366x768 go to docs/screenshots/.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from web_helpers import SAMPLE, make_service

from web.app import create_app
from workers.results import load_result

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """``sohoa serve`` in embedded mode on a free port (its runner digitizes what the desk hands in)."""
    service = make_service(tmp_path_factory.mktemp("browser") / "data")
    port = _free_port()
    app = create_app(service)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", service
    srv.should_exit = True
    thread.join(10)
    service.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from browser_helpers import launch_chromium  # it imports this module: not at the top

    yield from launch_chromium()


def new_page(browser: Any) -> Any:
    # bypass_csp: axe-core is injected by the test; the app itself serves no inline script.
    return browser.new_page(viewport={"width": 1366, "height": 768}, locale="vi-VN", bypass_csp=True)


def no_violations(page: Any, name: str) -> None:
    """axe-core on the page: no WCAG 2.2 A/AA violation; and a screenshot for the README."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    problems = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in found["violations"]]
    assert problems == [], problems
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def blurred_copy(folder: Path) -> Path:
    """Page 2 of the sample as a shaky rescan."""
    from PIL import Image, ImageFilter

    out = folder / "trang-2-quet-lai.jpg"
    Image.open(sorted(SAMPLE.glob("*.jpg"))[1]).filter(ImageFilter.GaussianBlur(5)).save(out, dpi=(200, 200))
    return out


def rescan_page_2(page: Any, scan: Path) -> str:
    """Rescan page 2 from its button and return its new verdict (the other page and the file list stay)."""
    before = page.locator(".verdict").nth(1).inner_text()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Quét lại trang 2").click()
    chooser.value.set_files(str(scan))
    changed = "t => document.querySelectorAll('.verdict')[1].textContent !== t"
    page.wait_for_function(changed, arg=before, timeout=60_000)
    assert page.locator(".verdict").count() == 2 and page.locator("#chosen li").count() == 2
    return page.locator(".verdict").nth(1).inner_text()


def test_clerk_citizen_and_verifier_in_a_browser(server: tuple[str, Any], browser: Any, tmp_path: Path) -> None:
    base, service = server
    page = new_page(browser)
    page.goto(f"{base}/desk")
    assert page.url.startswith(f"{base}/login")
    no_violations(page, "login")
    page.keyboard.press("Tab")  # keyboard only: the skip link first, then the form
    page.fill("#username", "le.tan")
    page.fill("#password", "mat-khau-thu-nghiem")
    page.press("#password", "Enter")
    page.wait_for_url(f"{base}/desk")

    page.set_input_files("#files", [str(p) for p in sorted(SAMPLE.glob("*.jpg"))])
    page.wait_for_selector(".pages li:nth-child(2) .verdict", timeout=60_000)
    verdicts = page.locator(".verdict").all_inner_texts()
    assert len(verdicts) == 2 and all(v.startswith(("✔ Trang", "⚠ Trang", "✘ Trang")) for v in verdicts)
    assert rescan_page_2(page, blurred_copy(tmp_path)).startswith("✘ Trang 2: Trang 2 bị mờ")  # caught at once
    assert rescan_page_2(page, sorted(SAMPLE.glob("*.jpg"))[1]) == verdicts[1]  # and the good page put back
    page.focus("#procedure")  # the procedure chooser, by keyboard: typing the code selects it
    page.keyboard.type("1.001193")
    assert page.eval_on_selector("#procedure", "s => s.value") == "1.001193"
    no_violations(page, "desk")

    started = time.monotonic()
    page.click("#submit")
    page.wait_for_url(f"{base}/desk/receipt/**")
    receipt_s = time.monotonic() - started
    code = page.inner_text("#receipt-code")
    secret = page.inner_text("#receipt-secret")
    assert page.locator(".qr svg").count() == 1
    assert "Đăng ký khai sinh (mã 1.001193)" in page.inner_text("#receipt-procedure")
    assert page.inner_text("#receipt-due").count("/") == 2  # ngày hẹn trả, dd/mm/yyyy
    no_violations(page, "receipt")
    page.pdf(path=str(SHOTS.parent / "receipt-a5.pdf"), format="A5")
    print(f"submit -> receipt on screen: {receipt_s:.2f} s (2 pages)")

    citizen = new_page(browser)
    citizen.goto(f"{base}/status")
    citizen.fill("#code", code)
    citizen.fill("#secret", secret)
    citizen.press("#secret", "Enter")
    citizen.wait_for_selector("#status-label")
    assert code in citizen.inner_text("main") and "022163884107" not in citizen.content()
    no_violations(citizen, "status")

    deadline = time.monotonic() + 240
    while service.status(code)["state"] in ("received", "processing") and time.monotonic() < deadline:
        time.sleep(1)
    documents = service.status(code)["documents"]
    assert documents, service.status(code)
    digitized = load_result(service.ctx, code)  # the embedded server's run checked it against the procedure
    assert digitized["procedure"]["code"] == "1.001193" and digitized["dossier"]["due_on"]
    name, pdf = service.results_pdf(documents[0], by="test")
    signed = SHOTS.parent / name
    signed.write_bytes(pdf)
    try:
        anyone = new_page(browser)
        anyone.goto(f"{base}/verify")
        anyone.set_input_files("#file", str(signed))
        anyone.click("form.card button[type=submit]")
        anyone.wait_for_selector("#verdict")
        assert "Chữ ký 1" in anyone.inner_text("main")
        no_violations(anyone, "verify")
    finally:
        signed.unlink()
