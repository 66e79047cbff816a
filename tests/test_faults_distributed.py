"""The fault matrix on the distributed topology (issue 16): real `sohoa worker` processes, a real redis-server,
and the server a fault hits (PostgreSQL, SeaweedFS, a full disk, a PKCS#11 token) made to fail mid-dossier.

Each test ends with the same invariant: the dossier finished with one result per document (or failed with a
reason a person can act on, then finished once after ``sohoa retry``), and ``sohoa storage check`` and
``sohoa audit verify`` are clean. Already covered elsewhere: a worker SIGKILLed mid-page
(test_queue_workers.py, also checked clean here), Redis restarted empty, S3 down for a whole job's retries,
a job over its timeout (test_queue_faults.py).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from queue_helpers import Effects, assert_clean, queue_env, sohoa, start_worker, stop, submit, wait_for
from redis import Redis
from softhsm import LABEL, MODULE, PIN, softhsm_token

from samples.generator import generate_dossier
from workers import queues

pytestmark = pytest.mark.slow
ONE_RESULT = {
    "pages": 1, "documents": 1, "audit_stored": 1, "pdfs": 1, "page_images": 1, "grey_images": 1, "result_json": 1
}  # fmt: skip


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One page, one document: every fault below hits its page job or its fan-in."""
    return generate_dossier(tmp_path_factory.mktemp("scan"), seed=5, kinds=("thong_bao",), fmt="tiff", dpi=150)


@pytest.fixture(scope="module")
def token(pki: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SoftHSM2 token of its own holding signer1, which the tests unplug; the module is finalised before and
    after so that test_signing_pkcs11's token and this one never share a token folder."""
    if not MODULE.is_file():
        pytest.skip("SoftHSM2 not installed (apt: softhsm2)")
    with softhsm_token(tmp_path_factory.mktemp("softhsm-faults"), pki, finalize=True) as conf:
        yield conf


def when_a_page_job_runs(redis_url: str, timeout_s: float = 120) -> str:
    """Wait until some page job is running; its id."""
    started = queues.queue(Redis.from_url(redis_url), queues.PAGES_QUEUE).started_job_registry
    return wait_for("a page job to start", lambda: started.get_job_ids(), timeout_s)[0]


def finish(effects: Effects, code: str, timeout_s: float = 240) -> None:
    """Wait for the dossier to leave processing."""
    wait_for("the dossier to finish", lambda: effects.state(code)[0] not in ("received", "processing"), timeout_s)


@pytest.mark.postgres
def test_postgres_crashed_and_restarted_mid_dossier_the_dossier_finishes_once(
    tmp_path: Path, redis_url: str, scan: Path
) -> None:
    """PostgreSQL stopped at once (a crash) while a page is read, back 5 s later: the page job's writes
    fail, it retries 5 s apart, and the dossier finishes with one result (the store's objects of the failed
    attempt are the retry's, by their fixed keys: no orphan)."""
    from pg import PostgresServer, find_bindir, why_not_available

    if why_not_available():
        pytest.skip(why_not_available())
    server = PostgresServer(find_bindir())  # type: ignore[arg-type]
    server.start()
    worker = None
    try:
        env = queue_env(tmp_path / "data", redis_url, SOHOA_DATABASE_URL=server.create_database(),
                        SOHOA_JOB_RETRIES="3", SOHOA_RETRY_INTERVALS_S="5")  # fmt: skip
        code = submit(env, scan)
        effects = Effects(tmp_path / "data", env)
        worker = start_worker(env, "pg-crash", tmp_path / "w.log")
        when_a_page_job_runs(redis_url)
        server.crash_and_restart(down_s=5)
        finish(effects, code)
        assert effects.done(code), effects.state(code)
        assert effects.counts(code) == ONE_RESULT
        assert_clean(env)
    finally:
        if worker is not None:
            stop(worker)
        server.stop()


@pytest.mark.s3
def test_s3_server_down_mid_dossier_the_retries_wait_it_out_and_the_dossier_finishes_once(
    tmp_path: Path, redis_url: str, scan: Path
) -> None:
    """SeaweedFS stopped while a page is read and started again 12 s later, with retries 3 s apart. The
    default intervals (10, 60, 300 s) wait out an outage of a minute or more the same way."""
    from seaweed import SeaweedServer, find_weed, why_not_available

    if why_not_available():
        pytest.skip(why_not_available())
    server = SeaweedServer(find_weed())  # type: ignore[arg-type]
    server.start()
    worker = None
    try:
        env = queue_env(tmp_path / "data", redis_url, SOHOA_STORAGE_URL="s3://sohoa-faults/outage",
                        SOHOA_JOB_RETRIES="8", SOHOA_RETRY_INTERVALS_S="3", **server.env())  # fmt: skip
        code = submit(env, scan)
        effects = Effects(tmp_path / "data", env)
        worker = start_worker(env, "s3-outage", tmp_path / "w.log")
        when_a_page_job_runs(redis_url)
        server.stop_process()
        time.sleep(12)
        server.resume()
        finish(effects, code)
        assert effects.done(code), effects.state(code)
        assert effects.counts(code) == ONE_RESULT
        assert_clean(env)
    finally:
        if worker is not None:
            stop(worker)
        server.stop()


def mount_tmpfs(where: Path, size: str) -> None:
    """A small tmpfs at ``where`` (needs root, or a container allowed to mount); skips otherwise."""
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill (needs root): {done.stderr.strip()}")


def fill(folder: Path) -> Path:
    """Write zeros into ``folder`` until its file system is full; the filler file."""
    filler = folder / "filler"
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * (1 << 20))
                out.flush()
        except OSError:
            pass
    return filler


def test_the_local_store_disk_full_fails_with_the_reason_and_retry_finishes_once(
    tmp_path: Path, redis_url: str, scan: Path
) -> None:
    """The object store's disk fills after the dossier is received: its page job fails (ENOSPC) with a
    reason that says so, nothing half-written stays in the store, and once space is freed ``sohoa retry``
    finishes it once."""
    disk = tmp_path / "disk"
    mount_tmpfs(disk, "16m")
    try:
        env = queue_env(tmp_path / "data", redis_url, SOHOA_STORAGE_URL=(disk / "objects").as_uri(),
                        SOHOA_JOB_RETRIES="1")  # fmt: skip
        code = submit(env, scan)
        effects = Effects(tmp_path / "data", env)
        filler = fill(disk)
        worker = start_worker(env, "disk-full", tmp_path / "w.log")
        try:
            finish(effects, code)
            state, stage, reason = effects.state(code)
            assert state == "failed" and reason and "No space left on device" in reason, (state, stage, reason)
            assert not list(disk.rglob(".tmp-*")), "a half-written object was left behind"
            filler.unlink()
            assert_clean(env)  # what was stored before the disk filled is intact

            sohoa(env, "retry", code)
            finish(effects, code)
        finally:
            stop(worker)
        assert effects.done(code), effects.state(code)
        assert effects.counts(code) == ONE_RESULT
        assert_clean(env)
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def unplug(token_conf: Path) -> Path:
    """Take the SoftHSM2 token away, as pulling a USB token out: its folder is moved aside."""
    tokens = token_conf.parent / "tokens"
    tokens.rename(token_conf.parent / "unplugged")
    tokens.mkdir()
    return tokens


def plug_back(tokens: Path) -> None:
    tokens.rmdir()
    (tokens.parent / "unplugged").rename(tokens)


def pkcs11_env(token_conf: Path) -> dict[str, str]:
    return {"SOHOA_SIGNER": "pkcs11", "SOHOA_PKCS11_MODULE": str(MODULE), "SOHOA_PKCS11_TOKEN_LABEL": LABEL,
            "SOHOA_PKCS11_PIN": PIN, "SOHOA_PKCS11_KEY_LABEL": "signer1", "SOHOA_SIGN_LEVEL": "B-B",
            "SOFTHSM2_CONF": str(token_conf)}  # fmt: skip


def test_a_token_unplugged_and_plugged_back_signs_again_in_the_same_process(token: Path, tmp_path: Path) -> None:
    """The module is initialised once per process: without a rescan the token stayed lost until a restart."""
    from signing.keys import open_signer
    from sohoa.errors import SigningError
    from sohoa.settings import load_settings

    settings = load_settings(data_dir=tmp_path / "data", **{k.removeprefix("SOHOA_").lower(): v
                             for k, v in pkcs11_env(token).items() if k.startswith("SOHOA_")})  # fmt: skip
    with open_signer(settings) as signer:
        assert signer.signing_cert is not None
    tokens = unplug(token)
    try:
        with pytest.raises(SigningError, match="Không thấy token PKCS#11 sohoa-test"), open_signer(settings):
            pass
    finally:
        plug_back(tokens)
    with open_signer(settings) as signer:
        assert signer.signing_cert is not None


def test_the_signing_token_unplugged_fails_the_dossier_with_the_reason_and_it_finishes_once_plugged_back(
    token: Path, tmp_path: Path, redis_url: str, scan: Path
) -> None:
    """A worker that has signed with the token; the token is pulled out: the next dossier's fan-in fails
    with the token named in its reason; plugged back, ``sohoa retry`` finishes it in the same worker."""
    env = queue_env(tmp_path / "data", redis_url, SOHOA_JOB_RETRIES="1", **pkcs11_env(token))
    effects = Effects(tmp_path / "data", env)
    first = submit(env, scan)
    worker = start_worker(env, "token", tmp_path / "w.log")
    try:
        finish(effects, first)
        assert effects.done(first), effects.state(first)
        second = submit(env, generate_dossier(tmp_path / "one", seed=6, kinds=("don",), fmt="tiff", dpi=150))
        tokens = unplug(token)
        try:
            finish(effects, second)
            state, stage, reason = effects.state(second)
            assert state == "failed" and reason and "Không thấy token PKCS#11" in reason, (state, stage, reason)
        finally:
            plug_back(tokens)
        sohoa(env, "retry", second)
        finish(effects, second)
        assert effects.done(second), effects.state(second)
    finally:
        stop(worker)
    assert effects.counts(first) == ONE_RESULT
    assert effects.counts(second) == ONE_RESULT
    assert_clean(env)


def test_a_reconcile_pass_in_the_middle_of_sohoa_retry_does_not_fail_the_dossier_again(
    tmp_path: Path, redis_url: str, scan: Path
) -> None:
    """``sohoa retry`` moves the dossier back to processing, then replaces its failed job. A worker's reconcile
    pass in between (every few seconds), or after a retry that found the job not yet recorded failed by RQ,
    took that old failure for a new one: the dossier failed again with its first reason (seen under load in
    the token test above)."""
    from workers import dossiers
    from workers.reconcile import ensure_jobs
    from workers.service import Service, settings_from_env

    env = queue_env(tmp_path / "data", redis_url, SOHOA_JOB_RETRIES="0")
    code = submit(env, scan)
    (tmp_path / "data" / "objects" / "dossiers").write_bytes(b"not a folder")  # every page write fails
    assert start_worker(env, "broken-store", tmp_path / "w.log", burst=True).wait(240) == 0
    effects = Effects(tmp_path / "data", env)
    assert effects.state(code)[0] == "failed", effects.state(code)
    service = Service(settings_from_env(**{k.removeprefix("SOHOA_").lower(): v for k, v in env.items()
                                           if k.startswith("SOHOA_")}))  # fmt: skip
    try:
        dossiers.start_processing(service.ctx, code)  # the first step of `sohoa retry`
        report = service.reconcile()  # a worker's pass before the retry's second step
        assert effects.state(code)[0] == "processing", effects.state(code)
        assert report.enqueued == {code: [queues.page_job_id(code, 1)]} and not report.failed
        conn = Redis.from_url(redis_url)
        assert queues.job_status(conn, queues.page_job_id(code, 1)) == "queued"
        assert ensure_jobs(service.ctx, conn, code, replace_failed=True) == []  # the second step: already queued
    finally:
        service.close()
