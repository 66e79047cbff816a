"""Going around an object store, as a failing disk, a careless admin or an attacker would: for the tests."""

from __future__ import annotations

import io

from storage.local import LocalFolderStore
from storage.objects import ObjectStore
from storage.s3 import SHA_META, S3Store


def corrupt(store: ObjectStore, key: str) -> None:
    """Change the stored bytes but not the store's record of their sha256 (bit rot, or an overwrite)."""
    if isinstance(store, LocalFolderStore):
        path = store.root / key
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        return
    assert isinstance(store, S3Store)
    info = store.stat(key)
    assert info is not None
    body = b"replaced behind sohoa's back"
    # A raw client: plain PUT, no If-None-Match, the old recorded hash copied along (a new version).
    store.client.put_object(
        store.bucket, store.prefix + key, io.BytesIO(body), len(body), metadata={SHA_META: info.sha256}
    )


def delete(store: ObjectStore, key: str) -> None:
    """Remove an object around the store (an S3 delete leaves a delete marker, as S3 does)."""
    if isinstance(store, LocalFolderStore):
        (store.root / key).unlink()
        store._meta_path(key).unlink()
        return
    assert isinstance(store, S3Store)
    store.client.remove_object(store.bucket, store.prefix + key)
