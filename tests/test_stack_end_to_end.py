"""The office as one system: `scripts/stack.sh up --workers 2` (PostgreSQL, Redis AOF, SeaweedFS, `sohoa serve`,
two workers, all real processes), two dossiers handed in through the HTTP API with the clerk's token and
published, `sohoa storage check` and `sohoa audit verify` clean against the same stack, and `stack.sh down`
leaving no process behind.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from subprocess import PIPE

import httpx
import pytest
from pg import why_not_available as pg_missing
from redis_server import why_not_available as redis_missing
from seaweed import why_not_available as weed_missing

REPO = Path(__file__).resolve().parents[1]
STACK = REPO / "scripts" / "stack.sh"
SAMPLES = REPO / "samples" / "dossiers"
PUBLISH_TIMEOUT_S = 240

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.s3,
    pytest.mark.skipif(
        any(f() for f in (pg_missing, redis_missing, weed_missing)),
        reason=next((r for r in (pg_missing(), redis_missing(), weed_missing()) if r), ""),
    ),
]


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of stack.env (values shell-quoted), as the shell's ``set -a; .`` would read them."""
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = shlex.split(value)[0] if value else ""
    return env


def stack(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SOHOA_PYTHON=sys.executable)
    done = subprocess.run([str(STACK), *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"stack.sh {' '.join(args)}: {done.stderr[-3000:]}"
    return done


@pytest.fixture
def stack_dir() -> Iterator[Path]:
    """A folder under /tmp the postgres account can reach (pytest's own are closed to other users)."""
    root = Path(tempfile.mkdtemp(prefix="sohoa-stack-test-", dir="/tmp"))
    try:
        yield root
    finally:
        if (root / "pids").is_dir() and any(alive(pid) for pid in recorded_pids(root).values()):  # a failed test
            subprocess.run([str(STACK), "down", "--dir", str(root)], capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def recorded_pids(root: Path) -> dict[str, int]:
    pids = {p.stem: int(p.read_text()) for p in (root / "pids").glob("*.pid")}
    postmaster = root / "pg" / "data" / "postmaster.pid"
    if postmaster.is_file():
        pids["postgres"] = int(postmaster.read_text().split()[0])
    return pids


def alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)  # the process or anything left in its group (a worker's scheduler, a job's child)
    except ProcessLookupError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
    return True


def test_two_dossiers_through_the_api_are_published_by_the_stack_and_down_leaves_nothing(stack_dir: Path) -> None:
    started = time.monotonic()
    timings: dict[str, float] = {}
    stack("up", "--dir", str(stack_dir), "--workers", "2")
    timings["up"] = time.monotonic() - started
    lines = stack("status", "--dir", str(stack_dir)).stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["postgres", "redis", "weed", "web", "worker-1", "worker-2"]
    assert all(line.endswith("\tready") for line in lines), lines
    env = read_env_file(stack_dir / "stack.env")
    pids = recorded_pids(stack_dir)
    assert set(pids) == {"postgres", "redis", "weed", "web", "worker-1", "worker-2"}

    auth = {"Authorization": f"Bearer {env['SOHOA_TOKEN']}"}
    scans = [
        [SAMPLES / "quyet-dinh" / "scan.pdf"],
        sorted((SAMPLES / "cong-dan" / "scan").glob("*.jpg")),
    ]
    codes = []
    with httpx.Client(base_url=env["SOHOA_URL"], headers=auth, timeout=60) as http:
        for files in scans:
            reply = http.post("/api/v1/dossiers", files=[("files", (p.name, p.read_bytes())) for p in files])
            assert reply.status_code == 202, reply.text
            assert reply.json()["queued"] is True
            codes.append(reply.json()["code"])
        deadline = time.monotonic() + PUBLISH_TIMEOUT_S
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            states = {code: http.get(f"/api/v1/dossiers/{code}").json()["state"] for code in codes}
            if all(state in ("published", "failed", "rejected", "needs_review") for state in states.values()):
                break
            time.sleep(1)
        assert states == dict.fromkeys(codes, "published"), states
    timings["published"] = time.monotonic() - started

    cli_env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    cli_env.update(env, PYTHONPATH=str(REPO))
    checks = {  # side by side: each is mostly its imports
        args[0]: subprocess.Popen(
            [sys.executable, "-m", "sohoa", *args], env=cli_env, stdout=PIPE, stderr=subprocess.STDOUT, text=True
        )
        for args in (["storage", "check"], ["audit", "verify"])
    }
    for name, proc in checks.items():
        out = proc.communicate(timeout=120)[0]
        assert proc.returncode == 0, f"sohoa {name}: {out}"
        if name == "storage":
            assert "missing 0, corrupt 0, orphaned 0" in out
    timings["checks"] = time.monotonic() - started

    stack("down", "--dir", str(stack_dir))
    timings["down"] = time.monotonic() - started
    print("seconds since the start:", {k: round(v, 1) for k, v in timings.items()})
    assert {name for name, pid in pids.items() if alive(pid)} == set()
    assert (stack_dir / "redis" / "appendonlydir").is_dir(), "down keeps the data (Redis's AOF)"
