"""The web front end in the distributed mode: a dossier handed in through the API goes to Redis, and a
`sohoa worker --burst` process (real redis-server, real worker, same data folder) digitizes it.

The server runs no background thread here: with ``SOHOA_REDIS_URL`` set it only hands dossiers in.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from queue_helpers import DONE_STATES, queue_env, sohoa
from redis import Redis
from web_helpers import SAMPLE, client, login, make_service, sample_files

from pipeline.result import validate_result
from web.app import create_app
from workers import queues
from workers.results import load_result

pytestmark = pytest.mark.slow
BIRTH = "1.001193"  # Đăng ký khai sinh: the sample's confirmation fills its birth-certificate component


def test_a_dossier_submitted_through_the_api_is_queued_and_a_burst_worker_digitizes_it(
    tmp_path: Path, redis_url: str
) -> None:
    data = tmp_path / "data"
    service = make_service(data, redis_url=redis_url, signer="dev")
    try:
        assert create_app(service).state.web.runner is None, "with Redis, workers digitize, not the server"
        web = client(service)
        csrf = login(web, "le.tan")
        got = web.post(
            "/api/v1/dossiers", data={"procedure": BIRTH}, files=sample_files(), headers={"X-CSRF-Token": csrf}
        )
        assert got.status_code == 202, got.text
        receipt = got.json()
        code = receipt["code"]
        assert receipt["queued"] is True and receipt["state"] == "processing"
        assert receipt["procedure"]["code"] == BIRTH and receipt["due_on"]
        pages = queues.queue(Redis.from_url(redis_url), queues.PAGES_QUEUE).get_job_ids()
        assert pages == [queues.page_job_id(code, 1), queues.page_job_id(code, 2)]

        sohoa(queue_env(data, redis_url), "worker", "--burst", "--name", "web-burst")

        status = web.get(f"/api/v1/dossiers/{code}").json()
        assert status["state"] in DONE_STATES, status
        assert status["documents"], "the worker stored the dossier's results"
        public = client(service).get(f"/api/v1/status/{code}", params={"secret": receipt["secret"]}).json()
        assert public["pages"] == {"done": 2, "total": 2} and public["state"] == status["state"]

        queued = load_result(service.ctx, code)  # what the fan-in stored, as every export gives it
        validate_result(queued)
        assert queued["dossier"]["due_on"] == receipt["due_on"]
        page = web.get(f"/desk/receipt/{code}").text
        assert "Thành phần hồ sơ</h2>" in page and "Đã nhận" in page and "Thiếu" in page
    finally:
        service.close()

    embedded = make_service(tmp_path / "embedded", signer="dev")  # a fresh database: the same dossier code
    try:
        alone = embedded.process(sorted(SAMPLE.glob("*.jpg")), tmp_path / "out", procedure=BIRTH).result
    finally:
        embedded.close()
    assert alone["dossier"]["code"] == code
    assert queued["procedure"] == alone["procedure"], "the fan-in runs the embedded mode's procedure reception"
    assert [d["component"] for d in queued["documents"]] == [d["component"] for d in alone["documents"]]
    assert queued["procedure"]["components"][1]["status"] == "received"  # the confirmation: giấy chứng sinh
    assert alone["dossier"]["due_on"] == queued["dossier"]["due_on"]
