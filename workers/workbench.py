"""What the reviewer's pages show: the queue in the order work is due, one result's workbench, its page images.

The queue puts the oldest received dossier first (its legal deadline comes first), then the riskiest result:
a validator failure (a checksum or format that cannot be right) before two readings that disagree, before a
merely low confidence. Every value or page image shown to a person is recorded (``result.read``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import cv2
import numpy as np
from PIL import Image
from sqlalchemy import Engine, func, select

from pipeline.doctypes import DOC_TYPES, OTHER, DocType, by_key
from pipeline.ocr import reread_region
from sohoa.errors import BadInput
from storage import keys, repository
from storage.db import session_scope
from storage.objects import ObjectStore
from storage.tables import DocumentRow, DossierRow, PageRow
from workers.dossiers import AGENCY_TZ
from workers.reads import record_read
from workers.results import get_result, view_of
from workers.review import field_versions


class UnknownPage(BadInput):
    """The result has no stored image of that page."""

    code = "unknown_page"


DISAGREE = {"second_reading_differs"}
LOW_CONFIDENCE = {"low_confidence", "poor_page_reading", "page_unreadable"}
RISK_LABELS = {0: "Sai quy tắc kiểm tra", 1: "Hai lần đọc khác nhau", 2: "Độ tin cậy thấp", 3: "Chờ duyệt"}
REASON_LABELS = {
    "low_confidence": "độ tin cậy nhận dạng thấp",
    "poor_page_reading": "trang đọc kém",
    "page_unreadable": "trang không đọc được",
    "second_reading_differs": "lần đọc thứ hai cho kết quả khác",
    "id_checksum": "số định danh sai quy tắc",
    "personal_id_province": "mã tỉnh trong số định danh không tồn tại",
    "personal_id_century": "mã thế kỷ trong số định danh sai",
    "personal_id_birth_year_mismatch": "năm sinh không khớp số định danh",
    "personal_id_gender_mismatch": "giới tính không khớp số định danh",
    "personal_id_format": "số định danh sai định dạng",
    "business_code_format": "mã số doanh nghiệp sai định dạng",
    "business_code_check_digit": "mã số doanh nghiệp sai số kiểm tra",
    "business_code_branch": "mã chi nhánh sai",
    "legal_form_spelling": "loại hình doanh nghiệp viết sai",
    "foreign_name_marks": "tên có dấu lạ",
    "signer_title_not_found": "không thấy chức danh người ký",
    "missing_required_field": "thiếu trường bắt buộc",
    "day_month_ambiguous": "ngày và tháng đọc đảo chỗ vẫn là ngày hợp lệ (chỉ có chữ số): xem trên ảnh",
}


def reason_label(reason: str) -> str:
    """A reason code in Vietnamese (the code itself when it has no label yet, never hidden)."""
    return REASON_LABELS.get(reason, reason)


def risk_of(reasons: list[str]) -> int:
    """0 validator failure, 1 readings disagree, 2 low confidence, 3 nothing doubtful: lower is riskier."""
    if not reasons:
        return 3
    if any(r not in DISAGREE | LOW_CONFIDENCE for r in reasons):
        return 0
    return 1 if any(r in DISAGREE for r in reasons) else 2


@dataclass(frozen=True)
class QueueItem:
    """One line of the reviewer's queue."""

    code: str
    type: str
    dossier: str
    received: date
    risk: int
    doubtful: int
    field_count: int

    @property
    def risk_label(self) -> str:
        return RISK_LABELS[self.risk]

    @property
    def type_label(self) -> str:
        return by_key(self.type).label


def queue_of(engine: Engine, agency: str) -> list[QueueItem]:
    """The agency's results waiting for review, oldest received first, then the riskiest. Not recorded as a
    read: the queue shows codes, types, days and counts, never a field's value."""
    with session_scope(engine) as session:
        rows = repository.waiting_documents(session)
        ids = {doc.dossier_id for doc, _ in rows}
        dossiers = session.execute(
            select(DossierRow.id, DossierRow.agency, DossierRow.day).where(DossierRow.id.in_(ids))
        )
        mine = {i: day for i, owner, day in dossiers if owner == agency}
        items = [
            QueueItem(
                code=doc.code,
                type=doc.type,
                dossier=dossier_code,
                received=mine[doc.dossier_id],
                risk=min((risk_of(list(f.reasons)) for f in doc.fields if f.status == "needs_review"), default=3),
                doubtful=sum(f.status == "needs_review" for f in doc.fields),
                field_count=len(doc.fields),
            )
            for doc, dossier_code in rows
            if doc.dossier_id in mine
        ]
    return sorted(items, key=lambda i: (i.received, i.risk, i.code))


def approved_today(engine: Engine, agency: str, now: datetime | None = None) -> int:
    """Results of ``agency`` approved since midnight of the agency's day (Asia/Ho_Chi_Minh, as dossier codes
    count days): the queue's "done today" counter."""
    local = (now or datetime.now(UTC)).astimezone(AGENCY_TZ)
    start = datetime.combine(local.date(), time(), tzinfo=AGENCY_TZ)
    with session_scope(engine) as session:
        query = (
            select(func.count())
            .select_from(DocumentRow)
            .join(DossierRow, DossierRow.id == DocumentRow.dossier_id)
            .where(DossierRow.agency == agency, DocumentRow.approved_at >= start)
        )
        return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class WorkbenchField:
    """One field as the workbench shows it: value, raw OCR, status, box and version (revisions so far)."""

    ref: str
    label: str
    value: str | None
    raw: str | None
    confidence: float
    status: str
    reasons: list[str]
    page: int | None
    bbox: list[int] | None
    version: int

    @property
    def unresolved(self) -> bool:
        return self.status == "needs_review"

    @property
    def reason_labels(self) -> list[str]:
        return [reason_label(r) for r in self.reasons]


@dataclass(frozen=True)
class PageWord:
    """One OCR word of a page and its box (image pixels): clicking it on the workbench copies its text."""

    text: str
    bbox: tuple[int, int, int, int]


@dataclass(frozen=True)
class Workbench:
    """A result on the reviewer's workbench: its fields, the size of each page image, its field history."""

    code: str
    type: str
    state: str
    dossier: str
    fields: list[WorkbenchField]
    pages: dict[int, tuple[int, int]]  # page number -> (width, height) of the stored page image
    words: dict[int, list[PageWord]] = field(default_factory=dict)  # page number -> its OCR words
    revisions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return by_key(self.type).label

    @property
    def unresolved(self) -> int:
        return sum(f.unresolved for f in self.fields)


def field_label(doctype: DocType, key: str) -> str:
    """The Vietnamese label of ``key``: its type's, else any type's that has the field, else the key itself."""
    for kind in (doctype, *DOC_TYPES, OTHER):
        if spec := kind.spec(key):
            return spec.label
    return key


def workbench(engine: Engine, store: ObjectStore, code: str, *, by: str) -> Workbench:
    """The workbench of result ``code``; the read (every field key) is recorded."""
    with session_scope(engine) as session:
        document, dossier = get_result(session, code)
        view = view_of(session, document, dossier)
        versions = field_versions(session, view.code)
        image_keys = _image_keys(session, dossier.id)
        words = _page_words(session, dossier.id, view.pages)
        record_read(session, by=by, result=view.code, via="workbench", fields=list(view.fields),
                    words=sum(len(w) for w in words.values()))  # fmt: skip
    items: list[WorkbenchField] = []
    doctype = by_key(view.type)
    for key, value in view.fields.items():
        label = field_label(doctype, key)
        many = isinstance(value, list)
        for position, fv in enumerate(value if isinstance(value, list) else [value]):
            items.append(
                WorkbenchField(
                    ref=f"{key}.{position}" if many else key,
                    label=label + (f" ({position + 1})" if many else ""),
                    value=fv.value,
                    raw=fv.raw,
                    confidence=fv.confidence,
                    status=fv.status,
                    reasons=list(fv.reasons),
                    page=fv.page,
                    bbox=list(fv.bbox) if fv.bbox else None,
                    version=versions.get((key, position), 0),
                )
            )
    sizes = {}
    for number in view.pages:
        key = image_keys.get(number)
        if key and store.exists(key):
            with Image.open(io.BytesIO(store.get_bytes(key))) as image:
                sizes[number] = image.size
    shown = {number: words.get(number, []) for number in sizes}
    return Workbench(view.code, view.type, view.state, view.dossier, items, sizes, shown, view.revisions)


def _page_words(session: Any, dossier_id: int, pages: list[int]) -> dict[int, list[PageWord]]:
    """The OCR words of the result's pages, as the page rows keep them (``PageResult.to_json``)."""
    rows = session.execute(
        select(PageRow.number, PageRow.result).where(PageRow.dossier_id == dossier_id, PageRow.number.in_(pages))
    )
    return {
        number: [PageWord(str(w[0]), tuple(int(v) for v in w[1])) for w in (result or {}).get("words", []) if w[0]]
        for number, result in rows
    }


def _image_keys(session: Any, dossier_id: int) -> dict[int, str]:
    rows = session.execute(select(PageRow.number, PageRow.image_key).where(PageRow.dossier_id == dossier_id))
    return {number: key for number, key in rows if key}


def page_image(engine: Engine, store: ObjectStore, code: str, page: int, *, by: str) -> bytes:
    """The stored JPEG of page ``page`` of result ``code``'s dossier; showing it is recorded."""
    with session_scope(engine) as session:
        document, dossier = get_result(session, code)
        key = _image_keys(session, dossier.id).get(page)
        if page not in document.pages or key is None:
            raise UnknownPage(f"kết quả {document.code} không có ảnh trang {page}")
        data = store.get_bytes(key)
        record_read(session, by=by, result=document.code, via="page_image", page=page)
        return data


class BadRegion(BadInput):
    """The region to read again is not a box inside the page image."""

    code = "bad_region"


@dataclass(frozen=True)
class Reread:
    """A region of a page read again: the text for the reviewer to keep or not, and OCR's confidence (0-1)."""

    text: str
    confidence: float


def reread(
    engine: Engine, store: ObjectStore, code: str, page: int, bbox: tuple[int, int, int, int], *, by: str
) -> Reread:
    """Read a box the reviewer drew on page ``page`` again (``pipeline.ocr.reread_region``); nothing is saved,
    but the text shown is a read of the result, so it is recorded. The kept reading image (grey, as OCR saw
    it) is read when stored, else the page JPEG: both have the pixels the box is measured in."""
    with session_scope(engine) as session:
        document, dossier = get_result(session, code)
        key = _image_keys(session, dossier.id).get(page)
        if page not in document.pages or key is None:
            raise UnknownPage(f"kết quả {document.code} không có ảnh trang {page}")
        result_code, dossier_code = document.code, dossier.code
    grey_key = keys.page_grey_image_key(dossier_code, page)
    data = store.get_bytes(grey_key if store.exists(grey_key) else key)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    x0, y0, x1, y1 = bbox
    height, width = image.shape[:2]
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height) or x1 - x0 < 4 or y1 - y0 < 4:
        raise BadRegion(f"khung {list(bbox)} không nằm trong ảnh trang {page} ({width}×{height})")
    text, confidence = reread_region(image, bbox)
    with session_scope(engine) as session:
        record_read(session, by=by, result=result_code, via="reread", page=page, bbox=list(bbox))
    return Reread(text.strip(), round(confidence, 3))
