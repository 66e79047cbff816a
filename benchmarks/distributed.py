"""Distributed mode figures (prints them; not a test): throughput of a page batch with 1 and 2 workers, the
queue's overhead per page against the embedded mode, and how long a SIGKILLed worker's job takes to run again.

    .venv/bin/python benchmarks/distributed.py [--pages 40] [--pages-per-dossier 4] [--skip-recovery]

Each run has its own redis-server (loopback, free port), data folder and SQLite database. The batch is
``pages / pages-per-dossier`` generated dossiers (seeded); every mode gets the same files.

- embedded: ``process_dossier`` for each dossier one after the other, one page process (``SOHOA_WORKERS=1``),
  pinned to one CPU (``sched_setaffinity``): one core, as one queue worker uses. Pinning matters: the embedded
  mode reads fields ahead and loads signing in low-priority threads that would otherwise take the idle core;
- queue, 1 and 2 workers: ``sohoa submit`` for every dossier, then ``sohoa worker --burst`` processes (the one
  worker pinned to one CPU, the two free on both), with the default heartbeat, maintenance and reconcile
  intervals; wall time from the first job's start until every dossier is finished. A worker's own start-up
  (imports, signing loaded once) is left out, as the embedded figure leaves out the import of sohoa: both
  are paid once per process, not per page. Both modes first get the same untimed one-page dossier, which
  makes the development key and fills what is loaded on first use.
- recovery: a one-page dossier, a worker SIGKILLed (with its job process) mid-page, a second worker started at
  once with the default heartbeat settings; time from the kill until the page job is running again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from queue_helpers import Effects, kill_tree, queue_env, start_worker, submit, wait_for  # noqa: E402
from redis import Redis  # noqa: E402
from redis_server import RedisServer  # noqa: E402

from samples.generator import generate_dossier  # noqa: E402
from sohoa.settings import Settings  # noqa: E402
from workers import queues  # noqa: E402
from workers.lifecycle import process_dossier  # noqa: E402

KINDS = ("thong_bao", "don", "quyet_dinh", "cong_van", "giay_xac_nhan")
# The tests' fast heartbeat, maintenance and reconcile settings (queue_helpers.queue_env); every run here
# drops them for the defaults of sohoa/settings.py, as a production worker runs.
TEST_TIMINGS = (
    "SOHOA_WORKER_TTL_S",
    "SOHOA_JOB_MONITORING_INTERVAL_S",
    "SOHOA_HEARTBEAT_GRACE_S",
    "SOHOA_MAINTENANCE_INTERVAL_S",
    "SOHOA_RECONCILE_INTERVAL_S",
)


def make_batch(root: Path, pages: int, per_dossier: int) -> list[Path]:
    scans = []
    for i in range(pages // per_dossier):
        kinds = tuple(KINDS[(i + k) % len(KINDS)] for k in range(per_dossier))
        scans.append(generate_dossier(root / f"d{i:02d}", seed=100 + i, kinds=kinds, fmt="tiff", dpi=150))
    return scans


ONE_CPU = {min(os.sched_getaffinity(0))}


def embedded(scans: list[Path], warm: Path, work: Path) -> float:
    settings = Settings(data_dir=work / "embedded", workers=1)
    everything = os.sched_getaffinity(0)
    os.sched_setaffinity(0, ONE_CPU)  # this process, and the page process and Tesseracts it starts
    try:
        # Untimed: a one-page dossier makes the database and the development key and loads signing, as a
        # worker does once at start.
        process_dossier([warm], settings, work / "out" / "warm-up")
        t = time.perf_counter()
        for i, scan in enumerate(scans):
            process_dossier([scan], settings, work / "out" / str(i))
        return time.perf_counter() - t
    finally:
        os.sched_setaffinity(0, everything)


def jobs_span(conn: Redis, skip: str) -> float:
    """Seconds from the first job's start to the last job's end, by RQ's own timestamps in Redis, leaving out
    the jobs of dossier ``skip`` (the warm-up).

    Not the workers' exit: a burst worker takes ~1.5 s to stop its scheduler and deregister.
    """
    times = []
    for name in (queues.PAGES_QUEUE, queues.FINISH_QUEUE):
        queue = queues.queue(conn, name)
        for job_id in queue.finished_job_registry.get_job_ids():
            job = queue.fetch_job(job_id)
            if job is not None and job.args[0] != skip and job.started_at and job.ended_at:
                times.append((job.started_at, job.ended_at))
    if not times:
        raise SystemExit("no finished job in Redis")
    return (max(end for _, end in times) - min(start for start, _ in times)).total_seconds()


def queued(scans: list[Path], warm: Path, work: Path, n_workers: int) -> float:
    server = RedisServer()
    server.start()
    try:
        env = queue_env(work / f"queue{n_workers}", server.url, SOHOA_JOB_RETRIES="1")
        for name in TEST_TIMINGS:
            env.pop(name)  # production timings: the tests' 2 s maintenance and reconcile would run ~25 times
        # Untimed, as in the embedded run: a one-page dossier first makes the development key and fills what
        # a worker loads on first use. It is queued first, so it is done before the batch's jobs start.
        warm_code = submit(env, warm)
        codes = [submit(env, scan) for scan in scans]
        effects = Effects(work / f"queue{n_workers}")
        procs = [start_worker(env, f"w{k}", work / f"q{n_workers}-{k}.log", burst=True) for k in range(n_workers)]
        if n_workers == 1:
            os.sched_setaffinity(procs[0].pid, ONE_CPU)  # before it forks: its job processes inherit it
        for p in procs:
            p.wait(3600)
        elapsed = jobs_span(Redis.from_url(server.url), warm_code)
        unfinished = [c for c in codes if not effects.done(c)]
        if unfinished:
            raise SystemExit(f"{len(unfinished)} dossiers unfinished with {n_workers} workers: {unfinished[:3]}")
        return elapsed
    finally:
        server.stop()


def recovery(scan: Path, work: Path) -> float:
    """Seconds from a SIGKILL of a worker mid-page to its page job running again, default heartbeats."""
    server = RedisServer()
    server.start()
    try:
        env = queue_env(work / "recovery", server.url)
        for name in TEST_TIMINGS:
            env.pop(name)  # the defaults of sohoa/settings.py
        code = submit(env, scan)
        conn = Redis.from_url(server.url)
        started = queues.queue(conn, queues.PAGES_QUEUE).started_job_registry
        victim = start_worker(env, "victim", work / "victim.log")
        survivor = start_worker(env, "survivor", work / "survivor.log")
        job_id = queues.page_job_id(code, 1)
        wait_for("the page job to start", lambda: job_id in started.get_job_ids(), 120)
        job = queues.queue(conn, queues.PAGES_QUEUE).fetch_job(job_id)
        owner = {"victim": victim, "survivor": survivor}[job.worker_name]  # type: ignore[union-attr]
        kill_tree(owner)
        killed = time.perf_counter()
        other = survivor if owner is victim else victim

        def rerun() -> bool:
            j = queues.queue(conn, queues.PAGES_QUEUE).fetch_job(job_id)
            return j is not None and j.retries_left == 1 and j.get_status().value in ("queued", "started", "finished")

        wait_for("the job to run again", rerun, 600)
        took = time.perf_counter() - killed
        kill_tree(other)
        return took
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--pages-per-dossier", type=int, default=4)
    ap.add_argument("--skip-recovery", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sohoa-bench-queue-"))
    try:
        scans = make_batch(work / "in", args.pages, args.pages_per_dossier)
        pages = len(scans) * args.pages_per_dossier
        print(f"batch: {len(scans)} dossiers, {pages} pages, {os.cpu_count()} cores", flush=True)
        warm = generate_dossier(work / "warm-up", seed=99, kinds=("don",), fmt="tiff", dpi=150)
        t_emb = embedded(scans, warm, work)
        print(f"embedded, 1 page process: {t_emb:7.1f} s  {pages / t_emb * 60:6.1f} pages/min", flush=True)
        t1 = queued(scans, warm, work, 1)
        print(f"queue, 1 worker:          {t1:7.1f} s  {pages / t1 * 60:6.1f} pages/min", flush=True)
        t2 = queued(scans, warm, work, 2)
        print(f"queue, 2 workers:         {t2:7.1f} s  {pages / t2 * 60:6.1f} pages/min", flush=True)
        print(f"speed-up 2 workers / 1:   {t1 / t2:7.2f} x   (target >= 1.8)")
        overhead = (t1 / t_emb - 1) * 100
        print(f"queue overhead per page:  {(t1 - t_emb) / pages:+7.2f} s  ({overhead:+.1f} %, target <= 10 %)")
        if not args.skip_recovery:
            took = recovery(scans[0], work)
            print(f"recovery after SIGKILL:   {took:7.1f} s  (default settings; target < 120 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
