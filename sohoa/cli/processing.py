"""`sohoa process`, `sohoa check` and `sohoa samples`: digitizing a dossier here, checking one at the desk."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sohoa.cli.common import service
from sohoa.cli.procedures import print_reception
from sohoa.errors import BadInput
from sohoa.terminal import json_text, shown

err = Console(stderr=True)

STAGE_LABELS = {
    "ingest": "Tiếp nhận",
    "ocr": "Nhận dạng trang",
    "pdf": "Tạo PDF",
    "extract": "Trích xuất",
    "sign": "Ký số",
    "store": "Lưu trữ",
    "publish": "Phát hành",
}


class _Bar:
    """Rich progress on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<18}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(STAGE_LABELS.get(stage, stage), total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def process(
    inputs: Annotated[list[Path], typer.Argument(help="Scanned PDFs, TIFFs, JPEG/PNG files or folders: one dossier.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the signed PDFs and the dossier JSON.")],
    as_json: Annotated[bool, typer.Option("--json", help="Also print the dossier JSON on stdout.")] = False,
    workers: Annotated[int | None, typer.Option(help="Page processes (default: one per core).")] = None,
    procedure: Annotated[
        str | None, typer.Option("--procedure", help="Procedure code: map the documents onto its components.")
    ] = None,
) -> None:
    """Digitize one dossier: clean, OCR, searchable PDF, fields, digital signature, stored result.
    With --procedure, also what the procedure asks for: received, reusable, missing (never a refusal)."""
    with service(workers=workers) as svc:
        if procedure:
            svc.procedure_show(procedure)  # an unknown code costs no OCR
        # before any work: a wrong --out or a missing signing key costs neither the OCR nor a dossier record;
        # then the pages start at once, while the database layer is imported and opened
        prefetch = svc.start_process(inputs, out)
        try:
            bar = _Bar() if err.is_terminal and not as_json else None
            if bar:
                with bar.progress:
                    outcome = svc.process(inputs, out, progress=bar, prefetch=prefetch, procedure=procedure)
            else:
                outcome = svc.process(inputs, out, prefetch=prefetch, procedure=procedure)
        finally:
            prefetch.close()
    if as_json:
        sys.stdout.write(json_text(outcome.result) + "\n")
        return
    _summary(outcome.result, outcome.files, outcome.already_seen)


def _summary(result: dict[str, Any], files: list[Path], already_seen: bool) -> None:
    con = Console()
    dossier = result["dossier"]
    seen = " (đã xử lý trước đây: trả lại kết quả đã lưu)" if already_seen else ""
    con.print(f"[bold]Hồ sơ {shown(dossier['code'])}[/bold]: {shown(dossier['state'])}{seen}")
    for page in result["pages"]:
        notes = "; ".join(f["message"] for f in page["findings"]) or "không có vấn đề"
        con.print(
            f"  Trang {page['number']}: {page['dpi']} dpi, xoay {page['rotation']}°, nghiêng {page['skew']:+.1f}°, "
            f"độ tin cậy OCR {page['ocr_confidence']:.2f}: {shown(notes)}"
        )
    for doc in result["documents"]:
        title = f"{doc['code']} ({doc.get('type_label', doc['type'])})"
        table = Table(title=shown(title), show_lines=False)
        for col in ("Trường", "Giá trị", "Tin cậy", "Trạng thái"):
            table.add_column(col)
        for key, value in doc["fields"].items():
            for item in value if isinstance(value, list) else [value]:
                status = item["status"] + (f" ({', '.join(item['reasons'])})" if item["reasons"] else "")
                table.add_row(shown(key), shown(item["value"]), f"{item['confidence']:.2f}", shown(status))
        con.print(table)
        sig = doc.get("signature") or {}
        signer, when, level = (shown(sig.get(k, "?")) for k in ("signer", "signing_time", "level"))
        con.print(f"  Ký số: {signer} lúc {when} ({level})")
        if sig.get("approval"):  # published: the approved fields are embedded and signed
            approval = sig["approval"]
            signer, when, level = (shown(approval.get(k, "?")) for k in ("signer", "signing_time", "level"))
            con.print(f"  Phê duyệt: {signer} lúc {when} ({level}), dữ liệu đã duyệt được nhúng trong PDF")
        if sig.get("note"):  # a signed input kept as it was
            con.print(f"  {shown(sig['note'])}")
        elif sig.get("needs_ltv") and sig.get("level") != "PAdES B-B":
            con.print("  Còn thiếu dữ liệu xác thực dài hạn: chạy sohoa sign extend --pending khi có mạng")
    if result.get("procedure"):
        print_reception(con, result["procedure"])
    if result["dossier"].get("due_on"):
        y, m, d = result["dossier"]["due_on"].split("-")
        con.print(f"Ngày hẹn trả kết quả: {d}/{m}/{y}")
    con.print("Tệp kết quả:")
    for path in files:
        con.print(f"  {shown(path)}")


def check(
    inputs: Annotated[list[Path], typer.Argument(help="Scanned PDFs, TIFFs, JPEG/PNG files or folders: one dossier.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the pages and findings as JSON on stdout.")] = False,
) -> None:
    """Reception check before processing: resolution (measured), blur, blank pages, skew, cut edges, exposure.

    No OCR and nothing stored: each page is rasterized, measured (about 0.1 s) and forgotten.

    Exit codes: 0 every page is usable (warnings allowed), 1 some page should be scanned again, 2 bad input.
    """
    with service() as svc:
        report = svc.check(inputs)
    pages, rescan = report["pages"], report["rescan"]
    if as_json:
        sys.stdout.write(json_text(report) + "\n")
    else:
        con = Console(soft_wrap=True)  # a message is never broken across lines
        marks = {"error": "[red]✗[/red]", "warning": "[yellow]![/yellow]", "info": "[blue]i[/blue]"}
        for p in pages:
            measured = "đo được " if p["measures"]["dpi_measured"] else ""
            head = f"Trang {p['number']} ({shown(p['source'])}, {measured}{p['dpi']} dpi)"
            if not p["findings"]:
                con.print(f"[green]✓[/green] {head}: không có vấn đề")
                continue
            con.print(f"{marks[p['findings'][0]['severity']]} {head}:")  # findings come worst first
            for f in p["findings"]:
                con.print(f"    {marks.get(f['severity'], '-')} {shown(f['message'])}")
        if rescan:
            con.print(f"[bold red]Cần quét lại {len(rescan)} trang: {', '.join(map(str, rescan))}[/bold red]")
        else:
            con.print(f"[bold green]Cả {len(pages)} trang dùng được[/bold green]")
    raise typer.Exit(1 if rescan else 0)


def samples(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the dossier and its truth.json into.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same dossier.")] = 1,
    kinds: Annotated[str, typer.Option(help="Comma-separated document kinds.")] = "quyet_dinh",
    fmt: Annotated[str, typer.Option("--format", help="pdf, tiff, png or jpeg.")] = "pdf",
    defects: Annotated[str, typer.Option(help="clean, office or harsh.")] = "office",
    dpi: Annotated[int | None, typer.Option(help="Scan resolution (default 200; family b: 200-300 by seed).")] = None,
    family: Annotated[str, typer.Option(help="Layout family: a (the default) or b (samples.family_b).")] = "a",
    secrecy: Annotated[
        str | None,
        typer.Option(help="Mark style of quyet_dinh_mat: plain, boxed, red, red_boxed or stamp (default: by seed)."),
    ] = None,
    secrecy_level: Annotated[
        str | None, typer.Option(help="Its level: MẬT, TỐI MẬT or TUYỆT MẬT (default: by seed).")
    ] = None,
) -> None:
    """Generate a synthetic scanned dossier with exact ground truth (for trying sohoa and for tests)."""
    from samples.generator import generate_dossier
    from workers.service import Service

    Service.check_out_dir(out)
    try:
        path = generate_dossier(
            out, seed=seed, kinds=tuple(kinds.split(",")), fmt=fmt, dpi=dpi, defects=defects, family=family,
            secrecy=secrecy, secrecy_level=secrecy_level,
        )  # fmt: skip
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    Console().print(f"{shown(path)}\n{shown(out / 'truth.json')}")
