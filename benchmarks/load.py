"""Load on the distributed stack (prints figures; not a test): dossiers submitted through the HTTP API at a
steady rate, with 1 then 2 workers, until every one is finished; then an audit that nothing was lost or doubled.

    .venv/bin/python benchmarks/load.py [--dossiers 200] [--rate 1.0] [--workers 1,2] [--quick] [--json FILE]

Per worker count, a fresh stack (``benchmarks/load_stack.py``: ``scripts/stack.sh`` or the same topology from
the test servers) and the same seeded dossiers of 1-10 one-page documents, generated before the clock starts.
Figures: receipts per second and receipt latency (p50/p95/max; target < 2 s even when submissions outpace the
workers), submit -> finished (p50/p95/p99, from the database's own times), pages per minute, worker seconds
per page (RQ's job times), queue depth over time, and the audit: every dossier finished (published, approved
or in review), exactly one result per document, no dossier or result twice, ``storage check`` and ``audit
verify`` clean. Last, the worker cores a province needs at peak from the measured cost per page.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from load_stack import open_stack
from queue_helpers import sohoa
from redis import Redis
from sqlalchemy import func, select

from samples.generator import generate_dossier
from storage.db import make_engine, session_scope
from storage.tables import DocumentRow, DossierRow, PageRow
from workers import queues

ONE_PAGE_KINDS = ("thong_bao", "don", "quyet_dinh", "cong_van", "giay_xac_nhan")
FINISHED = {"needs_review", "approved", "published"}
# Nghệ An, for the sizing: dossiers a year across its 2,156 procedures (issue 16 says "hundreds of
# thousands"; 600,000 assumed), pages per dossier, the busiest month's share over an average one, and
# 250 working days of 8 hours.
PROVINCE = {"dossiers_per_year": 600_000, "pages_per_dossier": 8, "peak_factor": 2.5, "days": 250, "hours": 8}


def make_inputs(root: Path, count: int, seed: int = 2026) -> list[tuple[Path, int]]:
    """``count`` dossiers of 1-10 pages (seeded), as multi-page PDFs of 200-dpi JPEG scans."""
    rng = random.Random(seed)
    made = []
    for i in range(count):
        pages = rng.randint(1, 10)
        kinds = tuple(rng.choice(ONE_PAGE_KINDS) for _ in range(pages))
        kept = root / f"d{i:03d}" / "scan.pdf"  # made by an earlier run into the same --inputs folder
        path = kept if kept.is_file() else generate_dossier(root / f"d{i:03d}", seed=seed + i, kinds=kinds, fmt="pdf")
        made.append((path, pages))
    return made


def pct(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def submit_all(
    env: dict[str, str], inputs: list[tuple[Path, int]], rate: float, check: bool = False
) -> list[dict[str, Any]]:
    """POST every dossier at ``rate`` per second on a fixed schedule (a slow receipt does not delay the next).

    ``check`` false is the desk's way: the clerk ran ``/check`` on the pages while looking at them, then hands
    the dossier in with ``?check=false``; true runs the reception check inside the receipt (a machine client)."""
    headers = {"Authorization": f"Bearer {env['SOHOA_TOKEN']}"}
    start = time.monotonic()

    def one(i: int, path: Path, pages: int) -> dict[str, Any]:
        time.sleep(max(0.0, start + i / rate - time.monotonic()))
        sent = time.monotonic()
        with httpx.Client(base_url=env["SOHOA_URL"], timeout=120) as client:
            reply = client.post("/api/v1/dossiers", headers=headers, params={"check": str(check).lower()},
                                files=[("files", (path.name, path.read_bytes(), "application/pdf"))])  # fmt: skip
        took = time.monotonic() - sent
        body = reply.json() if reply.status_code == 202 else {}
        return {"i": i, "status": reply.status_code, "code": body.get("code"), "pages": pages, "receipt_s": took,
                "sent": sent, "error": None if reply.status_code == 202 else reply.text[:300]}  # fmt: skip

    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(one, i, p, n) for i, (p, n) in enumerate(inputs)]
        return [f.result() for f in futures]


class DepthSampler(threading.Thread):
    """Samples every few seconds: page/fan-in jobs queued and running, and dossiers finished."""

    def __init__(self, conn: Redis, engine: Any, every_s: float = 5.0) -> None:
        super().__init__(daemon=True)
        self.conn, self.engine, self.every_s = conn, engine, every_s
        self.samples: list[dict[str, float]] = []
        self.halt = threading.Event()
        self.t0 = time.monotonic()

    def run(self) -> None:
        while not self.halt.wait(self.every_s):
            pages = queues.queue(self.conn, queues.PAGES_QUEUE)
            finish = queues.queue(self.conn, queues.FINISH_QUEUE)
            with session_scope(self.engine) as s:
                done = s.scalar(select(func.count()).select_from(DossierRow).where(DossierRow.state.in_(FINISHED)))
            self.samples.append({
                "t": round(time.monotonic() - self.t0, 1), "queued": len(pages) + len(finish),
                "running": pages.started_job_registry.count + finish.started_job_registry.count,
                "finished": int(done or 0),
            })  # fmt: skip


def job_seconds(conn: Redis) -> tuple[float, float, int]:
    """Seconds spent in page jobs and in fan-in jobs (RQ's start/end times), and page jobs counted."""
    totals = {}
    count = 0
    for name in (queues.PAGES_QUEUE, queues.FINISH_QUEUE):
        q = queues.queue(conn, name)
        total = 0.0
        for job_id in q.finished_job_registry.get_job_ids():
            job = q.fetch_job(job_id)
            if job is not None and job.started_at and job.ended_at:
                total += (job.ended_at - job.started_at).total_seconds()
                count += name == queues.PAGES_QUEUE
        totals[name] = total
    return totals[queues.PAGES_QUEUE], totals[queues.FINISH_QUEUE], count


def audit(env: dict[str, str], engine: Any, codes: list[str], pages_of: dict[str, int]) -> dict[str, Any]:
    """States, one result per document, nothing twice; storage check and audit verify."""
    with session_scope(engine) as s:
        rows = s.execute(select(DossierRow.code, DossierRow.state, DossierRow.created_at, DossierRow.updated_at,
                                DossierRow.reason)).all()  # fmt: skip
        per_doc = (
            func.count(DocumentRow.id),
            func.count(func.distinct(DocumentRow.index)),
            func.count(DocumentRow.pdf_key),
        )
        docs = s.execute(select(DossierRow.code, *per_doc)
                         .join(DocumentRow, DocumentRow.dossier_id == DossierRow.id)
                         .group_by(DossierRow.code)).all()  # fmt: skip
        saved_pages = select(DossierRow.code, func.count(PageRow.id)).join(PageRow, PageRow.dossier_id == DossierRow.id)
        saved = dict(s.execute(saved_pages.group_by(DossierRow.code)).all())  # type: ignore[arg-type]
    by_code = {r.code: r for r in rows}
    doc_count = {c: (n, distinct, pdfs) for c, n, distinct, pdfs in docs}
    states: dict[str, int] = {}
    for code in codes:
        states[by_code[code].state] = states.get(by_code[code].state, 0) + 1
    # one result per document: each document once (by its index) with one signed PDF, and every page saved once
    doubled = [c for c in codes if c not in doc_count or len(set(doc_count[c])) != 1]
    pages_lost = [c for c in codes if saved.get(c, 0) != pages_of[c]]
    check = sohoa(env, "storage", "check", "--json", check=False)
    verify = sohoa(env, "audit", "verify", "--json", check=False)
    return {
        "states": states,
        "unfinished": [c for c in codes if by_code[c].state not in FINISHED],
        "reasons": sorted({by_code[c].reason for c in codes if by_code[c].reason})[:5],
        "dossier_rows": len(rows),
        "distinct_codes": len(set(codes)),
        "documents": sum(v[0] for v in doc_count.values()),
        "documents_doubled_or_unsigned": doubled[:5],
        "pages_not_saved_once": pages_lost[:5],
        "storage_check_rc": check.returncode,
        "audit_verify_rc": verify.returncode,
        "latency_s": [(by_code[c].updated_at - by_code[c].created_at).total_seconds() for c in codes],
        "storage_check": check.stdout[-500:] if check.returncode else "clean",
        "audit_verify": verify.stdout[-500:] if verify.returncode else "clean",
    }


def run_once(
    inputs: list[tuple[Path, int]], rate: float, n_workers: int, folder: Path, check: bool = False
) -> dict[str, Any]:
    """One stack, ``n_workers`` workers, every input submitted; the figures and the audit."""
    stack = open_stack(folder, n_workers)
    try:
        env = stack.env
        conn = Redis.from_url(env["SOHOA_REDIS_URL"])
        engine = make_engine(env["SOHOA_DATABASE_URL"])
        sampler = DepthSampler(conn, engine)
        sampler.start()
        t0 = time.monotonic()
        sent = submit_all(env, inputs, rate, check)
        submit_span = time.monotonic() - t0
        codes = [r["code"] for r in sent if r["code"]]
        pages_of = {r["code"]: r["pages"] for r in sent if r["code"]}
        if n_workers == 0:  # receipts alone: the web front end with no worker taking its CPU
            sampler.halt.set()
            engine.dispose()
            return receipts_only(sent, submit_span)
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            with session_scope(engine) as s:
                active = s.scalar(select(func.count()).select_from(DossierRow)
                                  .where(DossierRow.state.in_(("received", "processing")))) or 0  # fmt: skip
            if not active:
                break
            time.sleep(2)
        wall = time.monotonic() - t0
        sampler.halt.set()
        page_s, finish_s, page_jobs = job_seconds(conn)
        result = audit(env, engine, codes, pages_of)
        engine.dispose()
    finally:
        stack.down()
    latency = result.pop("latency_s")
    pages = sum(pages_of.values())
    return {
        "workers": n_workers,
        "reception_check_in_receipt": check,
        "dossiers": len(inputs),
        "pages": pages,
        **receipt_figures(sent, submit_span),
        "finished_s": {"p50": pct(latency, 50), "p95": pct(latency, 95), "p99": pct(latency, 99)},
        "wall_s": round(wall, 1),
        "pages_per_min": round(pages / wall * 60, 1),
        "worker_s_per_page": round((page_s + finish_s) / max(1, pages), 2),
        "page_job_s": round(page_s / max(1, page_jobs), 2),
        "fan_in_s_per_page": round(finish_s / max(1, pages), 2),
        "max_queued": max((x["queued"] for x in sampler.samples), default=0),
        "depth": sampler.samples[:: max(1, len(sampler.samples) // 20)],
        "audit": result,
    }


def receipt_figures(sent: list[dict[str, Any]], submit_span: float) -> dict[str, Any]:
    """Receipts per second, their latency, and each receipt's pages and seconds."""
    receipts = [r["receipt_s"] for r in sent]
    return {
        "receipts_per_s": round(len(sent) / submit_span, 2),
        "receipt_s": {"p50": pct(receipts, 50), "p95": pct(receipts, 95), "max": max(receipts)},
        "receipts": [(r["pages"], round(r["receipt_s"], 2)) for r in sent],
        "rejected_at_submit": [r for r in sent if r["status"] != 202][:3],
    }


def receipts_only(sent: list[dict[str, Any]], submit_span: float) -> dict[str, Any]:
    """A run without workers: nothing is processed, only the receipts are measured."""
    return {"workers": 0, "dossiers": len(sent), "pages": sum(r["pages"] for r in sent)} | receipt_figures(
        sent, submit_span
    )


def cores_needed(worker_s_per_page: float) -> dict[str, Any]:
    """Worker cores a province needs in its peak month's working hours, one worker per core."""
    p = PROVINCE
    pages_per_hour = p["dossiers_per_year"] * p["pages_per_dossier"] * p["peak_factor"] / (p["days"] * p["hours"])
    cores = pages_per_hour * worker_s_per_page / 3600
    return p | {"peak_pages_per_hour": round(pages_per_hour), "cores": round(cores, 1),
                "cores_with_headroom": math.ceil(cores / 0.7)}  # fmt: skip


def show(r: dict[str, Any]) -> None:
    rs = r["receipt_s"]
    print(f"\n== {r['workers']} worker(s): {r['dossiers']} dossiers, {r['pages']} pages")
    print(f"receipts: {r['receipts_per_s']}/s; latency p50 {rs['p50']:.2f} s, p95 {rs['p95']:.2f} s, "
          f"max {rs['max']:.2f} s (target < 2 s)")  # fmt: skip
    if not r["workers"]:
        return
    a, fs = r["audit"], r["finished_s"]
    print(f"submit -> finished: p50 {fs['p50']:.0f} s, p95 {fs['p95']:.0f} s, p99 {fs['p99']:.0f} s; "
          f"wall {r['wall_s']} s; {r['pages_per_min']} pages/min")  # fmt: skip
    print(f"worker seconds a page: {r['worker_s_per_page']} (page job {r['page_job_s']}, fan-in "
          f"{r['fan_in_s_per_page']} a page); most jobs queued at once: {r['max_queued']}")  # fmt: skip
    print("queue depth (t s: queued/running/finished): " + "  ".join(
        f"{x['t']:.0f}:{x['queued']}/{x['running']}/{x['finished']}" for x in r["depth"]))  # fmt: skip
    print(f"audit: states {a['states']}; unfinished {len(a['unfinished'])}; dossier rows {a['dossier_rows']} "
          f"for {a['distinct_codes']} codes; {a['documents']} documents, doubled or unsigned: "
          f"{a['documents_doubled_or_unsigned']}; pages not saved once: {a['pages_not_saved_once']}; "
          f"storage check {a['storage_check']}; audit verify {a['audit_verify']}")  # fmt: skip
    if r["rejected_at_submit"] or a["reasons"]:
        print(f"rejected at submit: {r['rejected_at_submit']}; reasons: {a['reasons']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dossiers", type=int, default=200)
    ap.add_argument("--rate", type=float, default=1.0, help="dossiers submitted per second")
    ap.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated (0: receipts only)")
    ap.add_argument("--quick", action="store_true", help="6 dossiers, 1 worker: a smoke run")
    ap.add_argument("--json", type=Path, help="write every figure here")
    ap.add_argument("--inputs", type=Path, help="keep the generated dossiers here and reuse them next time")
    ap.add_argument("--reception-check", action="store_true", help="run the reception check inside each receipt")
    args = ap.parse_args()
    counts = [1] if args.quick else [int(x) for x in args.workers.split(",")]
    n = 6 if args.quick else args.dossiers
    work = Path(tempfile.mkdtemp(prefix="sohoa-load-"))
    work.chmod(0o755)  # stack.sh runs PostgreSQL as its own account, which must reach its folder in here
    try:
        t = time.monotonic()
        inputs = make_inputs(args.inputs or work / "in", n)
        print(f"{n} dossiers, {sum(p for _, p in inputs)} pages generated in {time.monotonic() - t:.0f} s; "
              f"rate {args.rate}/s; workers {counts}", flush=True)  # fmt: skip
        runs = []
        for k in counts:
            runs.append(run_once(inputs, args.rate, k, work / f"stack{k}", args.reception_check))
            show(runs[-1])
        cost = min((r["worker_s_per_page"] for r in runs if r["workers"]), default=0.0)
        sizing = cores_needed(cost)
        if cost:
            print(f"\nprovince at peak ({sizing['dossiers_per_year']:,} dossiers/yr x "
                  f"{sizing['pages_per_dossier']} pages, "
                  f"peak x{sizing['peak_factor']}, {sizing['days']} days x {sizing['hours']} h): "
                  f"{sizing['peak_pages_per_hour']:,} pages/h x {cost} s = {sizing['cores']} worker cores busy, "
                  f"{sizing['cores_with_headroom']} at 70 % load")  # fmt: skip
        if args.json:
            args.json.write_text(json.dumps({"runs": runs, "province": sizing}, indent=1, default=str))
        audited = [r["audit"] for r in runs if r["workers"]]
        bad = [a for a in audited if a["unfinished"] or a["storage_check_rc"] or a["audit_verify_rc"]
               or a["documents_doubled_or_unsigned"] or a["pages_not_saved_once"]]  # fmt: skip
        bad += [r for r in runs if r["rejected_at_submit"]]
        raise SystemExit(1 if bad else 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
