"""Submit, enqueue and reconcile without OCR: fixed job ids make one job, a Redis outage at submit loses nothing."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
from queue_helpers import Effects, queue_env, sohoa
from redis import Redis

from samples.generator import generate_dossier
from workers import queues


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_dossier(tmp_path_factory.mktemp("scan"), seed=3, kinds=("thong_bao", "don"), fmt="tiff", dpi=150)


def _queued(url: str) -> list[str]:
    return queues.queue(Redis.from_url(url), queues.PAGES_QUEUE).get_job_ids()


def test_submit_prints_a_receipt_and_enqueues_one_job_per_page_once(tmp_path: Path, redis_url: str, scan: Path) -> None:
    env = queue_env(tmp_path / "data", redis_url)
    receipt = json.loads(sohoa(env, "submit", str(scan), "--json").stdout)
    assert receipt["pages"] == 2 and receipt["queued"] and receipt["state"] == "processing"
    assert {f["page"] for f in receipt["findings"]} <= {1, 2}  # the reception check ran on every page
    code = receipt["code"]
    assert _queued(redis_url) == [queues.page_job_id(code, 1), queues.page_job_id(code, 2)]

    again = json.loads(sohoa(env, "submit", str(scan), "--json").stdout)  # the desk submits twice
    assert again["code"] == code and again["already_seen"]
    sohoa(env, "reconcile")  # and a reconciler runs meanwhile
    assert _queued(redis_url) == [queues.page_job_id(code, 1), queues.page_job_id(code, 2)]

    status = json.loads(sohoa(env, "status", code, "--json").stdout)
    assert status["state"] == "processing" and status["pages"] == {"done": 0, "total": 2}
    assert set(status["jobs"].values()) == {"queued"}


def test_submit_with_redis_down_records_the_dossier_and_reconcile_enqueues_it(
    tmp_path: Path, redis_url: str, scan: Path
) -> None:
    from redis_server import free_port

    down = queue_env(tmp_path / "data", f"redis://127.0.0.1:{free_port()}/0")
    receipt = json.loads(sohoa(down, "submit", str(scan), "--json").stdout)
    assert not receipt["queued"] and receipt["state"] == "received"
    assert Effects(tmp_path / "data").state(receipt["code"])[0] == "received"

    up = queue_env(tmp_path / "data", redis_url)
    report = json.loads(sohoa(up, "reconcile", "--json").stdout)
    assert report["enqueued"] == {receipt["code"]: [queues.page_job_id(receipt["code"], n) for n in (1, 2)]}
    assert len(_queued(redis_url)) == 2
    assert Effects(tmp_path / "data").state(receipt["code"])[0] == "processing"


def test_submit_bad_input_is_one_line_exit_2_and_records_nothing(tmp_path: Path, redis_url: str) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    env = queue_env(tmp_path / "data", redis_url)
    done = sohoa(env, "submit", str(empty), check=False)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert _queued(redis_url) == []
    assert not (tmp_path / "data" / "objects" / "originals").exists() or not any(
        (tmp_path / "data" / "objects" / "originals").iterdir()
    )


def test_status_and_retry_of_an_unknown_dossier_exit_2(tmp_path: Path, redis_url: str) -> None:
    env = queue_env(tmp_path / "data", redis_url)
    assert sohoa(env, "status", "000.00.20.H40-990101-0001", check=False).returncode == 2
    assert sohoa(env, "retry", "000.00.20.H40-990101-0001", check=False).returncode == 2


def test_a_job_in_flight_is_not_enqueued_twice_and_carries_ids_only_as_json(redis_url: str) -> None:
    from sohoa.settings import Settings
    from workers.jobs import enqueue_page

    conn = Redis.from_url(redis_url)
    settings = Settings(job_retries=1, retry_intervals_s="0")
    code = "000.00.20.H40-990101-0007"
    assert enqueue_page(settings, conn, code, 1, replace_failed=False) == "queued"
    assert enqueue_page(settings, conn, code, 1, replace_failed=True) == "in_flight"
    job = queues.queue(conn, queues.PAGES_QUEUE).fetch_job(queues.page_job_id(code, 1))
    assert job is not None and job.args == [code, 1] and job.retries_left == 1  # ids only, JSON
    payload = zlib.decompress(conn.hget(job.key, "data"))  # RQ compresses the payload
    assert json.loads(payload)[2:] == [[code, 1], {}]  # JSON (function name, instance, args, kwargs): no pickle
