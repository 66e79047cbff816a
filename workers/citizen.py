"""A citizen's own results: what sohoa holds about them, how to check a copy, and who has used it.

"Used" means what the audit log and the reuse table record: a person reading or downloading the result, a
later dossier reusing it, its approval and publication. The citizen's own reads are left out (opening this
page reads every listed result, and is recorded like any other read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from pipeline.doctypes import by_key
from storage import repository
from storage.db import session_scope
from storage.tables import AttachmentRow, DossierRow
from workers.context import Context
from workers.results import read_result, search_results

NUMBER_KEYS = ("number_symbol", "registration_number", "serial_number", "registry_number")
ACTIONS = {
    "result.read": "Xem / tải kết quả",
    "result.approved": "Phê duyệt",
    "result.published": "Công bố (ký số bản đã duyệt)",
    "field.corrected": "Sửa hoặc xác nhận một trường",
    "result.rejected": "Trả lại hồ sơ",
}


@dataclass(frozen=True)
class Use:
    """One use of a result by someone other than its owner."""

    at: datetime
    actor: str
    what: str


@dataclass(frozen=True)
class OwnResult:
    """One of the citizen's results, as their page lists it."""

    code: str
    type_label: str
    number: str | None
    date: str | None
    agency: str
    state: str
    pdf_sha256: str | None
    uses: list[Use] = field(default_factory=list)


def _single(value: object) -> str | None:
    return getattr(value, "value", None) if value is not None and not isinstance(value, list) else None


def own_results(ctx: Context, personal_id: str, *, by: str) -> list[OwnResult]:
    """The results carrying ``personal_id`` as an owner's ID, newest dossier first; every read recorded."""
    found = search_results(ctx.engine, personal_id=personal_id, by=by, audit_key=ctx.audit_key)
    listed = []
    for summary in found:
        view = read_result(ctx.engine, summary.code, by=by, via="own_results")
        number = next((v for k in NUMBER_KEYS if (v := _single(view.fields.get(k)))), None)
        with session_scope(ctx.engine) as session:
            agency = session.scalar(select(DossierRow.agency).where(DossierRow.code == view.dossier)) or ""
            uses = [
                Use(e.at, e.actor, ACTIONS.get(e.action, e.action))
                for e in repository.load_audit(session, subject=view.code, limit=1000)
                if e.actor != by and e.action in ACTIONS
            ]
            reused = session.execute(
                select(AttachmentRow.attached_at, AttachmentRow.attached_by, DossierRow.code)
                .join(DossierRow, DossierRow.id == AttachmentRow.dossier_id)
                .where(AttachmentRow.result_code == view.code)
            ).all()
        uses += [Use(at, actor, f"Dùng lại trong hồ sơ {dossier}") for at, actor, dossier in reused]
        listed.append(
            OwnResult(
                code=view.code,
                type_label=by_key(view.type).label,
                number=number,
                date=_single(view.fields.get("issue_date")),
                agency=_single(view.fields.get("issuing_agency")) or agency,
                state=view.state,
                pdf_sha256=view.pdf_sha256,
                uses=sorted(uses, key=lambda u: u.at, reverse=True),
            )
        )
    return sorted(listed, key=lambda r: r.code, reverse=True)
