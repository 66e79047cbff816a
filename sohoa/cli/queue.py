"""The distributed mode's commands: ``submit``, ``status``, ``worker``, ``reconcile``, ``retry``.

Thin shells over ``workers.service``: 2 bad input or an unknown dossier, 1 anything else (Redis unreachable).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sohoa.cli.common import print_json, service
from sohoa.terminal import shown


def submit(
    inputs: Annotated[list[Path], typer.Argument(help="Scanned PDFs, TIFFs, JPEG/PNG files or folders: one dossier.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the receipt as JSON on stdout.")] = False,
    procedure: Annotated[
        str | None, typer.Option("--procedure", help="Procedure code (sohoa procedures list).")
    ] = None,
) -> None:
    """Hand a dossier in to the queue: check, store, record, enqueue; print the receipt at once.

    Exit codes: 0 received (also when some page should be scanned again: see the findings), 2 bad input
    (an unknown --procedure too). Once processed, `sohoa procedures check` maps its documents.
    """
    with service() as svc:
        receipt = svc.submit(inputs, procedure=procedure)
    if as_json:
        print_json(receipt.to_dict())
        return
    con = Console(soft_wrap=True)
    seen = " (đã tiếp nhận trước đây)" if receipt.already_seen else ""
    con.print(f"[bold]Hồ sơ {shown(receipt.code)}[/bold]: {receipt.pages} trang, {shown(receipt.state)}{seen}")
    for f in receipt.findings:
        con.print(f"  ! {shown(f['message'])}")
    if receipt.rescan:
        con.print(f"[red]Nên quét lại trang: {', '.join(map(str, receipt.rescan))}[/red]")
    if receipt.procedure:
        if receipt.due_on:
            con.print(f"Ngày hẹn trả kết quả: {receipt.due_on:%d/%m/%Y}")
        con.print(shown(f"Thủ tục {receipt.procedure['code']} {receipt.procedure['name']}: thành phần cần có"))
        for c in receipt.procedure["components"]:
            need = "bắt buộc" if c["requirement"] == "required" else f"nếu: {c['condition']}"
            con.print(shown(f"  - {c['name']} ({c['copies']} bản, {need})"))
    if receipt.waiting_for_queue:
        con.print("[yellow]Chưa xếp vào hàng đợi (Redis không kết nối được): sohoa reconcile sẽ xếp sau[/yellow]")


def status(
    code: Annotated[str, typer.Argument(help="Dossier code.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """A dossier's state, per-stage progress, errors and jobs in flight."""
    with service() as svc:
        info = svc.status(code)
    if as_json:
        print_json(info)
        return
    con = Console(soft_wrap=True)
    con.print(f"[bold]Hồ sơ {shown(info['code'])}[/bold]: {shown(info['state'])}")
    if info["reason"]:
        con.print(shown(f"  lỗi ở bước {info['failed_stage']}: {info['reason']}"))
    con.print(f"  trang: {info['pages']['done']}/{info['pages']['total']}")
    for name, run in info["stages"].items():
        err = f": {run['error']}" if run["error"] else ""
        con.print(shown(f"  {name}: {run['state']} (lần {run['attempt']}){err}"))
    for job_id, st in (info.get("jobs") or {}).items():
        con.print(shown(f"  job {job_id}: {st}"))
    for doc in info["documents"]:
        con.print(shown(f"  kết quả {doc}"))


def worker(
    name: Annotated[str | None, typer.Option(help="Worker name (default: host.pid).")] = None,
    burst: Annotated[bool, typer.Option(help="Stop when the queues are empty (tests, batch jobs).")] = False,
) -> None:
    """Run an RQ worker on sohoa's queues (several per machine and across machines share the work)."""
    with service() as svc:
        svc.run_worker(name=name, burst=burst)


def reconcile(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Re-enqueue every unfinished dossier whose work no queue holds (after a Redis loss, a crash)."""
    with service() as svc:
        report = svc.reconcile()
    if as_json:
        print_json(report.to_dict())
        return
    con = Console(soft_wrap=True)
    con.print(f"{report.checked} hồ sơ chưa xong; xếp lại {sum(map(len, report.enqueued.values()))} việc")
    for code, ids in report.enqueued.items():
        con.print(shown(f"  {code}: {', '.join(ids)}"))
    for code in report.failed:
        con.print(f"  [red]{shown(code)}: failed[/red] (sohoa status {shown(code)})")


def retry(code: Annotated[str, typer.Argument(help="Code of a failed dossier.")]) -> None:
    """Resume a failed dossier where it stopped (finished pages are kept)."""
    with service() as svc:
        enqueued = svc.retry(code)
    Console(soft_wrap=True).print(f"Hồ sơ {shown(code)}: processing; xếp lại {len(enqueued)} việc")


COMMANDS = (submit, status, worker, reconcile, retry)
