"""What files and people wrote reaches the terminal inert: control characters (ESC, C1, bidi overrides) are
printed as visible escapes and Rich markup is shown, not rendered, in every command's output.

Before, `--by "[bold red]..."` was rendered as a style (the brackets vanished), a field value or a file name
holding ``ESC[2J`` cleared the clerk's screen, and ``--json`` passed U+202E (right-to-left override) raw.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import SOHOA
from PIL import Image
from seed_results import decision_fields, seed_dossier, sure_fields
from sqlalchemy import Engine
from test_review_cli import sohoa

from sohoa.terminal import json_text, plain, shown
from storage.local import LocalFolderStore

HOSTILE_VALUE = "Nguyễn\x1b[2J[bold red]Văn\u202eBính\x9b31m"
HOSTILE_NAME = "[bold red]trưởng phòng\x1b]0;pwned\x07"
RAW = ("\x1b", "\u202e", "\x9b", "\x07")


def assert_inert(text: str) -> None:
    assert not any(ch in text for ch in RAW), repr(text)


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"), SOHOA_DATABASE_URL=db_url)


@pytest.fixture
def stored(engine: Engine, tmp_path: Path) -> tuple[str, list[str]]:
    store = LocalFolderStore(tmp_path / "data" / "objects")
    return seed_dossier(engine, "terminal", [decision_fields(), sure_fields()], store=store)


def test_markup_and_control_characters_typed_by_a_reviewer_are_printed_inert(env: dict[str, str], stored) -> None:
    _, (first, _) = stored
    done = sohoa(env, "review", "set", first, "signer_name", HOSTILE_VALUE, "--by", HOSTILE_NAME, "--reason", "\x1b[2J")
    assert done.returncode == 0, done.stderr
    for args in (("results", "show", first), ("audit", "log"), ("review", "list")):
        out = sohoa(env, *args)
        assert out.returncode == 0, (args, out.stderr)
        assert_inert(out.stdout)
        if args[0] != "review":  # the corrected field no longer waits for review
            assert "[bold red]trưởng phòng" in out.stdout, (args, out.stdout)
    show = sohoa(env, "results", "show", first).stdout
    assert "\\x1b[2J[bold red]Văn\\u202eBính\\x9b31m" in show


def test_json_output_escapes_bidi_and_c1_characters_and_stays_exact(env: dict[str, str], stored) -> None:
    _, (first, _) = stored
    assert sohoa(env, "review", "set", first, "signer_name", HOSTILE_VALUE).returncode == 0
    out = sohoa(env, "results", "show", first, "--json").stdout
    assert_inert(out)
    assert json.loads(out)["fields"]["signer_name"]["value"] == HOSTILE_VALUE


def test_file_names_with_control_characters_are_escaped_in_reports_and_errors(
    tmp_path: Path, data_env: dict[str, str]
) -> None:
    desk = tmp_path / "desk"
    desk.mkdir()
    Image.new("RGB", (1654, 2339), "white").save(desk / "a\x1b[2J[red]b\u202e.png", dpi=(200, 200))
    checked = subprocess.run([SOHOA, "check", str(desk)], capture_output=True, text=True, env=data_env, timeout=120)
    assert checked.returncode in (0, 1), checked.stderr
    assert_inert(checked.stdout)
    assert "a\\x1b[2J[red]b\\u202e.png" in checked.stdout
    missing = tmp_path / "thiếu\x1b[2J.pdf"
    refused = subprocess.run(
        [SOHOA, "process", str(missing), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=data_env, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 2
    assert_inert(refused.stderr)
    assert "thiếu\\x1b[2J.pdf" in refused.stderr


def test_the_escaping_helpers_show_every_dangerous_character() -> None:
    for ch in ("\x00", "\x1b", "\x7f", "\x85", "\x9b", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069"):
        assert ch not in plain(f"a{ch}b") and ch not in shown(f"a{ch}b") and ch not in json_text({"k": f"a{ch}b"})
        assert json.loads(json_text({"k": f"a{ch}b"})) == {"k": f"a{ch}b"}
    assert shown("[bold]x") == "\\[bold]x"
    assert plain("Nguyễn Văn Bính, 12/3 [ghi chú]") == "Nguyễn Văn Bính, 12/3 [ghi chú]"
