"""Digests in the audit log's payloads: which value a correction wrote and which fields were approved and published,
as HMACs under a key kept outside the database; and field revisions that cannot be changed.

Every test runs on SQLite and on a real PostgreSQL server (``db_url`` in conftest.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from audit_attacks import change_rows
from seed_results import AUDIT_KEY, decision_fields, seed_dossier, sure_fields
from sqlalchemy import Engine, update
from test_signing_sign_verify import make_pdf
from typer.testing import CliRunner

from signing.approval import read_embedded_fields
from signing.devpki import load_dev_signer
from signing.sign import sign_pdf
from sohoa.cli import app
from sohoa.errors import StorageError
from sohoa.settings import load_settings
from storage.audit_digest import approved_fields_digest, load_audit_key
from storage.db import session_scope
from storage.local import LocalFolderStore
from storage.repository import append_audit, load_audit
from storage.tables import DocumentRow, FieldRow
from workers.context import Context, open_context
from workers.results import show_result
from workers.review import approve_and_publish, set_field


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
    return dict(
        os.environ,
        SOHOA_DATA_DIR=str(tmp_path / "data"),
        SOHOA_DATABASE_URL=db_url,
        SOHOA_SIGNER="dev",  # a database URL is not the embedded mode: the development key is asked for
        SOHOA_AUDIT_SEAL_EVERY="0",
        SOHOA_AUDIT_SEAL_INTERVAL_S="0",
    )


@pytest.fixture
def stored(engine: Engine, tmp_path: Path) -> tuple[str, list[str]]:
    return seed_dossier(
        engine, "d", [decision_fields(), sure_fields()], store=LocalFolderStore(tmp_path / "data" / "objects")
    )


def entries(engine: Engine, action: str) -> list:
    with session_scope(engine) as session:
        return [e for e in load_audit(session) if e.action == action]


def test_field_revisions_refuse_updates_and_deletes(engine: Engine, stored) -> None:
    _, (first, _) = stored
    set_field(engine, first, "personal_id", "001203004568", by="lan", audit_key=AUDIT_KEY)
    for sql in ("UPDATE field_revisions SET new_value = '001203004999'", "UPDATE field_revisions SET by = 'x'",
                "UPDATE field_revisions SET field_id = field_id + 1", "DELETE FROM field_revisions"):  # fmt: skip
        with pytest.raises(StorageError, match="field_revisions is append-only"), session_scope(engine) as session:
            session.connection().exec_driver_sql(sql)


def test_a_correction_is_logged_as_keyed_digests_of_its_values_never_as_plain_hashes(
    engine: Engine, env: dict[str, str], stored, tmp_path: Path
) -> None:
    _, (first, _) = stored
    done = sohoa(env, "review", "set", first, "personal_id", "001203004568", "--by", "lan")
    assert done.returncode == 0, done.stderr
    key_file = tmp_path / "data" / "keys" / "audit-hmac.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # made on first use, readable by sohoa only
    secret = key_file.read_bytes().strip()
    (entry,) = entries(engine, "field.corrected")
    payload = entry.payload
    expected = {
        "old_hmac": ["sohoa.field-value/1", first, "personal_id", 0, "001203004567"],
        "new_hmac": ["sohoa.field-value/1", first, "personal_id", 0, "001203004568"],
    }
    for name, parts in expected.items():
        body = json.dumps({"d": parts}, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert payload[name] == hmac.new(secret, body, hashlib.sha256).hexdigest()
    assert payload["hmac_key"] == load_audit_key(key_file).id
    log = sohoa(env, "audit", "log", "--json").stdout
    for value in ("001203004568", "001203004567"):
        assert value not in log
        assert hashlib.sha256(value.encode()).hexdigest() not in log  # an unkeyed hash of 12 digits is no secret
    other = load_audit_key(tmp_path / "other.key")  # another installation cannot test guesses against it
    assert other.digest(*expected["new_hmac"]) != payload["new_hmac"]


def test_a_revision_rewritten_behind_sohoas_back_is_caught_by_audit_verify(
    engine: Engine, env: dict[str, str], stored
) -> None:
    _, (first, _) = stored
    sohoa(env, "review", "set", first, "personal_id", "001203004568", "--by", "lan")
    assert sohoa(env, "audit", "verify").returncode == 0
    change_rows(engine, "field_revisions", "UPDATE field_revisions SET new_value = '001203004999'")
    done = sohoa(env, "audit", "verify")
    assert done.returncode == 1
    assert f"BROKEN at entry 1: entry 1: revision 1 of {first} does not hold the values it recorded" in done.stdout


def _published(ctx: Context, tmp_path: Path) -> str:
    """A result with a really signed PDF (development key), approved and published through sohoa."""
    _, (code,) = seed_dossier(ctx.engine, "p", [decision_fields()], store=ctx.store)
    make_pdf(tmp_path / "in.pdf")
    signer = load_dev_signer(ctx.settings.keys_dir, ctx.settings.agency_name)
    sign_pdf(tmp_path / "in.pdf", tmp_path / "signed.pdf", signer=signer, stamp_box=None, level="B-B")
    view = show_result(ctx.engine, code)
    obj = ctx.store.put_file(f"{view.pdf_key}.signed", tmp_path / "signed.pdf")
    with session_scope(ctx.engine) as s:
        s.execute(update(DocumentRow).where(DocumentRow.code == code).values(pdf_key=obj.key, pdf_sha256=obj.sha256))
    _, published, failed = approve_and_publish(ctx, code, by="lan", force=True)
    assert failed is None and published
    return code


def test_approval_and_publication_carry_the_digest_of_the_fields_embedded_in_the_published_pdf(
    db_url: str, tmp_path: Path
) -> None:
    ctx = open_context(load_settings(data_dir=tmp_path / "data", database_url=db_url, signer="dev"))
    code = _published(ctx, tmp_path)
    pdf = tmp_path / "published.pdf"
    ctx.store.download(show_result(ctx.engine, code).pdf_key, pdf)  # type: ignore[arg-type]
    embedded = read_embedded_fields(pdf)
    assert embedded is not None
    from_pdf = approved_fields_digest(ctx.audit_key, code, embedded["fields"])  # what an auditor computes
    (approved,) = entries(ctx.engine, "result.approved")
    (published,) = entries(ctx.engine, "result.published")
    assert approved.payload["fields_hmac"] == published.payload["fields_hmac"] == from_pdf
    assert "001203004567" not in json.dumps([approved.payload, published.payload])
    ctx.engine.dispose()

    env = dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"), SOHOA_DATABASE_URL=db_url, SOHOA_SIGNER="dev")
    tied = sohoa(env, "audit", "pdf", str(pdf))
    assert (
        tied.returncode == 0 and f"{code}: embedded fields are those published at entry {published.seq}" in tied.stdout
    )
    no_key = sohoa(env | {"SOHOA_AUDIT_KEY_FILE": str(tmp_path / "another.key")}, "audit", "pdf", str(pdf))
    assert no_key.returncode == 1 and "cannot check, no audit key" in no_key.stdout  # checking never makes a key
    load_audit_key(tmp_path / "another.key")  # another installation's key
    elsewhere = sohoa(env | {"SOHOA_AUDIT_KEY_FILE": str(tmp_path / "another.key")}, "audit", "pdf", str(pdf))
    assert elsewhere.returncode == 1 and "match no result.published entry" in elsewhere.stdout
    unpublished = sohoa(env, "audit", "pdf", str(tmp_path / "signed.pdf"))
    assert unpublished.returncode == 2 and "không có dữ liệu đã duyệt" in unpublished.stderr


def test_a_published_value_changed_in_the_database_is_caught_by_audit_verify(
    db_url: str, env: dict[str, str], tmp_path: Path
) -> None:
    ctx = open_context(load_settings(data_dir=tmp_path / "data", database_url=db_url, signer="dev"))
    code = _published(ctx, tmp_path)
    assert sohoa(env, "audit", "verify").returncode == 0
    with session_scope(ctx.engine) as s:  # no trigger guards fields: the runtime role itself could do this
        s.execute(update(FieldRow).where(FieldRow.key == "personal_id").values(value="001203004999"))
    done = sohoa(env, "audit", "verify")
    assert done.returncode == 1 and f"the fields of {code} are not those it was published with" in done.stdout
    ctx.engine.dispose()


def test_a_result_published_with_fields_other_than_those_approved_is_caught(
    engine: Engine, env: dict[str, str]
) -> None:
    code = "000.00.20.H40-261128-0001-01"
    with session_scope(engine) as session:
        append_audit(session, actor="lan", action="result.approved", subject=code, payload={"fields_hmac": "a" * 64})
        append_audit(session, actor="sohoa", action="result.published", subject=code, payload={"fields_hmac": "b" * 64})
    done = sohoa(env, "audit", "verify", "--json")
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert report["problem"] == f"entry 2: {code} was published with fields other than those approved at entry 1"
