"""Everything a page says is Vietnamese: pyHanko's modification levels on the verify page, malformed requests.

A PDF is signed twice with the development signer (the second signature is an incremental update, as an
approval is), so the first signature's "what changed after signing" is pyHanko's FORM_FILLING.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_signing_sign_verify import make_pdf
from web_helpers import client, login, make_service

from signing.devpki import ensure_dev_signer
from signing.keys import load_pkcs12_signer
from signing.sign import sign_pdf
from web.formats import CHANGES
from workers.service import Service

PYHANKO_WORDS = re.compile(r"\b(NONE|LTA_UPDATES|FORM_FILLING|ANNOTATIONS|OTHER|ENTIRE_FILE|ENTIRE_REVISION)\b")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Any:
    svc = make_service(tmp_path_factory.mktemp("vi") / "data")
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def twice_signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("signed")
    dev = ensure_dev_signer(folder / "keys", "UBND Phường Thử Nghiệm")
    signer = load_pkcs12_signer(dev.pkcs12, dev.password, extra_certs=[dev.root_cert])
    make_pdf(folder / "in.pdf")
    sign_pdf(folder / "in.pdf", folder / "once.pdf", signer=signer, stamp_box=None)
    sign_pdf(folder / "once.pdf", folder / "twice.pdf", signer=signer, stamp_box=None, field_name="SohoaApproval")
    return folder / "twice.pdf"


def test_the_verify_page_says_what_changed_after_each_signature_in_vietnamese(
    service: Service, twice_signed: Path
) -> None:
    web = client(service)
    page = web.get("/verify")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    shown = web.post(
        "/verify", data={"csrf": csrf}, files={"file": ("ky.pdf", twice_signed.read_bytes(), "application/pdf")}
    )
    assert shown.status_code == 200, shown.text
    changes = re.findall(r'<dd class="changes">([^<]*)</dd>', shown.text)
    assert changes == [CHANGES["FORM_FILLING"], CHANGES["NONE"]]
    assert not PYHANKO_WORDS.search(shown.text)


def test_a_malformed_request_is_explained_in_vietnamese(service: Service) -> None:
    web = client(service)
    csrf = login(web, "le.tan")
    page = web.get("/desk/receipt/X", params={"format": "docx"})
    assert page.status_code == 422 and 'lang="vi"' in page.text and "không thuộc các giá trị" in page.text
    api = web.post("/api/v1/check", headers={"X-CSRF-Token": csrf})
    assert api.status_code == 422
    assert api.json()["error"] == {
        "code": "invalid_request",
        "message": "yêu cầu không hợp lệ: files thiếu giá trị bắt buộc",
    }
