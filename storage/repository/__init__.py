"""Repository functions the dossier lifecycle calls, split by aggregate.

None of them commits: the caller owns the transaction (``storage.db.session_scope``), so a
stage's rows land together or not at all.
"""

from storage.repository.audit import (
    SYSTEM_ACTOR,
    AuditEntry,
    AuditReport,
    append_audit,
    load_audit,
    lock_audit_log,
    verify_audit,
)
from storage.repository.documents import (
    fields_of,
    get_document,
    prune_documents,
    save_document,
    set_auto_approval,
    set_needs_ltv,
)
from storage.repository.dossiers import (
    DossierExists,
    create_dossier,
    dossier_states,
    find_dossier_by_inputs,
    find_or_create_dossier,
    format_dossier_code,
    get_dossier,
    inputs_key_for,
    next_dossier_code,
    result_code,
    set_state,
)
from storage.repository.pages import load_page_image_keys, load_pages, save_page
from storage.repository.refusals import (
    delete_dossier,
    other_dossiers_holding,
    record_refusal,
    refusal_reason,
    refused_among,
    refused_dossiers,
)
from storage.repository.results import (
    StoredDocument,
    StoredDossier,
    StoredSource,
    load_dossier_result,
)
from storage.repository.review import correct_field, document_fields, load_revisions, set_approval
from storage.repository.search import (
    NUMBER_KEYS,
    PERSONAL_ID_KEYS,
    documents_by_field,
    documents_by_sha256,
    number_queries,
    personal_id_query,
)
from storage.repository.stages import load_stage_runs, stage_done, stage_failed, stage_started

__all__ = [
    "NUMBER_KEYS",
    "PERSONAL_ID_KEYS",
    "SYSTEM_ACTOR",
    "AuditEntry",
    "AuditReport",
    "DossierExists",
    "StoredDocument",
    "StoredDossier",
    "StoredSource",
    "append_audit",
    "correct_field",
    "create_dossier",
    "delete_dossier",
    "document_fields",
    "documents_by_field",
    "documents_by_sha256",
    "dossier_states",
    "fields_of",
    "find_dossier_by_inputs",
    "find_or_create_dossier",
    "format_dossier_code",
    "get_document",
    "get_dossier",
    "inputs_key_for",
    "load_audit",
    "load_dossier_result",
    "load_page_image_keys",
    "load_pages",
    "load_revisions",
    "load_stage_runs",
    "lock_audit_log",
    "next_dossier_code",
    "number_queries",
    "other_dossiers_holding",
    "personal_id_query",
    "prune_documents",
    "record_refusal",
    "refusal_reason",
    "refused_among",
    "refused_dossiers",
    "result_code",
    "save_document",
    "save_page",
    "set_approval",
    "set_auto_approval",
    "set_needs_ltv",
    "set_state",
    "stage_done",
    "stage_failed",
    "stage_started",
    "verify_audit",
]
