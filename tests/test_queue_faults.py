"""Faults around the queue: Redis restarted empty, the object store failing mid-job, a job over its timeout."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import psutil
import pytest
from queue_helpers import Effects, kill_tree, queue_env, sohoa, start_worker, submit, wait_for
from redis import Redis
from redis_server import RedisServer
from rq import Retry
from rq.job import JobStatus

from samples.generator import generate_dossier
from workers import queues

pytestmark = pytest.mark.slow
ONE_RESULT = {
    "pages": 1,
    "documents": 1,
    "audit_stored": 1,
    "pdfs": 1,
    "page_images": 1,
    "grey_images": 1,
    "result_json": 1,
}


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two one-page dossiers."""
    root = tmp_path_factory.mktemp("scans")
    return [generate_dossier(root / str(seed), seed=seed, kinds=("thong_bao",), fmt="tiff", dpi=150) for seed in (3, 4)]


def test_redis_restarted_empty_while_dossiers_are_queued_loses_nothing_after_reconcile(
    tmp_path: Path, scans: list[Path]
) -> None:
    server = RedisServer()
    try:
        server.start()
        env = queue_env(tmp_path / "data", server.url)
        codes = [submit(env, scan) for scan in scans]
        assert len(queues.queue(Redis.from_url(server.url), queues.PAGES_QUEUE)) == 2
        server.kill()  # no persistence: the restarted server is empty
        server.start()
        assert len(queues.queue(Redis.from_url(server.url), queues.PAGES_QUEUE)) == 0
        report = json.loads(sohoa(env, "reconcile", "--json").stdout)
        assert sorted(report["enqueued"]) == sorted(codes)
        worker = start_worker(env, "after-restart", tmp_path / "w.log", burst=True)
        assert worker.wait(240) == 0
        effects = Effects(tmp_path / "data")
        for code in codes:
            assert effects.done(code), effects.state(code)
            assert effects.counts(code) == ONE_RESULT
    finally:
        server.stop()


def test_storage_failing_retries_then_fails_with_the_reason_and_retry_completes_once(
    tmp_path: Path, redis_url: str, scans: list[Path]
) -> None:
    env = queue_env(tmp_path / "data", redis_url)
    code = submit(env, scans[0])  # the original is stored; the dossier's own objects are not yet
    blocker = tmp_path / "data" / "objects" / "dossiers"
    blocker.write_bytes(b"not a folder")  # every write under dossiers/ now fails, as a full or absent store would
    assert start_worker(env, "broken-store", tmp_path / "w1.log", burst=True).wait(240) == 0
    effects = Effects(tmp_path / "data")
    state, stage, reason = effects.state(code)
    assert (state, stage) == ("failed", "ocr")
    assert reason and "cannot store object" in reason and "storage" in reason
    job = queues.queue(Redis.from_url(redis_url), queues.PAGES_QUEUE).fetch_job(queues.page_job_id(code, 1))
    assert job is not None and job.get_status() == JobStatus.FAILED and job.retries_left == 0  # 1 + 2 retries
    status = json.loads(sohoa(env, "status", code, "--json").stdout)
    assert status["state"] == "failed" and status["stages"]["ocr"]["state"] == "failed"

    blocker.unlink()  # the store is back
    sohoa(env, "retry", code)
    assert effects.state(code)[0] == "processing"
    assert start_worker(env, "fixed-store", tmp_path / "w2.log", burst=True).wait(240) == 0
    assert effects.done(code), effects.state(code)
    assert effects.counts(code) == ONE_RESULT
    assert sohoa(env, "retry", code, check=False).returncode == 2  # a finished dossier is not retried


@pytest.mark.s3
def test_s3_server_stopped_during_a_job_fails_with_the_reason_and_retry_completes_once(
    tmp_path: Path, redis_url: str, scans: list[Path]
) -> None:
    """The issue's case with a real S3 server: SeaweedFS stopped while the dossier waits, the page job
    retries then fails with the reason; the server started again and ``sohoa retry``: one result."""
    from seaweed import SeaweedServer, find_weed, why_not_available

    if why_not_available():
        pytest.skip(why_not_available())
    server = SeaweedServer(find_weed())  # type: ignore[arg-type]
    server.start()
    try:
        s3 = {"SOHOA_STORAGE_URL": "s3://sohoa-queue/t1", **server.env()}
        env = queue_env(tmp_path / "data", redis_url, **s3)
        code = submit(env, scans[0])  # the original is in S3
        effects = Effects(tmp_path / "data", env)
        server.stop_process()
        assert start_worker(env, "s3-down", tmp_path / "w1.log", burst=True).wait(240) == 0
        state, stage, reason = effects.state(code)
        assert (state, stage) == ("failed", "ocr") and reason and "S3" in reason, reason

        server.resume()
        sohoa(env, "retry", code)
        assert start_worker(env, "s3-back", tmp_path / "w2.log", burst=True).wait(240) == 0
        assert effects.done(code), effects.state(code)
        assert effects.counts(code) == ONE_RESULT
    finally:
        server.stop()


@pytest.mark.parametrize("fork_jobs", ["false", "true"], ids=["in-worker", "forked"])
def test_a_job_over_its_timeout_leaves_no_tesseract_behind(tmp_path: Path, redis_url: str, fork_jobs: str) -> None:
    """Both ways a worker runs jobs: in its own process (children killed by pid) or forked (by process group)."""
    fifo = tmp_path / "never-written"
    os.mkfifo(fifo)
    env = queue_env(tmp_path / "data", redis_url, SOHOA_JOB_RETRIES="0", SOHOA_FORK_JOBS=fork_jobs)
    q = queues.queue(Redis.from_url(redis_url), queues.PAGES_QUEUE)
    job = q.enqueue("queue_helpers.hang_in_tesseract", str(fifo), job_timeout=3, job_id="hang-1")
    worker = start_worker(env, "timeout", tmp_path / "w.log", burst=True)

    def tesseract() -> list[psutil.Process]:
        return [p for p in psutil.process_iter(["name", "cmdline"]) if str(fifo) in " ".join(p.info["cmdline"] or [])
                and p.info["name"] == "tesseract"]  # fmt: skip

    seen = wait_for("tesseract to start", tesseract, 60)
    assert worker.wait(120) == 0
    assert job.get_status() == JobStatus.FAILED and "JobTimeoutException" in (job.latest_result().exc_string or "")
    for proc in seen:
        assert not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE  # gone (a zombie is dead)
    assert not [p for p in tesseract() if p.status() != psutil.STATUS_ZOMBIE]
    assert shutil.which("tesseract")


def test_a_long_job_in_the_worker_keeps_its_heartbeat_and_runs_once(tmp_path: Path, redis_url: str) -> None:
    """A job run in the worker's process outlives its first heartbeat TTL (1 s monitoring + 3 s grace here)
    while a second worker runs maintenance every 2 s: the heartbeat thread keeps it alive, so it is neither
    taken for abandoned nor run again."""
    marks = tmp_path / "runs.txt"
    env = queue_env(tmp_path / "data", redis_url, SOHOA_JOB_RETRIES="1")
    q = queues.queue(Redis.from_url(redis_url), queues.PAGES_QUEUE)
    job = q.enqueue("queue_helpers.sleep_and_mark", str(marks), 10, job_timeout=60, job_id="long-1", retry=Retry(max=1))
    runner = start_worker(env, "runner", tmp_path / "w1.log", burst=True)
    wait_for("the job to start", lambda: marks.is_file(), 60)
    watcher = start_worker(env, "watcher", tmp_path / "w2.log")  # cleans registries while the job runs
    try:
        assert runner.wait(120) == 0
        assert job.get_status() == JobStatus.FINISHED
        assert marks.read_text().split() == ["start", "end"]  # one run: an abandoned job would be retried
        assert "long-1" not in q.failed_job_registry.get_job_ids()
    finally:
        kill_tree(watcher)
