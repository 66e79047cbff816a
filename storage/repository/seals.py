"""Seals of the audit log: what is signed, storing a seal, reading them back.

A seal is the agency's signature over ``seal_content``: the canonical JSON of the head ``(seq, hash)``,
the time it was sealed and the agency. Because each entry's hash covers every entry before it, one
valid seal vouches for the whole log up to its ``seq``; someone who rewrites an entry and recomputes the
chain after it cannot make the new hash at that ``seq`` carry the agency's signature. Signing and
checking signatures is ``workers.audit``'s (``signing`` may not be imported here); this module only
stores rows, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.repository.audit import canonical_json
from storage.tables import AuditRow, AuditSealRow

SEAL_SCHEMA = "sohoa.audit-seal/1"
_BATCH = 500


@dataclass(frozen=True)
class Seal:
    """One stored seal."""

    id: int
    seq: int
    hash: str
    sealed_at: datetime
    agency: str
    signer: str
    cert_sha256: str
    development: bool
    timestamped: bool
    cms: bytes

    def content(self) -> bytes:
        """The bytes the CMS signature covers."""
        return seal_content(seq=self.seq, hash=self.hash, sealed_at=self.sealed_at, agency=self.agency)

    def summary(self) -> dict[str, object]:
        """JSON form without the signature bytes."""
        return {
            "id": self.id,
            "seq": self.seq,
            "hash": self.hash,
            "sealed_at": self.sealed_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "agency": self.agency,
            "signer": self.signer,
            "development": self.development,
            "timestamped": self.timestamped,
        }


def seal_content(*, seq: int, hash: str, sealed_at: datetime, agency: str) -> bytes:
    """Canonical JSON of what a seal signs: one byte string per seal, on every backend."""
    at = sealed_at.astimezone(UTC).isoformat(timespec="microseconds")
    return canonical_json({"schema": SEAL_SCHEMA, "seq": seq, "hash": hash, "sealed_at": at, "agency": agency})


def _seal(row: Any) -> Seal:
    return Seal(
        row.id,
        row.seq,
        row.hash,
        row.sealed_at,
        row.agency,
        row.signer,
        row.cert_sha256,
        row.development,
        row.timestamped,
        bytes(row.cms),
    )


def add_seal(
    session: Session,
    *,
    seq: int,
    hash: str,
    sealed_at: datetime,
    agency: str,
    signer: str,
    cert_sha256: str,
    development: bool,
    timestamped: bool,
    cms: bytes,
) -> Seal | None:
    """Store a seal; ``None`` when ``seq`` is sealed already (two sealers raced: the first one stays)."""
    values = {
        "seq": seq,
        "hash": hash,
        "sealed_at": sealed_at,
        "agency": agency,
        "signer": signer[:256],
        "cert_sha256": cert_sha256,
        "development": development,
        "timestamped": timestamped,
        "cms": cms,
    }
    insert = sqlite.insert if session.get_bind().dialect.name == "sqlite" else postgresql.insert
    stmt = insert(AuditSealRow).values(values).on_conflict_do_nothing(index_elements=["seq"])
    new_id = session.execute(stmt.returning(AuditSealRow.id)).scalar()
    if new_id is None:
        return None
    return Seal(new_id, **values)  # type: ignore[arg-type]


_COLUMNS = AuditSealRow.__table__.columns  # plain rows: nothing kept in the session


def last_seal(session: Session) -> Seal | None:
    """The seal of the highest ``seq``, if any."""
    row = session.execute(select(*_COLUMNS).order_by(AuditSealRow.seq.desc()).limit(1)).first()
    return _seal(row) if row is not None else None


def iter_seals(session: Session) -> Iterator[Seal]:
    """Every seal in ``seq`` order, a batch at a time (memory stays flat however many there are)."""
    after = -1
    while True:
        stmt = select(*_COLUMNS).where(AuditSealRow.seq > after).order_by(AuditSealRow.seq).limit(_BATCH)
        rows = session.execute(stmt).all()
        if not rows:
            return
        yield from (_seal(row) for row in rows)
        after = rows[-1].seq


def count_seals(session: Session) -> int:
    """How many seals there are."""
    return int(session.scalar(select(func.count()).select_from(AuditSealRow)) or 0)


def entry_time(session: Session, seq: int) -> datetime | None:
    """When entry ``seq`` was appended (``None`` if there is no such entry)."""
    return session.scalar(select(AuditRow.at).where(AuditRow.seq == seq))
