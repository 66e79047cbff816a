"""Sealing the audit log: the head signed with the agency key, on demand and at intervals.

Why seals: the hash chain catches an edited entry only while nobody recomputes the hashes after it.
Someone who can drop the triggers (a table owner on PostgreSQL, anyone who can write the SQLite file)
can rewrite entry 5, recompute every hash after it and the head, and the chain verifies again. A seal
is the head ``(seq, hash)`` signed with the agency's key (``signing.detached``); that person cannot
sign the new hash, so a seal taken after entry 5 no longer matches the chain and ``sohoa audit verify``
says so. What a seal cannot protect: entries after the last seal (the "unsealed tail"), and seals
deleted by someone who can delete rows of ``audit_seals`` (PostgreSQL: only its owner).

When: ``sohoa audit seal`` seals now; otherwise ``seal_if_due`` seals once ``SOHOA_AUDIT_SEAL_EVERY``
entries wait unsealed, or the oldest unsealed entry is ``SOHOA_AUDIT_SEAL_INTERVAL_S`` old. It is called
after a command has committed its work (the embedded mode has no daemon: the process that appended
seals, outside its own transaction, because a token or a TSA may take seconds and appenders must not
wait on them) and by queue workers' maintenance loop (one worker at a time, like the reconciler). Each
call costs two small queries when nothing is due; a seal costs one signature (~40 ms with a file key)
plus the TSA's answer when ``SOHOA_TSA_URL`` is set. Appends never sign.

Before signing, the entries since the last seal are checked to continue it unbroken, so a seal never
vouches for a tail that was already cut or re-linked.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import timedelta

from sohoa.errors import IntegrityError, SohoaError
from storage.db import session_scope
from storage.repository.audit import check_segment, read_head
from storage.repository.seals import Seal, add_seal, entry_time, last_seal, seal_content
from storage.tables import GENESIS_HASH, utcnow
from workers.context import Context

log = logging.getLogger("sohoa.audit")


@dataclass(frozen=True)
class Sealed:
    """What ``seal_now`` did: the seal of the head (new, or the one that was already there)."""

    seal: Seal | None  # None: the log is empty, nothing to seal
    created: bool

    def to_dict(self) -> dict[str, object]:
        """JSON form, the signature included (base64 DER), so a copy can be kept outside the database."""
        if self.seal is None:
            return {"created": self.created, "seal": None}
        seal = self.seal.summary() | {"cms": base64.b64encode(self.seal.cms).decode()}
        return {"created": self.created, "seal": seal}


def seal_now(ctx: Context) -> Sealed:
    """Seal the head of the log now (a no-op when it is sealed already).

    Raises ``IntegrityError`` when the entries since the last seal do not continue it, and
    ``SigningError`` when the agency key cannot sign.
    """
    from signing.detached import sign_detached  # loaded when a seal is due: see workers.warm
    from signing.keys import open_signer

    settings = ctx.settings
    with session_scope(ctx.engine) as session:
        head = read_head(session)
        last = last_seal(session)
        if head[0] == 0:
            return Sealed(None, created=False)
        if last is not None and last.seq == head[0]:
            return Sealed(last, created=False)
        start = (last.seq, last.hash) if last is not None else (0, GENESIS_HASH)
        problem = check_segment(session, start, head)
    if problem is not None:
        raise IntegrityError(f"the audit log is broken, not sealed: {problem}", hint="sohoa audit verify")
    sealed_at = utcnow()
    content = seal_content(seq=head[0], hash=head[1], sealed_at=sealed_at, agency=settings.agency_code)
    with open_signer(settings) as signer:
        signature = sign_detached(
            content,
            signer=signer,
            md_algorithm=settings.sign_hash,
            tsa_url=settings.tsa_url,
            timeout_s=settings.net_timeout_s,
        )
    with session_scope(ctx.engine) as session:
        seal = add_seal(
            session,
            seq=head[0],
            hash=head[1],
            sealed_at=sealed_at,
            agency=settings.agency_code,
            signer=signature.signer,
            cert_sha256=signature.cert_sha256,
            development=signature.development,
            timestamped=signature.timestamped,
            cms=signature.cms,
        )
        if seal is None:  # another process sealed the same head meanwhile
            return Sealed(last_seal(session), created=False)
    log.info("audit log sealed at entry %d", seal.seq)
    return Sealed(seal, created=True)


def seal_due(ctx: Context) -> bool:
    """Whether ``SOHOA_AUDIT_SEAL_EVERY`` entries, or one ``SOHOA_AUDIT_SEAL_INTERVAL_S`` old, wait unsealed."""
    every, interval = ctx.settings.audit_seal_every, ctx.settings.audit_seal_interval_s
    if not every and not interval:
        return False
    with session_scope(ctx.engine) as session:
        head_seq = read_head(session)[0]
        last = last_seal(session)
        sealed = last.seq if last is not None else 0
        if head_seq <= sealed:
            return False
        if every and head_seq - sealed >= every:
            return True
        oldest = entry_time(session, sealed + 1) if interval else None
    return oldest is not None and utcnow() - oldest >= timedelta(seconds=interval)


def seal_if_due(ctx: Context) -> Seal | None:
    """Seal when due (see the module docstring); a failure is logged, never raised: the entries are committed
    already, and ``sohoa audit verify`` reports them as the unsealed tail until a seal succeeds."""
    try:
        if not seal_due(ctx):
            return None
        done = seal_now(ctx)
    except SohoaError as exc:
        log.warning("audit seal failed: %s", exc.one_line())
        return None
    return done.seal if done.created else None
