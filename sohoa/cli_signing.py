"""`sohoa verify`, `sohoa publish` and `sohoa sign extend`: thin shells over ``signing`` and ``workers.publish``.

`verify` exits 0 only when every file has at least one signature and every signature passes (and, for a
published result, its embedded approved fields match the database when the database is reachable);
otherwise 1, with the reason on the file's line.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sohoa.errors import SohoaError
from sohoa.settings import Settings, load_settings
from sohoa.terminal import json_text, plain, shown

sign_app = typer.Typer(help="Long-term validation data of signed results.", no_args_is_help=True)


def _settings() -> Settings:
    try:
        return load_settings()
    except ValueError as exc:
        sys.stderr.write(f"sohoa: invalid settings: {plain(exc)}\n")
        raise typer.Exit(2) from exc


def _fail(exc: SohoaError) -> typer.Exit:
    sys.stderr.write(f"sohoa: {plain(exc.one_line())}\n")
    return typer.Exit(exc.exit_code)


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
    from signing.verify import verify_file

    settings = _settings()
    when = _when(at)
    roots = trust if trust else settings.trust_roots
    report: dict[str, Any] = {}
    for path in files:
        try:
            found = verify_file(
                path, trust_roots=roots, fetch=settings.revinfo_fetch and not offline, at=when,
                timeout_s=settings.net_timeout_s,
            )  # fmt: skip
            entry = found.to_dict()
            entry["reasons"] = sorted({p for s in found.signatures if not s.bottom_line for p in s.problems})
            entry["embedded_fields"] = _embedded_check(path, settings)
            if entry["embedded_fields"] and entry["embedded_fields"].get("match") is False:
                entry["ok"] = False
                entry["reasons"].append(entry["embedded_fields"]["reason"])
        except SohoaError as exc:
            entry = {"ok": False, "signatures": [], "reasons": [exc.message], "error": exc.code}
        report[str(path)] = entry
    if as_json:
        sys.stdout.write(json_text(report) + "\n")
    else:
        _print(report)
    raise typer.Exit(0 if all(e["ok"] for e in report.values()) else 1)


def _when(at: str | None) -> dt.datetime | None:
    if at is None:
        return None
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError as exc:
        sys.stderr.write(f"sohoa: --at {plain(repr(at))} is not an ISO 8601 time\n")
        raise typer.Exit(2) from exc
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _embedded_check(path: Path, settings: Settings) -> dict[str, Any] | None:
    """Compare the embedded approved fields with the database's, when there are some and it is reachable."""
    from signing.approval import read_embedded_fields

    payload = read_embedded_fields(path)
    if payload is None:
        return None
    code = str(payload.get("result", ""))
    check: dict[str, Any] = {"result": code, "checked": False, "match": None}
    db_file = settings.data_dir / "sohoa.db"
    if settings.database_url is None and not db_file.is_file():
        check["reason"] = "không có cơ sở dữ liệu để đối chiếu"
        return check
    try:
        from storage.db import make_engine
        from workers.publish import field_values
        from workers.results import show_result

        view = show_result(make_engine(settings.effective_database_url), code)
    except SohoaError as exc:
        check["reason"] = exc.message
        return check
    except Exception as exc:  # the database is unreachable: say so, the signatures still count
        check["reason"] = f"không kết nối được cơ sở dữ liệu: {type(exc).__name__}"
        return check
    import hashlib

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    recorded = {v.get("sha256") for v in view.signature.get("pdf_versions") or []} | {view.pdf_sha256}
    if digest not in recorded:
        # The file claims to be this result, but this database records other bytes for it: whatever its
        # signatures say, it is not the result this agency published under that code.
        reason = f"tệp không phải bản PDF đã ghi nhận của kết quả {code} (mã băm khác)"
        check.update(checked=True, match=False, reason=reason, differences=[])
        return check
    stored = field_values(view.fields_dict())
    embedded = payload.get("fields", {})
    differ = sorted(k for k in set(stored) | set(embedded) if stored.get(k) != embedded.get(k))
    check.update(checked=True, match=not differ, differences=differ)
    if differ:
        check["reason"] = "Dữ liệu đã duyệt trong tệp khác với cơ sở dữ liệu"
    return check


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
    from storage import repository
    from storage.repository.review import clean_actor
    from workers.context import open_context
    from workers.publish import publish_dossier, publish_result
    from workers.results import UnknownResult

    settings = _settings()
    try:
        actor = clean_actor(by) if by is not None else repository.SYSTEM_ACTOR
        ctx = open_context(settings)
        try:
            done = [publish_result(ctx, code, by=actor)]
        except UnknownResult:  # a dossier code: all its results
            done = publish_dossier(ctx, code, by=actor)
    except SohoaError as exc:
        raise _fail(exc) from exc
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
    settings = _settings()
    con = Console(soft_wrap=True)
    try:
        if target is not None and Path(target).is_file():
            if out is not None:
                from workers.outputs import check_out_file

                check_out_file(out)  # before signing is loaded or the network asked for anything
            from signing.ltv import extend_pdf

            if not settings.tsa_url:
                sys.stderr.write("sohoa: cần máy chủ dấu thời gian (đặt SOHOA_TSA_URL)\n")
                raise typer.Exit(2)
            dst = out or Path(target)
            done = extend_pdf(
                Path(target), dst, tsa_url=settings.tsa_url, trust_roots=settings.trust_roots,
                md_algorithm=settings.sign_hash, timeout_s=settings.net_timeout_s,
            )  # fmt: skip
            con.print(shown(f"{dst}: {done.level} ({', '.join(done.signatures)})"))
            return
        from workers.context import open_context
        from workers.publish import extend_result, pending_ltv

        ctx = open_context(settings)
        codes = pending_ltv(ctx) if pending else [target] if target else []
        if not codes:
            con.print(
                "Không có kết quả nào cần bổ sung dữ liệu xác thực dài hạn"
                if pending
                else "Cần FILE, mã kết quả hoặc --pending"
            )
            raise typer.Exit(0 if pending else 2)
        for code in codes:
            con.print(shown(f"{code}: {extend_result(ctx, code)}"))
    except SohoaError as exc:
        raise _fail(exc) from exc
