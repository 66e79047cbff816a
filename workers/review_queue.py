"""The reviewer's queue: which results wait, in the order work is due, and the filters a reviewer narrows it by.

The dossier promised first (ngày hẹn trả, ``dossiers.due_on``) comes first, dossiers without a due date last;
then the riskiest result: a validator failure (a checksum or format that cannot be right) before two readings
that disagree, before a merely low confidence; then the dossier received first. A supervisor's queue spans
their own agency and the ones they oversee (``users.oversees``); everyone else's, their agency alone.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from urllib.parse import urlencode

from sqlalchemy import Engine, func, select

from pipeline.doctypes import by_key
from storage import repository
from storage.db import session_scope
from storage.tables import DocumentRow, DossierRow
from workers.dossiers import AGENCY_TZ

DISAGREE = {"second_reading_differs"}
LOW_CONFIDENCE = {"low_confidence", "poor_page_reading", "page_unreadable"}
RISK_LABELS = {0: "Sai quy tắc kiểm tra", 1: "Hai lần đọc khác nhau", 2: "Độ tin cậy thấp", 3: "Chờ duyệt"}


def risk_of(reasons: list[str]) -> int:
    """0 validator failure, 1 readings disagree, 2 low confidence, 3 nothing doubtful: lower is riskier."""
    if not reasons:
        return 3
    if any(r not in DISAGREE | LOW_CONFIDENCE for r in reasons):
        return 0
    return 1 if any(r in DISAGREE for r in reasons) else 2


def agency_today(now: datetime | None = None) -> date:
    """Today in the agencies' time zone: what "overdue" and "due today" are measured against."""
    return (now or datetime.now(UTC)).astimezone(AGENCY_TZ).date()


@dataclass(frozen=True)
class QueueItem:
    """One line of the reviewer's queue."""

    code: str
    type: str
    dossier: str
    agency: str
    received: date
    due_on: date | None
    procedure: str | None
    risk: int
    doubtful: int
    field_count: int

    @property
    def risk_label(self) -> str:
        return RISK_LABELS[self.risk]

    @property
    def type_label(self) -> str:
        return by_key(self.type).label

    def due_state(self, today: date) -> str:
        """``overdue``, ``today``, ``later`` or ``none`` (no due date recorded)."""
        if self.due_on is None:
            return "none"
        if self.due_on < today:
            return "overdue"
        return "today" if self.due_on == today else "later"

    def order(self) -> tuple[bool, date, int, date, str]:
        """The sort key: due date (none last), risk, received date, code."""
        return (self.due_on is None, self.due_on or date.max, self.risk, self.received, self.code)


@dataclass(frozen=True)
class QueueFilter:
    """What the reviewer narrowed the queue to; it lives in the URL query so prev/next and links keep it."""

    type: str = ""
    procedure: str = ""
    agency: str = ""

    def admits(self, item: QueueItem) -> bool:
        """Whether ``item`` passes every filter that is set."""
        return (
            (not self.type or item.type == self.type)
            and (not self.procedure or item.procedure == self.procedure)
            and (not self.agency or item.agency == self.agency)
        )

    @property
    def query(self) -> str:
        """``?type=...&procedure=...&agency=...`` with only the filters set; empty without any."""
        pairs = [(k, v) for k, v in (("type", self.type), ("procedure", self.procedure), ("agency", self.agency)) if v]
        return "?" + urlencode(pairs) if pairs else ""


def queue_of(engine: Engine, agencies: Collection[str]) -> list[QueueItem]:
    """The results of ``agencies`` waiting for review, in the order work is due. Not recorded as a read: the
    queue shows codes, types, dates and counts, never a field's value."""
    with session_scope(engine) as session:
        rows = repository.waiting_documents(session)
        ids = {doc.dossier_id for doc, _ in rows}
        dossiers = session.execute(
            select(DossierRow.id, DossierRow.agency, DossierRow.day, DossierRow.due_on, DossierRow.procedure).where(
                DossierRow.id.in_(ids), DossierRow.agency.in_(list(agencies))
            )
        )
        seen = {row.id: row for row in dossiers}
        items = [
            QueueItem(
                code=doc.code,
                type=doc.type,
                dossier=dossier_code,
                agency=seen[doc.dossier_id].agency,
                received=seen[doc.dossier_id].day,
                due_on=seen[doc.dossier_id].due_on,
                procedure=seen[doc.dossier_id].procedure,
                risk=min((risk_of(list(f.reasons)) for f in doc.fields if f.status == "needs_review"), default=3),
                doubtful=sum(f.status == "needs_review" for f in doc.fields),
                field_count=len(doc.fields),
            )
            for doc, dossier_code in rows
            if doc.dossier_id in seen
        ]
    return sorted(items, key=QueueItem.order)


def approved_today(engine: Engine, agencies: Collection[str] | str, now: datetime | None = None) -> int:
    """Results of ``agencies`` approved since midnight of the agency's day (Asia/Ho_Chi_Minh, as dossier codes
    count days): the queue's "done today" counter."""
    wanted = [agencies] if isinstance(agencies, str) else list(agencies)
    start = datetime.combine(agency_today(now), time(), tzinfo=AGENCY_TZ)
    with session_scope(engine) as session:
        query = (
            select(func.count())
            .select_from(DocumentRow)
            .join(DossierRow, DossierRow.id == DocumentRow.dossier_id)
            .where(DossierRow.agency.in_(wanted), DocumentRow.approved_at >= start)
        )
        return int(session.scalar(query) or 0)
