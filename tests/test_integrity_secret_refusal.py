"""Issue 11, item 3 (the lifecycle side): a dossier holding a document marked secret is refused, and nothing
of it is kept but a tombstone per input (sha256, time, reason): no original, no page image, no OCR text,
no rows, no work files, no output. Exit 2. The same file again is refused before anything is stored.
In queue mode the same holds on a real S3 server with a versioned bucket (no version left behind).

Detection itself (every mark style, every level, many seeds) is tested in test_secrecy_marks.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from samples.generator import generate_dossier
from sohoa.errors import SecretDocument
from sohoa.settings import Settings
from storage.db import make_engine, session_scope
from storage.repository import load_audit, record_refusal, set_state
from storage.tables import (
    AuditRow,
    DocumentRow,
    DossierRow,
    FieldRow,
    PageRow,
    RefusedInputRow,
    SourceRow,
    StageRunRow,
)
from tests.conftest import SOHOA
from workers import lifecycle
from workers.context import open_context
from workers.refusal import finish_refusals

pytestmark = pytest.mark.slow
CONTENT_TABLES = (DossierRow, SourceRow, PageRow, StageRunRow, DocumentRow, FieldRow)


def _secret(tmp_path: Path, *, seed: int = 1, kinds: tuple[str, ...] = ("quyet_dinh_mat",)) -> Path:
    return generate_dossier(tmp_path / f"in-{seed}", seed=seed, kinds=kinds, fmt="pdf", dpi=150, defects="clean")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _only_tombstones_left(data: Path, scan: Path, *, objects: list[str]) -> None:
    """Nothing but the tombstone (and the audit entries, which hold no content) remains of the dossier."""
    engine = make_engine(f"sqlite:///{data / 'sohoa.db'}")
    with session_scope(engine) as s:
        for table in CONTENT_TABLES:
            assert s.scalar(select(func.count()).select_from(table)) == 0, table.__tablename__
        [tomb] = s.scalars(select(RefusedInputRow)).all()
        assert tomb.sha256 == _sha(scan) and tomb.reason_code == "secret_document" and "MẬT" in tomb.reason
        refused = [e for e in load_audit(s) if e.action == "dossier.refused"]
        assert len(refused) == 1 and refused[0].payload == {"reason": "secret_document", "sources": 1}
        assert "MẬT" not in json.dumps([e.payload for e in load_audit(s)], ensure_ascii=False)
        assert s.scalar(select(func.count()).select_from(AuditRow)) >= 2
    assert objects == []
    leftovers = [p for p in (data / "work").rglob("*") if p.is_file()] if (data / "work").exists() else []
    assert leftovers == []
    assert not [p for pattern in ("ingest-*", "early-*", "submit-*") for p in data.glob(pattern)]  # no scratch


def _local_objects(data: Path) -> list[str]:
    root = data / "objects"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_secret_document_is_refused_with_nothing_kept_but_a_tombstone(tmp_path: Path) -> None:
    scan = _secret(tmp_path)
    env = dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"))
    run = subprocess.run([SOHOA, "process", str(scan), "--out", str(tmp_path / "out")], env=env,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "độ mật" in run.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    _only_tombstones_left(tmp_path / "data", scan, objects=_local_objects(tmp_path / "data"))

    again = subprocess.run([SOHOA, "process", str(scan), "--out", str(tmp_path / "out")], env=env,
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert again.returncode == 2 and "đã bị từ chối trước đây" in again.stderr
    assert _local_objects(tmp_path / "data") == []  # refused before anything was stored


def test_a_secret_document_after_two_others_refuses_the_whole_dossier(tmp_path: Path) -> None:
    scan = _secret(tmp_path, seed=5, kinds=("thong_bao", "don", "quyet_dinh_mat"))
    settings = Settings(data_dir=tmp_path / "data", workers=2)
    with pytest.raises(SecretDocument):
        lifecycle.process_dossier([scan], settings, tmp_path / "out")
    _only_tombstones_left(tmp_path / "data", scan, objects=_local_objects(tmp_path / "data"))


def test_an_interrupted_refusal_is_completed_by_the_reconciler(tmp_path: Path) -> None:
    """The process died after recording the refusal, before purging: the next reconcile pass purges it."""
    scan = generate_dossier(tmp_path / "in", seed=2, kinds=("thong_bao",), fmt="pdf", dpi=150, defects="clean")
    settings = Settings(data_dir=tmp_path / "data", workers=1, auto_approve=False)
    outcome = lifecycle.process_dossier([scan], settings, tmp_path / "out")
    ctx = open_context(settings)
    with session_scope(ctx.engine) as s:  # what `refuse` writes first, as if a secret mark had been found late
        row = s.scalars(select(DossierRow)).one()
        record_refusal(s, [_sha(scan)], reason_code="secret_document", reason="Trang 1 có dấu chỉ độ mật «MẬT»")
        set_state(s, row, "rejected", reason="secret")
    assert _local_objects(tmp_path / "data")  # still there: the purge did not run

    assert finish_refusals(ctx) == [outcome.dossier_code]

    with session_scope(ctx.engine) as s:
        assert s.scalar(select(func.count()).select_from(DossierRow)) == 0
    assert [k for k in _local_objects(tmp_path / "data") if "dossiers/" in k or "originals/" in k] == []


@pytest.mark.s3
def test_a_secret_document_in_queue_mode_leaves_no_object_version_on_s3(
    tmp_path: Path, redis_url: str, s3_env: dict[str, str], seaweed_server: object
) -> None:
    from queue_helpers import queue_env, start_worker, stop, submit, wait_for

    from storage.objects import open_object_store

    scan = _secret(tmp_path, seed=5, kinds=("thong_bao", "quyet_dinh_mat"))
    env = queue_env(tmp_path / "data", redis_url, SOHOA_SIGNER="dev", SOHOA_WORKERS="1", **s3_env)
    code = submit(env, scan)
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'sohoa.db'}")

    def refused() -> bool:
        with session_scope(engine) as s:
            return s.scalar(select(func.count()).select_from(DossierRow)) == 0

    def logged() -> bool:  # the job says so after the purge: stopping the worker sooner would cut that line
        return refused() and "refused" in (tmp_path / "w.log").read_text()

    worker = start_worker(env, "w", tmp_path / "w.log")
    try:
        wait_for("the dossier to be refused, purged and the refusal logged", logged, 240)
    finally:
        stop(worker)
    settings = Settings(
        data_dir=tmp_path / "data",
        s3_endpoint=s3_env["SOHOA_S3_ENDPOINT"],
        s3_access_key=s3_env["SOHOA_S3_ACCESS_KEY"],
        s3_secret_key=s3_env["SOHOA_S3_SECRET_KEY"],  # type: ignore[arg-type]
        s3_secure=False,
    )
    store = open_object_store(s3_env["SOHOA_STORAGE_URL"], settings)
    names = [
        (o.object_name, o.version_id)
        for o in store.client.list_objects(store.bucket, prefix=store.prefix, recursive=True, include_version=True)  # type: ignore[attr-defined]
    ]
    assert names == []  # not an object, not a version, not a delete marker: the bucket forgot the dossier
    _only_tombstones_left(tmp_path / "data", scan, objects=[])
    log = (tmp_path / "w.log").read_text()
    assert "refused" in log and code in log and "Traceback" not in log
    with session_scope(engine) as s:
        assert json.dumps([e.payload for e in load_audit(s)]).count("secret_document") == 1
