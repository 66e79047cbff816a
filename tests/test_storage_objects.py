"""The local object store: put-if-absent, verified reads, safe keys, concurrent writers."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

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
from storage.objects import ObjectMissing, ObjectStore, open_object_store

SHA = "ab" * 32


@pytest.fixture
def store(tmp_path: Path) -> LocalFolderStore:
    return LocalFolderStore(tmp_path / "objects")


def test_local_store_satisfies_the_object_store_protocol(store: LocalFolderStore) -> None:
    assert isinstance(store, ObjectStore)


def test_put_bytes_then_get_bytes_round_trips_with_hash_size_and_metadata(store: LocalFolderStore) -> None:
    info = store.put_bytes("a/b.json", b"{}", metadata={"dossier": "X-1"}, content_type="application/json")
    assert info.created is True
    assert info.size == 2
    assert info.sha256 == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    assert store.get_bytes("a/b.json") == b"{}"
    stat = store.stat("a/b.json")
    assert stat is not None
    assert stat.metadata == {"dossier": "X-1"}
    assert stat.content_type == "application/json"
    assert stat.created is False


def test_second_put_with_different_bytes_keeps_the_first_object(store: LocalFolderStore, tmp_path: Path) -> None:
    first = store.put_bytes("k", b"first", metadata={"n": "1"})
    other = tmp_path / "other"
    other.write_bytes(b"second, longer")
    again = store.put_file("k", other, metadata={"n": "2"})
    assert again.created is False
    assert (again.sha256, again.size, again.metadata) == (first.sha256, first.size, {"n": "1"})
    assert store.get_bytes("k") == b"first"


def test_put_file_streams_a_file_in(store: LocalFolderStore, tmp_path: Path) -> None:
    src = tmp_path / "scan.pdf"
    src.write_bytes(b"%PDF" + bytes(range(256)) * 5000)
    info = store.put_file(original_key(SHA), src)
    assert info.created and info.size == src.stat().st_size
    dst = tmp_path / "out" / "copy.pdf"
    dst.parent.mkdir()
    assert store.download(original_key(SHA), dst).sha256 == info.sha256
    assert dst.read_bytes() == src.read_bytes()


def test_flipped_byte_on_disk_is_detected_on_read_and_download(store: LocalFolderStore, tmp_path: Path) -> None:
    store.put_bytes("x/y.pdf", b"%PDF-1.7 signed bytes")
    path = store.root / "x" / "y.pdf"
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        store.get_bytes("x/y.pdf")
    dst = tmp_path / "y.pdf"
    with pytest.raises(IntegrityError):
        store.download("x/y.pdf", dst)
    assert not dst.exists()
    assert list(tmp_path.glob(".y.pdf.tmp-*")) == []


def test_missing_bytes_of_a_recorded_object_is_an_integrity_error(store: LocalFolderStore) -> None:
    store.put_bytes("gone", b"data")
    (store.root / "gone").unlink()
    with pytest.raises(IntegrityError):
        store.get_bytes("gone")


def test_absent_object_is_reported_as_missing(store: LocalFolderStore, tmp_path: Path) -> None:
    assert store.stat("nope") is None
    assert not store.exists("nope")
    with pytest.raises(ObjectMissing):
        store.get_bytes("nope")
    with pytest.raises(ObjectMissing):
        store.download("nope", tmp_path / "nope")


@pytest.mark.parametrize(
    "key",
    ["", "../etc/passwd", "a/../b", "/abs", "a//b", "a/", "a\\b", ".meta/x", "a/.hidden", "./a", "a b", "é"],
)
def test_unsafe_keys_are_rejected(store: LocalFolderStore, key: str) -> None:
    with pytest.raises(StorageError):
        store.put_bytes(key, b"x")
    with pytest.raises(StorageError):
        validate_key(key)


def test_metadata_must_be_s3_compatible(store: LocalFolderStore) -> None:
    with pytest.raises(StorageError):
        store.put_bytes("k", b"x", metadata={"Bad Key": "v"})
    with pytest.raises(StorageError):
        store.put_bytes("k", b"x", metadata={"filename": "Tờ khai.pdf"})
    assert not store.exists("k")


def test_concurrent_puts_of_one_key_leave_one_intact_object(store: LocalFolderStore) -> None:
    writers = 8
    barrier = threading.Barrier(writers)
    results = []
    errors = []

    def put(i: int) -> None:
        barrier.wait()
        try:
            results.append((i, store.put_bytes("race/obj", f"payload {i} ".encode() * (1000 + i))))
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
    stored = store.get_bytes("race/obj")  # verified against the sidecar
    assert stored == f"payload {winners[0]} ".encode() * (1000 + winners[0])
    assert {info.sha256 for _, info in results} == {results[0][1].sha256}
    assert [p.name for p in (store.root / "race").iterdir()] == ["obj"]  # no temp files left


def test_bytes_without_sidecar_after_a_crash_are_recorded_as_they_are(store: LocalFolderStore) -> None:
    (store.root / "crash").mkdir()
    (store.root / "crash" / "obj").write_bytes(b"complete bytes from the first run")
    assert not store.exists("crash/obj")
    info = store.put_bytes("crash/obj", b"the re-run's bytes")
    assert info.created is False
    assert store.get_bytes("crash/obj") == b"complete bytes from the first run"


def test_iter_keys_lists_complete_objects_by_prefix_in_sorted_order(store: LocalFolderStore) -> None:
    for key in ["dossiers/B/x.json", "dossiers/A/pages/0002.jpg", "dossiers/A/pages/0001.jpg", "originals/z"]:
        store.put_bytes(key, b"x")
    (store.root / "dossiers" / "A" / ".tmp-leftover").write_bytes(b"partial")
    assert list(store.iter_keys("dossiers/A/")) == ["dossiers/A/pages/0001.jpg", "dossiers/A/pages/0002.jpg"]
    assert list(store.iter_keys("dossiers/")) == [
        "dossiers/A/pages/0001.jpg",
        "dossiers/A/pages/0002.jpg",
        "dossiers/B/x.json",
    ]
    assert len(list(store.iter_keys())) == 4
    assert list(store.iter_keys("orig")) == ["originals/z"]
    assert list(store.iter_keys("nothing/")) == []


def test_open_object_store_accepts_file_urls_and_refuses_s3_for_now(tmp_path: Path) -> None:
    root = tmp_path / "with space"
    store = open_object_store(root.as_uri())
    assert isinstance(store, LocalFolderStore)
    assert store.root == root
    with pytest.raises(StorageError, match="not supported yet"):
        open_object_store("s3://bucket/prefix")
    with pytest.raises(StorageError):
        open_object_store("ftp://host/x")


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
