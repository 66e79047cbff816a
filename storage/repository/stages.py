"""Stage runs: the resume point of a dossier. A stage that is ``done`` is not run again."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from sohoa.errors import StorageError
from storage.repository._upsert import upsert
from storage.tables import StageRunRow, utcnow

MAX_MESSAGE = 2000
_STAGE = re.compile(r"[a-z][a-z0-9_]{0,31}")


def _record(session: Session, dossier_id: int, stage: str, **values: object) -> StageRunRow:
    if not _STAGE.fullmatch(stage):
        raise StorageError(f"invalid stage name {stage!r}")
    restart = values.pop("_restart", False)
    row = {"dossier_id": dossier_id, "stage": stage, "attempt": 1, "started_at": utcnow(), **values}
    stmt = upsert(
        session,
        StageRunRow,
        row,
        conflict=["dossier_id", "stage"],
        take=tuple(values) + (("started_at",) if restart else ()),
        update={"attempt": StageRunRow.attempt + 1} if restart else None,
    ).returning(StageRunRow)
    return session.scalars(stmt, execution_options={"populate_existing": True}).one()


def stage_started(session: Session, dossier_id: int, stage: str) -> StageRunRow:
    """Mark ``stage`` running; a re-run counts one more ``attempt`` and clears the last error."""
    return _record(
        session,
        dossier_id,
        stage,
        state="running",
        finished_at=None,
        error_code=None,
        error_message=None,
        _restart=True,
    )


def stage_done(session: Session, dossier_id: int, stage: str) -> StageRunRow:
    """Mark ``stage`` done: a resumed dossier skips it."""
    return _record(session, dossier_id, stage, state="done", finished_at=utcnow(), error_code=None, error_message=None)


def stage_failed(session: Session, dossier_id: int, stage: str, *, code: str, message: str) -> StageRunRow:
    """Mark ``stage`` failed with the error's stable ``code`` and its plain message (no personal data)."""
    return _record(
        session,
        dossier_id,
        stage,
        state="failed",
        finished_at=utcnow(),
        error_code=code[:64],
        error_message=message[:MAX_MESSAGE],
    )


def load_stage_runs(session: Session, dossier_id: int) -> dict[str, StageRunRow]:
    """Every recorded stage of the dossier, by stage name."""
    rows = session.scalars(select(StageRunRow).where(StageRunRow.dossier_id == dossier_id).order_by(StageRunRow.id))
    return {row.stage: row for row in rows}
