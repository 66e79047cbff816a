"""`sohoa verify`, `sohoa publish` and `sohoa sign extend`: signatures, checked, given and extended.

`verify` exits 0 only when every file has at least one signature and every signature passes (and, for a
published result, its embedded approved fields match the database when the database is reachable);
otherwise 1, with the reason on the file's line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sohoa.cli.common import service
from sohoa.errors import BadInput
from sohoa.terminal import json_text, shown

sign_app = typer.Typer(help="Long-term validation data of signed results.", no_args_is_help=True)


def verify(
    files: Annotated[list[Path], typer.Argument(help="Signed PDFs to check.")],
    trust: Annotated[
        list[Path] | None,
        typer.Option(help="Trusted root certificate (PEM/DER); repeatable. Default SOHOA_TRUST_ROOTS."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="Use only the revocation data inside the files.")] = False,
    at: Annotated[str | None, typer.Option(help="Validation time, ISO 8601 (default: now).")] = None,
) -> None:
    """Check the signatures of PDFs: signer, time, level, intact, trusted, timestamp, changes after signing."""
    with service() as svc:
        report = svc.verify(files, trust=trust, offline=offline, at=at)
    if as_json:
        sys.stdout.write(json_text(report) + "\n")
    else:
        _print(report)
    raise typer.Exit(0 if all(e["ok"] for e in report.values()) else 1)


def _print(report: dict[str, Any]) -> None:
    con = Console(soft_wrap=True)  # one line per signature, even when piped
    for path, entry in report.items():
        head = "[green]✓[/green]" if entry["ok"] else "[red]✗[/red]"
        con.print(f"{head} {shown(path)}" + ("" if entry["ok"] else f": {shown('; '.join(entry['reasons']))}"))
        for s in entry["signatures"]:
            mark = "[green]✓[/green]" if s["bottom_line"] else "[red]✗[/red]"
            ts = f", dấu thời gian {s['timestamp']}" if s.get("timestamp") else ""
            state = f"{'nguyên vẹn' if s['intact'] else 'BỊ SỬA'}, {'tin cậy' if s['trusted'] else 'KHÔNG tin cậy'}"
            problems = "; ".join(s["problems"]) or "hợp lệ"
            line = (
                f"{s['field']} ({s['kind']}): {s['signer']} lúc {s['signing_time']}, "
                f"{s['level']}{ts}; {state}; {s.get('modifications') or ''}: {problems}"
            )  # a signed file's field names, signer and problems are the file author's text
            con.print(f"  {mark} {shown(line)}")
        for t in entry.get("document_timestamps", []):
            mark = "[green]✓[/green]" if t["intact"] and t["trusted"] else "[red]✗[/red]"
            stamp = f"dấu thời gian lưu trữ {t['time']} ({t['tsa']})"
            con.print(f"  {mark} {shown(stamp)}")
        emb = entry.get("embedded_fields")
        if emb:
            differ = ", ".join(emb.get("differences", [])) or emb.get("reason", "")
            verdict = {True: "khớp cơ sở dữ liệu", False: f"KHÁC cơ sở dữ liệu: {differ}"}
            line = f"  dữ liệu đã duyệt ({emb['result']}): {verdict.get(emb['match'], emb.get('reason', ''))}"
            con.print(shown(line))


def publish(
    code: Annotated[str, typer.Argument(help="Result code, or a dossier code for all its results.")],
    by: Annotated[str | None, typer.Option(help="Who publishes (default: sohoa).")] = None,
) -> None:
    """Publish approved results: approved fields embedded, approval signature (SOHOA_SIGN_LEVEL, B-LTA)."""
    with service() as svc:
        done = svc.publish(code, by=by)
    con = Console(soft_wrap=True)
    for pub in done:
        if pub.already:
            con.print(shown(f"{pub.result}: đã công bố trước đó"))
            continue
        ltv = " (còn thiếu dữ liệu xác thực dài hạn: sohoa sign extend)" if pub.needs_ltv else ""
        con.print(
            shown(f"{pub.result}: đã công bố, chữ ký duyệt {pub.level}{ltv}. Hồ sơ {pub.dossier}: {pub.dossier_state}")
        )


@sign_app.command("extend")
def extend(
    target: Annotated[str | None, typer.Argument(help="A signed PDF file, or a result code.")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="For a file: where to write (default: in place).")
    ] = None,
    pending: Annotated[bool, typer.Option("--pending", help="Every stored result still lacking its data.")] = False,
) -> None:
    """Add long-term validation data (OCSP/CRL + archive timestamp) to B-T signatures: they become B-LTA."""
    con = Console(soft_wrap=True)
    with service() as svc:
        if target is not None and Path(target).is_file():
            dst, done = svc.extend_file(Path(target), out)
            con.print(shown(f"{dst}: {done.level} ({', '.join(done.signatures)})"))
            return
        if not pending and not target:
            raise BadInput("cần FILE, mã kết quả hoặc --pending")
        extended = svc.extend_results(None if pending else [target] if target else [])
        if not extended:
            con.print("Không có kết quả nào cần bổ sung dữ liệu xác thực dài hạn")
        for code, level in extended:
            con.print(shown(f"{code}: {level}"))
