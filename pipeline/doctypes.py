"""Document types as data: how each is recognized and which fields it carries.

Classification here is the slice's first cut (title keywords); splitting a dossier into several
documents and a fuller classifier come later and will grow this table, not add branches in code.
"""

from __future__ import annotations

from dataclasses import dataclass

ADMIN_FIELDS = (
    "issuing_agency",
    "number_symbol",
    "place",
    "issue_date",
    "subject",
    "signer_title",
    "signer_name",
)
PERSON_FIELDS = ("full_name", "birth_date", "gender", "personal_id", "address", "phone")
FORM_FIELDS = (*PERSON_FIELDS, "place", "issue_date", "subject", "signer_title", "signer_name")


@dataclass(frozen=True)
class DocType:
    """A document type: its key, Vietnamese name, title cues, fields and which of them are required."""

    key: str
    label: str
    titles: tuple[str, ...]
    fields: tuple[str, ...]
    required: tuple[str, ...]


DOC_TYPES: tuple[DocType, ...] = (
    DocType(
        "receipt",
        "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        ("GIẤY TIẾP NHẬN",),
        ADMIN_FIELDS + PERSON_FIELDS,
        ("number_symbol", "issue_date"),
    ),
    DocType(
        "decision",
        "Quyết định",
        ("QUYẾT ĐỊNH",),
        ADMIN_FIELDS,
        ("issuing_agency", "number_symbol", "issue_date", "subject", "signer_name"),
    ),
    DocType(
        "notice",
        "Thông báo",
        ("THÔNG BÁO",),
        ADMIN_FIELDS,
        ("issuing_agency", "number_symbol", "issue_date", "subject", "signer_name"),
    ),
    DocType(
        "certificate",
        "Giấy chứng nhận",
        ("GIẤY CHỨNG NHẬN",),
        ADMIN_FIELDS + PERSON_FIELDS,
        ("issuing_agency", "issue_date"),
    ),
    DocType(
        "confirmation", "Giấy xác nhận", ("GIẤY XÁC NHẬN", "XÁC NHẬN"), ADMIN_FIELDS + PERSON_FIELDS, ("full_name",)
    ),
    DocType("application", "Đơn", ("ĐƠN ",), FORM_FIELDS, ("full_name",)),
    DocType("declaration", "Tờ khai", ("TỜ KHAI",), FORM_FIELDS, ("full_name",)),
    DocType(
        "official_letter",
        "Công văn",
        ("V/V", "V/v"),
        ADMIN_FIELDS,
        ("issuing_agency", "number_symbol", "issue_date", "subject", "signer_name"),
    ),
)
OTHER = DocType("other", "Khác", (), ADMIN_FIELDS + PERSON_FIELDS, ())


def by_key(key: str) -> DocType:
    """The type with this key (``other`` when unknown)."""
    return next((t for t in DOC_TYPES if t.key == key), OTHER)
