"""Helpers of the queue tests: real `sohoa worker` processes, waiting on database state, counting effects.

Also holds ``hang_in_tesseract``, a job the timeout test enqueues: workers started by these helpers get
this folder on PYTHONPATH so they can import it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, select

from sohoa.settings import Settings
from storage import keys
from storage.db import make_engine, session_scope
from storage.objects import open_object_store
from storage.tables import AuditRow, DocumentRow, DossierRow, PageRow

HERE = Path(__file__).parent
SOHOA = str(Path(os.sys.executable).with_name("sohoa"))  # type: ignore[attr-defined]
DONE_STATES = {"needs_review", "approved", "published"}


def queue_env(data_dir: Path, redis_url: str, **extra: str) -> dict[str, str]:
    """Environment of a test's `sohoa` processes: its own data folder, short heartbeats, retries at once."""
    env = dict(os.environ)
    env.update(
        SOHOA_DATA_DIR=str(data_dir),
        SOHOA_REDIS_URL=redis_url,
        SOHOA_SIGNER="dev",  # the development key, asked for: queue mode never falls back to it silently
        SOHOA_WORKERS="1",
        SOHOA_JOB_RETRIES="2",
        SOHOA_RETRY_INTERVALS_S="0",
        SOHOA_WORKER_TTL_S="16",  # idle workers wake every second
        SOHOA_JOB_MONITORING_INTERVAL_S="1",
        SOHOA_HEARTBEAT_GRACE_S="3",
        SOHOA_MAINTENANCE_INTERVAL_S="2",
        SOHOA_RECONCILE_INTERVAL_S="2",
        PYTHONPATH=os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    env.update(extra)
    return env


def sohoa(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([SOHOA, *args], env=env, capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"sohoa {' '.join(args)} exited {done.returncode}: {done.stderr[-3000:]}")
    return done


def submit(env: dict[str, str], *inputs: Path) -> str:
    """`sohoa submit --json`; the dossier code."""
    return json.loads(sohoa(env, "submit", *map(str, inputs), "--json").stdout)["code"]


def start_worker(env: dict[str, str], name: str, log: Path, *, burst: bool = False) -> subprocess.Popen[bytes]:
    """A `sohoa worker` in its own session (so a test can kill it and its scheduler like a container kill)."""
    args = [SOHOA, "worker", "--name", name] + (["--burst"] if burst else [])
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "ab"), start_new_session=True)


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker, its scheduler and its job process (which sits in a process group of its own)."""
    try:
        family = [proc.pid, *(p.pid for p in psutil.Process(proc.pid).children(recursive=True))]
    except psutil.NoSuchProcess:
        family = [proc.pid]
    for pid in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(10)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Warm shutdown (SIGTERM), then SIGKILL if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            kill_tree(proc)


def wait_for(what: str, check: Callable[[], Any], timeout_s: float, procs: list[subprocess.Popen[bytes]] = ()) -> Any:  # type: ignore[assignment]
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


class Effects:
    """What a dossier left in the database and the object store, to assert 'exactly once'."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        """``env``: the processes' ``SOHOA_*`` variables, when the store is not the data folder's (S3)."""
        overrides = {
            k.removeprefix("SOHOA_").lower(): v
            for k, v in (env or {}).items()
            if k.startswith(("SOHOA_S", "SOHOA_DATABASE_URL"))
        }
        settings = Settings(data_dir=data_dir, **overrides)
        self.engine = make_engine(settings.effective_database_url)
        self.store = open_object_store(settings.effective_storage_url, settings)

    def state(self, code: str) -> tuple[str, str | None, str | None]:
        with session_scope(self.engine) as s:
            row = s.scalars(select(DossierRow).where(DossierRow.code == code)).one()
            return row.state, row.failed_stage, row.reason

    def done(self, code: str) -> bool:
        return self.state(code)[0] in DONE_STATES

    def counts(self, code: str) -> dict[str, int]:
        with session_scope(self.engine) as s:
            dossier_id = s.scalars(select(DossierRow.id).where(DossierRow.code == code)).one()
            pages = s.scalar(select(func.count()).select_from(PageRow).where(PageRow.dossier_id == dossier_id))
            docs = s.scalar(select(func.count()).select_from(DocumentRow).where(DocumentRow.dossier_id == dossier_id))
            stored = s.scalar(
                select(func.count())
                .select_from(AuditRow)
                .where(AuditRow.action == "result.stored", AuditRow.subject.like(f"{code}-%"))
            )
        prefix = keys.dossier_prefix(code)
        objects = list(self.store.iter_keys(prefix))
        return {
            "pages": int(pages or 0),
            "documents": int(docs or 0),
            "audit_stored": int(stored or 0),
            "pdfs": sum(k.startswith(prefix + "results/") and k.endswith(".pdf") for k in objects),
            "page_images": sum(
                k.startswith(prefix + "pages/") and k.endswith(".jpg") and not k.endswith(".grey.jpg") for k in objects
            ),
            "grey_images": sum(k.startswith(prefix + "pages/") and k.endswith(".grey.jpg") for k in objects),
            "result_json": sum(k == keys.result_json_key(code) for k in objects),
        }


def assert_clean(env: dict[str, str]) -> None:
    """What ``sohoa storage check`` and ``sohoa audit verify`` report is clean (their service calls, run here:
    two fewer processes to start per test)."""
    from workers.service import Service, settings_from_env

    settings = settings_from_env(
        **{k.removeprefix("SOHOA_").lower(): v for k, v in env.items() if k.startswith("SOHOA_")}
    )
    service = Service(settings)
    try:
        check = service.storage_check()
        assert check.ok, check.to_dict()
        verdict = service.audit_verify()
        assert verdict.ok, verdict.to_dict()
    finally:
        service.close()


def hang_in_tesseract(fifo: str) -> str:
    """A job that runs a real tesseract which never ends: it waits to open a FIFO nobody writes."""
    import pytesseract

    return pytesseract.image_to_string(fifo)


def sleep_and_mark(path: str, seconds: float) -> str:
    """A job that takes ``seconds``, writing "start" and "end" to ``path``: how many times it ran."""
    with open(path, "a") as f:
        f.write("start\n")
    time.sleep(seconds)
    with open(path, "a") as f:
        f.write("end\n")
    return "slept"
