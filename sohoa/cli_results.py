"""`sohoa review`, `sohoa results` and `sohoa audit`: thin commands over ``workers.review``,
``workers.results`` and the audit log, registered as sub-apps by ``sohoa.cli``.

Kept apart from ``sohoa.cli`` so the processing commands stay short. Exit codes as everywhere: 0
success, 2 bad request (unknown result or field, a refused review step; one line on stderr), 1 an
internal error; ``sohoa audit verify`` exits 1 when the log is broken.

Who acts or reads is ``--by`` or, without it, the OS login name; reads of field values and download links
are recorded under that name (``workers.reads``). After a command's work is committed, the audit log is
sealed when a seal is due (``workers.seals``).
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sohoa.errors import SohoaError
from sohoa.settings import load_settings
from sohoa.terminal import json_text, plain, shown

review_app = typer.Typer(help="Review fields the machine may have misread, correct them, approve results.")
results_app = typer.Typer(help="Find, show and export results (signed PDF + fields) for reuse.")
audit_app = typer.Typer(help="The append-only, hash-chained audit log.")

AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
By = Annotated[str | None, typer.Option("--by", help="Who does it (default: the login name).")]
ReadBy = Annotated[str | None, typer.Option("--by", help="Who reads (default: the login name); audited.")]


@contextmanager
def _opened() -> Iterator[Any]:
    """Settings, object store and migrated database for one command (exit 2 on invalid settings); the
    database connections are closed after it."""
    from workers.context import open_context

    try:
        settings = load_settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        sys.stderr.write(f"sohoa: invalid settings: {plain(exc)}\n")
        raise typer.Exit(2) from exc
    try:
        ctx = open_context(settings)
    except SohoaError as exc:
        raise _fail(exc) from exc
    try:
        yield ctx
        from workers.seals import seal_if_due

        seal_if_due(ctx)
    finally:
        ctx.engine.dispose()


def _fail(exc: SohoaError) -> typer.Exit:
    sys.stderr.write(f"sohoa: {plain(exc.one_line())}\n")
    return typer.Exit(exc.exit_code)


def _print_json(data: Any) -> None:
    sys.stdout.write(json_text(data) + "\n")


def _quoted(value: Any) -> str:
    """A field value as JSON (strings quoted, lists bracketed), so an empty or spaced value is visible."""
    return json.dumps(value, ensure_ascii=False)


def _who(by: str | None) -> str:
    return (by or getpass.getuser()).strip()


@review_app.command("list")
def review_list(as_json: AsJson = False, by: ReadBy = None) -> None:
    """Results waiting for review, the least sure fields first: value, reasons, page and box of each."""
    from workers.review import list_waiting

    try:
        with _opened() as ctx:
            waiting = list_waiting(ctx.engine, by=_who(by))
    except SohoaError as exc:
        raise _fail(exc) from exc
    if as_json:
        _print_json([w.to_dict() for w in waiting])
        return
    con = Console(soft_wrap=True)  # one line per field, never wrapped: codes and values stay whole
    if not waiting:
        con.print("Không có kết quả nào chờ duyệt.")
        return
    for w in waiting:
        doubt = f"{len(w.fields)}/{w.field_count} trường cần xem lại" if w.fields else "chỉ chờ duyệt"
        con.print(f"[bold]{shown(w.code)}[/bold] ({shown(w.type)}), hồ sơ {shown(w.dossier)}: {doubt}")
        for f in w.fields:
            box = f" [{','.join(map(str, f.bbox))}]" if f.bbox else ""
            where = f"trang {f.page}{box}" if f.page else "không rõ vị trí"
            reasons = ", ".join(f.reasons)
            con.print(shown(f"  {f.ref:<16} {_quoted(f.value)}  tin cậy {f.confidence:.2f}  {reasons}  {where}"))
    con.print(
        f"{len(waiting)} kết quả chờ duyệt. Sửa: sohoa review set KQ TRƯỜNG GIÁ_TRỊ; duyệt: sohoa review approve KQ"
    )


@review_app.command("set")
def review_set(
    result: Annotated[str, typer.Argument(help="Result code, e.g. 000.00.20.H40-261128-0001-01.")],
    field: Annotated[str, typer.Argument(help="Field key, or key.N (N from 0) for an item of a repeated field.")],
    value: Annotated[str, typer.Argument(help="The right value (typing the current value confirms it).")],
    by: By = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept with the revision, not in the audit log).")] = None,
) -> None:
    """Correct or confirm one field: a revision is kept (old, new, who, when, why) and the status becomes corrected."""
    from workers.review import set_field

    try:
        with _opened() as ctx:
            done = set_field(ctx.engine, result, field, value, by=_who(by), audit_key=ctx.audit_key, reason=reason)
    except SohoaError as exc:
        raise _fail(exc) from exc
    con = Console(soft_wrap=True)
    if not done.changed:
        con.print(f"{shown(done.result)} {shown(done.field)}: đã là giá trị này (không đổi)")
        return
    con.print(f"{shown(done.result)} {shown(done.field)}: đã sửa (phiên bản {done.revision_id})")
    if done.reopened:
        con.print("Kết quả đã duyệt trước đó: cần duyệt lại (sohoa review approve).")


@review_app.command("approve")
def review_approve(
    result: Annotated[str, typer.Argument(help="Result code.")],
    by: By = None,
    force: Annotated[
        bool, typer.Option("--force", help="Approve even though some fields still need review (they are logged).")
    ] = False,
) -> None:
    """Approve a result. Refused while a field still needs review, unless --force; the dossier follows its last one."""
    from workers.review import approve_and_publish

    try:
        with _opened() as ctx:
            done, published, failed = approve_and_publish(ctx, result, by=_who(by), force=force)
    except SohoaError as exc:
        raise _fail(exc) from exc
    con = Console(soft_wrap=True)
    if done.already:
        con.print(f"{shown(done.result)}: đã duyệt trước đó (hồ sơ {shown(done.dossier)}: {shown(done.dossier_state)})")
        return
    forced = f" (duyệt nguyên trạng: {shown(', '.join(done.forced))})" if done.forced else ""
    con.print(f"{shown(done.result)}: đã duyệt{forced}. Hồ sơ {shown(done.dossier)}: {shown(done.dossier_state)}")
    for pub in published:
        ltv = " (còn thiếu dữ liệu xác thực dài hạn: sohoa sign extend)" if pub.needs_ltv else ""
        con.print(f"{shown(pub.result)}: đã công bố, chữ ký duyệt {shown(pub.level)}{ltv}")
    if failed is not None:
        why = plain(failed.one_line())
        sys.stderr.write(f"sohoa: đã duyệt nhưng chưa công bố: {why} (chạy lại: sohoa publish {plain(result)})\n")


@results_app.command("search")
def results_search(
    personal_id: Annotated[str | None, typer.Option("--personal-id", help="Personal ID (CCCD) number.")] = None,
    number: Annotated[str | None, typer.Option("--number", help="Document number, e.g. 123/QĐ-UBND.")] = None,
    sha256: Annotated[str | None, typer.Option("--sha256", help="sha256 of a scanned input or a signed PDF.")] = None,
    as_json: AsJson = False,
    by: ReadBy = None,
) -> None:
    """Find results by personal ID, document number or content hash (exactly one). The search is audited."""
    from workers.results import search_results

    try:
        with _opened() as ctx:
            found = search_results(
                ctx.engine,
                personal_id=personal_id,
                number=number,
                sha256=sha256,
                by=_who(by),
                audit_key=ctx.audit_key,
            )
    except SohoaError as exc:
        raise _fail(exc) from exc
    if as_json:
        _print_json([r.to_dict() for r in found])
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
    from workers.results import read_result

    try:
        with _opened() as ctx:
            view = read_result(ctx.engine, code, by=_who(by))
    except SohoaError as exc:
        raise _fail(exc) from exc
    data = view.to_dict()
    if as_json:
        _print_json(data)
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
            value_text = _quoted(item["value"])
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
    from workers.outputs import check_out_dir
    from workers.results import export_result

    try:
        check_out_dir(out)  # before the database is opened: a wrong --out is one line, exit 2
        with _opened() as ctx:
            files = export_result(ctx, result, out, by=_who(by))
    except SohoaError as exc:
        raise _fail(exc) from exc
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
    from workers.results import result_download_url

    try:
        with _opened() as ctx:
            url, seconds = result_download_url(ctx, result, expires, by=_who(by))
    except SohoaError as exc:
        raise _fail(exc) from exc
    sys.stdout.write(plain(url) + "\n")
    sys.stderr.write(f"sohoa: link valid for {seconds} s\n")


@results_app.command("attach")
def results_attach(
    result: Annotated[str, typer.Argument(help="Code of an existing result to reuse.")],
    to: Annotated[str, typer.Option("--to", help="Code of the dossier it stands in for a component of.")],
    by: Annotated[str | None, typer.Option(help="Who attaches it (default: the login name).")] = None,
) -> None:
    """Reuse a result in a later dossier instead of scanning the citizen's paper again (checked intact first)."""
    from workers.results import attach_result, attached_results

    try:
        with _opened() as ctx:
            created = attach_result(ctx, to, result, by=by or getpass.getuser())
            codes = attached_results(ctx.engine, to)
    except SohoaError as exc:
        raise _fail(exc) from exc
    what = "đã gắn" if created else "đã gắn từ trước"
    sys.stdout.write(plain(f"{result} {what} vào hồ sơ {to}; kết quả dùng lại: {', '.join(codes)}") + "\n")


@audit_app.command("verify")
def audit_verify(as_json: AsJson = False) -> None:
    """Recompute the hash chain, check every seal's signature and hash, and the digests in the payloads.

    Exit 0 if intact, 1 if broken (with the first bad entry and what is wrong)."""
    from workers.audit import verify_log

    try:
        with _opened() as ctx:
            verdict = verify_log(ctx)
    except SohoaError as exc:
        raise _fail(exc) from exc
    if as_json:
        _print_json(verdict.to_dict())
        raise typer.Exit(0 if verdict.ok else 1)
    chain = verdict.chain
    if verdict.ok:
        sys.stdout.write(plain(f"audit log intact: {chain.entries} entries, last hash {chain.last_hash}") + "\n")
    else:
        seq, problem = verdict.first_problem()
        sys.stdout.write(plain(f"audit log BROKEN at entry {seq}: {problem}") + "\n")
        for more in verdict.problems[1:] if chain.ok else verdict.problems:
            sys.stdout.write(plain(f"  also at entry {more['seq']}: {more['problem']}") + "\n")
    if verdict.seals:
        who = ", ".join(verdict.signers) or "none valid"
        trust = f" ({', '.join(verdict.trust)})" if verdict.trust else ""
        sys.stdout.write(
            plain(
                f"seals: {verdict.valid_seals} of {verdict.seals} valid, by {who}{trust}; "
                f"last sealed entry {verdict.last_sealed_seq}"
            )
            + "\n"
        )
    else:
        sys.stdout.write("seals: none yet (sohoa audit seal takes one)\n")
    tail = verdict.unsealed_tail
    after = f" ({verdict.last_sealed_seq + 1} to {chain.last_seq})" if tail else ""
    sys.stdout.write(plain(f"unsealed tail: {tail} entries{after}") + "\n")
    if verdict.digests_checked or verdict.digests_skipped:
        skipped = f", {verdict.digests_skipped} skipped (another or no key)" if verdict.digests_skipped else ""
        sys.stdout.write(plain(f"value digests: {verdict.digests_checked} checked{skipped}") + "\n")
    raise typer.Exit(0 if verdict.ok else 1)


@audit_app.command("seal")
def audit_seal(as_json: AsJson = False) -> None:
    """Sign the head of the log (entry number, hash, time, agency) with the agency key, now.

    Seals are also taken automatically (SOHOA_AUDIT_SEAL_EVERY entries, SOHOA_AUDIT_SEAL_INTERVAL_S seconds).
    Exit 1 when the entries since the last seal are broken (nothing is sealed) or the key cannot sign."""
    from workers.seals import seal_now

    try:
        with _opened() as ctx:
            done = seal_now(ctx)
    except SohoaError as exc:
        raise _fail(exc) from exc
    if as_json:
        _print_json(done.to_dict())
        return
    if done.seal is None:
        sys.stdout.write("audit log empty: nothing to seal\n")
        return
    seal = done.seal
    what = "sealed" if done.created else "already sealed"
    dev = " (development key: no legal value)" if seal.development else ""
    tsa = ", timestamped" if seal.timestamped else ""
    sys.stdout.write(plain(f"audit log {what} at entry {seal.seq} ({seal.hash}) by {seal.signer}{dev}{tsa}") + "\n")


@audit_app.command("pdf")
def audit_pdf(
    file: Annotated[Path, typer.Argument(help="A published result PDF (with its embedded approved fields).")],
    as_json: AsJson = False,
) -> None:
    """Tie a published PDF to the log: the keyed digest of its embedded fields must be the one a
    result.published entry recorded. Exit 0 when it is, 1 when not, 2 when the file has no embedded fields."""
    from workers.audit import tie_pdf_to_log

    try:
        with _opened() as ctx:
            tie = tie_pdf_to_log(ctx, file)
    except SohoaError as exc:
        raise _fail(exc) from exc
    if as_json:
        _print_json(tie.to_dict())
    elif tie.digest is None:
        sys.stdout.write(plain(f"{tie.result}: cannot check, no audit key (SOHOA_AUDIT_KEY_FILE)") + "\n")
    elif tie.ok:
        entries = ", ".join(map(str, tie.entries))
        sys.stdout.write(plain(f"{tie.result}: embedded fields are those published at entry {entries}") + "\n")
    else:
        sys.stdout.write(plain(f"{tie.result}: embedded fields match no result.published entry of the log") + "\n")
    raise typer.Exit(0 if tie.ok else 1)


@audit_app.command("log")
def audit_log(
    subject: Annotated[str | None, typer.Option(help="Only entries about this dossier or result code.")] = None,
    after: Annotated[int, typer.Option(help="Only entries after this number.")] = 0,
    limit: Annotated[int, typer.Option(help="At most this many entries.")] = 100,
    as_json: AsJson = False,
) -> None:
    """Audit entries in order: number, time, who, what, about which code."""
    from storage.db import session_scope
    from storage.repository import load_audit

    try:
        with _opened() as ctx, session_scope(ctx.engine) as session:
            entries = load_audit(session, subject=subject, after=after, limit=limit)
    except SohoaError as exc:
        raise _fail(exc) from exc
    if as_json:
        _print_json([e.to_dict() for e in entries])
        return
    con = Console(soft_wrap=True)
    for e in entries:
        payload = json.dumps(e.payload, ensure_ascii=False, sort_keys=True) if e.payload else ""
        con.print(shown(f"{e.seq:>6} {e.to_dict()['at']} {e.actor} {e.action} {e.subject} {payload}"))
