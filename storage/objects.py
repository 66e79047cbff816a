"""The object store interface: immutable, put-if-absent, verified on every read.

Why this shape:

- **Put if absent.** A job that dies is re-run; its second put of the same key must not make a
  second or different object. So ``put_*`` never overwrites: if the key exists, the existing
  object's info comes back with ``created=False``, and the caller records *that* sha256 (a
  re-signed PDF has different bytes, but the first one is the one that counts).
- **Re-hash on read.** Every ``get_bytes``/``download`` recomputes sha256 and raises
  ``sohoa.errors.IntegrityError`` on a mismatch, so silent corruption never flows into a
  signature or a citizen's download.
- **Metadata like S3's.** Keys ``[a-z0-9-]``, ASCII values, at most 2 KB in all, so a local folder
  today and S3/MinIO later accept exactly the same calls.

``open_object_store`` turns ``Settings.effective_storage_url`` into a store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from sohoa.errors import StorageError

DEFAULT_CONTENT_TYPE = "application/octet-stream"
MAX_METADATA_BYTES = 2048  # S3's limit for user metadata
_META_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class ObjectMissing(StorageError):
    """No object under that key."""

    code = "object_missing"


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
    ) -> StoredObject:
        """Store the file's bytes under ``key`` unless the key exists (then ``created=False``)."""
        ...

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
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


def validate_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """Copy and check user metadata against the rules S3 imposes, so both stores behave alike."""
    result = dict(metadata or {})
    for name, value in result.items():
        if not isinstance(name, str) or not _META_KEY.fullmatch(name):
            raise StorageError(f"metadata key {name!r} must be lowercase a-z, 0-9 and '-'")
        if not isinstance(value, str) or not value.isascii() or not value.isprintable():
            raise StorageError(f"metadata value of {name!r} must be printable ASCII (percent-encode file names)")
    if sum(len(k) + len(v) for k, v in result.items()) > MAX_METADATA_BYTES:
        raise StorageError(f"metadata larger than {MAX_METADATA_BYTES} bytes")
    return result


def open_object_store(url: str) -> ObjectStore:
    """The store for a URL: ``file:///abs/path`` today; ``s3://`` comes with the S3 issue."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise StorageError(f"file URL must be local (file:///path), got {url!r}")
        path = Path(url2pathname(unquote(parts.path)))
        if not path.is_absolute():
            raise StorageError(f"file URL must hold an absolute path, got {url!r}")
        from storage.local import LocalFolderStore

        return LocalFolderStore(path)
    if parts.scheme in ("s3", "minio", "http", "https"):
        raise StorageError(
            f"{parts.scheme}:// object storage is not supported yet",
            hint="use a file:/// URL in SOHOA_STORAGE_URL, or leave it unset",
        )
    raise StorageError(f"unknown object store URL {url!r}", hint="expected file:///path")
