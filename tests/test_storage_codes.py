"""Dossier codes: format, daily restart, and a sequence that stays unique and gapless under load."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from datetime import date
from multiprocessing.context import BaseContext
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from pipeline.models import Source
from sohoa.errors import StorageError
from storage.db import make_engine, migrate, session_scope
from storage.keys import original_key
from storage.repository import (
    DossierExists,
    create_dossier,
    find_or_create_dossier,
    format_dossier_code,
    inputs_key_for,
    next_dossier_code,
)
from storage.tables import DailySequenceRow, DossierRow

AGENCY = "000.00.20.H40"
DAY = date(2026, 3, 9)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_source(digest: str, name: str = "scan.pdf") -> Source:
    """A Source as ingest makes it (fields looked up, so the model can grow)."""
    values = {"path": Path(name), "readable": Path(name), "filename": name, "sha256": digest}
    values |= {"kind": "pdf", "size": 100, "page_count": 2, "notes": ()}
    names = {f.name for f in dataclasses.fields(Source)}
    return Source(**{k: v for k, v in values.items() if k in names})


def new_dossier(engine: Engine, token: str, day: date = DAY) -> str:
    digest = sha(token)
    with session_scope(engine) as session:
        row = create_dossier(
            session,
            agency=AGENCY,
            day=day,
            inputs_key=inputs_key_for([digest]),
            sources=[make_source(digest)],
            source_keys=[original_key(digest)],
        )
        return row.code


@pytest.fixture
def url(db_url: str) -> str:
    """A migrated database: SQLite, then PostgreSQL (``db_url`` in conftest.py)."""
    migrate(db_url)
    return db_url


@pytest.fixture
def engine(url: str) -> Engine:
    return make_engine(url)


def test_code_has_agency_date_and_at_least_four_digits() -> None:
    assert format_dossier_code(AGENCY, DAY, 7) == "000.00.20.H40-260309-0007"
    assert format_dossier_code(AGENCY, DAY, 12345) == "000.00.20.H40-260309-12345"


def test_sequence_grows_beyond_four_digits(engine: Engine) -> None:
    with session_scope(engine) as session:
        next_dossier_code(session, AGENCY, DAY)
        session.execute(update(DailySequenceRow).values(last=9999))
    with session_scope(engine) as session:
        assert next_dossier_code(session, AGENCY, DAY) == (f"{AGENCY}-260309-10000", 10000)


def test_sequence_restarts_each_day_and_is_per_agency(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert next_dossier_code(session, AGENCY, DAY)[1] == 1
        assert next_dossier_code(session, AGENCY, DAY)[1] == 2
        assert next_dossier_code(session, AGENCY, date(2026, 3, 10)) == (f"{AGENCY}-260310-0001", 1)
        assert next_dossier_code(session, "000.00.20.H41", DAY)[1] == 1
        assert next_dossier_code(session, AGENCY, DAY)[1] == 3


def test_agency_codes_that_would_break_codes_or_keys_are_refused(engine: Engine) -> None:
    for agency in ["", "a-b", "../x", "a/b", "x" * 40]:
        with pytest.raises(StorageError), session_scope(engine) as session:
            next_dossier_code(session, agency, DAY)


def test_rolled_back_dossier_gives_its_number_back(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        next_dossier_code(session, AGENCY, DAY)
        raise RuntimeError("worker died before commit")
    assert new_dossier(engine, "a").endswith("-0001")


def test_codes_are_unique_and_gapless_across_threads_with_rollbacks(url: str) -> None:
    threads, per_thread = 8, 20
    committed: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def grab(worker: int) -> None:
        engine = make_engine(url)
        barrier.wait()
        try:
            for i in range(per_thread):
                try:
                    with session_scope(engine) as session:
                        _, seq = next_dossier_code(session, AGENCY, DAY)
                        if (worker + i) % 5 == 0:
                            raise LookupError("rolled back on purpose")
                    committed.append(seq)
                except LookupError:
                    pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            engine.dispose()

    workers = [threading.Thread(target=grab, args=(w,)) for w in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert errors == []
    assert sorted(committed) == list(range(1, len(committed) + 1))
    assert len(committed) == threads * per_thread * 4 // 5


def _create_many(url: str, worker: int, count: int) -> list[str]:
    """Runs in a separate process with its own engine, as a worker would."""
    engine = make_engine(url)
    try:
        return [new_dossier(engine, f"{worker}-{i}") for i in range(count)]
    finally:
        engine.dispose()


def test_dossiers_created_by_several_processes_get_unique_gapless_codes(
    url: str, engine: Engine, worker_processes: BaseContext
) -> None:
    processes, per_process = 4, 15
    with worker_processes.Pool(processes) as pool:
        batches = pool.starmap(_create_many, [(url, w, per_process) for w in range(processes)])
    codes = [code for batch in batches for code in batch]
    assert len(set(codes)) == processes * per_process
    with session_scope(engine) as session:
        seqs = sorted(session.scalars(select(DossierRow.seq)))
    assert seqs == list(range(1, processes * per_process + 1))


def _find_or_create(url: str, token: str) -> tuple[str, bool]:
    engine = make_engine(url)
    digest = sha(token)
    try:
        with session_scope(engine) as session:
            row, created = find_or_create_dossier(
                session,
                agency=AGENCY,
                day=DAY,
                inputs_key=inputs_key_for([digest]),
                sources=[make_source(digest)],
                source_keys=[original_key(digest)],
            )
            return row.code, created
    finally:
        engine.dispose()


def test_same_inputs_from_several_processes_make_one_dossier_and_no_gap(
    url: str, engine: Engine, worker_processes: BaseContext
) -> None:
    with worker_processes.Pool(4) as pool:
        results = pool.starmap(_find_or_create, [(url, "same scan")] * 8)
    assert len({code for code, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert new_dossier(engine, "next one").endswith("-0002")


def test_create_dossier_refuses_inputs_already_seen_and_returns_the_number(engine: Engine) -> None:
    first = new_dossier(engine, "x")
    with session_scope(engine) as session:
        with pytest.raises(DossierExists) as raised:
            digest = sha("x")
            create_dossier(
                session,
                agency=AGENCY,
                day=DAY,
                inputs_key=inputs_key_for([digest]),
                sources=[make_source(digest)],
                source_keys=[original_key(digest)],
            )
        assert raised.value.dossier_code == first
        assert next_dossier_code(session, AGENCY, DAY)[1] == 2  # session still usable, no gap
