"""Seals: the audit log's head signed with the agency key, so a chain recomputed after a rewrite no longer verifies.

The attack every test starts from: someone with the database owner's rights drops the triggers, rewrites an
entry, recomputes every hash after it and the head, and restores the triggers (tests/audit_attacks.py). The
chain alone then says "intact"; a seal taken after that entry does not. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from audit_attacks import change_rows, rewrite_entry
from conftest import SOHOA
from sqlalchemy import Engine, select
from testpki import PFX_PASSWORD, PkiServer
from typer.testing import CliRunner

from signing.detached import check_detached, sign_detached
from signing.devpki import load_dev_signer
from signing.ltv import load_roots
from sohoa.cli import app
from sohoa.errors import StorageError
from storage.db import session_scope
from storage.repository import append_audit, verify_audit
from storage.repository.seals import add_seal, seal_content
from storage.tables import AuditSealRow, utcnow


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def sohoa(env: dict[str, str], *args: str) -> Ran:
    """The `sohoa` command run in-process with ``env`` (the installed one costs half a second of imports)."""
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    """A data folder (development key, audit key) and the test's database; no automatic seals."""
    return dict(
        os.environ,
        SOHOA_DATA_DIR=str(tmp_path / "data"),
        SOHOA_DATABASE_URL=db_url,
        SOHOA_SIGNER="dev",  # a database URL is not the embedded mode: the development key is asked for
        SOHOA_AUDIT_SEAL_EVERY="0",
        SOHOA_AUDIT_SEAL_INTERVAL_S="0",
    )


def append(engine: Engine, count: int, *, at_offset: timedelta = timedelta(0)) -> None:
    for i in range(count):
        with session_scope(engine) as session:
            append_audit(
                session,
                actor="lan",
                action="result.approved",
                subject=f"000.00.20.H40-261128-0001-{i:02d}",
                payload={"n": i},
                at=utcnow() - at_offset,
            )


def seals(engine: Engine) -> list[tuple[int, str]]:
    with session_scope(engine) as session:
        return [(s.seq, s.hash) for s in session.scalars(select(AuditSealRow).order_by(AuditSealRow.seq))]


def verify(env: dict[str, str]) -> tuple[int, dict]:
    done = sohoa(env, "audit", "verify", "--json")
    return done.returncode, json.loads(done.stdout)


def test_a_rewritten_entry_whose_hashes_were_recomputed_is_caught_by_the_seal_covering_it(
    engine: Engine, env: dict[str, str]
) -> None:
    append(engine, 8)
    sealed = sohoa(env, "audit", "seal")
    assert sealed.returncode == 0 and "sealed at entry 8" in sealed.stdout and "development key" in sealed.stdout
    append(engine, 3)
    code, report = verify(env)
    assert (code, report["seals"]["valid"], report["unsealed_tail"]) == (0, 1, 3)

    rewrite_entry(engine, 5, actor="mallory")
    with session_scope(engine) as session:
        assert verify_audit(session).ok  # the chain alone is fooled: this is the attack
    done = subprocess.run([SOHOA, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout
    assert "BROKEN at entry 8" in done.stdout
    assert "entries 1 to 8 were rewritten and their hashes recomputed after they were sealed" in done.stdout
    code, report = verify(env)
    assert (code, report["ok"], report["seals"]["valid"]) == (1, False, 0)


def test_a_rewrite_after_a_seal_that_still_matches_is_narrowed_to_the_entries_after_it(
    engine: Engine, env: dict[str, str]
) -> None:
    append(engine, 3)
    sohoa(env, "audit", "seal")
    append(engine, 4)
    sohoa(env, "audit", "seal")
    rewrite_entry(engine, 5, payload={"n": 999})
    code, report = verify(env)
    assert code == 1 and report["seals"]["valid"] == 1 and report["seals"]["last_sealed_seq"] == 3
    assert report["broken_seq"] == 7 and "entries 4 to 7 were rewritten" in report["problem"]


def test_a_seal_edited_to_match_the_rewritten_chain_is_caught_by_its_signature(
    engine: Engine, env: dict[str, str]
) -> None:
    append(engine, 6)
    sohoa(env, "audit", "seal")
    rewrite_entry(engine, 2, subject="other")
    with session_scope(engine) as session:
        new_head = verify_audit(session).last_hash  # what the seal of entry 6 would have to say now
    change_rows(engine, "audit_seals", "UPDATE audit_seals SET hash = :h WHERE seq = 6", {"h": new_head})
    code, report = verify(env)
    assert code == 1 and "its signature does not cover it (the seal was changed)" in report["problem"]


def test_a_seal_forged_with_another_key_is_not_trusted(engine: Engine, env: dict[str, str], tmp_path: Path) -> None:
    append(engine, 4)
    sohoa(env, "audit", "seal")
    rewrite_entry(engine, 3, actor="mallory")
    change_rows(engine, "audit_seals", "DELETE FROM audit_seals")
    forger = load_dev_signer(tmp_path / "forger-keys", "UBND Phường Thử Nghiệm")  # same names, another root
    with session_scope(engine) as session:
        head = verify_audit(session)
        at = utcnow()
        content = seal_content(seq=head.last_seq, hash=head.last_hash, sealed_at=at, agency="000.00.20.H40")
        forged = sign_detached(content, signer=forger)
        add_seal(
            session, seq=head.last_seq, hash=head.last_hash, sealed_at=at, agency="000.00.20.H40", signer=forged.signer,
            cert_sha256=forged.cert_sha256, development=True, timestamped=False, cms=forged.cms,
        )  # fmt: skip
    code, report = verify(env)
    assert code == 1 and "is not trusted" in report["problem"]
    assert report["seals"] | {"signers": None} == {
        "count": 1, "valid": 0, "last_sealed_seq": 0, "signers": None, "trust": []
    }  # fmt: skip


def test_verify_reports_the_unsealed_tail(engine: Engine, env: dict[str, str]) -> None:
    assert "seals: none" in sohoa(env, "audit", "verify").stdout
    append(engine, 3)
    sohoa(env, "audit", "seal")
    again = sohoa(env, "audit", "seal")
    assert again.returncode == 0 and "already sealed at entry 3" in again.stdout
    append(engine, 2)
    done = sohoa(env, "audit", "verify")
    assert done.returncode == 0
    assert "seals: 1 of 1 valid" in done.stdout and "(dev key)" in done.stdout
    assert "last sealed entry 3" in done.stdout and "unsealed tail: 2 entries (4 to 5)" in done.stdout
    code, report = verify(env)
    assert (code, report["unsealed_tail"], report["seals"]["trust"]) == (0, 2, ["dev key"])


def test_a_broken_tail_is_never_sealed(engine: Engine, env: dict[str, str]) -> None:
    append(engine, 3)
    sohoa(env, "audit", "seal")
    append(engine, 3)
    change_rows(engine, "audit_log", "UPDATE audit_log SET actor = 'mallory' WHERE seq = 5")
    done = sohoa(env, "audit", "seal")
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert "not sealed: entry 5: its content does not match its hash" in done.stderr
    assert [seq for seq, _ in seals(engine)] == [3]


def test_seals_are_taken_after_every_n_entries_or_once_the_oldest_unsealed_entry_is_old(
    engine: Engine, env: dict[str, str]
) -> None:
    append(engine, 2)
    assert sohoa(env | {"SOHOA_AUDIT_SEAL_EVERY": "3"}, "audit", "log").returncode == 0
    assert seals(engine) == []  # 2 entries wait, fewer than 3
    append(engine, 1)
    sohoa(env | {"SOHOA_AUDIT_SEAL_EVERY": "3"}, "audit", "log")
    assert [seq for seq, _ in seals(engine)] == [3]

    append(engine, 1, at_offset=timedelta(minutes=59))
    sohoa(env | {"SOHOA_AUDIT_SEAL_INTERVAL_S": "3600"}, "audit", "log")
    assert [seq for seq, _ in seals(engine)] == [3]  # the oldest unsealed entry is not an hour old
    sohoa(env | {"SOHOA_AUDIT_SEAL_INTERVAL_S": "3000"}, "audit", "log")
    assert [seq for seq, _ in seals(engine)] == [3, 4]  # but it is older than 50 minutes


def test_the_seals_table_refuses_updates_and_deletes(engine: Engine, env: dict[str, str]) -> None:
    append(engine, 2)
    sohoa(env, "audit", "seal")
    for sql in ("UPDATE audit_seals SET seq = 1", "DELETE FROM audit_seals"):
        with pytest.raises(StorageError, match="append-only"), session_scope(engine) as session:
            session.connection().exec_driver_sql(sql)
    assert len(seals(engine)) == 1


def test_a_seal_by_the_agency_key_is_trusted_and_timestamped_and_a_development_seal_then_refused(
    engine: Engine, env: dict[str, str], pki: PkiServer
) -> None:
    agency = env | {
        "SOHOA_SIGNER": "pkcs12",
        "SOHOA_SIGNER_PKCS12": str(pki.pfx("signer1")),
        "SOHOA_SIGNER_PKCS12_PASSWORD": PFX_PASSWORD.decode(),
        "SOHOA_TSA_URL": pki.tsa_url,
        "SOHOA_TRUST_ROOTS": str(pki.cert_pem("root")),
    }
    append(engine, 2)
    sealed = sohoa(agency, "audit", "seal", "--json")
    assert sealed.returncode == 0, sealed.stderr
    seal = json.loads(sealed.stdout)["seal"]
    assert (seal["seq"], seal["development"], seal["timestamped"]) == (2, False, True)
    content = seal_content(
        seq=2, hash=seal["hash"], sealed_at=datetime.fromisoformat(seal["sealed_at"]), agency=seal["agency"]
    )
    kept = check_detached(
        content, base64.b64decode(seal["cms"]), trust_roots=load_roots([pki.cert_pem("root")]), at=utcnow()
    )
    assert kept.ok and kept.timestamp is not None  # the printed copy verifies on its own, outside the database
    code, report = verify(agency)
    assert (code, report["seals"]["valid"], report["seals"]["trust"]) == (0, 1, ["trusted"])
    assert verify(env)[0] == 1  # without the agency's root the same seal is not trusted

    append(engine, 1)
    assert sohoa(env, "audit", "seal").returncode == 0  # the development key seals entry 3
    code, report = verify(agency)
    assert code == 1 and "made with the development key" in report["problem"]


def test_a_queue_worker_seals_the_log_in_its_maintenance_pass_one_worker_at_a_time(
    engine: Engine, db_url: str, redis_url: str, tmp_path: Path
) -> None:
    from redis import Redis

    from sohoa.settings import load_settings
    from workers import jobs
    from workers.worker import make_worker

    settings = load_settings(
        data_dir=tmp_path / "data", database_url=db_url, redis_url=redis_url, audit_seal_every=2, signer="dev"
    )
    conn = Redis.from_url(redis_url)
    first, second = make_worker(settings, conn, name="wa"), make_worker(settings, conn, name="wb")
    jobs._contexts.clear()  # this process's context is the one these settings name
    try:
        append(engine, 2)
        first.run_maintenance_tasks()
        assert [seq for seq, _ in seals(engine)] == [2]
        append(engine, 2)
        second.run_maintenance_tasks()  # within the first one's maintenance interval: not its turn
        assert [seq for seq, _ in seals(engine)] == [2]
        conn.delete("sohoa:audit-seal-lock")  # the interval has passed
        second.run_maintenance_tasks()
        assert [seq for seq, _ in seals(engine)] == [2, 4]
    finally:
        for ctx in jobs._contexts.values():
            ctx.engine.dispose()
        jobs._contexts.clear()
