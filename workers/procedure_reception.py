"""A processed dossier checked against its procedure: the documents mapped onto components, and the
same person's earlier results (found by personal ID) offered for the components still missing.

The logic is ``pipeline.procedures``; this module brings it the catalogue (shipped plus the agency's
``SOHOA_PROCEDURES_DIR``), the results attached to the dossier and the audited search by personal ID.
"""

from __future__ import annotations

from typing import Any

from pipeline.procedure_catalogue import Procedure, find_procedure, load_catalogue
from pipeline.procedures import Candidate, personal_ids, present_documents, receive
from pipeline.result import validate_result
from sohoa.settings import Settings
from workers.context import Context
from workers.results import attached_results, search_results, show_result

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
