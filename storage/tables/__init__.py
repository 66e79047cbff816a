"""Tables of the results database, one module per aggregate; importing this registers them all.

``metadata`` is what Alembic's ``env.py`` and the drift test compare the migrations against.
"""

from storage.tables.account import ApiTokenRow, SessionRow, UserRow
from storage.tables.attachment import AttachmentRow
from storage.tables.audit import GENESIS_HASH, AuditHeadRow, AuditRow, AuditSealRow
from storage.tables.base import Base, UtcDateTime, utcnow
from storage.tables.claim import ReviewClaimRow
from storage.tables.document import DocumentRow
from storage.tables.dossier import DossierRow, RefusedInputRow, SourceRow
from storage.tables.field import FieldRow
from storage.tables.page import PageRow
from storage.tables.review import FieldRevisionRow
from storage.tables.sequence import DailySequenceRow
from storage.tables.stage import StageRunRow

metadata = Base.metadata

__all__ = [
    "GENESIS_HASH",
    "ApiTokenRow",
    "AttachmentRow",
    "AuditHeadRow",
    "AuditRow",
    "AuditSealRow",
    "Base",
    "DailySequenceRow",
    "DocumentRow",
    "DossierRow",
    "FieldRevisionRow",
    "FieldRow",
    "PageRow",
    "RefusedInputRow",
    "ReviewClaimRow",
    "SessionRow",
    "SourceRow",
    "StageRunRow",
    "UserRow",
    "UtcDateTime",
    "metadata",
    "utcnow",
]
