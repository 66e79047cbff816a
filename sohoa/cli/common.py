"""What every command shares: the service it calls, who acts, JSON output, and the one error boundary.

Commands call ``workers.service`` only. A ``SohoaError`` escaping a command becomes one line on stderr and
its exit code (2 bad input, 1 anything else) in ``GuardedGroup``, so no command catches errors itself.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from sohoa.errors import SohoaError
from sohoa.terminal import json_text, plain

if TYPE_CHECKING:
    from workers.service import Service

AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
By = Annotated[str | None, typer.Option("--by", help="Who does it (default: the login name).")]
ReadBy = Annotated[str | None, typer.Option("--by", help="Who reads (default: the login name); audited.")]


class GuardedGroup(TyperGroup):
    """The ``sohoa`` group: any ``SohoaError`` from any command, however nested, is one line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SohoaError as exc:
            sys.stderr.write(f"sohoa: {plain(exc.one_line())}\n")
            raise typer.Exit(exc.exit_code) from exc


@contextmanager
def service(**overrides: Any) -> Iterator[Service]:
    """The service for one command (settings from the environment; ``overrides`` win), closed afterwards."""
    from workers.service import opened, settings_from_env

    with opened(settings_from_env(**overrides)) as svc:
        yield svc


def who(by: str | None) -> str:
    """The acting person: ``--by`` or the login name."""
    return (by or getpass.getuser()).strip()


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout (non-JSON values as their text)."""
    sys.stdout.write(json_text(data, default=str) + "\n")


def quoted(value: Any) -> str:
    """A field value as JSON (strings quoted, lists bracketed), so an empty or spaced value is visible."""
    return json.dumps(value, ensure_ascii=False)


def say(text: str) -> None:
    """One line of stored or user-given text on stdout, control characters escaped."""
    sys.stdout.write(plain(text) + "\n")
