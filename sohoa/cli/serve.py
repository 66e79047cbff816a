"""`sohoa serve`: the web front end (``web.app``) under uvicorn.

With no configuration it is the embedded mode: SQLite and the local store under SOHOA_DATA_DIR, dossiers
processed in the server's own background thread, and a first ``admin`` account (its password from
SOHOA_ADMIN_PASSWORD, or generated and printed once here).
"""

from __future__ import annotations

from typing import Annotated

import typer

from sohoa.cli.common import say


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default SOHOA_WEB_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default SOHOA_WEB_PORT, 8000).")] = None,
) -> None:
    """Serve the reception desk, citizens' status, the verify page and the /api/v1 API."""
    import uvicorn

    from web.app import create_app
    from workers.service import Service, settings_from_env

    settings = settings_from_env(web_host=host, web_port=port)
    service = Service(settings)
    password = service.first_admin()
    if password:
        say(f"tài khoản quản trị đầu tiên: admin / {password} (chỉ hiện một lần; hãy đổi hoặc tạo tài khoản khác)")
    app = create_app(service)
    say(f"sohoa: http://{settings.web_host}:{settings.web_port}/")
    uvicorn.run(app, host=settings.web_host, port=settings.web_port, log_level="warning", proxy_headers=False)
