"""The JSON API, ``/api/v1``: submit and status, results, review, verify, audit (OpenAPI at /api/v1/openapi.json).

Each endpoint checks who asks (role, token scope, agency or owner) before it calls the service; reads of
personal data are audited by the service with the principal as actor. Errors are ``web.errors``'s shape.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from sohoa.errors import BadInput, Forbidden
from web.deps import principal, saved_uploads, state
from workers.accounts import Principal

router = APIRouter(prefix="/api/v1")
Who = Annotated[Principal, Depends(principal)]
Files = Annotated[list[UploadFile], File(description="PDF, TIFF, JPEG or PNG files: one dossier")]
STAFF = ("reception", "reviewer", "approver", "admin")
MEDIA_TYPES = {b"%PD": "application/pdf", b"II*": "image/tiff", b"MM\x00": "image/tiff", b"\xff\xd8\xff": "image/jpeg",
               b"\x89PN": "image/png"}  # fmt: skip


class FieldValueIn(BaseModel):
    """A reviewer's value for one field, and optionally why."""

    value: str = Field(max_length=2000)
    reason: str | None = Field(default=None, max_length=500)
    seen: int | None = Field(default=None, ge=0, description="the field's version (revision count) the reviewer saw")


class RejectIn(BaseModel):
    """Why the result cannot stand: the desk reads it before scanning the paper again."""

    reason: str = Field(min_length=1, max_length=1000)


class RegionIn(BaseModel):
    """A box the reviewer drew on a page: x0, y0, x1, y1 in the page image's pixels."""

    page: int = Field(ge=1)
    bbox: tuple[int, int, int, int]


class ApproveIn(BaseModel):
    """Approve even with fields still doubtful, confirming them as read (each is recorded as forced in the audit).

    Never a field whose value breaks a rule (a checksum, a date that does not exist): that one is fixed or
    confirmed alone, so "confirm all" cannot wave through a value that cannot be right.
    """

    force: bool = False


def receipt(request: Request, code: str) -> dict[str, Any]:
    """The secret and the citizens' status link of a dossier (what the receipt and its QR code carry)."""
    secret = state(request).service.receipt_secret(code)
    link = str(request.url_for("status_page").include_query_params(code=code, secret=secret))
    return {"secret": secret, "status_url": link}


@router.post("/check", summary="Reception check of a dossier's pages, with thumbnails (nothing stored)")
def check(
    request: Request,
    who: Who,
    files: Files,
    first_page: Annotated[int, Query(ge=1, le=10_000, description="number the pages from this one")] = 1,
) -> dict[str, Any]:
    web = state(request)
    web.service.require(who, "reception", "admin", scope="submit")
    with saved_uploads(files, web.service.settings.max_upload_mb, web.service.settings.data_dir / "uploads") as paths:
        return web.service.check(paths, thumbnails=True, first_page=first_page)


@router.post(
    "/pages/replace",
    summary="Rescan one page before submitting: the file holding it, with that page replaced (nothing stored)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "image/tiff": {}, "image/jpeg": {}, "image/png": {}}}},
)
def replace_page(
    request: Request,
    who: Who,
    file: Annotated[UploadFile, File(description="the file holding the page, as the desk holds it")],
    replacement: Annotated[UploadFile, File(description="the new scan of that one page")],
    page: Annotated[int, Form(ge=1, le=10_000, description="the page's number inside that file, from 1")],
) -> Response:
    web = state(request)
    web.service.require(who, "reception", "admin", scope="submit")
    scratch = web.service.settings.data_dir / "uploads"
    with saved_uploads([file, replacement], web.service.settings.max_upload_mb, scratch) as (old, new):
        out = Path(tempfile.mkdtemp(prefix="rescan-", dir=scratch))
        try:
            done = web.service.replace_page(old, page, new, out)
            data, name = done.read_bytes(), done.name
        finally:
            shutil.rmtree(out, ignore_errors=True)
    kind = MEDIA_TYPES.get(data[:3], "application/octet-stream")
    return Response(data, media_type=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/dossiers", status_code=202, summary="Hand a dossier in: the receipt at once, digitized after")
def submit(
    request: Request,
    who: Who,
    files: Files,
    check: Annotated[bool, Query(description="run the reception check (false: the desk just ran /check)")] = True,
    procedure: Annotated[str, Form(description="procedure code (mã TTHC) the dossier is handed in for")] = "",
) -> dict[str, Any]:
    web = state(request)
    web.service.require(who, "reception", "admin", scope="submit")
    if who.agency != web.service.settings.agency_code:
        raise Forbidden(f"máy chủ này tiếp nhận hồ sơ cho cơ quan {web.service.settings.agency_code}")
    chosen = known_procedure(request, procedure)  # before any upload is saved
    with saved_uploads(files, web.service.settings.max_upload_mb, web.service.settings.data_dir / "uploads") as paths:
        got = web.service.submit(paths, check=check, procedure=chosen)
    if web.runner is not None and got.state in ("received", "processing"):
        web.runner.put(got.code)
    return got.to_dict() | receipt(request, got.code)


def known_procedure(request: Request, code: str) -> str | None:
    """The procedure code chosen at the desk, checked against the catalogue: ``None`` when none was chosen;
    an unknown code is bad input (400, in Vietnamese), not a missing page."""
    if not code.strip():
        return None
    try:
        return state(request).service.procedure_show(code).code
    except BadInput as exc:
        if exc.code != "unknown_procedure":  # a broken agency catalogue stays what it is
            raise
        raise BadInput(exc.message, hint="chọn thủ tục trong danh sách của quầy tiếp nhận") from exc


@router.get("/dossiers/today", summary="The agency's dossiers received today")
def today(request: Request, who: Who) -> list[dict[str, Any]]:
    web = state(request)
    web.service.require(who, *STAFF, scope="read")
    return web.service.todays_dossiers(who.agency)


@router.get("/dossiers/{code}", summary="A dossier's state, stages, pages done and failure reason")
def dossier_status(request: Request, who: Who, code: str) -> dict[str, Any]:
    web = state(request)
    web.service.require(who, *STAFF, scope="read")
    web.service.check_dossier_access(who, code)
    return web.service.status(code)


class ReuseIn(BaseModel):
    """The reuse code a citizen shows at the desk (from their ``/my`` page)."""

    reuse_code: str = Field(min_length=3, max_length=120)


@router.post("/dossiers/{code}/reuse", summary="Reuse a citizen's earlier result in this dossier by its reuse code")
def dossier_reuse(request: Request, who: Who, code: str, body: ReuseIn) -> dict[str, Any]:
    web = state(request)
    web.service.require(who, "reception", "admin", scope="submit")
    web.service.check_dossier_access(who, code)
    result, created, reused = web.service.results_attach_by_code(body.reuse_code, to=code, by=who.actor)
    return {"result": result, "attached": created, "reused": reused}


@router.get("/dossiers/{code}/receipt", summary="The receipt's secret and status link (reprint)")
def dossier_receipt(request: Request, who: Who, code: str) -> dict[str, Any]:
    web = state(request)
    web.service.require(who, "reception", "admin", scope="submit")
    web.service.check_dossier_access(who, code)
    return {"code": code} | receipt(request, code)


@router.get("/status/{code}", summary="Public status for the receipt's holder: state and dates, no personal data")
def public_status(request: Request, code: str, secret: Annotated[str, Query(max_length=64)]) -> dict[str, Any]:
    from web.security import client_address

    web = state(request)
    web.lookup_limiter.hit(f"lookup:{client_address(request)}")
    return web.service.public_status(code, secret)


@router.get("/results", summary="Search results by personal ID, document number or sha256 (exactly one)")
def results_search(
    request: Request,
    who: Who,
    personal_id: Annotated[str | None, Query(max_length=32)] = None,
    number: Annotated[str | None, Query(max_length=64)] = None,
    sha256: Annotated[str | None, Query(max_length=64)] = None,
) -> list[dict[str, Any]]:
    web = state(request)
    web.service.require(who, *STAFF, "citizen", scope="read")
    if not who.is_staff:  # a citizen searches their own results only
        if number is not None or sha256 is not None or (personal_id and personal_id != who.personal_id):
            raise Forbidden("công dân chỉ tra cứu được kết quả mang số định danh của mình")
        personal_id = who.personal_id
    found = web.service.results_search(by=who.actor, personal_id=personal_id, number=number, sha256=sha256)
    return _allowed(found, lambda code: web.service.check_result_access(who, code))


@router.get("/results/{code}", summary="One result: fields, state, signature, corrections")
def result_show(request: Request, who: Who, code: str) -> dict[str, Any]:
    web = state(request)
    web.service.require(who, *STAFF, "citizen", scope="read")
    web.service.check_result_access(who, code)
    return web.service.results_show(code, by=who.actor).to_dict()


@router.get(
    "/results/{code}/pdf",
    summary="The signed PDF (checked against its recorded hash)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def result_pdf(request: Request, who: Who, code: str) -> Response:
    web = state(request)
    web.service.require(who, *STAFF, "citizen", scope="read")
    web.service.check_result_access(who, code)
    name, data = web.service.results_pdf(code, by=who.actor)
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/results/{code}/link", summary="A short-lived download link (S3 storage only)")
def result_link(request: Request, who: Who, code: str) -> dict[str, Any]:
    web = state(request)
    web.service.require(who, *STAFF, "citizen", scope="read")
    web.service.check_result_access(who, code)
    url, seconds = web.service.results_url(code, by=who.actor)
    return {"url": url, "expires_s": seconds}


@router.get("/review", summary="Results waiting for review in the agency (and those overseen), least sure fields first")
def review_list(request: Request, who: Who) -> list[dict[str, Any]]:
    web = state(request)
    web.service.require(who, "reviewer", "approver", "admin", scope="review")
    waiting = web.service.review_list(by=who.actor)
    return _allowed(waiting, lambda code: web.service.check_review_access(who, code))


def _allowed(items: Iterable[Any], check: Callable[[str], None]) -> list[dict[str, Any]]:
    """The items whose code passes ``check`` (which raises ``Forbidden``), as dicts: a list answer shows only
    what the caller could open one by one."""
    allowed = []
    for item in items:
        try:
            check(item.code)
        except Forbidden:
            continue
        allowed.append(item.to_dict())
    return allowed


@router.put("/review/{result}/fields/{field}", summary="Correct or confirm one field")
def review_set(request: Request, who: Who, result: str, field: str, body: FieldValueIn) -> dict[str, Any]:
    web = state(request)
    web.service.require(who, "reviewer", "approver", "admin", scope="review")
    web.service.check_review_access(who, result)
    web.service.review_check_claim(result, by=who.actor)
    done = web.service.review_set(result, field, body.value, by=who.actor, reason=body.reason, seen=body.seen)
    return {"result": done.result, "field": done.field, "changed": done.changed, "reopened": done.reopened,
            "revision": done.revision_id}  # fmt: skip


@router.post("/review/{result}/reread", summary="Read a region of a page again (nothing saved; the read is audited)")
def review_reread(request: Request, who: Who, result: str, body: RegionIn) -> dict[str, Any]:
    web = state(request)
    web.service.require(who, "reviewer", "approver", "admin", scope="review")
    web.service.check_review_access(who, result)
    done = web.service.review_reread(result, body.page, body.bbox, by=who.actor)
    return {"text": done.text, "confidence": done.confidence}


@router.post("/review/{result}/approve", summary="Approve a result, then publish its dossier's approved results")
def review_approve(request: Request, who: Who, result: str, body: ApproveIn | None = None) -> dict[str, Any]:
    web = state(request)
    web.service.require_approver(who)
    web.service.check_review_access(who, result)
    approval, published, problem = web.service.review_approve(
        result, by=who.actor, force=bool(body and body.force), force_rules=False
    )
    web.service.review_release(result)
    return {
        "result": approval.result,
        "dossier": approval.dossier,
        "dossier_state": approval.dossier_state,
        "already": approval.already,
        "forced": approval.forced,
        "published": [getattr(p, "code", str(p)) for p in published],
        "publish_problem": str(problem) if problem else None,
    }


@router.post(
    "/review/{result}/reject", summary="Reject a result with a reason: its dossier goes back to the desk to rescan"
)
def review_reject(request: Request, who: Who, result: str, body: RejectIn) -> dict[str, Any]:
    web = state(request)
    web.service.require(who, "reviewer", "approver", "admin", scope="review")
    web.service.check_review_access(who, result)
    done = web.service.review_reject(result, body.reason, by=who.actor)
    web.service.review_release(result)
    return {"result": done.result, "dossier": done.dossier, "dossier_state": "rejected", "reason": done.reason,
            "withdrawn": done.withdrawn}  # fmt: skip


@router.post("/verify", summary="Verify an uploaded PDF's signatures and embedded fields (nothing kept)")
def verify(request: Request, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    from web.security import client_address

    web = state(request)
    web.lookup_limiter.hit(f"verify:{client_address(request)}")
    return verify_upload(request, file)


def verify_upload(request: Request, file: UploadFile) -> dict[str, Any]:
    """The verification of one uploaded file, read from a temporary folder that is removed afterwards."""
    web = state(request)
    with saved_uploads([file], web.service.settings.max_upload_mb, web.service.settings.data_dir / "uploads") as paths:
        if paths[0].read_bytes()[:5] != b"%PDF-":
            raise BadInput("tệp không phải PDF")
        report = web.service.verify(paths, offline=True)
    entry = next(iter(report.values()))
    return entry | {"filename": paths[0].name}


@router.get("/audit/verify", summary="Recompute the audit chain, its seals and digests (admin)")
def audit_verify(request: Request, who: Who) -> dict[str, Any]:
    web = state(request)
    web.service.require(who, "admin", scope="read")
    return web.service.audit_verify().to_dict()
