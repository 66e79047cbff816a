"""The audit log: hash-chained, append-only, serialized across processes, and any change is caught.

Every test runs on SQLite and on a real PostgreSQL server (``db_url`` in conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from datetime import UTC, datetime
from multiprocessing.context import BaseContext
from pathlib import Path

import pytest
from conftest import SOHOA
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from sohoa.cli import app
from sohoa.errors import StorageError
from storage.db import make_engine, session_scope
from storage.repository import append_audit, load_audit, verify_audit
from storage.tables import GENESIS_HASH, AuditRow


def append(engine: Engine, count: int, *, subject: str = "000.00.20.H40-261128-0001") -> None:
    for i in range(count):
        with session_scope(engine) as session:
            append_audit(session, actor="lan", action="field.corrected", subject=subject, payload={"field": f"k{i}"})


def tamper(engine: Engine, sql: str) -> None:
    """Change the log behind sohoa's back: first drop the append-only guard, as someone with the rights could."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        conn.exec_driver_sql(sql)


def test_each_entry_hashes_the_previous_hash_and_its_canonical_json(engine: Engine) -> None:
    at = datetime(2026, 11, 28, 9, 30, 1, 123456, tzinfo=UTC)
    with session_scope(engine) as session:
        first = append_audit(
            session, actor="lan", action="dossier.received", subject="D-1", payload={"sources": 2}, at=at
        )
        second = append_audit(session, actor="sohoa", action="result.approved", subject="D-1-01", at=at)
    body = {"seq": 1, "at": "2026-11-28T09:30:01.123456+00:00", "actor": "lan", "action": "dossier.received"}
    body |= {"subject": "D-1", "payload": {"sources": 2}}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert first.prev_hash == GENESIS_HASH
    assert first.hash == hashlib.sha256((GENESIS_HASH + canonical).encode()).hexdigest()
    assert (second.seq, second.prev_hash) == (2, first.hash)
    with session_scope(engine) as session:
        stored = load_audit(session)
        report = verify_audit(session)
    assert stored == [first, second]  # read back exactly: times tz-aware UTC to the microsecond
    assert (report.ok, report.entries, report.last_seq, report.last_hash) == (True, 2, 2, second.hash)


def test_an_empty_log_is_intact(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert verify_audit(session).ok


def test_an_entry_appended_in_a_rolled_back_transaction_leaves_no_trace(engine: Engine) -> None:
    append(engine, 2)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        append_audit(session, actor="lan", action="field.corrected", subject="X")
        raise RuntimeError("the correction failed after its audit entry")
    append(engine, 1)
    with session_scope(engine) as session:
        assert [e.seq for e in load_audit(session)] == [1, 2, 3]
        assert verify_audit(session).ok


def test_the_database_refuses_to_update_or_delete_entries(engine: Engine) -> None:
    append(engine, 2)
    for sql in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log WHERE seq = 1"):
        with pytest.raises(StorageError, match="append-only"), session_scope(engine) as session:
            session.execute(select(AuditRow.seq)).all()
            session.connection().exec_driver_sql(sql)


def test_verify_catches_an_entry_edited_with_sql(engine: Engine) -> None:
    append(engine, 5)
    tamper(engine, "UPDATE audit_log SET actor = 'someone else' WHERE seq = 3")
    with session_scope(engine) as session:
        report = verify_audit(session)
    assert (report.ok, report.broken_seq) == (False, 3)
    assert "content does not match its hash" in report.problem


def test_verify_catches_an_edit_whose_hash_was_recomputed(engine: Engine) -> None:
    append(engine, 4)
    tamper(engine, f"UPDATE audit_log SET actor = 'x', hash = '{'1' * 64}' WHERE seq = 2")
    with session_scope(engine) as session:
        report = verify_audit(session)
    assert report.broken_seq == 2  # its own hash no longer matches; had it matched, entry 3's link would not


def test_verify_catches_a_deleted_middle_entry(engine: Engine) -> None:
    append(engine, 5)
    tamper(engine, "DELETE FROM audit_log WHERE seq = 3")
    with session_scope(engine) as session:
        report = verify_audit(session)
    assert (report.ok, report.broken_seq) == (False, 3)
    assert "entry 3 is missing" in report.problem


def test_verify_catches_entries_cut_from_the_end(engine: Engine) -> None:
    append(engine, 5)
    tamper(engine, "DELETE FROM audit_log WHERE seq >= 4")
    with session_scope(engine) as session:
        report = verify_audit(session)
    assert (report.ok, report.broken_seq) == (False, 4)
    assert "ends at entry 3 but its head names entry 5" in report.problem


def test_bad_actions_and_payloads_are_refused(engine: Engine) -> None:
    for kwargs in ({"action": "Corrected"}, {"payload": {"x": float("nan")}}, {"payload": {"x": object()}}):
        values = {"actor": "lan", "action": "field.corrected", "subject": "X"} | kwargs
        with pytest.raises(StorageError), session_scope(engine) as session:
            append_audit(session, **values)  # type: ignore[arg-type]


def _append_many(url: str, worker: int, count: int) -> int:
    """Runs in its own process with its own engine, as a reviewer's command or a worker would."""
    engine = make_engine(url)
    appended = 0
    try:
        for i in range(count):
            try:
                with session_scope(engine) as session:
                    append_audit(session, actor=f"w{worker}", action="field.corrected", subject=f"R-{worker}-{i}")
                    if i % 7 == 3:
                        raise LookupError("rolled back on purpose")
                appended += 1
            except LookupError:
                pass
        return appended
    finally:
        engine.dispose()


def test_appends_from_several_processes_make_one_gapless_chain(
    db_url: str, engine: Engine, worker_processes: BaseContext
) -> None:
    with worker_processes.Pool(3) as pool:
        counts = pool.starmap(_append_many, [(db_url, w, 25) for w in range(3)])
    with session_scope(engine) as session:
        entries = load_audit(session)
        report = verify_audit(session)
    assert [e.seq for e in entries] == list(range(1, sum(counts) + 1))
    assert sum(counts) == 3 * (25 - 4)  # i = 3, 10, 17, 24 rolled back
    assert report.ok and report.entries == sum(counts)


def test_audit_verify_command_exits_0_when_intact_and_1_naming_the_broken_entry(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    env = dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"), SOHOA_DATABASE_URL=db_url)
    append(engine, 4)
    intact = CliRunner().invoke(app, ["audit", "verify"], env=env)  # in-process: the same app, no imports to wait for
    assert (intact.exit_code, intact.stderr) == (0, "")
    assert "intact: 4 entries" in intact.stdout
    tamper(engine, 'UPDATE audit_log SET payload = \'{"field": "other"}\' WHERE seq = 2')
    broken = subprocess.run([SOHOA, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1
    assert "BROKEN at entry 2" in broken.stdout and "does not match its hash" in broken.stdout
