"""Files at rest are private: every data file sohoa makes is 0600 and every folder 0700, whatever the umask.

Scans, page images, OCR text, results and the database are personal data; before, they were created with the
umask's modes (0644 files, 0755 folders under the usual 022), readable by every account on the machine.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import SOHOA
from sqlalchemy import text

from storage.db import make_engine
from storage.local import LocalFolderStore

SAMPLE = Path(__file__).parents[1] / "samples" / "dossiers" / "quyet-dinh" / "scan.pdf"


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def open_to_others(root: Path) -> list[str]:
    """Every file or folder under ``root`` (and ``root``) that group or others may read, write or enter."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode) and stat.S_IMODE(mode) & 0o077:
            found.append(f"{oct(stat.S_IMODE(mode))} {path.relative_to(root.parent)}")
    return found


@pytest.mark.slow
def test_data_files_are_0600_and_folders_0700_after_process(tmp_path: Path, data_env: dict[str, str]) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [SOHOA, "process", str(SAMPLE), "--out", str(out)],
        capture_output=True, text=True, env=data_env, timeout=600, preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = Path(data_env["SOHOA_DATA_DIR"])
    assert (data / "sohoa.db").is_file() and (data / "keys" / "dev-signer" / "signer.p12").is_file()
    assert any((data / "objects").rglob("*.pdf")) or any((data / "objects").rglob("*"))
    assert open_to_others(data) == []
    assert open_to_others(out) == []


def test_object_store_files_are_0600_and_folders_0700_under_a_loose_umask(tmp_path: Path) -> None:
    with umask(0o022):
        store = LocalFolderStore(tmp_path / "objects")
        store.put_bytes("dossiers/000.00.20.H40-261128-0001/results/r.pdf", b"%PDF-1.7 signed", retain=True)
        source = tmp_path / "scan.pdf"
        source.write_bytes(b"%PDF-1.7 scan")
        store.put_file("originals/" + "a" * 64, source)
    assert open_to_others(tmp_path / "objects") == []


def test_sqlite_database_file_is_0600_under_a_loose_umask(tmp_path: Path) -> None:
    db = tmp_path / "data" / "sohoa.db"
    with umask(0o022):
        engine = make_engine(f"sqlite:///{db}")
        with engine.begin() as conn:
            conn.execute(text("create table t (x integer)"))
            conn.execute(text("insert into t values (1)"))
        engine.dispose()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert open_to_others(tmp_path / "data") == []
