"""`sohoa procedures`: the procedure catalogue (list, show) and a processed dossier checked against one."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from sohoa.cli.common import AsJson, ReadBy, print_json, service, who
from sohoa.terminal import shown

procedures_app = typer.Typer(help="The procedure catalogue and what each procedure asks for.")

STATUS_LABELS = {
    "received": "đã nhận",
    "reused": "dùng lại kết quả",
    "partial": "thiếu bản",
    "missing": "THIẾU",
    "not_given": "không nộp (có điều kiện)",
}


@procedures_app.command("list")
def procedures_list(as_json: AsJson = False) -> None:
    """Every procedure: code, agency level, name (shipped ones and the agency's SOHOA_PROCEDURES_DIR)."""
    with service() as svc:
        procedures = svc.procedures_list()
    if as_json:
        print_json(
            [
                {
                    "code": p.code,
                    "name": p.name,
                    "level": p.level,
                    "domain": p.domain,
                    "processing_days": p.processing_days,
                }
                for p in procedures
            ]
        )
        return
    con = Console(soft_wrap=True)
    for p in procedures:
        con.print(shown(f"{p.code:<10} {p.level:<10} {p.domain:<20} {p.name}"))


@procedures_app.command("show")
def procedures_show(code: Annotated[str, typer.Argument(help="Procedure code.")], as_json: AsJson = False) -> None:
    """One procedure and its components: document types, copies, required or conditional, reusable."""
    with service() as svc:
        proc = svc.procedure_show(code)
    if as_json:
        print_json(proc.to_dict())
        return
    con = Console(soft_wrap=True)
    con.print(f"[bold]{shown(proc.code)}[/bold] {shown(proc.name)} ({shown(proc.level)})")
    con.print(shown(f"  Thời hạn giải quyết: {proc.processing_label}"))
    for c in proc.components:
        need = "bắt buộc" if c.required else f"có điều kiện: {c.condition}"
        reuse = ", có thể dùng lại kết quả đã số hóa" if c.reusable else ""
        con.print(shown(f"  - {c.key}: {c.name} ({c.copies} bản, {need}{reuse}) [{', '.join(c.types)}]"))


@procedures_app.command("check")
def procedures_check(
    dossier: Annotated[str, typer.Argument(help="Dossier code (processed).")],
    procedure: Annotated[str, typer.Option("--procedure", help="Procedure code.")],
    as_json: AsJson = False,
    by: ReadBy = None,
) -> None:
    """A processed dossier against a procedure: received, reusable (same personal ID), missing. Audited."""
    with service() as svc:
        result = svc.procedure_check(dossier, procedure, by=who(by))
    if as_json:
        print_json(result["procedure"])
        return
    print_reception(Console(soft_wrap=True), result["procedure"])


def print_reception(con: Console, reception: dict[str, Any]) -> None:
    """The receipt's procedure block: each component received, reused or missing, then the findings."""
    verdict = "đủ thành phần" if reception["complete"] else f"thiếu {len(reception['missing'])} thành phần"
    con.print(shown(f"Thủ tục {reception['code']} {reception['name']}: {verdict}"))
    for c in reception["components"]:
        got = ", ".join(c["documents"] + c["reused"])
        line = f"  [{STATUS_LABELS[c['status']]}] {c['name']}" + (f": {got}" if got else "")
        if c["reusable"] and c["status"] in ("missing", "partial"):
            line += f" (có thể dùng lại: {', '.join(c['reusable'])})"
        con.print(shown(line))
    for f in reception["findings"]:
        if f["code"] != "missing_component":
            con.print(shown(f"  ! {f['message']}"))
