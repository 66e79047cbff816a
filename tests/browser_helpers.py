"""What the browser tests share: ``sohoa serve`` on a free port, a logged-in page, Chromium, a signing service.

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
from test_web_browser import _free_port
from testpki import PFX_PASSWORD, PkiServer
from web_helpers import PASSWORD, make_service

from web.app import create_app
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
