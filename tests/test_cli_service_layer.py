"""Issue 13: the CLI is a thin front end over one service layer (``workers.service``), the layer the web
calls too, with one error boundary: a ``SohoaError`` from any command is one line and its exit code, and an
unknown dossier is bad input (exit 2) whichever command names it."""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path

import pytest

from sohoa.errors import BadInput
from tests.conftest import SOHOA
from workers.dossiers import UnknownDossier
from workers.service import InvalidSettings, Service, settings_from_env

CLI = Path(__file__).resolve().parents[1] / "sohoa" / "cli"
LAYERS = ("workers", "storage", "pipeline", "signing")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_cli_calls_nothing_but_the_service_layer() -> None:
    modules = sorted(CLI.glob("*.py"))
    assert len(modules) >= 5
    for path in modules:
        below = {m for m in _imports(path) if m.split(".")[0] in LAYERS}
        assert below <= {"workers.service"}, f"{path.name} imports {sorted(below - {'workers.service'})}"


def test_one_error_boundary_no_command_catches_errors_itself() -> None:
    for path in CLI.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        handlers = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.ExceptHandler)]
        caught = {ast.unparse(h.type) for h in handlers if h.type is not None}
        if path.name != "common.py":
            assert "SohoaError" not in caught, path.name
    assert "def _fail" not in "".join(p.read_text(encoding="utf-8") for p in CLI.glob("*.py"))


def _sohoa(*args: str, data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, SOHOA_DATA_DIR=str(data), **env)
    return subprocess.run([SOHOA, *args], env=full, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "args",
    [("status", "NO-SUCH-DOSSIER"), ("retry", "NO-SUCH-DOSSIER"), ("results", "attach", "X-1", "--to", "NO-SUCH")],
)
def test_an_unknown_dossier_is_bad_input_with_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = _sohoa(*args, data=tmp_path / "data")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("sohoa: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_invalid_settings_are_one_line_naming_the_variable(tmp_path: Path) -> None:
    done = _sohoa("status", "X", data=tmp_path / "data", SOHOA_WORKERS="many")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "SOHOA_WORKERS" in done.stderr, done.stderr
    with pytest.raises(InvalidSettings):
        settings_from_env(workers="many")


def test_the_service_is_usable_without_a_terminal(tmp_path: Path) -> None:
    """What the web will do: one ``Service`` over settings, its errors typed, nothing printed."""
    from samples.generator import generate_dossier

    scan = generate_dossier(tmp_path / "in", seed=3, kinds=("don",), fmt="pdf", dpi=300, defects="clean")
    service = Service(settings_from_env(data_dir=tmp_path / "data"))
    try:
        report = service.check([scan])
        assert report["ok"] is True, report
        assert [p["source"] for p in report["pages"]] == [scan.name] * len(report["pages"]) and report["pages"]
        assert not (tmp_path / "data" / "sohoa.db").exists()  # a reception check opens no database
        with pytest.raises(UnknownDossier) as caught:
            service.status("NO-SUCH-DOSSIER")
        assert isinstance(caught.value, BadInput)
    finally:
        service.close()
