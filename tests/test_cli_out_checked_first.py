"""`--out` is checked before any work: a file in its place, a folder that cannot be made or written is one
line on stderr, exit 2, and nothing stored (no dossier row, no object).

Before, `sohoa process` did all the work, stored and signed the dossier, then failed writing (exit 1).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import SOHOA
from seed_results import seed_dossier, sure_fields
from sqlalchemy import Engine
from test_ingest_page_size import dossiers_stored, pdf_page, stored_objects

from storage.local import LocalFolderStore


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SOHOA, *args], capture_output=True, text=True, env=env, timeout=300)


def _a_file(tmp_path: Path) -> Path:
    path = tmp_path / "taken.txt"
    path.write_text("not a folder")
    return path


BAD_OUTS = {
    "a file": lambda tmp: _a_file(tmp),
    "under a file": lambda tmp: _a_file(tmp) / "sub",
    "read-only place": lambda tmp: Path("/proc/sohoa-out"),  # not writable even by root
}


@pytest.mark.parametrize("kind", list(BAD_OUTS))
def test_process_with_a_bad_out_exits_2_before_anything_is_stored(
    tmp_path: Path, data_env: dict[str, str], kind: str
) -> None:
    out = BAD_OUTS[kind](tmp_path)
    scan = pdf_page(tmp_path / "scan.pdf", 595, 842)
    done = _run(data_env, "process", str(scan), "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and str(out) in done.stderr, done.stderr
    assert done.stdout == ""
    data = Path(data_env["SOHOA_DATA_DIR"])
    assert dossiers_stored(data) == 0
    assert stored_objects(data) == []


@pytest.mark.parametrize("kind", ["a file", "under a file"])
def test_results_export_with_a_bad_out_exits_2_with_one_line(
    tmp_path: Path, engine: Engine, db_url: str, kind: str
) -> None:
    store = LocalFolderStore(tmp_path / "data" / "objects")
    _, (result,) = seed_dossier(engine, "export", [sure_fields()], store=store)
    env = dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"), SOHOA_DATABASE_URL=db_url)
    out = BAD_OUTS[kind](tmp_path)
    done = _run(env, "results", "export", result, "--out", str(out))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and str(out) in done.stderr, done.stderr
    assert (tmp_path / "taken.txt").read_text() == "not a folder"


def test_sign_extend_into_a_folder_path_exits_2(tmp_path: Path, data_env: dict[str, str]) -> None:
    signed = pdf_page(tmp_path / "signed.pdf", 595, 842)
    env = dict(data_env, SOHOA_TSA_URL="http://127.0.0.1:9/tsa")
    done = _run(env, "sign", "extend", str(signed), "--out", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "thư mục" in done.stderr
