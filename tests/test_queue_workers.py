"""Real `sohoa worker` processes on a real redis-server: two workers, one result; a SIGKILLed worker's page is
re-run by the other and its effects happen once; JSON logs carry the dossier code; metrics are served."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from queue_helpers import Effects, assert_clean, kill_tree, queue_env, start_worker, stop, submit, wait_for
from redis import Redis
from redis_server import free_port

from samples.generator import generate_dossier
from signing.verify import verify_pdf
from storage import keys
from workers import queues

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two pages, two documents (a notice and an application)."""
    return generate_dossier(tmp_path_factory.mktemp("scan"), seed=3, kinds=("thong_bao", "don"), fmt="tiff", dpi=150)


def test_two_workers_make_one_result_and_one_signed_pdf_per_document(
    tmp_path: Path, redis_url: str, scan: Path
) -> None:
    port = free_port()
    env = queue_env(tmp_path / "data", redis_url)
    code = submit(env, scan)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    workers = [
        start_worker(dict(env, SOHOA_METRICS_PORT=str(port)), "wa", logs[0]),
        start_worker(dict(env, SOHOA_FORK_JOBS="true"), "wb", logs[1]),  # one of each: jobs in-process, forked
    ]
    effects = Effects(tmp_path / "data")
    try:
        wait_for("the dossier to finish", lambda: effects.done(code) or effects.state(code)[0] == "failed", 240)
        assert effects.state(code)[0] in ("needs_review", "approved"), effects.state(code)
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    finally:
        for w in workers:
            stop(w)
    assert effects.counts(code) == {
        "pages": 2, "documents": 2, "audit_stored": 2, "pdfs": 2, "page_images": 2, "grey_images": 2, "result_json": 1
    }  # fmt: skip
    for n in (1, 2):
        pdf = tmp_path / f"{n}.pdf"
        effects.store.download(keys.result_pdf_key(code, f"{code}-{n:02d}"), pdf)
        assert all(sig.intact for sig in verify_pdf(pdf, trust_roots=[]))
    # every line a job logged carries the dossier code; lines about no dossier say null
    lines = [json.loads(line) for log in logs for line in log.read_text().splitlines() if line.startswith("{")]
    about_jobs = [x for x in lines if queues.page_job_id(code, 1) in x["msg"] or "saved" in x["msg"]]
    assert about_jobs and all(x["dossier"] == code for x in about_jobs)
    assert 'sohoa_queue_jobs{queue="sohoa-pages",state="queued"} 0.0' in metrics
    assert "sohoa_jobs_total{" in metrics and "sohoa_job_seconds_bucket{" in metrics


def test_a_worker_killed_mid_page_is_detected_and_its_page_runs_again_once(
    tmp_path: Path, redis_url: str, scan: Path
) -> None:
    env = queue_env(tmp_path / "data", redis_url)
    code = submit(env, scan)
    effects = Effects(tmp_path / "data")
    conn = Redis.from_url(redis_url)
    started = queues.queue(conn, queues.PAGES_QUEUE).started_job_registry
    victim = start_worker(env, "victim", tmp_path / "victim.log")
    try:
        (job_id,) = wait_for("a page job to start", lambda: started.get_job_ids(), 60)[:1]
        kill_tree(victim)  # worker, scheduler and job process: a container kill
        assert effects.counts(code)["pages"] == 0  # it died mid-page, before saving anything
    finally:
        if victim.poll() is None:
            kill_tree(victim)
    survivor = start_worker(env, "survivor", tmp_path / "survivor.log")
    try:
        wait_for("the dossier to finish", lambda: effects.done(code) or effects.state(code)[0] == "failed", 240)
    finally:
        stop(survivor)
    assert effects.state(code)[0] in ("needs_review", "approved"), effects.state(code)
    job = queues.queue(conn, queues.PAGES_QUEUE).fetch_job(job_id)
    assert job is not None and job.retries_left == 1  # RQ's abandoned-job cleanup retried it (2 -> 1)
    assert effects.counts(code) == {
        "pages": 2, "documents": 2, "audit_stored": 2, "pdfs": 2, "page_images": 2, "grey_images": 2, "result_json": 1
    }  # fmt: skip
    assert_clean(env)  # storage check and audit verify: nothing half-done by the killed run


def test_a_worker_gives_tesseract_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several workers are the parallelism; Tesseract's OpenMP threads on top slow every page down."""
    import os

    from sohoa.settings import load_settings
    from workers import worker

    def no_redis(settings: object) -> None:
        raise RuntimeError("stop before connecting")

    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    monkeypatch.setattr(worker.queues, "connect", no_redis)
    with pytest.raises(RuntimeError, match="stop before connecting"):
        worker.run_worker(load_settings())
    assert os.environ["OMP_THREAD_LIMIT"] == "1"
