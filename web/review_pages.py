"""The reviewer's pages: the queue of results waiting for review and the workbench of one result.

The workbench draws each field's box as SVG over the stored page image, at the image's own pixel size (the
unit the boxes are measured in); ``static/review.js`` does the keyboard work over ``/api/v1/review``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from sohoa.errors import Forbidden
from web.deps import principal, state
from web.pages import render, session_csrf
from workers.accounts import Principal

router = APIRouter(include_in_schema=False)
Who = Annotated[Principal, Depends(principal)]
REVIEWERS = ("reviewer", "approver", "admin")


@router.get("/review")
def review_queue(request: Request, who: Who, type: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    service = state(request).service
    service.require(who, *REVIEWERS, scope="review")
    every = service.review_queue(who.agency)
    types = dict(sorted({q.type: q.type_label for q in every}.items(), key=lambda kv: kv[1]))
    queue = [q for q in every if not type or q.type == type]
    claims = {c: held for c, held in service.review_claims([q.code for q in queue]).items() if held.actor != who.actor}
    return render(request, "review_queue.html", who=who, csrf=session_csrf(request), queue=queue, types=types,
                  chosen=type, left=len(every), done=service.review_done_today(who.agency),
                  claims=claims)  # fmt: skip


@router.get("/review/{code}")
def workbench(request: Request, who: Who, code: str, type: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    service = state(request).service
    service.require(who, *REVIEWERS, scope="review")
    service.check_result_access(who, code)
    bench = service.review_workbench(code, by=who.actor)
    claim = service.review_claim(bench.code, by=who.actor)
    previous, following = _neighbours(request, who, bench.code, type)
    return render(request, "workbench.html", who=who, csrf=session_csrf(request), bench=bench,
                  prev_code=previous, next_code=following, chosen=type, claim=claim,
                  may_approve=_may_approve(request, who))  # fmt: skip


def _neighbours(request: Request, who: Principal, code: str, type: str) -> tuple[str, str]:
    """The results before and after ``code`` in the reviewer's queue as filtered (``type``), skipping those
    another reviewer holds; after the last one, the first still waiting (work goes on from the top)."""
    service = state(request).service
    queue = [q.code for q in service.review_queue(who.agency) if not type or q.type == type or q.code == code]
    taken = {c for c, held in service.review_claims(queue).items() if held.actor != who.actor and c != code}
    free = [c for c in queue if c not in taken]
    if code not in free:
        return "", next(iter(free), "")
    at = free.index(code)
    before, after = free[:at], free[at + 1 :]
    return (before[-1] if before else ""), next(iter(after or before), "")


def _may_approve(request: Request, who: Principal) -> bool:
    try:
        state(request).service.require_approver(who)
    except Forbidden:
        return False
    return True


@router.get("/review/{code}/page/{page}.jpg")
def page_image(request: Request, who: Who, code: str, page: int) -> Response:
    """The page image, only to reviewers of the result's agency; each fetch is in the audit log."""
    service = state(request).service
    service.require(who, *REVIEWERS, scope="review")
    service.check_result_access(who, code)
    data = service.review_page_image(code, page, by=who.actor)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})
