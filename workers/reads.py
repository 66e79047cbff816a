"""Reads of personal data go to the audit log: who searched, showed, exported or got a link, and what.

A result's fields hold names, personal IDs and addresses; the law on personal data asks who accessed
them, not only who changed them. So every operation that hands field values (or a download link) to a
person appends an entry in the same transaction that read them: no entry, no data.

- ``results.searched`` (subject ``results``): how (``personal_id``, ``number``, ``sha256``), a keyed
  digest of the term (``storage.audit_digest``: never the term), the codes found and how many;
- ``result.read`` (subject: the result): ``via`` ``show``, ``export``, ``url`` or ``review_list`` and
  what was shown (field keys, number of revisions, the PDF's sha256, a link's lifetime; never the link,
  which is a bearer secret).

The actor is the ``--by`` name or the OS login (``sohoa.cli.common.who``); the web front end will pass its
authenticated account.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from sohoa.errors import BadInput
from storage import repository
from storage.audit_digest import AuditKey, search_term_digest

SEARCH_SUBJECT = "results"
MAX_CODES = 100  # codes listed in one search entry; ``count`` has them all


def actor_name(by: str) -> str:
    """Who reads: named, at most 128 characters (it goes into the audit log)."""
    name = by.strip()
    if not name or len(name) > 128:
        raise BadInput("cần tên người thực hiện (--by), tối đa 128 ký tự")
    return name


def record_search(session: Session, *, by: str, key: AuditKey, kind: str, term: str, found: Sequence[str]) -> None:
    """Append ``results.searched`` in the caller's transaction."""
    payload = {
        "by": kind,
        "term_hmac": search_term_digest(key, kind, term),
        "hmac_key": key.id,
        "found": list(found[:MAX_CODES]),
        "count": len(found),
    }
    repository.append_audit(
        session, actor=actor_name(by), action="results.searched", subject=SEARCH_SUBJECT, payload=payload
    )


def record_read(session: Session, *, by: str, result: str, via: str, **shown: Any) -> None:
    """Append ``result.read`` in the caller's transaction; ``shown`` says what was read (keys, counts, hashes)."""
    repository.append_audit(
        session, actor=actor_name(by), action="result.read", subject=result, payload={"via": via, **shown}
    )
