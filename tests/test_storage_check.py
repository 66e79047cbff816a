"""`sohoa storage check`: every object the database names is re-hashed; missing, corrupt and orphaned objects are
reported, on the local folder and on a real S3 server (the ``object_store`` fixture), and the CLI exits non-zero."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import tamper
from seed_results import decision_fields, seed_dossier, sha, sure_fields
from sqlalchemy import Engine, update

from storage import keys
from storage.check import check_store
from storage.db import make_engine, migrate, session_scope
from storage.objects import ObjectStore
from storage.tables import DocumentRow
from tests.conftest import SOHOA


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'data' / 'sohoa.db'}"
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def seed(engine: Engine, store: ObjectStore, token: str, documents: int = 2) -> tuple[str, list[str]]:
    """A stored dossier as the lifecycle leaves it: original, page images, signed PDFs and result JSON."""
    fields = [decision_fields(), sure_fields()][:documents]
    code, results = seed_dossier(engine, token, fields, store=store)
    store.put_bytes(keys.original_key(sha(token)), token.encode())  # its sha256 is the one the row holds
    for number in (1, 2):
        store.put_bytes(keys.page_image_key(code, number), b"\xff\xd8 page image %d" % number)
    return code, results


def kinds(report) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    found: dict[str, list[str]] = {}
    for f in report.findings:
        found.setdefault(f.kind, []).append(f.key)
    return found


def test_intact_store_checks_clean_and_rehashes_every_object(object_store: ObjectStore, engine: Engine) -> None:
    seed(engine, object_store, "clean dossier")
    report = check_store(object_store, engine)
    assert report.ok, report.findings
    # 1 original + 2 page images + 2 signed PDFs + 1 result JSON
    assert (report.expected, report.listed, report.verified) == (6, 6, 6)
    assert report.bytes_hashed == sum(object_store.stat(k).size for k in object_store.iter_keys())  # type: ignore[union-attr]


def test_missing_corrupt_and_orphaned_objects_are_each_reported(object_store: ObjectStore, engine: Engine) -> None:
    code, (first, second) = seed(engine, object_store, "damaged dossier")
    gone, rotten = keys.result_pdf_key(code, first), keys.result_pdf_key(code, second)
    tamper.delete(object_store, gone)
    tamper.corrupt(object_store, rotten)
    stray = keys.result_pdf_key(code, f"{code}-09")
    object_store.put_bytes(stray, b"%PDF a result no row knows")
    report = check_store(object_store, engine)
    assert not report.ok
    assert kinds(report) == {"missing": [gone], "corrupt": [rotten], "orphaned": [stray]}
    missing = next(f for f in report.findings if f.kind == "missing")
    assert missing.owner == first and "signed PDF" in missing.detail
    assert report.counts() == {"missing": 1, "corrupt": 1, "orphaned": 1}


def test_quick_check_compares_records_and_catches_a_replaced_object(object_store: ObjectStore, engine: Engine) -> None:
    code, (first, _) = seed(engine, object_store, "replaced dossier")
    with session_scope(engine) as session:  # the database recorded another PDF than the one stored
        session.execute(update(DocumentRow).where(DocumentRow.code == first).values(pdf_sha256=sha("another pdf")))
    report = check_store(object_store, engine, rehash=False)
    assert kinds(report) == {"corrupt": [keys.result_pdf_key(code, first)]}
    assert report.bytes_hashed == 0


def test_result_json_is_required_only_once_a_dossier_was_stored(object_store: ObjectStore, engine: Engine) -> None:
    done, _ = seed(engine, object_store, "finished dossier")
    tamper.delete(object_store, keys.result_json_key(done))
    running, _ = seed_dossier(engine, "dossier still processing", [sure_fields()], state="processing")
    report = check_store(object_store, engine, rehash=False)
    missing = kinds(report)["missing"]
    assert keys.result_json_key(done) in missing
    assert keys.result_json_key(running) not in missing


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SOHOA, "storage", "check", *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_exits_0_when_clean_and_1_with_a_json_report_when_not(
    object_store: ObjectStore, engine: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"))
    if object_store.describe()["kind"] == "s3":
        env |= request.getfixturevalue("s3_env")
    else:
        env["SOHOA_STORAGE_URL"] = object_store.describe()["url"]
    code, (first, _) = seed(engine, object_store, "cli dossier")
    clean = _cli(env)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.startswith("OK: 6 objects in the database, 6 stored, 6 verified")
    tamper.corrupt(object_store, keys.result_pdf_key(code, first))
    broken = _cli(env, "--json")
    assert broken.returncode == 1, broken.stderr
    report = json.loads(broken.stdout)
    assert report["ok"] is False
    assert report["counts"] == {"missing": 0, "corrupt": 1, "orphaned": 0}
    assert report["findings"][0]["key"] == keys.result_pdf_key(code, first)
    assert report["store"]["kind"] == object_store.describe()["kind"]


def test_cli_reports_an_unreachable_store_in_one_line(tmp_path: Path) -> None:
    env = dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"), SOHOA_STORAGE_URL="s3://sohoa-test")
    env |= {"SOHOA_S3_ENDPOINT": "127.0.0.1:9", "SOHOA_S3_ACCESS_KEY": "a", "SOHOA_S3_SECRET_KEY": "b"}
    env["SOHOA_S3_SECURE"] = "false"
    done = _cli(env)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "cannot reach the server" in done.stderr
