"""The audit log: append an entry, hold the log's lock, verify the chain.

Why a chain: each entry's ``hash`` covers the previous entry's hash and its own content, so editing,
inserting or deleting any entry breaks every link after it, and the ``audit_head`` row (last seq and
hash) catches entries cut from the end. The database triggers of migration 0002 refuse UPDATE and
DELETE on ``audit_log``; the chain is what still detects a change made by someone who dropped them, and
the seals (``storage.repository.seals``, ``workers.seals``) what detects one whose author also
recomputed every hash after it.

Why the head row is the lock: appending is ``UPSERT audit_head SET seq = seq + 1 ... RETURNING``,
which takes PostgreSQL's row lock and SQLite's write lock before anything is read, so concurrent
appenders in any number of processes queue up and each gets the next ``seq`` and the true previous
hash. The lock is held until the caller's transaction ends: keep those transactions short. A unit of
work that writes other rows too and audits them takes the lock *first* (``lock_audit_log``), so every
writer acquires locks in the same order and two of them can never wait on each other.

What goes in: ``actor`` (a staff account or ``sohoa``), ``action`` (``dossier.received``,
``field.corrected``, ``result.approved``...), ``subject`` (a dossier or result code) and a small JSON
``payload`` of codes, field keys, counts and hashes. Never field values, names, addresses or personal
IDs (DESIGN.md): values go to ``field_revisions``, which the payload points to by id.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sohoa.errors import StorageError
from storage.repository._upsert import upsert
from storage.tables import GENESIS_HASH, AuditHeadRow, AuditRow, utcnow

SYSTEM_ACTOR = "sohoa"
_HEAD_ID = 1
_ACTION = re.compile(r"[a-z][a-z_]*(\.[a-z][a-z_]*)+")
_VERIFY_BATCH = 1000


@dataclass(frozen=True)
class AuditEntry:
    """One entry as stored."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``at`` in ISO 8601, UTC)."""
        return {
            "seq": self.seq,
            "at": _iso(self.at),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class AuditReport:
    """The result of ``verify_audit``: ``ok``, or the first broken entry and what is wrong with it."""

    ok: bool
    entries: int
    last_seq: int
    last_hash: str
    broken_seq: int | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "broken_seq": self.broken_seq,
            "problem": self.problem,
        }


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(data: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: one byte string per value, whatever the dict order or backend."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def entry_hash(
    prev_hash: str, *, seq: int, at: datetime, actor: str, action: str, subject: str, payload: Mapping[str, Any]
) -> str:
    """``sha256(prev_hash + canonical JSON of the entry)``, hex."""
    body = {"seq": seq, "at": _iso(at), "actor": actor, "action": action, "subject": subject, "payload": payload}
    return hashlib.sha256(prev_hash.encode() + canonical_json(body)).hexdigest()


def _take_head(session: Session, *, advance: bool) -> tuple[int, str]:
    """Lock the head row (creating it on first use) and return ``(seq, hash)`` after the update.

    ``advance`` adds one to ``seq`` (an append); without it the row is only locked.
    """
    stmt = upsert(
        session,
        AuditHeadRow,
        {"id": _HEAD_ID, "seq": 1 if advance else 0, "hash": GENESIS_HASH},
        conflict=["id"],
        update={"seq": AuditHeadRow.seq + (1 if advance else 0)},
    ).returning(AuditHeadRow.seq, AuditHeadRow.hash)
    seq, last_hash = session.execute(stmt).one()
    return int(seq), str(last_hash)


def lock_audit_log(session: Session) -> None:
    """Take the audit log's lock now, for the rest of the caller's transaction.

    Call it first in a unit of work that reads rows, decides, writes and audits (a review correction):
    from here on no other appender runs, and on SQLite the transaction holds the write lock, so what it
    reads is current and nobody changes it before the commit.
    """
    _take_head(session, advance=False)


def append_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    payload: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it lands or vanishes with the caller's rows).

    ``payload`` must be plain JSON of codes, keys, counts and hashes: never personal data.
    """
    if not _ACTION.fullmatch(action):
        raise StorageError(f"invalid audit action {action!r} (e.g. 'field.corrected')")
    if not actor or len(actor) > 128 or not subject or len(subject) > 128:
        raise StorageError("an audit entry needs an actor and a subject of at most 128 characters")
    body = dict(payload or {})
    try:
        canonical_json(body)
    except (TypeError, ValueError) as exc:
        raise StorageError(f"audit payload is not plain JSON: {exc}") from exc
    when = at or utcnow()
    if when.tzinfo is None:
        raise StorageError("audit time must be timezone-aware")
    seq, prev_hash = _take_head(session, advance=True)
    digest = entry_hash(prev_hash, seq=seq, at=when, actor=actor, action=action, subject=subject, payload=body)
    session.add(
        AuditRow(
            seq=seq,
            at=when,
            actor=actor,
            action=action,
            subject=subject,
            payload=body,
            prev_hash=prev_hash,
            hash=digest,
        )
    )
    session.execute(update(AuditHeadRow).where(AuditHeadRow.id == _HEAD_ID).values(hash=digest))
    session.flush()
    return AuditEntry(seq, when.astimezone(UTC), actor, action, subject, body, prev_hash, digest)


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(row.seq, row.at, row.actor, row.action, row.subject, dict(row.payload), row.prev_hash, row.hash)


def load_audit(
    session: Session, *, subject: str | None = None, after: int = 0, limit: int | None = None
) -> list[AuditEntry]:
    """Entries in order, optionally of one subject (a dossier or result code) and after a ``seq``."""
    stmt = select(AuditRow).where(AuditRow.seq > after).order_by(AuditRow.seq)
    if subject is not None:
        stmt = stmt.where(AuditRow.subject == subject)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_entry(row) for row in session.scalars(stmt)]


def read_head(session: Session) -> tuple[int, str]:
    """The head ``(seq, hash)`` as committed, without locking it (``(0, GENESIS_HASH)`` for an empty log)."""
    head = session.get(AuditHeadRow, _HEAD_ID, populate_existing=True)
    return (int(head.seq), str(head.hash)) if head is not None else (0, GENESIS_HASH)


def _iter_rows(session: Session, *, after: int = 0, through: int | None = None) -> Iterator[Any]:
    """Entries after ``after`` (up to ``through``) in ``seq`` order, a batch at a time, as plain rows (nothing
    kept in the session), so memory stays flat however long the log grows."""
    while True:
        stmt = select(*AuditRow.__table__.columns).where(AuditRow.seq > after)
        if through is not None:
            stmt = stmt.where(AuditRow.seq <= through)
        rows = session.execute(stmt.order_by(AuditRow.seq).limit(_VERIFY_BATCH)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def _problem(row: Any, expected_seq: int, prev_hash: str) -> tuple[int, str] | None:
    """What is wrong with ``row`` as the entry after ``expected_seq - 1``: ``(entry number, problem)``."""
    if row.seq != expected_seq:
        gap = f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq} to {row.seq - 1}"
        return expected_seq, f"entry {gap} is missing (deleted?): the log jumps to entry {row.seq}"
    if row.prev_hash != prev_hash:
        return row.seq, f"entry {row.seq}: prev_hash is not the hash of the entry before it (inserted or re-linked?)"
    digest = entry_hash(
        row.prev_hash,
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        payload=row.payload,
    )
    if digest != row.hash:
        return row.seq, f"entry {row.seq}: its content does not match its hash (changed after it was written)"
    return None


def _walk(
    session: Session, start: tuple[int, str], end: tuple[int, str], observe: Callable[[Any], None] | None
) -> tuple[int, int, str, tuple[int, str] | None]:
    """Check the entries after ``start`` through ``end`` (each a ``(seq, hash)``): ``(count, last seq, last
    hash, (broken entry, problem) or None)``. ``observe`` sees every entry found intact, in order."""
    (expected_seq, prev), (end_seq, end_hash) = (start[0] + 1, start[1]), end
    count = 0
    for row in _iter_rows(session, after=start[0], through=end_seq):
        count += 1
        found = _problem(row, expected_seq, prev)
        if found is not None:
            return count, row.seq, row.hash, found
        if observe is not None:
            observe(row)
        expected_seq, prev = row.seq + 1, row.hash
    last_seq = expected_seq - 1
    if end_seq != last_seq:
        problem = f"the log ends at entry {last_seq} but its head names entry {end_seq} (entries cut from the end?)"
        return count, last_seq, prev, (min(end_seq, last_seq) + 1, problem)
    if end_hash != prev:
        return count, last_seq, prev, (last_seq, f"the head's hash is not the hash of entry {last_seq}")
    return count, last_seq, prev, None


def verify_audit(session: Session, *, observe: Callable[[Any], None] | None = None) -> AuditReport:
    """Recompute the whole chain; report the first entry that is missing, re-linked or changed.

    Checks, in order: ``seq`` runs 1, 2, 3... without a gap (a gap is a deleted entry); each
    ``prev_hash`` is the hash of the entry before; each ``hash`` matches the entry's content; the head
    row names the last entry (else entries were cut from the end, or the head was changed), and no entry
    lies beyond it. The head is read first, so entries appended meanwhile are left for the next run.
    ``observe`` sees each intact entry (a plain row) as the chain is walked: seals and payloads are
    checked by ``workers.audit`` in the same single pass.
    """
    head = read_head(session)
    count, last_seq, last_hash, found = _walk(session, (0, GENESIS_HASH), head, observe)
    if found is not None:
        return AuditReport(False, count, last_seq, last_hash, *found)
    beyond = session.scalar(select(func.max(AuditRow.seq)))  # read before the head: an append in between is fine
    head_now = read_head(session)
    if beyond is not None and beyond > head_now[0]:
        problem = f"entry {beyond} lies beyond the head (entry {head_now[0]}): inserted behind sohoa's back?"
        return AuditReport(False, count, last_seq, last_hash, head_now[0] + 1, problem)
    return AuditReport(True, count, last_seq, last_hash)


def check_segment(session: Session, start: tuple[int, str], end: tuple[int, str]) -> str | None:
    """The problem with the entries after ``start`` through ``end`` (``(seq, hash)`` each), or ``None`` when
    they continue ``start`` unbroken up to ``end``: what a seal checks before signing ``end``."""
    return None if (found := _walk(session, start, end, None)[3]) is None else found[1]
