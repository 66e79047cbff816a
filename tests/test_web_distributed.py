"""The web front end in the distributed mode: a dossier handed in through the API goes to Redis, and a
`sohoa worker --burst` process (real redis-server, real worker, same data folder) digitizes it.

The server runs no background thread here: with ``SOHOA_REDIS_URL`` set it only hands dossiers in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from queue_helpers import DONE_STATES, queue_env, sohoa
from redis import Redis
from web_helpers import client, login, make_service, sample_files

from web.app import create_app
from workers import queues

pytestmark = pytest.mark.slow


def test_a_dossier_submitted_through_the_api_is_queued_and_a_burst_worker_digitizes_it(
    tmp_path: Path, redis_url: str
) -> None:
    data = tmp_path / "data"
    service = make_service(data, redis_url=redis_url, signer="dev")
    try:
        assert create_app(service).state.web.runner is None, "with Redis, workers digitize, not the server"
        web = client(service)
        csrf = login(web, "le.tan")
        got = web.post("/api/v1/dossiers", files=sample_files(), headers={"X-CSRF-Token": csrf})
        assert got.status_code == 202, got.text
        receipt = got.json()
        code = receipt["code"]
        assert receipt["queued"] is True and receipt["state"] == "processing"
        pages = queues.queue(Redis.from_url(redis_url), queues.PAGES_QUEUE).get_job_ids()
        assert pages == [queues.page_job_id(code, 1), queues.page_job_id(code, 2)]

        sohoa(queue_env(data, redis_url), "worker", "--burst", "--name", "web-burst")

        status = web.get(f"/api/v1/dossiers/{code}").json()
        assert status["state"] in DONE_STATES, status
        assert status["documents"], "the worker stored the dossier's results"
        public = client(service).get(f"/api/v1/status/{code}", params={"secret": receipt["secret"]}).json()
        assert public["pages"] == {"done": 2, "total": 2} and public["state"] == status["state"]
    finally:
        service.close()
