"""`sohoa storage check`: the object-store scrubber, every object the database names re-hashed.

Exit codes: 0 every object the database names is there and intact and nothing is orphaned, 1 when
something is missing, corrupt or orphaned (or on an internal error), 2 on invalid settings.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from sohoa.cli.common import service
from sohoa.terminal import json_text, plain

storage_app = typer.Typer(help="The object store: check every stored object against the database; migrate.")


@storage_app.command("check")
def storage_check(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable report on stdout.")] = False,
    quick: Annotated[
        bool, typer.Option("--quick", help="Compare recorded hashes only (one HEAD per object), read no bytes.")
    ] = False,
) -> None:
    """Re-hash every stored object against the database; report missing, corrupt and orphaned objects."""
    with service() as svc:
        report = svc.storage_check(quick=quick)
    if as_json:
        sys.stdout.write(json_text(report.to_dict()) + "\n")
    else:
        out = sys.stdout
        for warning in report.store.get("warnings", []):
            out.write(f"warning: {plain(warning)}\n")
        for line in report.problem_lines():  # object keys come from codes and hashes, names from files
            out.write(plain(line) + "\n")
        counts = report.counts()
        how = "re-hashed" if report.rehash else "records compared"
        out.write(
            f"{'OK' if report.ok else 'PROBLEMS'}: {report.expected} objects in the database, {report.listed} stored, "
            f"{report.verified} verified ({how}, {report.bytes_hashed / 1e6:.1f} MB); "
            f"missing {counts['missing']}, corrupt {counts['corrupt']}, orphaned {counts['orphaned']} "
            f"[{plain(report.store.get('url', ''))}]\n"
        )
    raise typer.Exit(0 if report.ok else 1)


@storage_app.command("migrate")
def storage_migrate() -> None:
    """Bring the database to the current schema and open the bucket (created with object lock if absent).

    Run once per upgrade before the web and the workers start (the one-shot ``migrate`` service of
    deploy/compose.yaml), so that several processes starting together never race to migrate."""
    with service() as svc:
        store = svc.ctx.store.describe()
    sys.stdout.write(f"database at the current schema; object store ready: {plain(str(store.get('url', '')))}\n")
