"""End to end on S3: `sohoa process` with SOHOA_STORAGE_URL=s3://... stores the original, the signed PDF (under
WORM retention) and the result JSON in SeaweedFS, nothing in the local data folder; `sohoa storage check` passes,
`sohoa results url` hands out a link that downloads exactly the signed PDF, and a re-run stores nothing twice."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from seaweed import SeaweedServer

from storage import keys
from tests.conftest import SOHOA

pytestmark = [pytest.mark.slow, pytest.mark.s3]

ROOT = Path(__file__).resolve().parent.parent


def _sohoa(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SOHOA, *args], capture_output=True, text=True, env=env, timeout=600)


def test_process_stores_the_signed_pdf_in_s3_and_it_checks_and_downloads(
    seaweed_server: SeaweedServer, s3_env: dict[str, str], tmp_path: Path
) -> None:
    env = dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"), SOHOA_S3_RETENTION_DAYS="1", **s3_env)
    env["SOHOA_SIGNER"] = "dev"  # S3 storage is not the embedded mode: the development key must be asked for
    dossier = tmp_path / "dossier"
    shutil.copytree(ROOT / "samples" / "dossiers" / "quyet-dinh", dossier)
    done = _sohoa(env, "process", str(dossier / "scan.pdf"), "--out", str(tmp_path / "out"), "--json")
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    code = result["dossier"]["code"]
    assert not (tmp_path / "data" / "objects").exists()  # nothing went to the local folder store

    client = seaweed_server.client()
    bucket, prefix = s3_env["SOHOA_STORAGE_URL"][len("s3://") :].split("/", 1)
    name = f"{prefix}/{{}}".format
    stored = sorted(o.object_name for o in client.list_objects(bucket, prefix=prefix + "/", recursive=True))
    doc = result["documents"][0]
    pdf_key = doc["pdf"]["key"]  # the published PDF (digitization + approval signatures) once approved
    assert pdf_key.startswith(keys.dossier_prefix(code))
    source_sha = result["dossier"]["sources"][0]["sha256"]
    expected = {keys.original_key(source_sha), pdf_key, keys.result_json_key(code)}
    assert expected <= {o[len(prefix) + 1 :] for o in stored}

    body = client.get_object(bucket, name(pdf_key)).read()
    assert body == (tmp_path / "out" / f"{doc['code']}.pdf").read_bytes()
    meta = client.stat_object(bucket, name(pdf_key)).metadata
    assert meta["x-amz-meta-sohoa-sha256"] == doc["pdf"]["sha256"]
    assert meta["x-amz-meta-dossier"] == code
    assert meta["x-amz-meta-document-type"] == doc["type"]
    assert meta["Content-Type"] == "application/pdf"
    assert client.get_object_retention(bucket, name(pdf_key)).mode == "GOVERNANCE"  # a record: WORM
    original = client.get_object(bucket, name(keys.original_key(source_sha))).read()
    assert original == (dossier / "scan.pdf").read_bytes()  # byte-exact

    check = _sohoa(env, "storage", "check", "--json")
    assert check.returncode == 0, check.stdout + check.stderr
    report = json.loads(check.stdout)
    assert report["ok"] and report["store"]["object_lock"] is True and report["verified"] >= 3

    link = _sohoa(env, "results", "url", doc["code"], "--expires", "120")
    assert link.returncode == 0, link.stderr
    with urllib.request.urlopen(link.stdout.strip(), timeout=30) as response:
        assert response.read() == body
    assert "valid for 120 s" in link.stderr

    again = _sohoa(env, "process", str(dossier / "scan.pdf"), "--out", str(tmp_path / "again"), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["dossier"].get("already_seen") is True
    assert (tmp_path / "again" / f"{doc['code']}.pdf").read_bytes() == body
    versions = list(client.list_objects(bucket, prefix=prefix + "/", recursive=True, include_version=True))
    assert len(versions) == len(stored)  # one version per object: the re-run wrote nothing
