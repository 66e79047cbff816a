"""Audit the locked dependencies for known vulnerabilities with pip-audit (`make audit`, run by `make test`).

pip-audit alone does not tell "no known vulnerability" from "nobody answered": when its service answers
"not found" for every package it prints "No known vulnerabilities found" and exits 0, and when the network is
down it exits 1 with a traceback, as it does for a finding. This wrapper reads its JSON report and decides:

- a known vulnerability fails the run (exit 1), unless its id is in requirements/audit-ignore.txt, each
  ignore with its reason;
- a vulnerability service that cannot be reached, fails, or answers for only some packages is a loud
  warning and exit 0, so a machine without that service does not make CI flaky; with
  SOHOA_AUDIT_REQUIRED=1 it fails the run too (a release build should set it);
- any other pip-audit failure (an unreadable lock, say) fails the run.

The locks, not the virtualenv, are audited: they are what every machine installs (the tests check that the
virtualenv is exactly the lock). pip-audit asks its default service unless SOHOA_AUDIT_OSV_URL names an
OSV-compatible query endpoint, such as an agency's own mirror of the OSV database.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCKS = (ROOT / "requirements" / "build.lock", ROOT / "requirements" / "sohoa.lock")
IGNORE_FILE = ROOT / "requirements" / "audit-ignore.txt"
# pip-audit stops at the first request that fails, so this bounds a hanging service, not a slow audit.
TIMEOUT_S = 600

# What pip-audit prints (a traceback or its own error) when the service is unreachable or fails.
_UNREACHABLE = re.compile(
    r"requests\.exceptions\.\w+|ConnectionError|ServiceError|Could not connect|"
    r"network may be blocking|Max retries exceeded|timed out",
)


@dataclass(frozen=True)
class Verdict:
    """What the audit found: `clean`, `vulnerable`, `unavailable` (not checked) or `error`."""

    kind: str
    message: str


def read_ignored(path: Path) -> list[str]:
    """Vulnerability ids to ignore: the first word of each line; `#` starts a comment (the reason)."""
    if not path.exists():
        return []
    ids = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            ids.append(word)
    return ids


def judge(returncode: int, report: dict[str, Any] | None, stderr: str, ignored: list[str]) -> Verdict:
    """Decide from pip-audit's exit code, its JSON report (None if it wrote none) and what it printed."""
    if report is None:
        if _UNREACHABLE.search(stderr):
            last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
            return Verdict("unavailable", f"the vulnerability service could not be reached: {last}")
        return Verdict("error", f"pip-audit failed (exit {returncode}):\n{stderr.strip()}")
    dependencies = report.get("dependencies", [])
    found = [
        f"{dep['name']} {dep.get('version', '')}: {vuln['id']}"
        f" (fixed in {', '.join(vuln.get('fix_versions') or []) or 'no release yet'})"
        f" {' '.join(vuln.get('aliases') or [])}".rstrip()
        for dep in dependencies
        for vuln in dep.get("vulns") or []
    ]
    if found:
        return Verdict(
            "vulnerable",
            "known vulnerabilities in the locked dependencies (upgrade within the bounds with `make lock-upgrade`,"
            " or record the id and the reason in requirements/audit-ignore.txt):\n  " + "\n  ".join(found),
        )
    if returncode != 0:
        return Verdict("error", f"pip-audit failed (exit {returncode}) without a finding:\n{stderr.strip()}")
    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    if not dependencies or skipped:
        sample = skipped[0]["skip_reason"] if skipped else "no package listed"
        return Verdict(
            "unavailable",
            f"the vulnerability service answered for {len(dependencies) - len(skipped)} of {len(dependencies)}"
            f" locked packages ({sample})",
        )
    note = f" ({len(ignored)} id(s) listed in the ignore file)" if ignored else ""
    return Verdict("clean", f"no known vulnerabilities in {len(dependencies)} locked packages{note}")


def audit(locks: list[Path], ignored: list[str], osv_url: str | None) -> Verdict:
    """Run pip-audit on the locks (no resolution, no pip: the locks are complete and hashed)."""
    with tempfile.TemporaryDirectory(prefix="sohoa-audit-") as tmp:
        out = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pip_audit", "--disable-pip", "--require-hashes", "--progress-spinner", "off"]
        command += ["--format", "json", "--output", str(out)]
        for lock in locks:
            command += ["--requirement", str(lock)]
        for vuln_id in ignored:
            command += ["--ignore-vuln", vuln_id]
        if osv_url:
            command += ["--vulnerability-service", "osv", "--osv-url", osv_url]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return Verdict("unavailable", f"the vulnerability service did not answer within {TIMEOUT_S} s")
        try:
            report = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = None
        return judge(proc.returncode, report, proc.stderr, ignored)


def main(argv: list[str] | None = None) -> int:
    """Audit, print the verdict on stderr, and exit 0 (clean, or not checked) or 1 (found, or failed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locks", nargs="*", type=Path, default=list(LOCKS), help="hash-locked requirement files")
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE, help="ids to ignore, with reasons")
    args = parser.parse_args(argv)
    verdict = audit(args.locks, read_ignored(args.ignore_file), os.environ.get("SOHOA_AUDIT_OSV_URL") or None)
    required = os.environ.get("SOHOA_AUDIT_REQUIRED", "") not in ("", "0")
    if verdict.kind == "clean":
        print(f"audit: {verdict.message}", file=sys.stderr)
        return 0
    if verdict.kind == "unavailable":
        if required:
            print(f"audit: FAILED, dependencies not checked (SOHOA_AUDIT_REQUIRED): {verdict.message}", file=sys.stderr)
            return 1
        print(
            f"audit: WARNING: dependencies NOT checked for known vulnerabilities: {verdict.message}."
            " Run `make audit` where the service is reachable, or set SOHOA_AUDIT_OSV_URL to an OSV mirror.",
            file=sys.stderr,
        )
        return 0
    print(f"audit: FAILED: {verdict.message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
