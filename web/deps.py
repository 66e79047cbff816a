"""What endpoints share: the app's state (service, runner, limiters), the acting principal, uploads.

Endpoints are plain ``def`` functions (FastAPI runs them in its thread pool): the service layer blocks on
the database, the store and page rendering, and must not block the event loop.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import UploadFile
from starlette.requests import Request

from sohoa.errors import BadInput, NotAuthenticated, TooLarge
from web.security import RateLimiter, check_csrf, identify

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

    from web.runner import Runner
    from workers.accounts import Principal
    from workers.service import Service

_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")
CHUNK = 1 << 20


@dataclass
class WebState:
    """Everything the app holds for its lifetime."""

    service: Service
    runner: Runner | None  # None in the distributed mode: workers take the queue
    login_limiter: RateLimiter
    lookup_limiter: RateLimiter
    templates: Jinja2Templates


def state(request: Request) -> WebState:
    """The app's ``WebState``."""
    return request.app.state.web


async def _form_csrf(request: Request) -> str | None:
    kind = request.headers.get("content-type", "")
    if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get("csrf")
        return value if isinstance(value, str) else None
    return None


async def viewer(request: Request) -> Principal | None:
    """The logged-in principal or ``None``; an unsafe request of a session must carry its CSRF token."""
    principal, csrf = identify(request, state(request).service)
    if principal is not None:
        check_csrf(request, csrf, await _form_csrf(request))
    return principal


async def principal(request: Request) -> Principal:
    """The logged-in principal (``NotAuthenticated`` otherwise), CSRF checked for unsafe requests."""
    found = await viewer(request)
    if found is None:
        raise NotAuthenticated("cần đăng nhập")
    return found


async def anonymous_form(request: Request) -> None:
    """A form that needs no login (login, verify): the double-submit CSRF cookie must match."""
    check_csrf(request, None, await _form_csrf(request))


def safe_name(name: str | None, index: int) -> str:
    """An uploaded file's name reduced to its last part and plain characters (kept as the source's name)."""
    base = _UNSAFE_NAME.sub("_", Path(name or "").name).strip(" .")[:120]
    return base or f"tep-{index + 1}"


@contextmanager
def saved_uploads(files: list[UploadFile], limit_mb: int, scratch_root: Path) -> Iterator[list[Path]]:
    """The uploaded files written into a private temporary folder (gone afterwards), under a total size
    limit; ``BadInput`` for no file at all."""
    if not files:
        raise BadInput("chưa chọn tệp nào")
    scratch_root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=scratch_root))
    try:
        paths: list[Path] = []
        total = 0
        for index, upload in enumerate(files):
            target = folder / f"{index:02d}" / safe_name(upload.filename, index)
            target.parent.mkdir()
            with target.open("wb") as out:
                while chunk := upload.file.read(CHUNK):
                    total += len(chunk)
                    if total > limit_mb * 1024 * 1024:
                        raise TooLarge(f"tổng dung lượng tải lên vượt {limit_mb} MB")
                    out.write(chunk)
            paths.append(target)
        yield paths
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def any_form(request: Request) -> Principal | None:
    """A form open to everyone (verify): a session's CSRF token when logged in, else the double-submit one."""
    found = await viewer(request)
    if found is None:
        await anonymous_form(request)
    return found
