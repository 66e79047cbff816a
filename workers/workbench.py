"""What the reviewer's workbench shows: one result's fields, boxes and history, its page images, a region
read again. The queue is ``workers.review_queue``. Every value or page image shown to a person is recorded
(``result.read``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image
from sqlalchemy import Engine, select

from pipeline.doctypes import DOC_TYPES, OTHER, DocType, by_key
from pipeline.ocr import reread_region
from sohoa.errors import BadInput
from storage import keys
from storage.db import session_scope
from storage.objects import ObjectStore
from storage.tables import PageRow
from workers.reads import record_read
from workers.results import get_result, view_of
from workers.review import field_versions
from workers.review_queue import risk_of


class UnknownPage(BadInput):
    """The result has no stored image of that page."""

    code = "unknown_page"


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
    "missing": "không tìm thấy trên trang",
    "unreadable": "không đọc được",
    "read_again": "đọc lại riêng vùng này từ ảnh vì lần đọc đầu bị hỏng: xem trên ảnh",
    "personal_id_boxes": "số ô in chữ số khác số chữ số đã đọc (thừa hoặc thiếu một chữ số): xem trên ảnh",
    "ocr_repaired": "đã sửa lỗi nhận dạng theo danh mục: xem trên ảnh",
    "noise_removed": "đã bỏ vết mực quanh giá trị (con dấu, chữ ký)",
    "family_name_unknown": "không bắt đầu bằng một họ đã biết (họ có thể bị con dấu che)",
    "family_name_corrected": "đã sửa dấu của họ: xem trên ảnh",
    "given_name_corrected": "đã sửa dấu của tên theo danh sách tên thường gặp: xem trên ảnh",
    "place_corrected": "đã sửa dấu tên xã, phường theo danh mục; tên đọc được cũng là một địa danh: xem trên ảnh",
    "not_in_vocabulary": "không có trong danh mục, hoặc sai dấu so với danh mục",
    "unexpected_character": "có ký tự lạ",
    "leader_debris": "còn dấu chấm dẫn hoặc nét kẻ trong giá trị",
    "name_shape": "chữ hoa, chữ thường không giống tên người",
    "agency_shape": "không giống tên một cơ quan (không mở đầu bằng UBND, Sở, Phòng…, hoặc gộp tên hai cơ quan)",
    "issuer_abbreviated": "tên cơ quan ban hành viết tắt (UBND…): NĐ 30 chỉ cho viết tắt tên cơ quan chủ quản",
    "name_format": "họ tên sai dạng",
    "invalid_date": "ngày không tồn tại",
    "date_implausible": "ngày không hợp lý",
    "date_in_future": "ngày ở tương lai",
    "year_implausible": "năm không hợp lý",
    "birth_after_issue": "ngày sinh sau ngày cấp",
    "expiry_before_issue": "ngày hết hạn trước ngày cấp",
    "due_before_issue": "ngày hẹn trả trước ngày tiếp nhận",
    "change_before_first_registration": "ngày thay đổi trước ngày đăng ký lần đầu",
    "dossier_code_format": "mã hồ sơ sai định dạng",
    "dossier_code_date": "ngày trong mã hồ sơ không hợp lệ",
    "dossier_code_date_mismatch": "ngày trong mã hồ sơ khác ngày tiếp nhận",
    "number_format": "số sai định dạng",
    "number_implausible": "số không hợp lý",
    "number_symbol_format": "số, ký hiệu văn bản sai dạng",
    "authority_format": "thẩm quyền ký (TM., KT., TL., …) sai dạng",
    "unknown_form_code": "mã mẫu không có trong danh mục",
    "phone_format": "số điện thoại sai định dạng",
    "parcel_format": "số thửa, số tờ bản đồ sai dạng",
    "serial_format": "số phát hành (seri) sai dạng",
    "registry_format": "số vào sổ sai dạng",
    "number_truncated": "số đọc thiếu chữ số sau dấu phẩy thập phân",
    "fields_need_review": "còn trường cần kiểm tra",
    "no_fields": "không đọc được trường nào",
    "type_other": "không nhận ra loại giấy tờ",
    "signed_input": "tệp nộp vào đã có chữ ký số",
    "disabled": "cơ quan tắt tự động duyệt",
}


def reason_label(reason: str) -> str:
    """A reason code in Vietnamese (the code itself when it has no label yet, never hidden)."""
    return REASON_LABELS.get(reason, reason)


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

    @property
    def breaks_rule(self) -> bool:
        """A doubtful value that cannot be right as it is: "confirm all" may not take it along."""
        return self.unresolved and risk_of(self.reasons) == 0


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
