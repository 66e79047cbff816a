"""The `sohoa` command: a thin shell over the lifecycle. It is the one place errors become exit codes.

Exit codes: 0 success (also when fields wait for review), 2 bad input (one line on stderr, nothing
written), 1 internal error. Everything a file or a person wrote is printed through ``sohoa.terminal``
(control characters escaped, Rich markup disabled), and files are created private (``main``: umask 077).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sohoa.cli_queue import register as register_queue_commands
from sohoa.cli_results import audit_app, results_app, review_app
from sohoa.cli_signing import publish, sign_app, verify
from sohoa.cli_storage import storage_app
from sohoa.errors import BadInput, SohoaError
from sohoa.settings import Settings, load_settings
from sohoa.terminal import json_text, plain, shown

app = typer.Typer(
    help=(
        "sohoa: số hóa hồ sơ thủ tục hành chính. Turns scanned Vietnamese dossiers into signed, searchable "
        "PDFs and structured results.\n\nStart with: sohoa process SCAN.pdf --out OUT_DIR"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
# pyHanko logs a full traceback as a WARNING for every untrusted certificate (always, for the development
# key); the verdict already says so in plain words, so only its errors reach the terminal.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.ERROR)
# pyHanko imports cryptography's DSA class, which warns on every import: noise on a desk clerk's screen, and
# it broke the one-line error of bad input (DSA is never used: keys are RSA or EC, signing.keys).
warnings.filterwarnings("ignore", message="DSA is deprecated")

STAGE_LABELS = {
    "ingest": "Tiếp nhận",
    "ocr": "Nhận dạng trang",
    "pdf": "Tạo PDF",
    "extract": "Trích xuất",
    "sign": "Ký số",
    "store": "Lưu trữ",
    "publish": "Phát hành",
}


def _settings(**overrides: Any) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        err.print(f"[red]invalid settings:[/red] {shown(exc)}")
        raise typer.Exit(2) from exc


def _fail(exc: SohoaError) -> typer.Exit:
    sys.stderr.write(f"sohoa: {plain(exc.one_line())}\n")
    return typer.Exit(exc.exit_code)


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


@app.command()
def process(
    inputs: Annotated[list[Path], typer.Argument(help="Scanned PDFs, TIFFs, JPEG/PNG files or folders: one dossier.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the signed PDFs and the dossier JSON.")],
    as_json: Annotated[bool, typer.Option("--json", help="Also print the dossier JSON on stdout.")] = False,
    workers: Annotated[int | None, typer.Option(help="Page processes (default: one per core).")] = None,
) -> None:
    """Digitize one dossier: clean, OCR, searchable PDF, fields, digital signature, stored result."""
    from workers.outputs import check_out_dir
    from workers.prefetch import Prefetch

    settings = _settings(workers=workers)
    try:  # before any work: a wrong --out or a missing signing key costs neither the OCR nor a dossier record
        check_out_dir(out)
        settings.chosen_signer()
    except SohoaError as exc:
        raise _fail(exc) from exc
    prefetch = Prefetch.start(inputs, settings)  # pages start now; the database layer is imported meanwhile
    from workers.lifecycle import process_dossier

    bar = _Bar() if err.is_terminal and not as_json else None
    try:
        if bar:
            with bar.progress:
                outcome = process_dossier(inputs, settings, out, progress=bar, prefetch=prefetch)
        else:
            outcome = process_dossier(inputs, settings, out, prefetch=prefetch)
    except SohoaError as exc:
        raise _fail(exc) from exc
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
    con.print("Tệp kết quả:")
    for path in files:
        con.print(f"  {shown(path)}")


@app.command()
def check(
    inputs: Annotated[list[Path], typer.Argument(help="Scanned PDFs, TIFFs, JPEG/PNG files or folders: one dossier.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the pages and findings as JSON on stdout.")] = False,
) -> None:
    """Reception check before processing: resolution (measured), blur, blank pages, skew, cut edges, exposure.

    No OCR and nothing stored: each page is rasterized, measured (about 0.1 s) and forgotten.

    Exit codes: 0 every page is usable (warnings allowed), 1 some page should be scanned again, 2 bad input.
    """
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.ingest import ingest
    from pipeline.models import PageRef
    from pipeline.pages import page_refs, rasterize
    from pipeline.quality import PageCheck, check_page

    settings = _settings()

    def one(ref: PageRef) -> PageCheck:
        raster = rasterize(ref, settings)
        return check_page(raster.rgb, number=ref.number, dpi=raster.dpi, dpi_estimated=raster.dpi_estimated)

    # ingest may write a repaired copy of a damaged PDF: into a temporary folder, never the data folder.
    with tempfile.TemporaryDirectory(prefix="sohoa-check-") as scratch:
        try:
            sources = ingest(inputs, settings, Path(scratch))
            refs = page_refs(sources)
            # Threads are enough: pdftoppm and OpenCV do the work outside the GIL.
            with ThreadPoolExecutor(max_workers=settings.page_workers) as pool:
                checks = list(pool.map(one, refs))
        except SohoaError as exc:
            raise _fail(exc) from exc
    pages = [
        {
            "number": c.number,
            "source": sources[ref.source_index].filename,
            "dpi": c.measures.dpi_measured or c.measures.dpi_claimed,
            "dpi_file": c.measures.dpi_claimed,
            "rescan": c.needs_rescan,
            "findings": c.findings,
            "measures": c.to_dict()["measures"],
        }
        for c, ref in zip(checks, refs, strict=True)
    ]
    rescan = [p["number"] for p in pages if p["rescan"]]
    if as_json:
        sys.stdout.write(json_text({"ok": not rescan, "rescan": rescan, "pages": pages}) + "\n")
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


@app.command()
def samples(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the dossier and its truth.json into.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same dossier.")] = 1,
    kinds: Annotated[str, typer.Option(help="Comma-separated document kinds.")] = "quyet_dinh",
    fmt: Annotated[str, typer.Option("--format", help="pdf, tiff, png or jpeg.")] = "pdf",
    defects: Annotated[str, typer.Option(help="clean, office or harsh.")] = "office",
    dpi: Annotated[int, typer.Option(help="Scan resolution.")] = 200,
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
    from workers.outputs import check_out_dir

    try:
        check_out_dir(out)
        try:
            path = generate_dossier(
                out, seed=seed, kinds=tuple(kinds.split(",")), fmt=fmt, dpi=dpi, defects=defects,
                secrecy=secrecy, secrecy_level=secrecy_level,
            )  # fmt: skip
        except ValueError as exc:  # an unknown kind, format, style or level: the caller's mistake
            raise BadInput(str(exc)) from exc
    except SohoaError as exc:
        raise _fail(exc) from exc
    Console().print(f"{shown(path)}\n{shown(out / 'truth.json')}")


app.command()(verify)
app.command()(publish)
app.add_typer(sign_app, name="sign", no_args_is_help=True)
app.add_typer(review_app, name="review", no_args_is_help=True)
app.add_typer(results_app, name="results", no_args_is_help=True)
app.add_typer(audit_app, name="audit", no_args_is_help=True)
app.add_typer(storage_app, name="storage", no_args_is_help=True)
register_queue_commands(app)


def main() -> None:
    """Entry point of the ``sohoa`` command and ``python -m sohoa``: run the command, then leave at once.

    Why not a normal exit: once a command has loaded signing, the database layer and OpenCV, Python's own
    teardown (freeing every module and object one by one) took 0.25-0.35 s after the work was done, 7 % of
    a 5-page ``sohoa process`` that a desk clerk waits for (``benchmarks/ocr.py``). Everything a command
    writes is complete by then: outputs are renamed into place whole, the database has committed, page
    processes are stopped by the command itself. So the standard streams and the logs are flushed and the
    process ends with ``os._exit``. An exception that escapes the command still exits the normal way.
    """
    os.umask(0o077)  # data files 0600 and folders 0700: scans, page images and results are personal data
    try:
        app()
        code: int = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # sys.exit("message"): printed as Python would
            sys.stderr.write(f"{exc.code}\n")
            code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (sohoa ... | head): nothing more to write
            stream.flush()
    os._exit(code)
