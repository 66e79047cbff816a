"""The object store interface: immutable, put-if-absent, verified on every read.

Why this shape:

- **Put if absent.** A job that dies is re-run; its second put of the same key must not make a
  second or different object. So ``put_*`` never overwrites: if the key exists, the existing
  object's info comes back with ``created=False``, and the caller records *that* sha256 (a
  re-signed PDF has different bytes, but the first one is the one that counts).
- **Re-hash on read.** Every ``get_bytes``/``download`` recomputes sha256 and raises
  ``sohoa.errors.IntegrityError`` on a mismatch, so silent corruption never flows into a
  signature or a citizen's download.
- **Metadata like S3's.** Keys ``[a-z0-9-]``, ASCII values, at most 2 KB in all, so the local folder
  and S3/MinIO accept exactly the same calls. Keys starting ``sohoa-`` are the store's own (the S3
  store records the sha256 as ``sohoa-sha256``) and refused from callers.
- **Retention.** ``retain=True`` asks for WORM retention (S3 object lock) for records the law says
  to keep, signed results; a store that cannot enforce it stores the object anyway and says so in
  ``describe()["warnings"]``: losing a dossier because a lock is missing would be worse.
- **Presigned URLs.** ``presigned_url`` mints a short-lived download link for a citizen; the caller
  authorizes first (whoever holds the link can download). The local folder cannot make a link that
  expires, so it raises ``PresignNotSupported`` rather than hand out a ``file://`` path that never does.

``open_object_store`` turns ``Settings.effective_storage_url`` (``file:///path`` or
``s3://bucket[/prefix]``) into a store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from sohoa.errors import StorageError

if TYPE_CHECKING:
    from sohoa.settings import Settings

DEFAULT_CONTENT_TYPE = "application/octet-stream"
MAX_METADATA_BYTES = 2048  # S3's limit for user metadata
_META_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
RESERVED_META_PREFIX = "sohoa-"  # the store's own metadata (e.g. sohoa-sha256 on S3)
MAX_PRESIGN_S = 7 * 24 * 3600  # SigV4's limit


class ObjectMissing(StorageError):
    """No object under that key."""

    code = "object_missing"


class PresignNotSupported(StorageError):
    """This store cannot mint expiring download URLs (the local folder)."""

    code = "presign_not_supported"


@dataclass(frozen=True)
class StoredObject:
    """What the store knows about one object. ``created`` says whether this call wrote it."""

    key: str
    sha256: str
    size: int
    metadata: dict[str, str] = field(default_factory=dict)
    created: bool = False
    content_type: str = DEFAULT_CONTENT_TYPE


@runtime_checkable
class ObjectStore(Protocol):
    """Immutable objects under validated keys (see ``storage.keys``)."""

    def put_file(
        self,
        key: str,
        path: Path,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        retain: bool = False,
    ) -> StoredObject:
        """Store the file's bytes (streamed) under ``key`` unless the key exists (then ``created=False``).

        ``retain``: apply the configured WORM retention where the store can (signed results)."""
        ...

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        retain: bool = False,
    ) -> StoredObject:
        """Like ``put_file`` for bytes already in memory (small objects: JSON)."""
        ...

    def get_bytes(self, key: str) -> bytes:
        """The object's bytes, verified; ``IntegrityError`` on mismatch, ``ObjectMissing`` if absent."""
        ...

    def download(self, key: str, dst: Path) -> StoredObject:
        """Write the object to ``dst`` (atomically, verified); ``dst`` is untouched on failure."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a complete object is stored under ``key``."""
        ...

    def stat(self, key: str) -> StoredObject | None:
        """The object's recorded info, or ``None``; does not read the bytes."""
        ...

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with ``prefix`` (a plain string prefix, as in S3), in sorted order."""
        ...

    def erase(self, key: str) -> bool:
        """Remove ``key`` and every stored version of it; True if anything was there.

        Only for what must not be kept at all (the pages and original of a refused secret document):
        records are never erased. An object under retention cannot be and raises ``StorageError``."""
        ...

    def presigned_url(self, key: str, expires: timedelta | int) -> str:
        """A GET URL for ``key`` valid ``expires`` (seconds), as an attachment download.

        ``ObjectMissing`` if absent; ``PresignNotSupported`` where links cannot expire."""
        ...

    def describe(self) -> dict[str, Any]:
        """Where the store is and what it guarantees (versioning, object lock), plus ``warnings``."""
        ...


def presign_seconds(expires: timedelta | int) -> int:
    """Validate an expiry: at least one second, at most SigV4's seven days."""
    seconds = int(expires.total_seconds()) if isinstance(expires, timedelta) else int(expires)
    if not 1 <= seconds <= MAX_PRESIGN_S:
        raise StorageError(f"presigned URL expiry must be 1 s to 7 days, got {seconds} s")
    return seconds


def validate_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """Copy and check user metadata against the rules S3 imposes, so both stores behave alike."""
    result = dict(metadata or {})
    for name, value in result.items():
        if not isinstance(name, str) or not _META_KEY.fullmatch(name):
            raise StorageError(f"metadata key {name!r} must be lowercase a-z, 0-9 and '-'")
        if name.startswith(RESERVED_META_PREFIX):
            raise StorageError(f"metadata key {name!r} is reserved for the store ({RESERVED_META_PREFIX}*)")
        if not isinstance(value, str) or not value.isascii() or not value.isprintable():
            raise StorageError(f"metadata value of {name!r} must be printable ASCII (percent-encode file names)")
    if sum(len(k) + len(v) for k, v in result.items()) > MAX_METADATA_BYTES:
        raise StorageError(f"metadata larger than {MAX_METADATA_BYTES} bytes")
    return result


def open_object_store(url: str, settings: Settings | None = None) -> ObjectStore:
    """The store for a URL: ``file:///abs/path`` or ``s3://bucket[/prefix]``.

    An S3 store takes its endpoint, credentials and retention from ``settings`` (read from the
    environment when not given) and checks its bucket on opening (created, versioned, object lock).
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise StorageError(f"file URL must be local (file:///path), got {url!r}")
        path = Path(url2pathname(unquote(parts.path)))
        if not path.is_absolute():
            raise StorageError(f"file URL must hold an absolute path, got {url!r}")
        from storage.local import LocalFolderStore

        return LocalFolderStore(path)
    if parts.scheme == "s3":
        from sohoa.settings import load_settings
        from storage.s3 import S3Store, s3_config

        return S3Store(s3_config(url, settings or load_settings()))
    raise StorageError(f"unknown object store URL {url!r}", hint="expected file:///path or s3://bucket[/prefix]")
