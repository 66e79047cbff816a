"""The reviewer's pages: the queue of results waiting for review and the workbench of one result.

The workbench draws each field's box as SVG over the stored page image, at the image's own pixel size (the
unit the boxes are measured in); ``static/review.js`` does the keyboard work over ``/api/v1/review``. The
queue's filters (type, procedure, agency) live in the URL query, so prev/next and every link keep them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from sohoa.errors import Forbidden
from web.deps import principal, state
from web.pages import render, session_csrf
from workers.accounts import Principal
from workers.review_queue import QueueFilter, QueueItem, agency_today

router = APIRouter(include_in_schema=False)
Who = Annotated[Principal, Depends(principal)]
REVIEWERS = ("reviewer", "approver", "admin")
Param = Annotated[str, Query(max_length=64)]


def _filter(who: Principal, type: str, procedure: str, agency: str) -> QueueFilter:
    """The filters asked for; an agency the reviewer neither belongs to nor oversees is refused (403)."""
    if agency and agency not in who.review_agencies:
        raise Forbidden(f"không có quyền xem hàng chờ của cơ quan {agency}")
    return QueueFilter(type=type, procedure=procedure, agency=agency)


def _scope(who: Principal, chosen: QueueFilter) -> list[str]:
    """The agencies whose queue is shown: the one chosen, else every one the reviewer may review."""
    return [chosen.agency] if chosen.agency else sorted(who.review_agencies)


def _visible(request: Request, who: Principal, chosen: QueueFilter) -> list[QueueItem]:
    """The reviewer's whole queue (their agencies, or the one chosen), before the other filters."""
    return state(request).service.review_queue(_scope(who, chosen))


@router.get("/review")
def review_queue(
    request: Request, who: Who, type: Param = "", procedure: Param = "", agency: Param = ""
) -> HTMLResponse:
    service = state(request).service
    service.require(who, *REVIEWERS, scope="review")
    chosen = _filter(who, type, procedure, agency)
    every = _visible(request, who, chosen)
    types = dict(sorted({q.type: q.type_label for q in every}.items(), key=lambda kv: kv[1]))
    names = {p.code: p.name for p in service.procedures_list()}
    procedures = {code: names.get(code, "") for code in sorted({q.procedure for q in every if q.procedure})}
    queue = [q for q in every if chosen.admits(q)]
    claims = {c: held for c, held in service.review_claims([q.code for q in queue]).items() if held.actor != who.actor}
    return render(request, "review_queue.html", who=who, csrf=session_csrf(request), queue=queue, types=types,
                  procedures=procedures, agencies=sorted(who.review_agencies), chosen=chosen, left=len(every),
                  done=service.review_done_today(_scope(who, chosen)), claims=claims, today=agency_today())  # fmt: skip


@router.get("/review/{code}")
def workbench(
    request: Request, who: Who, code: str, type: Param = "", procedure: Param = "", agency: Param = ""
) -> HTMLResponse:
    service = state(request).service
    service.require(who, *REVIEWERS, scope="review")
    chosen = _filter(who, type, procedure, agency)
    service.check_review_access(who, code)
    bench = service.review_workbench(code, by=who.actor)
    claim = service.review_claim(bench.code, by=who.actor)
    previous, following = _neighbours(request, who, bench.code, chosen)
    return render(request, "workbench.html", who=who, csrf=session_csrf(request), bench=bench,
                  prev_code=previous, next_code=following, chosen=chosen, claim=claim,
                  may_approve=_may_approve(request, who))  # fmt: skip


def _neighbours(request: Request, who: Principal, code: str, chosen: QueueFilter) -> tuple[str, str]:
    """The results before and after ``code`` in the reviewer's queue as filtered, skipping those another
    reviewer holds; after the last one, the first still waiting (work goes on from the top)."""
    service = state(request).service
    queue = [q.code for q in _visible(request, who, chosen) if chosen.admits(q) or q.code == code]
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
    """The page image, only to reviewers of the result's agency (or one they oversee); each fetch is audited."""
    service = state(request).service
    service.require(who, *REVIEWERS, scope="review")
    service.check_review_access(who, code)
    data = service.review_page_image(code, page, by=who.actor)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})
