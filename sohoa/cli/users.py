"""`sohoa users add|list|oversee|disable|token|revoke`: the accounts of the web front end (``workers.accounts``).

Passwords are read from a prompt (or ``SOHOA_NEW_PASSWORD`` for scripts), never from the command line,
where other users of the machine could read them in the process list.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from sohoa.cli.common import By, print_json, say, service, who

users_app = typer.Typer(help="Accounts of the web front end: staff of an agency and citizens.")


@users_app.command("add")
def users_add(
    username: str,
    roles: Annotated[
        list[str], typer.Option("--role", help="reception, reviewer, approver, admin or citizen (repeatable).")
    ],
    agency: Annotated[str | None, typer.Option(help="Agency code (default: SOHOA_AGENCY_CODE).")] = None,
    personal_id: Annotated[str | None, typer.Option("--personal-id", help="A citizen's 12-digit ID.")] = None,
    totp: Annotated[bool, typer.Option("--totp", help="Require a TOTP code at login; prints its secret once.")] = False,
    by: By = None,
) -> None:
    """Create a user; the password is asked for (or read from SOHOA_NEW_PASSWORD)."""
    password = os.environ.get("SOHOA_NEW_PASSWORD") or typer.prompt("Mật khẩu", hide_input=True,
                                                                     confirmation_prompt=True)  # fmt: skip
    with service() as svc:
        info, secret = svc.users_add(username, password, roles=roles, agency=agency, personal_id=personal_id,
                                     totp=totp, by=who(by))  # fmt: skip
    say(f"đã tạo {info.username} ({', '.join(info.roles)}, {info.agency})")
    if secret:
        say(f"TOTP secret (shown once): {secret}")


@users_app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every user: name, agency, roles, whether disabled."""
    with service() as svc:
        users = svc.users_list()
    if as_json:
        print_json([u.to_dict() for u in users])
        return
    for u in users:
        oversees = f"  giám sát: {','.join(u.oversees)}" if u.oversees else ""
        say(f"{u.username}  {u.agency}  {','.join(u.roles)}  {'disabled' if u.disabled else 'active'}{oversees}")


@users_app.command("oversee")
def users_oversee(
    username: str,
    agencies: Annotated[list[str] | None, typer.Argument(help="Agency codes whose review queue they may work.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Drop what was granted before (alone: drop it all).")] = False,
    by: By = None,
) -> None:
    """Let a supervisor review other agencies' queues besides their own; audited (user.oversight)."""
    if not agencies and not clear:
        raise typer.BadParameter("cho ít nhất một mã cơ quan, hoặc --clear")
    with service() as svc:
        info = svc.users_oversee(username, list(agencies or []), clear=clear, by=who(by))
    say(f"{info.username} giám sát: {', '.join(info.oversees) or 'không cơ quan nào ngoài ' + info.agency}")


@users_app.command("disable")
def users_disable(username: str, by: By = None) -> None:
    """Disable a user: their sessions end and their API tokens are revoked."""
    with service() as svc:
        svc.users_disable(username, by=who(by))
    say(f"đã khóa {username}")


@users_app.command("token")
def users_token(
    username: str,
    scopes: Annotated[list[str], typer.Option("--scope", help="submit, read or review (repeatable).")],
    days: Annotated[int, typer.Option(help="Lifetime in days (1-366).")] = 30,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
    by: By = None,
) -> None:
    """Issue an API token for a user (printed once on stdout; only its hash is kept)."""
    with service() as svc:
        token = svc.token_create(username, scopes, days=days, name=name, by=who(by))
    sys.stdout.write(token + "\n")


@users_app.command("revoke")
def users_revoke(token_id: int, by: By = None) -> None:
    """Revoke an API token by its id."""
    with service() as svc:
        done = svc.token_revoke(token_id, by=who(by))
    say("đã thu hồi" if done else "token không tồn tại hoặc đã bị thu hồi")
