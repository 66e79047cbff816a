"""Repository functions the dossier lifecycle calls, split by aggregate.

None of them commits: the caller owns the transaction (``storage.db.session_scope``), so a
stage's rows land together or not at all.
"""

from storage.repository.documents import (
    fields_of,
    get_document,
    prune_documents,
    save_document,
    set_needs_ltv,
)
from storage.repository.dossiers import (
    DossierExists,
    create_dossier,
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
from storage.repository.results import (
    StoredDocument,
    StoredDossier,
    StoredSource,
    load_dossier_result,
)
from storage.repository.stages import load_stage_runs, stage_done, stage_failed, stage_started

__all__ = [
    "DossierExists",
    "StoredDocument",
    "StoredDossier",
    "StoredSource",
    "create_dossier",
    "fields_of",
    "find_dossier_by_inputs",
    "find_or_create_dossier",
    "format_dossier_code",
    "get_document",
    "get_dossier",
    "inputs_key_for",
    "load_dossier_result",
    "load_page_image_keys",
    "load_pages",
    "load_stage_runs",
    "next_dossier_code",
    "prune_documents",
    "result_code",
    "save_document",
    "save_page",
    "set_needs_ltv",
    "set_state",
    "stage_done",
    "stage_failed",
    "stage_started",
]
