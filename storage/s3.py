"""The production object store: S3 (MinIO, SeaweedFS, AWS...) through the ``minio`` SDK.

Same contract as the local folder (``storage.objects``), enforced by the server where it can be:

- **Put if absent**: every upload carries ``If-None-Match: *`` (on the PUT, or on the
  CompleteMultipartUpload of a large file), so of two writers of one key the server keeps one; a
  ``412`` means "already stored" and the existing object's info comes back with ``created=False``.
- **Checked in transit**: every PUT and every part carries ``x-amz-checksum-sha256`` and the server
  refuses a body that does not match (``BadDigest``), nothing stored. The SDK's own
  ``x-amz-content-sha256`` is not enough: SeaweedFS does not verify it over plain HTTP.
- **Checked at rest**: the whole object's sha256 is recorded as metadata ``sohoa-sha256`` (computed
  before the upload, so it can go in the same request); every read re-hashes the bytes against it
  and raises ``IntegrityError`` on a mismatch.
- **Streamed**: objects up to the part size go in one PUT, larger ones as a multipart upload, one
  part in memory at a time; downloads stream to a temporary file replaced into place at the end.
- **Records law**: the bucket is created with object lock (so retention can be used) and versioning
  is switched on when the store opens it; ``retain=True`` puts the configured retention
  (GOVERNANCE/COMPLIANCE, days) on the object when the bucket has object lock, and otherwise stores
  it without and says so in ``describe()["warnings"]``.

minio 7.2's public ``put_object`` sends neither conditional nor checksum headers (it turns unknown
headers into user metadata), so uploads use its signed request layer (``_execute``,
``_create_multipart_upload``, ``_abort_multipart_upload``); the version is pinned in pyproject.toml
and the tests against a real server cover every one of these calls.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from minio.helpers import md5sum_hash
from minio.versioningconfig import ENABLED, VersioningConfig

from sohoa.errors import IntegrityError, SohoaError, StorageError
from storage.keys import validate_key, validate_prefix
from storage.objects import (
    DEFAULT_CONTENT_TYPE,
    RESERVED_META_PREFIX,
    ObjectMissing,
    StoredObject,
    presign_seconds,
    validate_metadata,
)

if TYPE_CHECKING:
    from sohoa.settings import Settings

log = logging.getLogger(__name__)

SHA_META = f"{RESERVED_META_PREFIX}sha256"
CHUNK = 1024 * 1024
_MISSING = {"NoSuchKey", "NoSuchObject", "NoSuchVersion", "ResourceNotFound"}
_NO_LOCK = {"ObjectLockConfigurationNotFoundError", "NotImplemented", "InvalidRequest", "InvalidBucketState"}


@dataclass(frozen=True)
class S3Config:
    """Everything the S3 store needs; built from ``Settings`` by ``s3_config``."""

    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    prefix: str = ""
    secure: bool = True
    region: str | None = None
    part_size: int = 16 * 1024 * 1024
    retention_mode: str = "GOVERNANCE"
    retention_days: int = 0

    def __repr__(self) -> str:  # never print the secret
        return f"S3Config(endpoint={self.endpoint!r}, bucket={self.bucket!r}, prefix={self.prefix!r})"


def s3_config(url: str, settings: Settings) -> S3Config:
    """Parse ``s3://bucket[/prefix]`` and take endpoint and credentials from the settings."""
    parts = urlsplit(url)
    bucket, prefix = parts.netloc, parts.path.strip("/")
    if not bucket:
        raise StorageError(f"S3 URL must name a bucket (s3://bucket[/prefix]), got {url!r}")
    if prefix:
        validate_key(prefix)
    if not settings.s3_endpoint:
        raise StorageError("SOHOA_S3_ENDPOINT is not set", hint="host:port of the S3 server, e.g. minio:9000")
    if not settings.s3_access_key or settings.s3_secret_key is None:
        raise StorageError("SOHOA_S3_ACCESS_KEY and SOHOA_S3_SECRET_KEY must be set for s3:// storage")
    endpoint, secure = settings.s3_endpoint, settings.s3_secure
    if "://" in endpoint:
        scheme = urlsplit(endpoint)
        if scheme.scheme not in ("http", "https") or scheme.path.strip("/"):
            raise StorageError(f"SOHOA_S3_ENDPOINT must be host:port or http(s)://host:port, got {endpoint!r}")
        endpoint, secure = scheme.netloc, scheme.scheme == "https"
    return S3Config(
        endpoint=endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        bucket=bucket,
        prefix=f"{prefix}/" if prefix else "",
        secure=secure,
        region=settings.s3_region,
        part_size=settings.s3_part_size_mb * 1024 * 1024,
        retention_mode=settings.s3_retention_mode,
        retention_days=settings.s3_retention_days,
    )


@contextlib.contextmanager
def s3_errors(action: str, where: str) -> Iterator[None]:
    """Turn the SDK's and urllib3's exceptions into one ``StorageError`` naming what failed and why."""
    try:
        yield
    except SohoaError:
        raise
    except S3Error as exc:
        raise StorageError(f"S3 {action} {where}: {exc.code}: {exc.message}") from exc
    except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise StorageError(
            f"S3 {action} {where}: cannot reach the server ({reason})",
            hint="check SOHOA_S3_ENDPOINT and that the S3 server is running",
        ) from exc
    except (MinioException, ValueError) as exc:
        raise StorageError(f"S3 {action} {where}: {exc}") from exc


def make_client(config: S3Config, http: urllib3.PoolManager | None = None) -> Minio:
    """A client with explicit timeouts and a few quick retries, so a dead server fails in seconds (``http``:
    another pool, e.g. the readiness probe's, which must not retry at all)."""
    http = http or urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=5, read=60),
        retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        maxsize=8,
    )
    return Minio(
        config.endpoint,
        access_key=config.access_key,
        secret_key=config.secret_key,
        secure=config.secure,
        region=config.region,
        http_client=http,
    )


class S3Store:
    """``ObjectStore`` on an S3 bucket (``s3://bucket[/prefix]``)."""

    def __init__(self, config: S3Config, client: Minio | None = None) -> None:
        self.config = config
        self.bucket = config.bucket
        self.prefix = config.prefix
        self.client = client or make_client(config)
        self.object_lock = False
        self.warnings: list[str] = []
        self._open_bucket()

    def __repr__(self) -> str:
        return f"S3Store({self.url!r})"

    @property
    def url(self) -> str:
        scheme = "https" if self.config.secure else "http"
        return f"s3://{self.bucket}/{self.prefix} at {scheme}://{self.config.endpoint}"

    # -- the bucket ----------------------------------------------------------------------------

    def _open_bucket(self) -> None:
        """Create the bucket if absent (with object lock), switch versioning on, detect object lock."""
        with s3_errors("open bucket", self.bucket):
            if not self.client.bucket_exists(self.bucket):
                self._make_bucket()
            if self.client.get_bucket_versioning(self.bucket).status != ENABLED:
                self.client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
                if self.client.get_bucket_versioning(self.bucket).status != ENABLED:
                    raise StorageError(f"bucket {self.bucket} refused versioning", hint="records must be versioned")
            try:
                self.client.get_object_lock_config(self.bucket)
                self.object_lock = True
            except S3Error as exc:
                if exc.code not in _NO_LOCK:
                    raise
        if self.config.retention_days and not self.object_lock:
            self.warnings.append(
                f"bucket {self.bucket} has no object lock: signed results are stored without WORM retention"
                " (object lock can only be enabled when a bucket is created)"
            )
            log.warning("%s", self.warnings[-1])

    def _make_bucket(self) -> None:
        try:
            self.client.make_bucket(self.bucket, location=self.config.region, object_lock=True)
        except S3Error as exc:
            if exc.code == "BucketAlreadyOwnedByYou":  # another process made it meanwhile
                return
            if exc.code not in _NO_LOCK and exc.code != "InvalidArgument":
                raise
            log.warning("S3 server refused a bucket with object lock (%s); creating %s without", exc.code, self.bucket)
            self.client.make_bucket(self.bucket, location=self.config.region)

    def describe(self) -> dict[str, Any]:
        """Bucket, versioning, object lock and retention as configured, plus warnings."""
        retention = (
            f"{self.config.retention_mode} {self.config.retention_days} days"
            if self.config.retention_days and self.object_lock
            else None
        )
        return {
            "kind": "s3",
            "url": self.url,
            "versioning": True,
            "object_lock": self.object_lock,
            "retention": retention,
            "presigned_urls": True,
            "warnings": list(self.warnings),
        }

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
        """Hash the file, then upload it streamed unless ``key`` exists."""
        validate_key(key)
        meta = validate_metadata(metadata)
        existing = self.stat(key)
        if existing is not None:
            return existing
        try:
            digest, size = _hash_file(Path(path))
            with open(path, "rb") as src:
                return self._upload(key, src, size, digest, meta, content_type, retain)
        except OSError as exc:  # the local file; network errors are StorageErrors by now
            raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        metadata: Mapping[str, str] | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        retain: bool = False,
    ) -> StoredObject:
        """Upload ``data`` unless ``key`` exists."""
        validate_key(key)
        meta = validate_metadata(metadata)
        existing = self.stat(key)
        if existing is not None:
            return existing
        digest = hashlib.sha256(data).hexdigest()
        return self._upload(key, io.BytesIO(data), len(data), digest, meta, content_type, retain)

    def _upload(
        self,
        key: str,
        src: IO[bytes],
        size: int,
        digest: str,
        meta: dict[str, str],
        content_type: str,
        retain: bool,
    ) -> StoredObject:
        headers = {"Content-Type": content_type or DEFAULT_CONTENT_TYPE}
        headers |= {f"x-amz-meta-{k}": v for k, v in meta.items()}
        headers[f"x-amz-meta-{SHA_META}"] = digest
        headers |= self._retention_headers(retain)
        with s3_errors("put", key):
            try:
                if size <= self.config.part_size:
                    data = src.read(size + 1)
                    _same_bytes(key, data, digest, size)
                    headers |= {"If-None-Match": "*", "x-amz-checksum-sha256": _b64sha(data)}
                    self.client._put_object(self.bucket, self.prefix + key, data, headers)
                else:
                    self._multipart(key, src, size, digest, headers)
            except S3Error as exc:
                if exc.code != "PreconditionFailed":
                    raise
                existing = self.stat(key)  # a concurrent writer won: its object stands
                if existing is None:
                    raise StorageError(f"S3 said {key!r} exists but it cannot be read back") from exc
                return existing
        return StoredObject(key, digest, size, meta, True, content_type)

    def _multipart(self, key: str, src: IO[bytes], size: int, digest: str, headers: dict[str, str]) -> None:
        """One part in memory at a time, each with its checksum; complete only if the key is still absent."""
        name = self.prefix + key
        upload_id = self.client._create_multipart_upload(
            self.bucket, name, headers | {"x-amz-checksum-algorithm": "SHA256"}
        )
        try:
            whole = hashlib.sha256()
            done = Element("CompleteMultipartUpload")
            number, sent = 0, 0
            while sent < size:
                part = src.read(min(self.config.part_size, size - sent))
                if not part:
                    break
                number, sent = number + 1, sent + len(part)
                whole.update(part)
                checksum = _b64sha(part)
                response = self.client._execute(
                    "PUT",
                    self.bucket,
                    name,
                    body=part,
                    headers={"x-amz-checksum-sha256": checksum},
                    query_params={"partNumber": str(number), "uploadId": upload_id},
                )
                item = SubElement(done, "Part")
                SubElement(item, "PartNumber").text = str(number)
                SubElement(item, "ETag").text = response.headers.get("etag", "")
                SubElement(item, "ChecksumSHA256").text = checksum
            if sent != size or src.read(1) or whole.hexdigest() != digest:
                raise StorageError(f"the file for {key!r} changed while it was being stored; nothing was stored")
            body = tostring(done)
            self.client._execute(
                "POST",
                self.bucket,
                name,
                body=body,
                headers={"Content-Type": "application/xml", "Content-MD5": md5sum_hash(body), "If-None-Match": "*"},
                query_params={"uploadId": upload_id},
            )
        except BaseException:
            with contextlib.suppress(Exception):
                self.client._abort_multipart_upload(self.bucket, name, upload_id)
            raise

    def _retention_headers(self, retain: bool) -> dict[str, str]:
        if not (retain and self.config.retention_days and self.object_lock):
            return {}
        until = datetime.now(UTC) + timedelta(days=self.config.retention_days)
        return {
            "x-amz-object-lock-mode": self.config.retention_mode,
            "x-amz-object-lock-retain-until-date": until.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }

    # -- reading -------------------------------------------------------------------------------

    def stat(self, key: str) -> StoredObject | None:
        """HEAD the object: its recorded sha256, size, metadata; ``None`` if absent (or deleted)."""
        validate_key(key)
        with s3_errors("stat", key):
            try:
                result = self.client.stat_object(self.bucket, self.prefix + key)
            except S3Error as exc:
                if exc.code in _MISSING:
                    return None
                raise
        return _info(key, result.metadata or {}, int(result.size or 0), result.content_type)

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key`` (its latest version is not a delete marker)."""
        return self.stat(key) is not None

    def get_bytes(self, key: str) -> bytes:
        """One GET, re-hashed against the sha256 recorded with the object."""
        out = io.BytesIO()
        self._get(key, out)
        return out.getvalue()

    def download(self, key: str, dst: Path) -> StoredObject:
        """Stream to a temporary file beside ``dst``, verify, then replace ``dst``."""
        dst = Path(dst)
        tmp = dst.parent / f".{dst.name}.tmp-{uuid.uuid4().hex}"
        try:
            with open(tmp, "xb") as out:
                info = self._get(key, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, dst)
        except OSError as exc:  # the local file; network errors are StorageErrors by now
            raise StorageError(f"cannot write {dst}: {exc.strerror or exc}") from exc
        finally:
            tmp.unlink(missing_ok=True)
        return info

    def _get(self, key: str, out: IO[bytes]) -> StoredObject:
        """GET (headers and body of one version, so they match), hash while copying into ``out``."""
        validate_key(key)
        with s3_errors("get", key):
            try:
                response = self.client.get_object(self.bucket, self.prefix + key)
            except S3Error as exc:
                if exc.code in _MISSING:
                    raise ObjectMissing(f"no object {key!r} in {self.url}") from exc
                raise
            try:
                info = _info(key, response.headers, int(response.headers.get("content-length", 0)), None)
                sha, size = hashlib.sha256(), 0
                for chunk in response.stream(CHUNK):
                    sha.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            finally:
                response.close()
                response.release_conn()
        if not info.sha256:
            raise IntegrityError(f"object {key!r} has no recorded sha256: it was not stored by sohoa")
        if sha.hexdigest() != info.sha256 or size != info.size:
            raise IntegrityError(
                f"object {key!r} is corrupt: sha256 {sha.hexdigest()[:12]}… size {size},"
                f" recorded {info.sha256[:12]}… size {info.size}",
                hint="restore an earlier version from the bucket's history or re-run the dossier",
            )
        return info

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Keys under ``prefix`` in S3's (byte) order, which for our ASCII keys is Python's."""
        validate_prefix(prefix)
        with s3_errors("list", prefix or "/"):
            for obj in self.client.list_objects(self.bucket, prefix=self.prefix + prefix, recursive=True):
                name = obj.object_name or ""
                if not obj.is_dir and name.startswith(self.prefix):
                    yield name[len(self.prefix) :]

    def erase(self, key: str) -> bool:
        """Remove every version of the object and every delete marker: a plain DELETE on a versioned bucket
        would only hide it behind a marker, and the bytes would stay."""
        validate_key(key)
        name = self.prefix + key
        with s3_errors("erase", key):
            versions = [
                obj.version_id
                for obj in self.client.list_objects(self.bucket, prefix=name, include_version=True)
                if obj.object_name == name
            ]
            for version in versions:
                self.client.remove_object(self.bucket, name, version_id=version)
        return bool(versions)

    def presigned_url(self, key: str, expires: timedelta | int) -> str:
        """A signed GET URL (attachment download) valid ``expires``; the object must exist."""
        seconds = presign_seconds(expires)
        if self.stat(key) is None:
            raise ObjectMissing(f"no object {key!r} in {self.url}")
        filename = key.rsplit("/", 1)[-1]
        with s3_errors("presign", key):
            return self.client.presigned_get_object(
                self.bucket,
                self.prefix + key,
                expires=timedelta(seconds=seconds),
                response_headers={
                    "response-content-disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''"
                    + quote(filename)
                },
            )


def _info(key: str, headers: Mapping[str, Any], size: int, content_type: str | None) -> StoredObject:
    """StoredObject from response headers: user metadata without our reserved keys."""
    meta: dict[str, str] = {}
    sha = ""
    for name, value in headers.items():
        lower = name.lower()
        if not lower.startswith("x-amz-meta-"):
            continue
        short = lower[len("x-amz-meta-") :]
        if short == SHA_META:
            sha = str(value)
        elif not short.startswith(RESERVED_META_PREFIX):
            meta[short] = str(value)
    ctype = content_type or headers.get("content-type") or DEFAULT_CONTENT_TYPE
    return StoredObject(key=key, sha256=sha, size=size, metadata=meta, created=False, content_type=ctype)


def _b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _same_bytes(key: str, data: bytes, digest: str, size: int) -> None:
    if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
        raise StorageError(f"the file for {key!r} changed while it was being stored; nothing was stored")


def _hash_file(path: Path) -> tuple[str, int]:
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as src:
        while chunk := src.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size
