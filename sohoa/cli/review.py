"""`sohoa review`: the fields the machine may have misread, their corrections, and approval.

Who acts is ``--by`` or, without it, the login name; reads of field values are audited under that name.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from sohoa.cli.common import AsJson, By, ReadBy, print_json, quoted, service, who
from sohoa.terminal import plain, shown

review_app = typer.Typer(help="Review fields the machine may have misread, correct them, approve results.")


@review_app.command("list")
def review_list(as_json: AsJson = False, by: ReadBy = None) -> None:
    """Results waiting for review, the least sure fields first: value, reasons, page and box of each."""
    with service() as svc:
        waiting = svc.review_list(by=who(by))
    if as_json:
        print_json([w.to_dict() for w in waiting])
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
            con.print(shown(f"  {f.ref:<16} {quoted(f.value)}  tin cậy {f.confidence:.2f}  {reasons}  {where}"))
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
    with service() as svc:
        done = svc.review_set(result, field, value, by=who(by), reason=reason)
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
    with service() as svc:
        done, published, failed = svc.review_approve(result, by=who(by), force=force)
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
