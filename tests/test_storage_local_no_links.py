"""The local object store on a filesystem without hard links never replaces an object, a signed result above
all: no ``rename`` onto an object's path, an exclusive create instead, and half a copy is never recorded.

Hard links are made unavailable by making ``os.link`` fail as such filesystems do (EPERM, EXDEV).
Before, the store fell back to ``os.rename`` after an existence check: a writer racing in between had its
signed result replaced.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from sohoa.errors import IntegrityError
from storage.local import LocalFolderStore

KEY = "dossiers/000.00.20.H40-261128-0001/results/000.00.20.H40-261128-0001-01.pdf"


@pytest.fixture(params=[errno.EPERM, errno.EXDEV])
def no_hard_links(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """``os.link`` fails like on a filesystem without hard links; returns the renames made, (src, dst)."""

    def refuse(src: object, dst: object, *args: object, **kwargs: object) -> None:
        raise OSError(request.param, os.strerror(request.param))

    renames: list[tuple[str, str]] = []
    real_rename, real_replace = os.rename, os.replace

    def rename(src: object, dst: object, *args: object, **kwargs: object) -> None:
        renames.append((str(src), str(dst)))
        real_rename(src, dst, *args, **kwargs)  # type: ignore[arg-type]

    def replace(src: object, dst: object, *args: object, **kwargs: object) -> None:
        renames.append((str(src), str(dst)))
        real_replace(src, dst, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "link", refuse)
    monkeypatch.setattr(os, "rename", rename)
    monkeypatch.setattr(os, "replace", replace)
    return renames


def test_signed_result_is_never_put_by_a_rename_when_hard_links_fail(
    tmp_path: Path, no_hard_links: list[tuple[str, str]]
) -> None:
    store = LocalFolderStore(tmp_path / "objects")
    stored = store.put_bytes(KEY, b"%PDF-1.7 signed by the agency", retain=True, content_type="application/pdf")
    assert stored.created
    assert store.get_bytes(KEY) == b"%PDF-1.7 signed by the agency"
    target = str(tmp_path / "objects" / KEY)
    assert [dst for _, dst in no_hard_links if dst == target] == []


def test_without_hard_links_a_foreign_file_in_the_objects_place_is_neither_replaced_nor_recorded(
    tmp_path: Path, no_hard_links: list[tuple[str, str]]
) -> None:
    """Another worker's signed result landed (complete, its record not yet written): ours is not put over it."""
    store = LocalFolderStore(tmp_path / "objects")
    theirs = b"%PDF-1.7 signed by the other worker"
    path = tmp_path / "objects" / KEY
    path.parent.mkdir(parents=True)
    path.write_bytes(theirs)
    with pytest.raises(IntegrityError):  # a different file without its record: refused, never recorded
        store.put_bytes(KEY, b"%PDF-1.7 ours", retain=True)
    assert path.read_bytes() == theirs and store.stat(KEY) is None


def test_without_hard_links_a_half_copy_is_refused_and_the_same_bytes_are_recorded(
    tmp_path: Path, no_hard_links: list[tuple[str, str]]
) -> None:
    store = LocalFolderStore(tmp_path / "objects")
    body = b"%PDF-1.7 signed " + b"x" * 100_000
    path = tmp_path / "objects" / KEY
    path.parent.mkdir(parents=True)
    path.write_bytes(body[:5000])  # a copy cut by a crash
    with pytest.raises(IntegrityError):
        store.put_bytes(KEY, body, retain=True)
    assert store.stat(KEY) is None
    path.write_bytes(body)  # a complete copy whose record the crash lost: the same bytes, recorded
    again = store.put_bytes(KEY, body, retain=True)
    assert not again.created and store.get_bytes(KEY) == body
