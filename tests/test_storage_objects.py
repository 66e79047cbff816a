"""The object store contract, on the local folder and on a real S3 server (SeaweedFS): put-if-absent, verified
reads, safe keys, S3-compatible metadata, concurrent writers, listing; then what only the local folder has.

The ``object_store`` fixture (conftest.py) runs each contract test on both backends; ``store`` is the local
folder alone, for its crash-safety details.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import tamper

from sohoa.errors import IntegrityError, StorageError
from storage.keys import (
    original_key,
    page_image_key,
    result_json_key,
    result_pdf_key,
    stage_key,
    validate_key,
)
from storage.local import LocalFolderStore
from storage.objects import ObjectMissing, ObjectStore, PresignNotSupported, open_object_store

SHA = "ab" * 32


@pytest.fixture
def store(tmp_path: Path) -> LocalFolderStore:
    return LocalFolderStore(tmp_path / "objects")


# -- the contract, on both stores ---------------------------------------------------------------------------


def test_store_satisfies_the_object_store_protocol(object_store: ObjectStore) -> None:
    assert isinstance(object_store, ObjectStore)


def test_put_bytes_then_get_bytes_round_trips_with_hash_size_and_metadata(object_store: ObjectStore) -> None:
    meta = {"dossier": "X-1", "document-type": "quyet_dinh"}
    info = object_store.put_bytes("a/b.json", b"{}", metadata=meta, content_type="application/json")
    assert info.created is True
    assert info.size == 2
    assert info.sha256 == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    assert object_store.get_bytes("a/b.json") == b"{}"
    stat = object_store.stat("a/b.json")
    assert stat is not None
    assert stat.metadata == meta
    assert stat.sha256 == info.sha256
    assert stat.content_type == "application/json"
    assert stat.created is False
    assert object_store.exists("a/b.json")


def test_second_put_with_different_bytes_keeps_the_first_object(object_store: ObjectStore, tmp_path: Path) -> None:
    first = object_store.put_bytes("k", b"first", metadata={"n": "1"})
    other = tmp_path / "other"
    other.write_bytes(b"second, longer")
    again = object_store.put_file("k", other, metadata={"n": "2"})
    assert again.created is False
    assert (again.sha256, again.size, again.metadata) == (first.sha256, first.size, {"n": "1"})
    assert object_store.put_bytes("k", b"first").created is False
    assert object_store.get_bytes("k") == b"first"
    assert list(object_store.iter_keys()) == ["k"]


@pytest.mark.parametrize("size", [1_280_004, 11 * 1024 * 1024 + 7], ids=["one-put", "multipart"])
def test_put_file_streams_a_file_in_and_download_verifies_it(
    object_store: ObjectStore, tmp_path: Path, size: int
) -> None:
    src = tmp_path / "scan.pdf"
    src.write_bytes(b"%PDF" + os.urandom(size - 4))
    info = object_store.put_file(original_key(SHA), src, metadata={"kind": "pdf"}, content_type="application/pdf")
    assert info.created and info.size == size
    dst = tmp_path / "out" / "copy.pdf"
    dst.parent.mkdir()
    assert object_store.download(original_key(SHA), dst).sha256 == info.sha256
    assert dst.read_bytes() == src.read_bytes()
    assert object_store.stat(original_key(SHA)).size == size  # type: ignore[union-attr]
    assert object_store.put_file(original_key(SHA), src).created is False


def test_corrupted_object_is_detected_on_read_and_download(object_store: ObjectStore, tmp_path: Path) -> None:
    object_store.put_bytes("x/y.pdf", b"%PDF-1.7 signed bytes")
    tamper.corrupt(object_store, "x/y.pdf")
    with pytest.raises(IntegrityError):
        object_store.get_bytes("x/y.pdf")
    dst = tmp_path / "downloads" / "y.pdf"
    dst.parent.mkdir()
    dst.write_bytes(b"an older download")
    with pytest.raises(IntegrityError):
        object_store.download("x/y.pdf", dst)
    assert dst.read_bytes() == b"an older download"  # untouched on failure
    assert [p.name for p in dst.parent.iterdir()] == ["y.pdf"]  # no temporary file left


def test_absent_object_is_reported_as_missing(object_store: ObjectStore, tmp_path: Path) -> None:
    assert object_store.stat("nope") is None
    assert not object_store.exists("nope")
    with pytest.raises(ObjectMissing):
        object_store.get_bytes("nope")
    with pytest.raises(ObjectMissing):
        object_store.download("nope", tmp_path / "nope")
    assert not (tmp_path / "nope").exists()


def test_object_deleted_around_the_store_is_missing(object_store: ObjectStore) -> None:
    object_store.put_bytes("gone/obj", b"data")
    tamper.delete(object_store, "gone/obj")
    assert object_store.stat("gone/obj") is None
    assert list(object_store.iter_keys("gone/")) == []
    with pytest.raises(ObjectMissing):
        object_store.get_bytes("gone/obj")


@pytest.mark.parametrize(
    "key",
    ["", "../etc/passwd", "a/../b", "/abs", "a//b", "a/", "a\\b", ".meta/x", "a/.hidden", "./a", "a b", "é"],
)
def test_unsafe_keys_are_rejected(object_store: ObjectStore, key: str) -> None:
    with pytest.raises(StorageError):
        object_store.put_bytes(key, b"x")
    with pytest.raises(StorageError):
        validate_key(key)


def test_metadata_must_be_s3_compatible(object_store: ObjectStore) -> None:
    with pytest.raises(StorageError):
        object_store.put_bytes("k", b"x", metadata={"Bad Key": "v"})
    with pytest.raises(StorageError):
        object_store.put_bytes("k", b"x", metadata={"filename": "Tờ khai.pdf"})
    with pytest.raises(StorageError, match="reserved"):
        object_store.put_bytes("k", b"x", metadata={"sohoa-sha256": "0" * 64})
    assert not object_store.exists("k")


def test_concurrent_puts_of_one_key_leave_one_intact_object(object_store: ObjectStore) -> None:
    writers = 8
    barrier = threading.Barrier(writers)
    results = []
    errors = []

    def put(i: int) -> None:
        barrier.wait()
        try:
            results.append((i, object_store.put_bytes("race/obj", f"payload {i} ".encode() * (1000 + i))))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=put, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    winners = [i for i, info in results if info.created]
    assert len(winners) == 1
    stored = object_store.get_bytes("race/obj")  # verified against the recorded hash
    assert stored == f"payload {winners[0]} ".encode() * (1000 + winners[0])
    assert {info.sha256 for _, info in results} == {results[0][1].sha256}
    assert list(object_store.iter_keys("race/")) == ["race/obj"]


def test_iter_keys_lists_objects_by_prefix_in_sorted_order(object_store: ObjectStore) -> None:
    for key in ["dossiers/B/x.json", "dossiers/A/pages/0002.jpg", "dossiers/A/pages/0001.jpg", "originals/z"]:
        object_store.put_bytes(key, b"x")
    assert list(object_store.iter_keys("dossiers/A/")) == ["dossiers/A/pages/0001.jpg", "dossiers/A/pages/0002.jpg"]
    assert list(object_store.iter_keys("dossiers/")) == [
        "dossiers/A/pages/0001.jpg",
        "dossiers/A/pages/0002.jpg",
        "dossiers/B/x.json",
    ]
    assert len(list(object_store.iter_keys())) == 4
    assert list(object_store.iter_keys("orig")) == ["originals/z"]
    assert list(object_store.iter_keys("nothing/")) == []


def test_describe_says_what_the_store_guarantees(object_store: ObjectStore) -> None:
    info = object_store.describe()
    assert info["kind"] in ("local", "s3")
    assert info["versioning"] is (info["kind"] == "s3")
    assert info["presigned_urls"] is (info["kind"] == "s3")
    assert info["warnings"] == []


# -- the local folder only ----------------------------------------------------------------------------------


def test_flipped_byte_on_disk_leaves_no_temporary_file(store: LocalFolderStore, tmp_path: Path) -> None:
    store.put_bytes("x/y.pdf", b"%PDF-1.7 signed bytes")
    tamper.corrupt(store, "x/y.pdf")
    with pytest.raises(IntegrityError):
        store.download("x/y.pdf", tmp_path / "y.pdf")
    assert list(tmp_path.glob(".y.pdf.tmp-*")) == []


def test_missing_bytes_of_a_recorded_object_is_an_integrity_error(store: LocalFolderStore) -> None:
    store.put_bytes("gone", b"data")
    (store.root / "gone").unlink()
    with pytest.raises(IntegrityError):
        store.get_bytes("gone")


def test_bytes_without_sidecar_after_a_crash_are_recorded_as_they_are(store: LocalFolderStore) -> None:
    (store.root / "crash").mkdir()
    (store.root / "crash" / "obj").write_bytes(b"complete bytes from the first run")
    assert not store.exists("crash/obj")
    info = store.put_bytes("crash/obj", b"the re-run's bytes")
    assert info.created is False
    assert store.get_bytes("crash/obj") == b"complete bytes from the first run"


def test_local_listing_skips_temporary_files(store: LocalFolderStore) -> None:
    store.put_bytes("dossiers/A/x.json", b"x")
    (store.root / "dossiers" / "A" / ".tmp-leftover").write_bytes(b"partial")
    assert list(store.iter_keys()) == ["dossiers/A/x.json"]


def test_local_store_refuses_presigned_urls_it_could_not_expire(store: LocalFolderStore) -> None:
    store.put_bytes("r.pdf", b"%PDF")
    with pytest.raises(PresignNotSupported, match="expiring"):
        store.presigned_url("r.pdf", 60)
    with pytest.raises(ObjectMissing):
        store.presigned_url("absent.pdf", 60)
    with pytest.raises(StorageError, match="7 days"):
        store.presigned_url("r.pdf", 8 * 24 * 3600)


def test_open_object_store_accepts_file_and_s3_urls_only(tmp_path: Path) -> None:
    root = tmp_path / "with space"
    store = open_object_store(root.as_uri())
    assert isinstance(store, LocalFolderStore)
    assert store.root == root
    with pytest.raises(StorageError):
        open_object_store("ftp://host/x")
    with pytest.raises(StorageError):
        open_object_store("minio://host/x")


def test_key_scheme_is_derived_from_dossier_stage_and_input_hash() -> None:
    code = "000.00.20.H40-260102-0001"
    assert original_key(SHA) == f"originals/{SHA}"
    assert page_image_key(code, 7) == f"dossiers/{code}/pages/0007.jpg"
    assert result_pdf_key(code, f"{code}-01") == f"dossiers/{code}/results/{code}-01.pdf"
    assert result_json_key(code) == f"dossiers/{code}/{code}.json"
    assert stage_key(code, "ocr", SHA, ".hocr.json") == f"dossiers/{code}/ocr/{SHA}.hocr.json"
    with pytest.raises(StorageError):
        original_key("not-a-hash")
    with pytest.raises(StorageError):
        page_image_key("../x", 1)
