"""The citizen's own results page: what sohoa holds with their personal ID, how to check it, who used it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from sohoa.errors import Forbidden
from web.deps import principal, state
from web.pages import render, session_csrf
from workers.accounts import Principal

router = APIRouter(include_in_schema=False)
Who = Annotated[Principal, Depends(principal)]


@router.get("/my")
def own_results(request: Request, who: Who) -> HTMLResponse:
    """A citizen's own results: download, hash and how to check it, who used it and when."""
    service = state(request).service
    service.require(who, "citizen", scope="read")
    if not who.personal_id:
        raise Forbidden("tài khoản chưa gắn số định danh cá nhân")
    results = service.own_results(who.personal_id, by=who.actor)
    codes = {r.code: service.results_reuse_code(r.code) for r in results if r.pdf_sha256}
    return render(request, "own_results.html", who=who, csrf=session_csrf(request), results=results,
                  reuse_codes=codes)  # fmt: skip
