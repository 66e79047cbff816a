"""The `sohoa review` and `sohoa results` commands: a reviewer's and a citizen's session, exit codes and messages.

Against SQLite and a real PostgreSQL server (``SOHOA_DATABASE_URL`` = ``db_url`` from conftest.py), with the
embedded object store of a data folder. The sessions run the real Typer app in-process (a subprocess costs
half a second of imports per command); one test runs the installed command to prove the exit code and the
single stderr line end to end.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SOHOA
from seed_results import decision_fields, seed_dossier, sha, sure_fields
from sqlalchemy import Engine
from typer.testing import CliRunner

from sohoa.cli import app
from storage.local import LocalFolderStore


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    # A database URL is not the embedded mode: publishing after approval signs with the development key only
    # when asked for.
    return dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"), SOHOA_DATABASE_URL=db_url, SOHOA_SIGNER="dev")


@pytest.fixture
def stored(engine: Engine, tmp_path: Path) -> tuple[str, list[str]]:
    store = LocalFolderStore(tmp_path / "data" / "objects")
    return seed_dossier(engine, "dossier", [decision_fields(), sure_fields()], store=store)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def sohoa(env: dict[str, str], *args: str) -> Ran:
    """The `sohoa` command run in-process, with ``env`` as its environment."""
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def test_the_installed_command_exits_2_with_one_line_for_an_unknown_field(env: dict[str, str], stored) -> None:
    _, (first, _) = stored
    done = subprocess.run([SOHOA, "review", "set", first, "nonsense", "1"], env=env, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("sohoa: kết quả") and done.stderr.count("\n") == 1
    assert "không có trường nonsense" in done.stderr and "personal_id" in done.stderr


def test_a_reviewer_lists_corrects_and_approves(env: dict[str, str], stored) -> None:
    dossier, (first, second) = stored
    listed = sohoa(env, "review", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    waiting = json.loads(listed.stdout)
    assert [w["code"] for w in waiting] == [first, second]
    assert [(f["field"], f["page"], f["bbox"]) for f in waiting[0]["needs_review"]] == [
        ("personal_id", 1, [10, 20, 30, 40]),
        ("signer_name", 2, [500, 900, 800, 940]),
    ]
    text = sohoa(env, "review", "list")
    assert first in text.stdout and "personal_id" in text.stdout and "id_checksum" in text.stdout

    refused = sohoa(env, "review", "approve", first, "--by", "lan")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "personal_id, signer_name" in refused.stderr and "--force" in refused.stderr

    fixed = sohoa(env, "review", "set", first, "personal_id", "001203004568", "--by", "lan", "--reason", "thẻ")
    assert (fixed.returncode, fixed.stderr) == (0, "")
    sohoa(env, "review", "set", first, "signer_name", "Nguyễn Văn Bình", "--by", "lan")
    assert sohoa(env, "review", "approve", first, "--by", "lan").returncode == 0
    done = sohoa(env, "review", "approve", second, "--by", "lan")
    assert done.returncode == 0 and f"Hồ sơ {dossier}: approved" in done.stdout
    assert json.loads(sohoa(env, "review", "list", "--json").stdout) == []
    verified = sohoa(env, "audit", "verify", "--json")
    # 5 changes, and the 2 listings that showed result 01's doubtful values (the last one showed none)
    assert verified.returncode == 0 and json.loads(verified.stdout)["entries"] == 7
    log = sohoa(env, "audit", "log", "--json")
    assert "001203004568" not in log.stdout and "Bình" not in log.stdout  # values stay out of the log


def test_unknown_results_and_fields_exit_2_with_one_clear_line(env: dict[str, str], stored) -> None:
    dossier, (first, _) = stored
    cases = [
        (("review", "set", "000.00.20.H40-261128-0099-01", "personal_id", "1"), "không có kết quả"),
        (("review", "set", first, "nonsense", "1"), "không có trường nonsense"),
        (("review", "set", first, "recipient", "1"), "trường lặp lại"),
        (("review", "approve", dossier), "là mã hồ sơ"),
        (("results", "show", "nope"), "không có kết quả nope"),
        (("results", "search", "--personal-id", "1", "--number", "2"), "đúng một"),
    ]
    for args, message in cases:
        done = sohoa(env, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("sohoa: ") and done.stderr.count("\n") == 1 and message in done.stderr


def test_a_citizen_finds_shows_and_exports_a_result(env: dict[str, str], stored, tmp_path: Path) -> None:
    dossier, (first, second) = stored
    found = json.loads(sohoa(env, "results", "search", "--personal-id", "001203004567", "--json").stdout)
    assert [(r["code"], r["dossier"], r["matched"]) for r in found] == [(first, dossier, "personal_id")]
    by_number = sohoa(env, "results", "search", "--number", "45/TB-UBND")
    assert by_number.returncode == 0 and second in by_number.stdout
    by_source = json.loads(sohoa(env, "results", "search", "--sha256", sha("dossier"), "--json").stdout)
    assert [r["code"] for r in by_source] == [first, second]
    shown = json.loads(sohoa(env, "results", "show", first, "--json").stdout)
    assert shown["fields"]["personal_id"]["status"] == "needs_review"
    assert shown["pdf"]["sha256"] == by_source[0]["pdf_sha256"]
    out = tmp_path / "export"
    exported = sohoa(env, "results", "export", first, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert sha((out / f"{first}.pdf").read_bytes()) == shown["pdf"]["sha256"]
    assert json.loads((out / f"{first}.json").read_text("utf-8"))["fields"] == shown["fields"]
