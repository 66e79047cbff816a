"""What the web tests share: an app over a fresh data folder, its users, logged-in clients."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from web.app import create_app
from workers.service import Service, settings_from_env

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "dossiers" / "cong-dan" / "scan"
CITIZEN_ID = "022163884107"  # the applicant's ID in samples/dossiers/cong-dan
OTHER_AGENCY = "000.00.99.H99"
PASSWORD = "mat-khau-thu-nghiem"
USERS: dict[str, dict[str, Any]] = {
    "le.tan": {"roles": ["reception"]},
    "le.tan.khac": {"roles": ["reception"], "agency": OTHER_AGENCY},
    "kiem.tra": {"roles": ["reviewer"]},
    "phe.duyet": {"roles": ["approver"]},
    "quan.tri": {"roles": ["admin"]},
    "cong.dan": {"roles": ["citizen"], "personal_id": CITIZEN_ID},
    "cong.dan.khac": {"roles": ["citizen"], "personal_id": "001099000001"},
}


def make_service(data_dir: Path, **settings: Any) -> Service:
    """A service over its own data folder, with every test user."""
    service = Service(settings_from_env(data_dir=data_dir, **settings))
    for name, spec in USERS.items():
        service.users_add(name, PASSWORD, by="test", **spec)
    return service


def client(service: Service) -> TestClient:
    """A client of a new app over ``service`` (no background runner: tests process dossiers themselves)."""
    return TestClient(create_app(service, background=False))


def login(web: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log ``web`` in through the login form; the session's CSRF token (from the desk or verify page)."""
    page = web.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = web.post("/login", data={"username": username, "password": password, "csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303, done.text
    page = web.get("/verify")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def sample_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    """The two-page sample dossier as multipart files."""
    return [("files", (p.name, p.read_bytes(), "image/jpeg")) for p in sorted(SAMPLE.glob("*.jpg"))]
