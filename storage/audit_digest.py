"""Keyed hashes of personal values for the audit log: proof of *which* value, without the value.

The audit log holds codes, keys and counts, never personal data. Yet an auditor must be able to tell
that the value a correction wrote is the one now in its revision, and that the fields a result was
approved with are the ones embedded in its published PDF. A plain sha256 would do that and leak: a
personal ID is 12 digits, and with the birth year, sex and province known only 6 are left to guess;
a million hashes take a millisecond. A salt stored beside the hash does not help either.

So the payloads carry HMAC-SHA256 under a secret kept **outside the database** (``SOHOA_AUDIT_KEY_FILE``,
by default ``keys/audit-hmac.key`` made on first use, 0600): someone who reads the database or the log
cannot test guesses, and someone who rewrites a revision cannot make its hash match again. Every
digest is bound to what it is about (the result, the field and the item), so the same ID in two
results gives two unrelated digests and the log cannot be used to link people across results.
``key`` in a payload names the key by an identifier derived from it (not the key), so an auditor
knows which key a digest needs after the key was replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sohoa.errors import StorageError
from storage.repository.audit import canonical_json

MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class AuditKey:
    """The installation's secret for audit digests; ``id`` names it in payloads."""

    secret: bytes = field(repr=False)

    @property
    def id(self) -> str:
        return hmac.new(self.secret, b"sohoa.audit-key-id/1", hashlib.sha256).hexdigest()[:16]

    def digest(self, *parts: Any) -> str:
        """``HMAC-SHA256(secret, canonical JSON of parts)``, hex: one byte string per value list."""
        return hmac.new(self.secret, canonical_json({"d": list(parts)}), hashlib.sha256).hexdigest()


def field_value_digest(key: AuditKey, result: str, field_key: str, position: int, value: str | None) -> str | None:
    """The digest of one field item's value (``None`` for no value: an item added by a reviewer)."""
    if value is None:
        return None
    return key.digest("sohoa.field-value/1", result, field_key, position, value)


def approved_fields_digest(key: AuditKey, result: str, fields: Mapping[str, Any]) -> str:
    """The digest of a result's approved field set: ``fields`` is ``{key: value or [values]}``, exactly the
    ``fields`` object embedded in the published PDF (``workers.publish.field_values``)."""
    return key.digest("sohoa.approved-fields/1", result, dict(fields))


def search_term_digest(key: AuditKey, kind: str, term: str) -> str:
    """The digest of what someone searched for: the same term gives the same digest, so an auditor holding
    the key can ask "who looked this ID up", while the log never holds the term."""
    return key.digest("sohoa.search-term/1", kind, term.strip())


def load_audit_key(path: Path, *, create: bool = True) -> AuditKey | None:
    """The key in ``path`` (at least 32 bytes; outer whitespace ignored, so ``openssl rand -hex 32`` works).

    ``create``: make one (64 hex characters, mode 0600) when the file does not exist; two processes racing
    keep one key (the file is linked into place, never replaced). Without ``create`` a missing file gives
    ``None`` (``sohoa audit verify`` then skips the digests). An unreadable or short key is an error.
    """
    try:
        secret = path.read_bytes().strip()
    except FileNotFoundError:
        if not create:
            return None
        secret = _create(path)
    except OSError as exc:
        raise StorageError(f"cannot read the audit key {path}: {exc}", hint="check SOHOA_AUDIT_KEY_FILE") from exc
    if len(secret) < MIN_KEY_BYTES:
        raise StorageError(
            f"the audit key {path} is shorter than {MIN_KEY_BYTES} bytes", hint="e.g. openssl rand -hex 32 > FILE"
        )
    return AuditKey(secret)


def _create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = secrets.token_hex(32).encode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secret + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # never replaces: a racing process's key wins, read back below
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes().strip()
