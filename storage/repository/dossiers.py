"""Dossiers: codes from the daily sequence, creation with their sources, state changes.

Why the code is handed out this way: the ``<seq>`` of ``<agency>-<YYMMDD>-<seq>`` comes from one
atomic upsert on ``daily_sequences`` (``INSERT ... ON CONFLICT DO UPDATE SET last = last + 1
RETURNING last``) in the *same transaction* that inserts the dossier. The upsert locks the
(agency, day) row (PostgreSQL) or the database (SQLite) until commit, so concurrent workers get
distinct numbers, and a rollback gives the number back: the sequence is unique and gapless.
The price: keep that transaction short (no OCR inside it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.models import Source
from sohoa.errors import StorageError
from storage.keys import validate_key
from storage.repository._upsert import upsert
from storage.states import DOSSIER_STATES, STOPPED_STATES, DossierState, can_move
from storage.tables import DailySequenceRow, DossierRow, SourceRow, utcnow

_AGENCY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._]{0,31}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_STAGE = re.compile(r"[a-z][a-z0-9_]{0,31}")


class DossierExists(StorageError):
    """These inputs already form a dossier (``dossier_code``); nothing new was created."""

    code = "dossier_exists"

    def __init__(self, dossier_code: str) -> None:
        super().__init__(f"these inputs are already dossier {dossier_code}")
        self.dossier_code = dossier_code


def inputs_key_for(sha256s: Iterable[str]) -> str:
    """sha256 over the sorted input sha256s (one per line): the same files in any order, same key."""
    shas = sorted(sha256s)
    if not shas or not all(_SHA256.fullmatch(s) for s in shas):
        raise StorageError("inputs key needs at least one lowercase hex sha256")
    return hashlib.sha256("\n".join(shas).encode()).hexdigest()


def format_dossier_code(agency: str, day: date, seq: int) -> str:
    """``<agency>-<YYMMDD>-<seq>``; the sequence has at least 4 digits and grows beyond as needed."""
    return f"{agency}-{day:%y%m%d}-{seq:04d}"


def result_code(dossier_code: str, index: int) -> str:
    """``<dossier code>-<nn>`` for the ``index``-th (1-based) document of the dossier."""
    if index < 1:
        raise StorageError(f"document index starts at 1, got {index}")
    return f"{dossier_code}-{index:02d}"


def next_dossier_code(session: Session, agency: str, day: date) -> tuple[str, int]:
    """Take the next number of (agency, day) and return ``(code, seq)``.

    The number belongs to the caller's transaction: commit it with the dossier that uses it, or
    roll back to give it back. ``create_dossier`` calls this for you.
    """
    if not _AGENCY.fullmatch(agency):
        raise StorageError(f"invalid agency code {agency!r} (letters, digits and '.', no '-')")
    stmt = upsert(
        session,
        DailySequenceRow,
        {"agency": agency, "day": day, "last": 1},
        conflict=["agency", "day"],
        update={"last": DailySequenceRow.last + 1},
    ).returning(DailySequenceRow.last)
    seq = int(session.execute(stmt).scalar_one())
    return format_dossier_code(agency, day, seq), seq


def find_dossier_by_inputs(session: Session, inputs_key: str) -> DossierRow | None:
    """The dossier already made of exactly these inputs, if any."""
    return session.scalars(select(DossierRow).where(DossierRow.inputs_key == inputs_key)).one_or_none()


def get_dossier(session: Session, code: str) -> DossierRow | None:
    """A dossier by its code."""
    return session.scalars(select(DossierRow).where(DossierRow.code == code)).one_or_none()


def create_dossier(
    session: Session,
    *,
    agency: str,
    day: date,
    inputs_key: str,
    sources: Sequence[Source],
    source_keys: Sequence[str],
) -> DossierRow:
    """Record a new dossier in state ``received``, with its sources, and give it the next code.

    ``source_keys[i]`` is the object key of ``sources[i]`` (``storage.keys.original_key``); store
    the originals first. Raises ``DossierExists`` if another worker recorded the same inputs
    meanwhile (its number is given back; the session stays usable).
    """
    if not sources or len(sources) != len(source_keys):
        raise StorageError("a dossier needs one object key per source, and at least one source")
    if inputs_key != inputs_key_for(s.sha256 for s in sources):
        raise StorageError("inputs_key does not match the sources' sha256 (use inputs_key_for)")
    for key in source_keys:
        validate_key(key)
    code, seq = next_dossier_code(session, agency, day)  # holds the (agency, day) lock from here
    existing = find_dossier_by_inputs(session, inputs_key)
    if existing is not None:
        session.execute(
            update(DailySequenceRow)
            .where(DailySequenceRow.agency == agency, DailySequenceRow.day == day)
            .values(last=DailySequenceRow.last - 1)
        )
        raise DossierExists(existing.code)
    row = DossierRow(code=code, agency=agency, day=day, seq=seq, state="received", inputs_key=inputs_key)
    row.sources = [
        SourceRow(
            index=i,
            filename=s.filename,
            sha256=s.sha256,
            kind=s.kind,
            size=s.size,
            page_count=s.page_count,
            object_key=key,
            notes=list(s.notes),
            traits=s.traits,
        )
        for i, (s, key) in enumerate(zip(sources, source_keys, strict=True))
    ]
    session.add(row)
    session.flush()
    return row


def dossier_states(session: Session, codes: Sequence[str]) -> dict[str, str]:
    """The state of each of these dossiers that exists, by code."""
    if not codes:
        return {}
    rows = session.execute(select(DossierRow.code, DossierRow.state).where(DossierRow.code.in_(list(codes))))
    return {code: state for code, state in rows}


def find_or_create_dossier(
    session: Session,
    *,
    agency: str,
    day: date,
    inputs_key: str,
    sources: Sequence[Source],
    source_keys: Sequence[str],
) -> tuple[DossierRow, bool]:
    """The dossier of these inputs, created if new; ``(row, created)``."""
    row = find_dossier_by_inputs(session, inputs_key)
    if row is not None:
        return row, False
    try:
        return (
            create_dossier(
                session,
                agency=agency,
                day=day,
                inputs_key=inputs_key,
                sources=sources,
                source_keys=source_keys,
            ),
            True,
        )
    except DossierExists as exc:
        row = find_dossier_by_inputs(session, inputs_key)
        if row is None:  # pragma: no cover - rows are never deleted concurrently
            raise StorageError(f"dossier {exc.dossier_code} vanished") from exc
        return row, False


def set_state(
    session: Session,
    dossier: DossierRow | int,
    state: DossierState,
    *,
    stage: str | None = None,
    reason: str | None = None,
) -> DossierRow:
    """Move a dossier to ``state`` and return the row as stored now.

    ``failed`` needs the ``stage`` and a ``reason`` (it is resumable from there); ``rejected`` needs
    a ``reason``. Other states clear both. Only moves in ``storage.states.TRANSITIONS`` are allowed,
    and the update applies only if nobody changed the state meanwhile (else ``StorageError``).
    """
    if state not in DOSSIER_STATES:
        raise StorageError(f"unknown dossier state {state!r}")
    if state == "failed" and not (stage and reason):
        raise StorageError("a failed dossier needs the stage and the reason")
    if stage is not None and not _STAGE.fullmatch(stage):
        raise StorageError(f"invalid stage name {stage!r}")
    if state == "rejected" and not reason:
        raise StorageError("a rejected dossier needs the reason")
    dossier_id = dossier if isinstance(dossier, int) else dossier.id
    row = session.get(DossierRow, dossier_id, populate_existing=True, with_for_update=True)
    if row is None:
        raise StorageError(f"no dossier with id {dossier_id}")
    current: DossierState = row.state  # type: ignore[assignment]
    if not can_move(current, state):
        raise StorageError(f"dossier {row.code} cannot go from {current} to {state}")
    result = session.execute(
        update(DossierRow)
        .where(DossierRow.id == dossier_id, DossierRow.state == current)
        .values(
            state=state,
            failed_stage=stage if state == "failed" else None,
            reason=reason if state in STOPPED_STATES else None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StorageError(f"dossier {row.code} changed state meanwhile; reload and retry")
    session.refresh(row)
    return row


def dossier_codes_in(session: Session, states: Iterable[str]) -> list[str]:
    """Codes of the dossiers in these states, oldest first."""
    wanted = list(states)
    return list(session.scalars(select(DossierRow.code).where(DossierRow.state.in_(wanted)).order_by(DossierRow.id)))


def dossiers_by_id(session: Session, ids: Iterable[int]) -> dict[int, DossierRow]:
    """The dossiers with these ids."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {row.id: row for row in session.scalars(select(DossierRow).where(DossierRow.id.in_(wanted)))}


def dossiers_of_day(session: Session, agency: str, day: date) -> list[DossierRow]:
    """An agency's dossiers received on ``day`` (their code's date), newest first: the desk's list."""
    return list(
        session.scalars(
            select(DossierRow).where(DossierRow.agency == agency, DossierRow.day == day).order_by(DossierRow.id.desc())
        )
    )
