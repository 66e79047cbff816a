"""`sohoa results`: find, show, export, link and reuse results (signed PDF + fields). Every read is audited."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sohoa.cli.common import AsJson, ReadBy, print_json, quoted, service, who
from sohoa.terminal import plain, shown

results_app = typer.Typer(help="Find, show and export results (signed PDF + fields) for reuse.")


@results_app.command("search")
def results_search(
    personal_id: Annotated[str | None, typer.Option("--personal-id", help="Personal ID (CCCD) number.")] = None,
    number: Annotated[str | None, typer.Option("--number", help="Document number, e.g. 123/QĐ-UBND.")] = None,
    sha256: Annotated[str | None, typer.Option("--sha256", help="sha256 of a scanned input or a signed PDF.")] = None,
    as_json: AsJson = False,
    by: ReadBy = None,
) -> None:
    """Find results by personal ID, document number or content hash (exactly one). The search is audited."""
    with service() as svc:
        found = svc.results_search(personal_id=personal_id, number=number, sha256=sha256, by=who(by))
    if as_json:
        print_json([r.to_dict() for r in found])
        return
    con = Console(soft_wrap=True)
    if not found:
        con.print("Không tìm thấy kết quả nào.")
        return
    for r in found:
        con.print(shown(f"{r.code}  {r.type}  {r.state}  hồ sơ {r.dossier}  (khớp theo {r.matched})"))


@results_app.command("show")
def results_show(
    code: Annotated[str, typer.Argument(help="Result code.")],
    as_json: AsJson = False,
    by: ReadBy = None,
) -> None:
    """A result: type, state, dossier, signed PDF (key, sha256), fields with their status, corrections. Audited."""
    with service() as svc:
        view = svc.results_show(code, by=who(by))
    data = view.to_dict()
    if as_json:
        print_json(data)
        return
    con = Console(soft_wrap=True)
    con.print(
        f"[bold]{shown(view.code)}[/bold] ({shown(view.type)}): {shown(view.state)}; "
        f"hồ sơ {shown(view.dossier)} ({shown(view.dossier_state)})"
    )
    con.print(shown(f"  PDF: {view.pdf_key} sha256 {view.pdf_sha256}"))
    if data["approved"]:
        con.print(shown(f"  Duyệt: {data['approved']['by']} lúc {data['approved']['at']}"))
    for key, value in data["fields"].items():
        items = value if isinstance(value, list) else [value]
        for n, item in enumerate(items):
            ref = f"{key}.{n}" if isinstance(value, list) else key
            status = item["status"] + (f" ({', '.join(item['reasons'])})" if item["reasons"] else "")
            value_text = quoted(item["value"])
            con.print(shown(f"  {ref:<16} {value_text}  tin cậy {item['confidence']:.2f}  {status}"))
    for rev in view.revisions:
        con.print(shown(f"  {rev['at']} {rev['by']}: {rev['field']} {rev['old']} → {rev['new']}"))


@results_app.command("export")
def results_export(
    result: Annotated[str, typer.Argument(help="Result code.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for <code>.pdf and <code>.json.")],
    by: ReadBy = None,
) -> None:
    """Write a result's signed PDF (checked against its recorded sha256) and its JSON with the current fields."""
    with service() as svc:
        files = svc.results_export(result, out, by=who(by))
    for path in files:
        Console(soft_wrap=True).print(shown(path))


@results_app.command("url")
def results_url(
    result: Annotated[str, typer.Argument(help="Result code.")],
    expires: Annotated[
        int | None, typer.Option(help="Seconds the link stays valid (default SOHOA_PRESIGN_EXPIRY_S).")
    ] = None,
    by: ReadBy = None,
) -> None:
    """Print a short-lived download link for a result's signed PDF (S3 storage only; checked against the database)."""
    with service() as svc:
        url, seconds = svc.results_url(result, expires_s=expires, by=who(by))
    sys.stdout.write(plain(url) + "\n")
    sys.stderr.write(f"sohoa: link valid for {seconds} s\n")


@results_app.command("attach")
def results_attach(
    result: Annotated[str, typer.Argument(help="Code of an existing result to reuse.")],
    to: Annotated[str, typer.Option("--to", help="Code of the dossier it stands in for a component of.")],
    by: Annotated[str | None, typer.Option(help="Who attaches it (default: the login name).")] = None,
) -> None:
    """Reuse a result in a later dossier instead of scanning the citizen's paper again (checked intact first)."""
    with service() as svc:
        created, codes = svc.results_attach(result, to=to, by=who(by))
    what = "đã gắn" if created else "đã gắn từ trước"
    sys.stdout.write(plain(f"{result} {what} vào hồ sơ {to}; kết quả dùng lại: {', '.join(codes)}") + "\n")
