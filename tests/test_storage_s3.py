"""What only the S3 store does, against a real S3 server (SeaweedFS `weed mini`, see tests/seaweed.py): checksums
the server verifies, If-None-Match, versioning, object-lock retention, presigned URLs, and clear errors when the
server is down or the credentials are wrong."""

from __future__ import annotations

import base64
import hashlib
import io
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from minio.error import S3Error
from seaweed import ACCESS_KEY, SECRET_KEY, SeaweedServer

from sohoa.errors import StorageError
from sohoa.settings import Settings, load_settings
from storage.objects import ObjectMissing, open_object_store
from storage.s3 import SHA_META, S3Store

pytestmark = pytest.mark.s3


def _settings(server: SeaweedServer, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "s3_endpoint": server.endpoint,
        "s3_access_key": ACCESS_KEY,
        "s3_secret_key": SECRET_KEY,
        "s3_secure": False,
    }
    return load_settings(**(values | overrides))


@pytest.fixture
def s3(seaweed_server: SeaweedServer, s3_bucket_url: str) -> S3Store:
    store = open_object_store(s3_bucket_url, _settings(seaweed_server, s3_retention_days=1, s3_part_size_mb=5))
    assert isinstance(store, S3Store)
    return store


def _b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_server_refuses_a_body_that_does_not_match_its_checksum(s3: S3Store) -> None:
    name = s3.prefix + "bad/checksum"
    with pytest.raises(S3Error) as refused:
        s3.client._put_object(s3.bucket, name, b"the bytes sent", {"x-amz-checksum-sha256": _b64sha(b"other bytes")})
    assert refused.value.code == "BadDigest"
    assert s3.stat("bad/checksum") is None  # nothing stored
    # the same request with the right checksum is accepted: the refusal was the checksum's doing
    s3.client._put_object(s3.bucket, name, b"the bytes sent", {"x-amz-checksum-sha256": _b64sha(b"the bytes sent")})
    assert s3.client.stat_object(s3.bucket, name).size == len(b"the bytes sent")


def test_server_refuses_a_multipart_part_that_does_not_match_its_checksum(s3: S3Store) -> None:
    name = s3.prefix + "bad/part"
    upload = s3.client._create_multipart_upload(s3.bucket, name, {"x-amz-checksum-algorithm": "SHA256"})
    try:
        with pytest.raises(S3Error) as refused:
            s3.client._execute(
                "PUT",
                s3.bucket,
                name,
                body=b"part one",
                headers={"x-amz-checksum-sha256": _b64sha(b"part 1")},
                query_params={"partNumber": "1", "uploadId": upload},
            )
        assert refused.value.code == "BadDigest"
    finally:
        s3.client._abort_multipart_upload(s3.bucket, name, upload)


def test_store_sends_the_checksum_the_server_keeps(s3: S3Store, tmp_path: Path) -> None:
    s3.put_bytes("sum/small", b"small object")
    head = s3.client._execute("HEAD", s3.bucket, s3.prefix + "sum/small", headers={"x-amz-checksum-mode": "ENABLED"})
    assert head.headers.get("x-amz-checksum-sha256") == _b64sha(b"small object")


def test_existing_key_is_refused_by_the_server_not_only_by_our_check(s3: S3Store) -> None:
    s3.put_bytes("once", b"first")
    # Bypass the store's HEAD-before-PUT, as a racing writer that looked before the first one wrote would.
    with pytest.raises(S3Error) as refused:
        s3.client._put_object(s3.bucket, s3.prefix + "once", b"second", {"If-None-Match": "*"})
    assert refused.value.code == "PreconditionFailed"
    assert s3.get_bytes("once") == b"first"


def test_multipart_uploads_are_conditional_too(s3: S3Store, tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"a" * (6 * 1024 * 1024))
    first = s3.put_file("big", big)
    other = tmp_path / "other"
    other.write_bytes(b"b" * (6 * 1024 * 1024))
    # Straight to the multipart path, past the existence check: the server's If-None-Match must stop it.
    digest = hashlib.sha256(other.read_bytes()).hexdigest()
    with open(other, "rb") as src:
        info = s3._upload("big", src, other.stat().st_size, digest, {}, "application/octet-stream", False)
    assert info.created is False and info.sha256 == first.sha256
    assert s3.get_bytes("big") == big.read_bytes()
    uploads = s3.client._execute("GET", s3.bucket, query_params={"uploads": ""}).data
    assert b"<Upload>" not in uploads  # the refused upload was aborted, nothing half-written


def test_metadata_is_plain_s3_metadata_other_tools_can_read(s3: S3Store) -> None:
    info = s3.put_bytes("m.pdf", b"%PDF", metadata={"dossier": "D-1", "document-type": "quyet_dinh"})
    raw = s3.client.stat_object(s3.bucket, s3.prefix + "m.pdf").metadata
    assert raw["x-amz-meta-dossier"] == "D-1"
    assert raw["x-amz-meta-document-type"] == "quyet_dinh"
    assert raw[f"x-amz-meta-{SHA_META}"] == info.sha256


def test_bucket_is_versioned_and_an_overwrite_keeps_the_old_version(s3: S3Store) -> None:
    assert s3.client.get_bucket_versioning(s3.bucket).status == "Enabled"
    s3.put_bytes("v", b"original")
    s3.client.put_object(s3.bucket, s3.prefix + "v", io.BytesIO(b"overwritten"), 11)
    versions = list(s3.client.list_objects(s3.bucket, prefix=s3.prefix + "v", include_version=True))
    assert len(versions) == 2
    kept = {s3.client.get_object(s3.bucket, s3.prefix + "v", version_id=v.version_id).read() for v in versions}
    assert kept == {b"original", b"overwritten"}


def test_store_turns_versioning_on_for_an_existing_bucket(seaweed_server: SeaweedServer) -> None:
    client = seaweed_server.client()
    client.make_bucket("sohoa-unversioned")
    assert client.get_bucket_versioning("sohoa-unversioned").status != "Enabled"
    open_object_store("s3://sohoa-unversioned", _settings(seaweed_server))
    assert client.get_bucket_versioning("sohoa-unversioned").status == "Enabled"


def test_retained_objects_get_worm_retention_and_cannot_be_deleted(s3: S3Store) -> None:
    assert s3.describe()["object_lock"] is True
    assert s3.describe()["retention"] == "GOVERNANCE 1 days"
    s3.put_bytes("signed.pdf", b"%PDF signed", retain=True)
    s3.put_bytes("plain.json", b"{}")
    name = s3.prefix + "signed.pdf"
    retention = s3.client.get_object_retention(s3.bucket, name)
    assert retention.mode == "GOVERNANCE"
    until = retention.retain_until_date
    assert timedelta(hours=23) < until - datetime.now(UTC) <= timedelta(days=1)
    version = s3.client.stat_object(s3.bucket, name).version_id
    with pytest.raises(S3Error) as refused:
        s3.client.remove_object(s3.bucket, name, version_id=version)
    assert refused.value.code == "AccessDenied"
    assert s3.get_bytes("signed.pdf") == b"%PDF signed"
    plain = s3.client.stat_object(s3.bucket, s3.prefix + "plain.json").version_id
    s3.client.remove_object(s3.bucket, s3.prefix + "plain.json", version_id=plain)  # not retained: deletable


def test_bucket_without_object_lock_stores_without_retention_and_says_so(seaweed_server: SeaweedServer) -> None:
    seaweed_server.client().make_bucket("sohoa-nolock")  # made by someone else, without object lock
    store = open_object_store("s3://sohoa-nolock", _settings(seaweed_server, s3_retention_days=30))
    assert isinstance(store, S3Store)
    described = store.describe()
    assert described["object_lock"] is False and described["retention"] is None
    assert any("no object lock" in w for w in described["warnings"])
    info = store.put_bytes("signed.pdf", b"%PDF", retain=True)  # stored all the same
    assert info.created and store.get_bytes("signed.pdf") == b"%PDF"


def test_presigned_url_downloads_the_bytes_as_an_attachment_then_expires(s3: S3Store) -> None:
    s3.put_bytes("r/result-01.pdf", b"%PDF-1.7 the signed result", content_type="application/pdf")
    url = s3.presigned_url("r/result-01.pdf", 2)
    assert "X-Amz-Expires=2" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"%PDF-1.7 the signed result"
        assert response.headers["Content-Disposition"].startswith('attachment; filename="result-01.pdf"')
    tampered = url.replace("result-01.pdf", "result-02.pdf")
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(tampered, timeout=10)
    assert denied.value.code == 403
    time.sleep(3)
    with pytest.raises(urllib.error.HTTPError) as expired:
        urllib.request.urlopen(url, timeout=10)
    assert expired.value.code == 403


def test_presigned_url_needs_an_existing_object_and_a_sane_expiry(s3: S3Store) -> None:
    with pytest.raises(ObjectMissing):
        s3.presigned_url("absent.pdf", 60)
    s3.put_bytes("here.pdf", b"%PDF")
    with pytest.raises(StorageError, match="7 days"):
        s3.presigned_url("here.pdf", 8 * 24 * 3600)
    with pytest.raises(StorageError):
        s3.presigned_url("here.pdf", 0)


def test_anonymous_get_is_refused(s3: S3Store) -> None:
    s3.put_bytes("private.pdf", b"%PDF")
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(f"http://{s3.config.endpoint}/{s3.bucket}/{s3.prefix}private.pdf", timeout=10)
    assert denied.value.code == 403


def test_server_down_is_one_clear_storage_error_within_seconds(seaweed_server: SeaweedServer) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # a port nobody listens on once closed
    started = time.monotonic()
    with pytest.raises(StorageError, match="cannot reach the server") as failed:
        open_object_store("s3://sohoa-test", _settings(seaweed_server, s3_endpoint=f"127.0.0.1:{port}"))
    assert time.monotonic() - started < 10
    assert "SOHOA_S3_ENDPOINT" in failed.value.hint


def test_wrong_credentials_are_a_clear_storage_error(seaweed_server: SeaweedServer) -> None:
    with pytest.raises(StorageError, match=r"SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId"):
        open_object_store("s3://sohoa-test", _settings(seaweed_server, s3_secret_key="wrong-secret"))


@pytest.mark.parametrize(
    ("url", "overrides", "message"),
    [
        ("s3://", {}, "name a bucket"),
        ("s3://sohoa-test/../x", {}, "invalid object key"),
        ("s3://sohoa-test", {"s3_endpoint": None}, "SOHOA_S3_ENDPOINT"),
        ("s3://sohoa-test", {"s3_secret_key": None}, "SOHOA_S3_SECRET_KEY"),
        ("s3://sohoa-test", {"s3_endpoint": "ftp://host:1"}, "host:port"),
    ],
)
def test_bad_s3_settings_are_refused_before_any_request(
    seaweed_server: SeaweedServer, url: str, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(StorageError, match=message):
        open_object_store(url, _settings(seaweed_server, **overrides))


def test_endpoint_url_scheme_decides_tls(seaweed_server: SeaweedServer, s3_bucket_url: str) -> None:
    settings = _settings(seaweed_server, s3_endpoint=f"http://{seaweed_server.endpoint}", s3_secure=True)
    store = open_object_store(s3_bucket_url, settings)
    assert isinstance(store, S3Store) and store.config.secure is False
    assert "secret" not in repr(store.config).lower()


def test_test_server_refuses_to_delete_a_non_empty_unversioned_bucket(seaweed_server: SeaweedServer) -> None:
    """The fixture turns off SeaweedFS' default of deleting a bucket with everything in it."""
    client = seaweed_server.client()
    client.make_bucket("sohoa-plain-delete")
    client.put_object("sohoa-plain-delete", "a/x", io.BytesIO(b"records"), 7)
    with pytest.raises(S3Error) as refused:
        client.remove_bucket("sohoa-plain-delete")
    assert refused.value.code == "BucketNotEmpty"


def test_an_object_under_retention_keeps_its_bucket_from_deletion(seaweed_server: SeaweedServer) -> None:
    store = open_object_store("s3://sohoa-retained-delete", _settings(seaweed_server, s3_retention_days=1))
    store.put_bytes("signed.pdf", b"%PDF", retain=True)
    with pytest.raises(S3Error) as refused:
        seaweed_server.client().remove_bucket("sohoa-retained-delete")
    assert refused.value.code == "BucketNotEmpty"
    assert store.get_bytes("signed.pdf") == b"%PDF"


@pytest.mark.xfail(
    strict=True,
    reason="SeaweedFS 4.48 deletes a non-empty *versioned* bucket even with -s3.allowDeleteBucketNotEmpty=false "
    "(measured); only objects under retention stop it. Deny s3:DeleteBucket to sohoa's credentials. If this "
    "passes, SeaweedFS fixed it: drop the xfail and the README note.",
)
def test_versioned_bucket_with_unretained_objects_is_not_deleted(seaweed_server: SeaweedServer) -> None:
    store = open_object_store("s3://sohoa-versioned-delete", _settings(seaweed_server))
    store.put_bytes("result.json", b"{}")
    with pytest.raises(S3Error):
        seaweed_server.client().remove_bucket("sohoa-versioned-delete")
