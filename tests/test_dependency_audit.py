"""`make test` audits the locks with pip-audit (scripts/audit_dependencies.py): a known vulnerability fails
the run, an unreachable vulnerability service only warns unless SOHOA_AUDIT_REQUIRED=1.

The vulnerability service here is a feed on loopback speaking OSV's query protocol (what an agency's own
OSV mirror serves, SOHOA_AUDIT_OSV_URL), holding a real advisory; pip-audit itself runs for real.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
AUDIT = ROOT / "scripts" / "audit_dependencies.py"

# Jinja2 2.10's sandbox escape through str.format_map (CVE-2019-10906), fixed in 2.10.1, as OSV records it.
JINJA2_ADVISORY = {
    "schema_version": "1.6.0",
    "id": "GHSA-462w-v97r-4m45",
    "aliases": ["CVE-2019-10906"],
    "summary": "Jinja2 sandbox escape via string formatting",
    "affected": [
        {
            "package": {"name": "jinja2", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.10.1"}]}],
            "versions": ["2.10"],
        }
    ],
}
# A pin as `make lock` writes it; the hash is the sha256 of Jinja2-2.10-py2.py3-none-any.whl.
VULNERABLE_LOCK = (
    "jinja2==2.10 \\\n    --hash=sha256:74c935a1b8bb9a3947c50a54766a969d4846290e1e788ea44c1392163723c3bd\n"
)


class Feed:
    """An OSV-protocol vulnerability feed on loopback: answers POST /v1/query from a list of advisories."""

    def __init__(self, advisories: list[dict[str, Any]], status: int = 200) -> None:
        self.advisories = advisories
        self.status = status
        self.queried: list[tuple[str, str]] = []
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                name, version = query["package"]["name"], query["version"]
                feed.queried.append((name, version))
                vulns = [
                    a
                    for a in feed.advisories
                    for affected in a["affected"]
                    if affected["package"]["name"] == name and version in affected["versions"]
                ]
                body = json.dumps({"vulns": vulns} if vulns else {}).encode()
                self.send_response(feed.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/query"

    def __enter__(self) -> Feed:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_audit(tmp_path: Path, osv_url: str, *args: str, required: bool = False) -> subprocess.CompletedProcess[str]:
    """scripts/audit_dependencies.py as `make test` runs it, with its own caches and the given feed."""
    env = dict(os.environ, SOHOA_AUDIT_OSV_URL=osv_url, XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("SOHOA_AUDIT_REQUIRED", None)
    if required:
        env["SOHOA_AUDIT_REQUIRED"] = "1"
    command = [sys.executable, str(AUDIT), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)


@pytest.fixture
def vulnerable_lock(tmp_path: Path) -> Path:
    lock = tmp_path / "vulnerable.lock"
    lock.write_text(VULNERABLE_LOCK)
    return lock


@pytest.fixture
def closed_port_url() -> Iterator[str]:
    """The URL of a loopback port nothing listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield f"http://127.0.0.1:{port}/v1/query"


def load_audit_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_dependencies", AUDIT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_a_known_vulnerability_in_the_lock_fails_the_audit(tmp_path: Path, vulnerable_lock: Path) -> None:
    with Feed([JINJA2_ADVISORY]) as feed:
        run = run_audit(tmp_path, feed.url, str(vulnerable_lock), "--ignore-file", str(tmp_path / "none"))
    assert run.returncode == 1, run.stderr
    finding = next(line for line in run.stderr.splitlines() if line.strip().startswith("jinja2 2.10:"))
    assert "FAILED" in run.stderr and "GHSA-462w-v97r-4m45" in finding and "(fixed in 2.10.1)" in finding
    assert feed.queried == [("jinja2", "2.10")]


def test_the_locks_are_audited_package_by_package_and_pass_when_nothing_is_known(tmp_path: Path) -> None:
    """Every locked package is asked about (the default locks, as `make test` runs it)."""
    audit = load_audit_module()
    with Feed([JINJA2_ADVISORY]) as feed:
        run = run_audit(tmp_path, feed.url)
    assert run.returncode == 0, run.stderr
    assert "no known vulnerabilities in" in run.stderr and "WARNING" not in run.stderr
    locked = set()
    for lock in audit.LOCKS:
        for line in lock.read_text().splitlines():
            if "==" in line and not line.startswith(("#", " ")):
                name, version = line.split(" ")[0].split("==")
                locked.add((name, version))
    assert set(feed.queried) == locked


def test_a_vulnerability_ignored_with_its_reason_does_not_fail_the_audit(tmp_path: Path, vulnerable_lock: Path) -> None:
    ignore = tmp_path / "audit-ignore.txt"
    ignore.write_text("# why each one is ignored\nCVE-2019-10906  # jinja2 2.10: no sandboxed templates here\n")
    with Feed([JINJA2_ADVISORY]) as feed:
        run = run_audit(tmp_path, feed.url, str(vulnerable_lock), "--ignore-file", str(ignore))
    assert run.returncode == 0, run.stderr
    assert "no known vulnerabilities in 1 locked packages (1 id(s) listed in the ignore file)" in run.stderr


def test_an_unreachable_vulnerability_service_warns_without_failing_the_run(
    tmp_path: Path, vulnerable_lock: Path, closed_port_url: str
) -> None:
    run = run_audit(tmp_path, closed_port_url, str(vulnerable_lock))
    assert run.returncode == 0, run.stderr
    assert "WARNING: dependencies NOT checked" in run.stderr and "could not be reached" in run.stderr
    required = run_audit(tmp_path, closed_port_url, str(vulnerable_lock), required=True)
    assert required.returncode == 1, required.stderr
    assert "FAILED, dependencies not checked" in required.stderr


def test_a_failing_vulnerability_service_warns_without_failing_the_run(tmp_path: Path, vulnerable_lock: Path) -> None:
    with Feed([JINJA2_ADVISORY], status=503) as feed:
        run = run_audit(tmp_path, feed.url, str(vulnerable_lock))
        required = run_audit(tmp_path, feed.url, str(vulnerable_lock), required=True)
    assert run.returncode == 0 and "WARNING: dependencies NOT checked" in run.stderr, run.stderr
    assert required.returncode == 1, required.stderr


def test_a_service_that_knows_none_of_the_packages_is_not_taken_for_a_clean_audit() -> None:
    """pip-audit's default service answers 404 for every package on a machine that reaches only the package
    index: pip-audit then says "No known vulnerabilities found" and exits 0. Its report, as it writes it:"""
    report = {
        "dependencies": [
            {"name": "jinja2", "skip_reason": "Dependency not found on PyPI and could not be audited: jinja2 (2.10)"}
        ],
        "fixes": [],
    }
    verdict = load_audit_module().judge(0, report, "No known vulnerabilities found\n", [])
    assert verdict.kind == "unavailable"
    assert "answered for 0 of 1 locked packages" in verdict.message
