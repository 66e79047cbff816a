"""The reception desk's side of a dossier: the receipt's secret, the public status, today's list, and the
embedded mode's processing of a dossier handed in through the web.

The receipt's secret is an HMAC of the dossier code under the installation's audit key (its own domain
tag), so nothing more is stored and only whoever holds the receipt can look the dossier up without logging
in. The public status says the state and its dates, never a name, a file or a reason (those may be personal).
"""

from __future__ import annotations

import hmac
from datetime import date
from typing import Any

from storage import keys, repository
from storage.db import session_scope
from workers import dossiers
from workers.context import Context

SECRET_CHARS = 16

# What a citizen reads for each state (DESIGN.md "Shared kernel").
STATE_LABELS = {
    "received": "Đã tiếp nhận",
    "processing": "Đang số hóa",
    "needs_review": "Đang kiểm tra kết quả",
    "approved": "Đã duyệt",
    "published": "Đã hoàn thành",
    "failed": "Tạm dừng do lỗi kỹ thuật, đang xử lý lại",
    "rejected": "Không tiếp nhận được, vui lòng liên hệ bộ phận một cửa",
}


def receipt_secret(ctx: Context, code: str) -> str:
    """The secret printed on a dossier's receipt (and in its QR code)."""
    return ctx.audit_key.digest("sohoa.receipt-secret/1", code)[:SECRET_CHARS]


def public_status(ctx: Context, code: str, secret: str) -> dict[str, Any]:
    """State, label, dates and pages of a dossier for whoever holds its receipt; ``UnknownDossier`` when the
    code or the secret is wrong (the same answer for both, so codes cannot be probed)."""
    if not hmac.compare_digest(receipt_secret(ctx, code.strip()).encode(), secret.strip().lower().encode()):
        raise dossiers.UnknownDossier("không tìm thấy hồ sơ với mã và mã bí mật này")
    with session_scope(ctx.engine) as s:
        row = dossiers.get_row(s, code.strip())
        info = {
            "code": row.code,
            "state": row.state,
            "label": STATE_LABELS.get(row.state, row.state),
            "received_at": row.created_at.isoformat(timespec="seconds") if row.created_at else None,
            "updated_at": row.updated_at.isoformat(timespec="seconds") if row.updated_at else None,
            "documents": len(row.documents),
        }
    total, done = dossiers.page_count(ctx, row.code), dossiers.saved_pages(ctx, row.code)
    info["pages"] = {"done": len(done), "total": total}
    return info


def todays_dossiers(ctx: Context, agency: str, day: date | None = None) -> list[dict[str, Any]]:
    """The agency's dossiers received today (the agency's date, as in their codes), newest first."""
    with session_scope(ctx.engine) as s:
        return [
            {
                "code": row.code,
                "state": row.state,
                "label": STATE_LABELS.get(row.state, row.state),
                "received_at": row.created_at.isoformat(timespec="seconds") if row.created_at else None,
                "pages": sum(src.page_count for src in row.sources),
                "files": len(row.sources),
                "procedure": row.procedure,
                "due_on": row.due_on.isoformat() if row.due_on else None,  # ngày hẹn trả
                "reason": row.reason if row.state == "rejected" else None,  # what the desk must scan again
            }
            for row in repository.dossiers_of_day(s, agency, day or dossiers.agency_today())
        ]


def process_recorded(ctx: Context, code: str) -> str:
    """Run the lifecycle of a dossier already received (embedded ``sohoa serve``): its originals come from
    the store, as a queue worker's would. Returns the state it ends in; a dossier no longer active is left."""
    from workers import lifecycle
    from workers.fanout import sources_of
    from workers.seals import seal_if_due

    if not dossiers.is_active(ctx, code):
        return dossiers.state(ctx, code)
    try:  # a failure leaves its state on the dossier (lifecycle._settled) and is raised for the caller to log
        lifecycle.run(ctx, code, sources_of(ctx, code, fetch=True))
    finally:
        seal_if_due(ctx)
    return dossiers.state(ctx, code)


def unfinished(ctx: Context) -> list[str]:
    """Dossiers received or processing (an embedded server stopped mid-way): what to run again at start."""
    with session_scope(ctx.engine) as s:
        return repository.dossier_codes_in(s, ["received", "processing"])


# What the receipt says of each component (pipeline.procedures statuses, plus "awaiting" before processing).
COMPONENT_LABELS = {
    "awaiting": "Cần nộp",
    "received": "Đã nhận",
    "reused": "Dùng lại kết quả đã số hóa",
    "partial": "Chưa đủ bản",
    "missing": "Thiếu",
    "not_given": "Không nộp (có điều kiện)",
}


def receipt_procedure(ctx: Context, code: str) -> dict[str, Any] | None:
    """The receipt's procedure block: code, name, due date and each component with its status; ``None`` when
    no procedure was chosen. Before processing the components are those asked for; once the result JSON is
    stored, what was received, reused (with the result codes) or is missing."""
    from pipeline.procedure_catalogue import UnknownProcedure
    from workers.procedure_reception import due_label, procedure, stored_procedure, with_procedure
    from workers.results import load_result

    proc_code, due_on = stored_procedure(ctx, code)
    if proc_code is None:
        return None
    checked = None
    if ctx.store.exists(keys.result_json_key(code)):  # processed (its procedure chosen then, or only since)
        checked = with_procedure(ctx, load_result(ctx, code)).get("procedure")
    if checked is not None and checked["code"] == proc_code:
        name, components, processed = checked["name"], checked["components"], True
    else:
        try:
            proc = procedure(ctx.settings, proc_code)
        except UnknownProcedure:
            return {"code": proc_code, "name": "", "due_on": due_label(due_on), "processed": False, "components": []}
        name, processed = proc.name, False
        components = [c.to_dict() | {"status": "awaiting", "documents": [], "reused": []} for c in proc.components]
    return {
        "code": proc_code,
        "name": name,
        "due_on": due_label(due_on),
        "processed": processed,
        "components": [
            {
                "key": c["key"],
                "name": c["name"],
                "status": c["status"],
                "label": _component_label(c),
                "reused": c["reused"],
            }
            for c in components
        ],
    }


def _component_label(component: dict[str, Any]) -> str:
    label = COMPONENT_LABELS.get(component["status"], component["status"])
    if component["status"] == "reused":
        return f"{label}: {', '.join(component['reused'])}"
    if component["status"] == "awaiting" and component["requirement"] != "required":
        return f"Nộp nếu: {component['condition']}"
    return label
