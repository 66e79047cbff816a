"""Reads of personal data are audited: searching by personal ID, showing, exporting, download links and the review
listing each leave an entry naming who read what, never the values, the search term or the link.

Tested from the outside: the `sohoa` commands run, then the audit log is read back with `sohoa audit log`. On
SQLite and a real PostgreSQL server (``db_url``); the download link on a real S3 server (SeaweedFS).
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from seed_results import decision_fields, seed_dossier, sure_fields
from sqlalchemy import Engine
from typer.testing import CliRunner

from sohoa.cli import app
from sohoa.settings import load_settings
from storage.audit_digest import load_audit_key, search_term_digest
from storage.local import LocalFolderStore
from storage.objects import open_object_store

PERSONAL_ID = "001203004567"


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def sohoa(env: dict[str, str], *args: str) -> Ran:
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"), SOHOA_DATABASE_URL=db_url)


@pytest.fixture
def stored(engine: Engine, tmp_path: Path) -> tuple[str, list[str]]:
    store = LocalFolderStore(tmp_path / "data" / "objects")
    return seed_dossier(engine, "d", [decision_fields(personal_id=PERSONAL_ID), sure_fields()], store=store)


def log(env: dict[str, str]) -> list[dict]:
    done = sohoa(env, "audit", "log", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_search_by_personal_id_is_audited_with_a_keyed_digest_never_the_id(
    env: dict[str, str], stored, tmp_path: Path
) -> None:
    _, (first, _) = stored
    found = sohoa(env, "results", "search", "--personal-id", "001 203 004 567", "--by", "lan", "--json")
    assert found.returncode == 0 and [r["code"] for r in json.loads(found.stdout)] == [first]
    missed = sohoa(env, "results", "search", "--personal-id", "001203004560", "--by", "lan")
    assert missed.returncode == 0 and "Không tìm thấy" in missed.stdout
    key = load_audit_key(tmp_path / "data" / "keys" / "audit-hmac.key", create=False)
    assert key is not None
    entries = log(env)
    assert [(e["actor"], e["action"], e["subject"]) for e in entries] == [("lan", "results.searched", "results")] * 2
    assert entries[0]["payload"] == {
        "by": "personal_id",
        "term_hmac": search_term_digest(key, "personal_id", PERSONAL_ID),  # the ID as searched: digits only
        "hmac_key": key.id,
        "found": [first],
        "count": 1,
    }
    assert (entries[1]["payload"]["found"], entries[1]["payload"]["count"]) == ([], 0)  # a miss is a read too
    assert "00120300456" not in json.dumps(entries)


def test_showing_and_exporting_a_result_are_audited_with_the_field_keys_read(
    env: dict[str, str], stored, tmp_path: Path
) -> None:
    _, (first, _) = stored
    assert sohoa(env, "results", "show", first, "--by", "minh").returncode == 0
    out = tmp_path / "out"
    assert sohoa(env, "results", "export", first, "--out", str(out), "--by", "minh").returncode == 0
    keys = ["number_symbol", "signer_name", "personal_id", "recipient", "owners"]
    assert [(e["actor"], e["action"], e["subject"], e["payload"]) for e in log(env)] == [
        ("minh", "result.read", first, {"via": "show", "fields": keys, "revisions": 0}),
        ("minh", "result.read", first, {"via": "export", "fields": keys, "revisions": 0}),
    ]


def test_the_review_listing_is_audited_for_each_result_whose_values_it_shows(env: dict[str, str], stored) -> None:
    _, (first, _) = stored
    assert sohoa(env, "review", "list", "--by", "lan").returncode == 0
    entries = log(env)
    # result 02 has no doubtful field: the listing names it but shows none of its values
    assert [(e["actor"], e["action"], e["subject"], e["payload"]) for e in entries] == [
        ("lan", "result.read", first, {"via": "review_list", "fields": ["personal_id", "signer_name"]})
    ]


def test_the_reader_is_the_login_name_without_by_and_an_unknown_result_reads_nothing(
    env: dict[str, str], stored
) -> None:
    _, (first, _) = stored
    assert sohoa(env, "results", "show", first).returncode == 0
    assert sohoa(env, "results", "show", "000.00.20.H40-261128-0009-01").returncode == 2
    assert sohoa(env, "results", "show", first, "--by", " ").returncode == 2  # nobody named: refused, not read
    assert [(e["actor"], e["subject"]) for e in log(env)] == [(getpass.getuser(), first)]


@pytest.mark.s3
def test_a_download_link_is_audited_but_never_written_to_the_log(
    engine: Engine, db_url: str, s3_env: dict[str, str], tmp_path: Path
) -> None:
    env = dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"), SOHOA_DATABASE_URL=db_url, **s3_env)
    settings = load_settings(
        s3_endpoint=s3_env["SOHOA_S3_ENDPOINT"],
        s3_access_key=s3_env["SOHOA_S3_ACCESS_KEY"],
        s3_secret_key=s3_env["SOHOA_S3_SECRET_KEY"],
        s3_secure=False,
    )
    store = open_object_store(s3_env["SOHOA_STORAGE_URL"], settings)
    _, (first, _) = seed_dossier(engine, "s3", [decision_fields(), sure_fields()], store=store)
    done = sohoa(env, "results", "url", first, "--expires", "120", "--by", "lan")
    assert done.returncode == 0, done.stderr
    link = done.stdout.strip()
    assert link.startswith("http") and "X-Amz-Signature" in link
    (entry,) = log(env)
    assert (entry["actor"], entry["action"], entry["subject"]) == ("lan", "result.read", first)
    assert entry["payload"]["via"] == "url" and entry["payload"]["expires_s"] == 120
    assert link not in json.dumps(entry) and link.split("X-Amz-Signature=")[1][:16] not in json.dumps(entry)
