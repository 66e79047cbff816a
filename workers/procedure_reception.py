"""A dossier's procedure: recorded at reception with its due date (ngày hẹn trả), and the processed dossier
checked against it: the documents mapped onto components, and the same person's earlier results (found by
personal ID) offered for the components still missing.

The logic is ``pipeline.procedures`` and ``pipeline.working_days``; this module brings them the catalogue
(shipped plus the agency's ``SOHOA_PROCEDURES_DIR``), the holidays (plus ``SOHOA_HOLIDAYS_FILE``), the
dossier's row, the results attached to the dossier and the audited search by personal ID. Both modes store
the procedure on the dossier first, and the store stage checks the result against the stored code, so a
queued dossier's JSON and an embedded one's say the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from pipeline.procedure_catalogue import Procedure, UnknownProcedure, find_procedure, load_catalogue
from pipeline.procedures import Candidate, personal_ids, present_documents, receive
from pipeline.result import validate_result
from pipeline.working_days import due_date, load_holidays, vn_date
from sohoa.settings import Settings
from storage.db import session_scope
from storage.tables import DossierRow
from workers import dossiers
from workers.context import Context
from workers.results import attached_results, search_results, show_result

log = logging.getLogger("sohoa.procedures")

RECEPTION_ACTOR = "system:reception"  # who the audit log names for the search by personal ID


def catalogue(settings: Settings) -> dict[str, Procedure]:
    """Every procedure by code: the shipped catalogue, then the agency's own files."""
    return load_catalogue(settings.procedures_dir)


def procedure(settings: Settings, code: str) -> Procedure:
    """The procedure with this code (``UnknownProcedure``, exit 2, otherwise)."""
    return find_procedure(catalogue(settings), code)


def _candidates(ctx: Context, result: dict[str, Any], by: str) -> list[Candidate]:
    own = result["dossier"]["code"]
    found: dict[str, Candidate] = {}
    for pid in personal_ids(result):
        for r in search_results(ctx.engine, personal_id=pid, by=by, audit_key=ctx.audit_key):
            if r.dossier != own:
                found.setdefault(r.code, Candidate(r.code, r.type, r.state, r.dossier))
    return list(found.values())


def _attached(ctx: Context, dossier_code: str) -> list[Candidate]:
    views = [show_result(ctx.engine, code) for code in attached_results(ctx.engine, dossier_code)]
    return [Candidate(v.code, v.type, v.state, v.dossier) for v in views]


def against_procedure(
    ctx: Context, result: dict[str, Any], proc: Procedure, *, by: str = RECEPTION_ACTOR
) -> dict[str, Any]:
    """``result`` (``sohoa.result/1``) with its ``procedure`` object and each document's ``component``."""
    reception = receive(
        proc,
        present_documents(result),
        attached=_attached(ctx, result["dossier"]["code"]),
        candidates=_candidates(ctx, result, by),
    )
    result["procedure"] = reception.to_dict()
    for doc in result["documents"]:
        doc["component"] = reception.assignment.get(doc["code"])
    validate_result(result)
    return result


@dataclass(frozen=True)
class Recorded:
    """The procedure a dossier is recorded for, its due date, and a different one asked for but not applied
    (the same files handed in again: the dossier keeps the procedure it was first received for)."""

    code: str
    due_on: date | None
    refused: str | None = None

    def finding(self) -> dict[str, str] | None:
        """What the clerk must be told when the procedure chosen now was not applied."""
        if self.refused is None:
            return None
        return {
            "code": "procedure_kept",
            "severity": "warning",
            "message": f"Hồ sơ này đã được tiếp nhận trước đây cho thủ tục {self.code}; "
            f"thủ tục {self.refused} vừa chọn không được áp dụng. Nếu cần đổi thủ tục, hãy báo quản trị.",
        }


def record_procedure(ctx: Context, code: str, proc: Procedure) -> Recorded:
    """Store ``proc`` and the due date on dossier ``code`` unless it already has a procedure, which it keeps.

    The due date counts from the dossier's own date of receipt, so a resumed, retried or resubmitted dossier
    is promised the same day."""
    holidays = load_holidays(ctx.settings.holidays_file)
    with session_scope(ctx.engine) as s:
        row = dossiers.get_row(s, code)
        if row.procedure is None:  # only if still unset: two desks handing the same files in at once agree
            due = due_date(row.created_at, proc.processing_days, holidays)
            s.execute(
                sa.update(DossierRow)
                .where(DossierRow.id == row.id, DossierRow.procedure.is_(None))
                .values(procedure=proc.code, due_on=due)
            )
            s.refresh(row)
        refused = proc.code if row.procedure != proc.code else None
        return Recorded(str(row.procedure), row.due_on, refused)


def stored_procedure(ctx: Context, code: str) -> tuple[str | None, date | None]:
    """The procedure code and due date recorded on dossier ``code`` (``None`` when none was chosen)."""
    with session_scope(ctx.engine) as s:
        row = dossiers.get_row(s, code)
        return row.procedure, row.due_on


def with_procedure(ctx: Context, result: dict[str, Any], *, by: str = RECEPTION_ACTOR) -> dict[str, Any]:
    """``result`` checked against the procedure recorded on its dossier, with the due date; unchanged when
    none was recorded. A recorded code the catalogue no longer has is logged and left out."""
    code, due_on = stored_procedure(ctx, result["dossier"]["code"])
    if code is None:
        return result
    if due_on is not None:
        result["dossier"]["due_on"] = due_on.isoformat()
    if result.get("procedure", {}).get("code") == code:
        return result
    try:
        proc = procedure(ctx.settings, code)
    except UnknownProcedure:
        log.warning("dossier %s: procedure %s is not in the catalogue any more", result["dossier"]["code"], code)
        return result
    return against_procedure(ctx, result, proc, by=by)


def due_label(due_on: date | None) -> str:
    """The due date as the receipt prints it."""
    return vn_date(due_on) if due_on else "chưa xác định"
