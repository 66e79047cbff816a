"""``sohoa.cli.main`` leaves with ``os._exit`` after the command: nothing it printed may be lost, and the exit
code must be the command's."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import sys, typer
from sohoa import cli

@cli.app.command("test-exit")
def test_exit(how: str) -> None:
    if how == "print":
        sys.stdout.write("x" * 2_000_000 + "END\\n")  # far beyond any buffer: flushed before leaving
        sys.stderr.write("on stderr\\n")
    elif how == "code":
        raise typer.Exit(3)
    elif how == "message":
        sys.exit("một dòng lỗi")
    elif how == "crash":
        raise RuntimeError("boom")

cli.main()
"""


def _run(how: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SCRIPT, "test-exit", how], capture_output=True, text=True, timeout=60)


def test_everything_printed_arrives_and_the_code_is_zero() -> None:
    done = _run("print")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) == 2_000_004 and done.stdout.endswith("END\n")
    assert done.stderr == "on stderr\n"


@pytest.mark.parametrize(("how", "code", "stderr"), [("code", 3, ""), ("message", 1, "một dòng lỗi")])
def test_the_commands_exit_code_is_kept(how: str, code: int, stderr: str) -> None:
    done = _run(how)
    assert done.returncode == code
    assert stderr in done.stderr


def test_an_escaping_exception_still_fails() -> None:
    done = _run("crash")
    assert done.returncode == 1
    assert "boom" in done.stderr
