"""The app factory: ``create_app(service)`` builds the FastAPI app of ``sohoa serve`` and of the tests.

Embedded mode (no ``SOHOA_REDIS_URL``): a ``web.runner.Runner`` thread digitizes what the desk hands in.
Distributed mode: ``Service.submit`` enqueues and ``sohoa worker`` processes run it. Every asset is served
from ``web/static``; responses forbid framing and outside scripts (Content-Security-Policy).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from sohoa import __version__
from sohoa.errors import NotAuthenticated, SohoaError
from web import api, citizen_pages, health, pages, review_pages
from web.deps import WebState
from web.errors import INTERNAL, body_of, invalid_message, log, status_of
from web.formats import vn_change, vn_date, vn_datetime, vn_number
from web.runner import Runner
from web.security import RateLimiter
from workers.service import Service

HERE = Path(__file__).parent
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters.update(vn_date=vn_date, vn_datetime=vn_datetime, vn_number=vn_number, vn_change=vn_change)
    return templates


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def create_app(service: Service, *, background: bool | None = None) -> FastAPI:
    """The web app over ``service``. ``background`` (default: no Redis configured) starts the embedded
    runner; tests pass ``False`` to drive processing themselves."""
    service.ctx  # noqa: B018 - open (and migrate) the database before the first request, not during one
    run_here = background if background is not None else not service.settings.redis_url
    web = WebState(
        service=service,
        runner=Runner(service) if run_here else None,
        login_limiter=RateLimiter(service.settings.login_attempts_per_minute),
        lookup_limiter=RateLimiter(service.settings.lookups_per_minute),
        templates=_templates(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if web.runner is not None:
            web.runner.start()
        yield
        if web.runner is not None:
            web.runner.stop()

    app = FastAPI(
        title="sohoa",
        version=__version__,
        description="Số hóa hồ sơ thủ tục hành chính: tiếp nhận, tra cứu, kiểm tra chữ ký.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = web
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(review_pages.router)
    app.include_router(citizen_pages.router)
    health.install(app, service)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(SohoaError)
    async def sohoa_error(request: Request, exc: SohoaError) -> Response:
        status = status_of(exc)
        if _wants_html(request):
            if isinstance(exc, NotAuthenticated) and request.method == "GET":
                return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
            return pages.error_page(request, status, exc)
        return JSONResponse(body_of(exc), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        message = invalid_message(list(exc.errors()))
        if _wants_html(request):
            return pages.render(request, "error.html", 422, message=message, hint=None, code=422)
        return JSONResponse({"error": {"code": "invalid_request", "message": message}}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        if _wants_html(request):
            return pages.render(request, "error.html", 500, message=INTERNAL["error"]["message"], hint=None, code=500)
        return JSONResponse(INTERNAL, status_code=500)

    @app.middleware("http")
    async def headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.url.path.startswith(("/api/", "/desk", "/status")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
