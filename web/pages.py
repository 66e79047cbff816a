"""The HTML pages: login, the reception desk (and its receipt), citizens' status, the public verify page.

Vietnamese first (``lang="vi"``), server-rendered with Jinja2; the desk's page list and upload use a few
lines of ``static/desk.js`` over the API, and its list of today's dossiers refreshes with htmx.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import segno
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sohoa.errors import NotAuthenticated, SohoaError
from web.deps import anonymous_form, any_form, principal, state, viewer
from web.security import CSRF_COOKIE, SESSION_COOKIE, anonymous_csrf, client_address
from workers.accounts import Principal

router = APIRouter(include_in_schema=False)
Who = Annotated[Principal, Depends(principal)]
MaybeWho = Annotated[Principal | None, Depends(viewer)]
OIDC_COOKIE = "sohoa_oidc"
ROLE_LABELS = {
    "reception": "Tiếp nhận",
    "reviewer": "Kiểm tra",
    "approver": "Phê duyệt",
    "admin": "Quản trị",
    "citizen": "Công dân",
}


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page; forms without a login get the double-submit CSRF cookie with their token."""
    web = state(request)
    who = context.get("who")
    csrf = context.pop("csrf", None) or anonymous_csrf(request)
    page = web.templates.TemplateResponse(
        request, name, {"who": who, "csrf": csrf, "roles": ROLE_LABELS, **context}, status_code=status
    )
    if who is None and request.cookies.get(CSRF_COOKIE) != csrf:
        page.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return page


def error_page(request: Request, status: int, exc: SohoaError) -> HTMLResponse:
    """The error as a page (the same message the API gives)."""
    return render(request, "error.html", status, message=exc.message, hint=exc.hint, code=status)


def session_csrf(request: Request) -> str | None:
    found = state(request).service.session_principal(request.cookies.get(SESSION_COOKIE, ""))
    return found[1] if found else None


@router.get("/")
def home(who: MaybeWho) -> RedirectResponse:
    if who is None:
        return RedirectResponse("/login", status_code=303)
    target = "/desk" if who.is_staff else "/my" if who.personal_id else "/status"
    return RedirectResponse(target, status_code=303)


@router.get("/login")
def login_page(request: Request, next: Annotated[str, Query(max_length=200)] = "/") -> HTMLResponse:
    return render(request, "login.html", next=next, oidc=state(request).service.oidc_enabled())


def _local(target: str) -> str:
    """Only a path on this site may follow a login (no open redirect)."""
    parts = urlsplit(target)
    return target if target.startswith("/") and not target.startswith("//") and not parts.netloc else "/"


@router.post("/login", dependencies=[Depends(anonymous_form)])
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    totp: Annotated[str, Form(max_length=10)] = "",
    next: Annotated[str, Form(max_length=200)] = "/",
) -> Response:
    web = state(request)
    web.login_limiter.hit(f"ip:{client_address(request)}", f"user:{username.strip().lower()}")
    try:
        session_id, _csrf, _who = web.service.login(username.strip().lower(), password, totp.strip() or None)
    except NotAuthenticated as exc:
        return render(request, "login.html", 401, next=next, error=exc.message, username=username)
    return _start_session(request, session_id, next)


def _start_session(request: Request, session_id: str, target: str) -> RedirectResponse:
    """Where a login ends: the session cookie set, the anonymous CSRF cookie dropped, on to ``target``."""
    page = RedirectResponse(_local(target), status_code=303)
    page.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(state(request).service.settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    page.delete_cookie(CSRF_COOKIE)
    return page


@router.get("/login/oidc")
def oidc_login(request: Request, next: Annotated[str, Query(max_length=200)] = "/") -> RedirectResponse:
    """Off to the agency's identity provider; what its answer must match waits in a short-lived cookie."""
    web = state(request)
    begun = web.service.oidc_start(str(request.url_for("oidc_callback")))
    page = RedirectResponse(begun.url, status_code=303)
    pending = json.dumps({"state": begun.state, "nonce": begun.nonce, "verifier": begun.verifier, "next": next})
    page.set_cookie(OIDC_COOKIE, base64.urlsafe_b64encode(pending.encode()).decode(), max_age=600, httponly=True,
                    samesite="lax", secure=request.url.scheme == "https", path="/login/oidc")  # fmt: skip
    return page


@router.get("/login/oidc/callback", name="oidc_callback")
def oidc_callback(
    request: Request,
    code: Annotated[str, Query(max_length=2000)] = "",
    state_: Annotated[str, Query(alias="state", max_length=200)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    web = state(request)
    web.login_limiter.hit(f"ip:{client_address(request)}")
    try:
        pending = json.loads(base64.urlsafe_b64decode(request.cookies.get(OIDC_COOKIE, "")))
        pending = {k: str(pending[k]) for k in ("state", "nonce", "verifier", "next")}
    except (ValueError, KeyError, TypeError):
        pending = {"state": "", "nonce": "", "verifier": "", "next": "/"}
    target = pending.pop("next") or "/"
    try:
        if error:
            raise NotAuthenticated(f"nhà cung cấp định danh từ chối đăng nhập ({error})")
        session_id, _csrf, _who = web.service.oidc_finish(
            str(request.url_for("oidc_callback")), code=code, state=state_, pending=pending
        )
    except NotAuthenticated as exc:
        page = render(request, "login.html", 401, next=target, error=exc.message, oidc=True)
        page.delete_cookie(OIDC_COOKIE, path="/login/oidc")
        return page
    page = _start_session(request, session_id, target)
    page.delete_cookie(OIDC_COOKIE, path="/login/oidc")
    return page


@router.post("/logout")
def logout(request: Request, who: Who) -> RedirectResponse:
    state(request).service.logout(request.cookies.get(SESSION_COOKIE, ""))
    page = RedirectResponse("/login", status_code=303)
    page.delete_cookie(SESSION_COOKIE)
    return page


@router.get("/desk")
def desk(request: Request, who: Who) -> HTMLResponse:
    web = state(request)
    web.service.require(who, "reception", "admin", scope="submit")
    return render(request, "desk.html", who=who, csrf=session_csrf(request), groups=web.service.procedures_by_domain())


@router.get("/desk/today")
def desk_today(request: Request, who: Who) -> HTMLResponse:
    web = state(request)
    web.service.require(who, "reception", "reviewer", "approver", "admin", scope="read")
    return render(request, "today.html", who=who, dossiers=web.service.todays_dossiers(who.agency))


@router.get("/desk/receipt/{code}")
def desk_receipt(
    request: Request, who: Who, code: str, format: Annotated[Literal["html", "pdf"], Query()] = "html"
) -> Response:
    from web.api import receipt

    web = state(request)
    web.service.require(who, "reception", "admin", scope="submit")
    web.service.check_dossier_access(who, code)
    link = receipt(request, code)
    if format == "pdf":
        pdf = web.service.receipt_pdf(code, link["status_url"])
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="phieu-tiep-nhan-{code}.pdf"'})  # fmt: skip
    info = web.service.status(code)
    info["label"] = web.service.public_status(code, link["secret"])["label"]
    qr = segno.make(link["status_url"], error="m").svg_inline(scale=3, title="Mã QR tra cứu hồ sơ")
    return render(request, "receipt.html", who=who, csrf=session_csrf(request), info=info, link=link, qr=qr,
                  agency=web.service.settings.agency_name, procedure=web.service.receipt_procedure(code))  # fmt: skip


@router.get("/status", name="status_page")
def status_page(
    request: Request,
    who: MaybeWho,
    code: Annotated[str, Query(max_length=64)] = "",
    secret: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    web = state(request)
    found, problem = None, None
    if code and secret:
        web.lookup_limiter.hit(f"lookup:{client_address(request)}")
        try:
            found = web.service.public_status(code, secret)
        except SohoaError as exc:
            problem = exc.message
    return render(request, "status.html", 404 if problem else 200, who=who, code=code, secret=secret, found=found,
                  problem=problem)  # fmt: skip


@router.get("/verify")
def verify_page(request: Request, who: MaybeWho) -> HTMLResponse:
    return render(request, "verify.html", who=who, csrf=session_csrf(request) if who else None)


@router.post("/verify")
def verify_upload(
    request: Request, who: Annotated[Principal | None, Depends(any_form)], file: Annotated[UploadFile, File()]
) -> HTMLResponse:
    from web.api import verify_upload as check

    web = state(request)
    web.lookup_limiter.hit(f"verify:{client_address(request)}")
    try:
        report, problem = check(request, file), None
    except SohoaError as exc:
        report, problem = None, exc.message
    return render(request, "verify.html", 400 if problem else 200, who=who,
                  csrf=session_csrf(request) if who else None, report=report, problem=problem)  # fmt: skip
