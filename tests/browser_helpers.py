"""What the browser tests share: ``sohoa serve`` on a free port, a logged-in page, a really signed result PDF.

Kept apart from test modules so each browser module can start its own server over its own data folder
without importing another module's fixtures.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import update
from test_signing_sign_verify import make_pdf
from test_web_browser import _free_port
from testpki import PFX_PASSWORD, PkiServer
from web_helpers import PASSWORD, make_service

from signing.keys import load_pkcs12_signer
from signing.sign import sign_pdf
from storage.db import session_scope
from storage.tables import DocumentRow
from web.app import create_app
from workers.results import show_result
from workers.service import Service


@contextmanager
def serve(service: Service) -> Iterator[str]:
    """The web app over ``service`` in a thread (no background runner); yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(create_app(service, background=False), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


def log_in(page: Any, base: str, username: str, then: str = "") -> None:
    """Log ``page`` in through the login form, then land on ``then`` (the login page's own choice if empty)."""
    page.goto(f"{base}/login?next={then}" if then else f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def digitized_pdf(pki: PkiServer, folder: Path) -> Path:
    """A PDF carrying a real digitization signature (B-LTA, the test PKI), as the store stage leaves it."""
    make_pdf(folder / "in.pdf")
    signer = load_pkcs12_signer(pki.pfx("signer1"), PFX_PASSWORD)
    sign_pdf(
        folder / "in.pdf", folder / "digitized.pdf", signer=signer, stamp_box=(300.0, 18.0, 560.0, 78.0),
        level="B-LTA", tsa_url=pki.tsa_url, trust_roots=[pki.cert_pem("root")],
    )  # fmt: skip
    return folder / "digitized.pdf"


def store_signed(service: Service, code: str, pdf: Path) -> str:
    """Put ``pdf`` as result ``code``'s stored PDF and record its hash; the hash."""
    view = show_result(service.ctx.engine, code)
    obj = service.ctx.store.put_file(view.pdf_key, pdf, content_type="application/pdf")  # type: ignore[arg-type]
    with session_scope(service.ctx.engine) as s:
        s.execute(update(DocumentRow).where(DocumentRow.code == code).values(pdf_sha256=obj.sha256))
    return obj.sha256


def launch_chromium() -> Iterator[Any]:
    """Debian's chromium through Playwright (its own browser download is not reachable here), for a module's
    ``browser`` fixture: ``yield from launch_chromium()``."""
    from playwright.sync_api import sync_playwright
    from test_web_browser import CHROMIUM

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def pki_service(pki: PkiServer, data: Path) -> Service:
    """A service over ``data`` that signs with the test PKI's signer1 and its TSA, trusting its root."""
    return make_service(
        data, signer="pkcs12", signer_pkcs12=pki.pfx("signer1"), signer_pkcs12_password=PFX_PASSWORD.decode(),
        tsa_url=pki.tsa_url, trust_roots=[pki.cert_pem("root")],
    )  # fmt: skip
