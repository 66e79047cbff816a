"""The embedded object store: a local folder, crash-safe and safe for concurrent writers.

Layout under the root::

    <key>                 the object's bytes, exactly as given
    .meta/<key>.json      sha256, size, content type, metadata: written last, so its presence
                          means "this object is complete" (the commit point)
    <dir>/.tmp-<uuid>     a write in progress (or left by a crash; safe to delete when old)

Keys cannot start a segment with ``.`` (see ``storage.keys``), so no key can reach ``.meta`` or a
temporary file. Bytes go to a temporary file in the destination folder, are fsynced, then
``os.link``-ed into place: a link fails if the name exists, so of two concurrent writers of one
key exactly one wins and nobody's bytes are replaced. On a filesystem without hard links the bytes are
copied into a file created with ``O_CREAT | O_EXCL``, which fails the same way if the name exists: an
object (a signed result above all) is never put by a ``rename``, which would replace what a racing writer
put there. Such a copy is not atomic, so there an object found without its sidecar is accepted only when
its bytes are the ones being stored (a crash may have left half a copy). The sidecar, a description of
bytes already in place, is linked too, or renamed after an existence check where links are missing.

Folders are made 0700 and files 0600 (``storage.private_files``): objects are scans and results.

A folder has no versioning, no object lock and no expiring links: ``retain`` is accepted and not
enforced (``describe()`` warns), and ``presigned_url`` raises ``PresignNotSupported``; production
uses S3 (``storage.s3``) for those.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sohoa.errors import IntegrityError, SohoaError, StorageError
from storage.keys import validate_key, validate_prefix
from storage.objects import (
    DEFAULT_CONTENT_TYPE,
    ObjectMissing,
    PresignNotSupported,
    StoredObject,
    presign_seconds,
    validate_metadata,
)
from storage.private_files import FILE_MODE, private_dir

CHUNK = 1024 * 1024
META_DIR = ".meta"
_NO_LINK = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS}

Writer = Callable[[IO[bytes]], object]


class LocalFolderStore:
    """``ObjectStore`` on a folder (``file:///path``): the default of the embedded mode."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        try:
            private_dir(self.root / META_DIR)
        except OSError as exc:
            raise StorageError(f"cannot use {self.root} as object store: {exc.strerror or exc}") from exc

    def __repr__(self) -> str:
        return f"LocalFolderStore({str(self.root)!r})"

    # -- writing -------------------------------------------------------------------------------

    def put_file(
        self,
        key: str,
        path: Path,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        retain: bool = False,
    ) -> StoredObject:
        """Copy ``path`` in (streamed, never whole in memory) unless ``key`` exists."""

        def write(out: IO[bytes]) -> None:
            with open(path, "rb") as src:
                while chunk := src.read(CHUNK):
                    out.write(chunk)

        return self._put(key, write, metadata, content_type)

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        retain: bool = False,
    ) -> StoredObject:
        """Store ``data`` unless ``key`` exists."""
        return self._put(key, lambda out: out.write(data), metadata, content_type)

    def _put(self, key: str, write: Writer, metadata: Mapping[str, str] | None, content_type: str) -> StoredObject:
        validate_key(key)
        meta = validate_metadata(metadata)
        existing = self.stat(key)
        if existing is not None:
            return existing
        target = self.root / key
        try:
            private_dir(target.parent)
            tmp = target.parent / f".tmp-{uuid.uuid4().hex}"
            try:
                digest, size = _write_hashed(tmp, write)
                created = _link_or_copy(tmp, target, digest, self._meta_path(key))
            finally:
                tmp.unlink(missing_ok=True)
            if created:
                _fsync_dir(target.parent)
            else:
                # Someone else's bytes are in place (a concurrent writer, or a crash before its
                # sidecar): describe what is really on disk, never what we meant to write.
                digest, size = _hash_file(target)
            info = StoredObject(key, digest, size, meta, created, content_type)
            self._commit_meta(info)
        except SohoaError:
            raise
        except OSError as exc:
            raise StorageError(f"cannot store object {key!r}: {exc.strerror or exc}") from exc
        stored = self.stat(key)
        if stored is None:  # pragma: no cover - the sidecar was just linked
            raise StorageError(f"object {key!r} vanished while being stored")
        return replace(stored, created=created)

    def _commit_meta(self, info: StoredObject) -> None:
        """Link the sidecar into place; if another writer got there first, theirs stands."""
        path = self._meta_path(info.key)
        private_dir(path.parent)
        record = {
            "format": 1,
            "sha256": info.sha256,
            "size": info.size,
            "content_type": info.content_type,
            "metadata": info.metadata,
            "stored_at": datetime.now(UTC).isoformat(),
        }
        body = json.dumps(record, sort_keys=True).encode()
        tmp = path.parent / f".tmp-{uuid.uuid4().hex}"
        try:
            _write_hashed(tmp, lambda out: out.write(body))
            if _link_or_rename(tmp, path):
                _fsync_dir(path.parent)
        finally:
            tmp.unlink(missing_ok=True)

    # -- reading -------------------------------------------------------------------------------

    def stat(self, key: str) -> StoredObject | None:
        """The sidecar's record, or ``None`` if the object is absent or not yet complete."""
        validate_key(key)
        try:
            record: dict[str, Any] = json.loads(self._meta_path(key).read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise IntegrityError(f"unreadable metadata for object {key!r}: {exc}") from exc
        return StoredObject(
            key=key,
            sha256=record["sha256"],
            size=record["size"],
            metadata=dict(record.get("metadata") or {}),
            created=False,
            content_type=record.get("content_type", DEFAULT_CONTENT_TYPE),
        )

    def exists(self, key: str) -> bool:
        """Whether a complete object (bytes and sidecar) is recorded under ``key``."""
        validate_key(key)
        return self._meta_path(key).is_file()

    def get_bytes(self, key: str) -> bytes:
        """Read and verify; fine for JSON and page images, use ``download`` for big PDFs."""
        info = self._require(key)
        try:
            data = (self.root / key).read_bytes()
        except FileNotFoundError as exc:
            raise IntegrityError(f"object {key!r} is recorded but its bytes are missing") from exc
        _check(info, hashlib.sha256(data).hexdigest(), len(data))
        return data

    def download(self, key: str, dst: Path) -> StoredObject:
        """Copy to ``dst`` through a temporary file, verifying on the way; replace ``dst`` last."""
        info = self._require(key)
        dst = Path(dst)
        tmp = dst.parent / f".{dst.name}.tmp-{uuid.uuid4().hex}"
        try:
            with open(self.root / key, "rb") as src:
                digest, size = _write_hashed(tmp, lambda out: _copy(src, out))
            _check(info, digest, size)
            os.replace(tmp, dst)
        except FileNotFoundError as exc:
            if not (self.root / key).exists():
                raise IntegrityError(f"object {key!r} is recorded but its bytes are missing") from exc
            raise StorageError(f"cannot write {dst}: {exc.strerror}") from exc
        except OSError as exc:
            raise StorageError(f"cannot download object {key!r}: {exc.strerror or exc}") from exc
        finally:
            tmp.unlink(missing_ok=True)
        return info

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Complete objects whose key starts with ``prefix``, sorted like an S3 listing."""
        validate_prefix(prefix)
        meta_root = self.root / META_DIR
        start = meta_root / prefix.rpartition("/")[0]
        keys: list[str] = []
        for folder, dirs, files in os.walk(start):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = Path(folder).relative_to(meta_root).as_posix()
            for name in files:
                if name.startswith(".") or not name.endswith(".json"):
                    continue
                key = name[: -len(".json")] if rel == "." else f"{rel}/{name[: -len('.json')]}"
                if key.startswith(prefix):
                    keys.append(key)
        yield from sorted(keys)

    def erase(self, key: str) -> bool:
        """Remove the object's bytes and its sidecar (a folder keeps no versions)."""
        validate_key(key)
        found = False
        for path in (self._meta_path(key), self.root / key):  # the sidecar first: the object stops existing
            try:
                path.unlink()
                found = True
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise StorageError(f"cannot erase object {key!r}: {exc.strerror or exc}") from exc
        return found

    def presigned_url(self, key: str, expires: timedelta | int) -> str:
        """Refused: a ``file://`` path cannot expire, so it is no link to hand a citizen."""
        presign_seconds(expires)
        self._require(key)
        raise PresignNotSupported(
            "the local object store cannot make expiring download links",
            hint="use sohoa results export, or S3 storage (SOHOA_STORAGE_URL=s3://...)",
        )

    def describe(self) -> dict[str, object]:
        """A folder: no versioning, no object lock, no presigned links."""
        return {
            "kind": "local",
            "url": self.root.as_uri(),
            "versioning": False,
            "object_lock": False,
            "presigned_urls": False,
            "warnings": [],
        }

    def _require(self, key: str) -> StoredObject:
        info = self.stat(key)
        if info is None:
            raise ObjectMissing(f"no object {key!r} in {self.root}")
        return info

    def _meta_path(self, key: str) -> Path:
        return self.root / META_DIR / f"{key}.json"


def _copy(src: IO[bytes], out: IO[bytes]) -> None:
    while chunk := src.read(CHUNK):
        out.write(chunk)


class _HashingWriter:
    """File wrapper that hashes and counts what passes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.raw.write(data)


def _write_hashed(path: Path, write: Writer) -> tuple[str, int]:
    """Create ``path`` exclusively (0600), fill it via ``write``, fsync; return (sha256, size)."""
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), "wb") as raw:
        out = _HashingWriter(raw)
        write(out)  # type: ignore[arg-type]
        raw.flush()
        os.fsync(raw.fileno())
    return out.sha.hexdigest(), out.size


def _hash_file(path: Path) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as src:
        while chunk := src.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _link_or_copy(tmp: Path, target: Path, digest: str, sidecar: Path) -> bool:
    """Put ``tmp`` (whose sha256 is ``digest``) at ``target`` unless it exists; True if we did.

    Never replaces a file and never renames onto ``target``: a hard link, or where there are none a copy
    into a file only we can have created (``O_EXCL``). See the module docstring for what a copy implies.
    """
    try:
        os.link(tmp, target)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in _NO_LINK:
            raise
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        if sidecar.is_file() or _hash_file(target)[0] == digest:  # complete: recorded, or the same bytes
            return False
        raise IntegrityError(
            f"{target.name}: a different file is in the object's place without its record",
            hint="a copy was interrupted or another writer is at work; check the file, remove it, store again",
        ) from None
    try:
        with os.fdopen(fd, "wb") as out, open(tmp, "rb") as src:
            shutil.copyfileobj(src, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        target.unlink(missing_ok=True)  # our own half copy: we created this name
        raise
    return True


def _link_or_rename(tmp: Path, target: Path) -> bool:
    """Put the sidecar ``tmp`` at ``target`` unless it exists; True if we did. A link; where there are none,
    a rename after an existence check (two racing sidecars describe the same bytes on disk)."""
    try:
        os.link(tmp, target)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in _NO_LINK:
            raise
    if target.exists():
        return False
    os.rename(tmp, target)
    return True


def _fsync_dir(folder: Path) -> None:
    """Make a new directory entry durable (POSIX); a no-op where directories cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _check(info: StoredObject, digest: str, size: int) -> None:
    if digest != info.sha256 or size != info.size:
        raise IntegrityError(
            f"object {info.key!r} is corrupt: sha256 {digest[:12]}… size {size},"
            f" recorded {info.sha256[:12]}… size {info.size}",
            hint="restore it from a backup or re-run the dossier from its original",
        )
