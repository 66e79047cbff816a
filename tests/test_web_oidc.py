"""Login through an OIDC provider, against a tiny provider written here: FastAPI on a local port, an RSA key
made for the test, the authorization code flow with PKCE (no network beyond this machine).

The provider logs in whoever the test says, and can be told to misbehave (a token for another audience,
another nonce, signed with another key) so that sohoa's checks of the ID token are seen to refuse.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Form, Header, HTTPException, Query
from fastapi.responses import RedirectResponse
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from web_helpers import client, make_service

from workers.service import Service

CLIENT_ID, CLIENT_SECRET = "sohoa-desk", "bi-mat-cua-ung-dung"


class Provider:
    """An OpenID provider of one client: logs in ``user``; ``tamper`` makes its next ID tokens wrong."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
        self.user = "le.tan"
        self.tamper: dict[str, Any] = {}
        self.codes: dict[str, dict[str, str]] = {}
        self.issuer = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            return KeySet([self.key]).as_dict(private=False)

        @app.get("/authorize")
        def authorize(
            client_id: str, redirect_uri: str, state: str, nonce: str, code_challenge: str,
            code_challenge_method: Annotated[str, Query()], response_type: str = "code",
        ) -> RedirectResponse:  # fmt: skip
            assert (client_id, response_type, code_challenge_method) == (CLIENT_ID, "code", "S256")
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"redirect_uri": redirect_uri, "nonce": nonce, "challenge": code_challenge}
            return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302)

        @app.post("/token")
        def token(
            code: Annotated[str, Form()], redirect_uri: Annotated[str, Form()], code_verifier: Annotated[str, Form()],
            authorization: Annotated[str, Header()],
        ) -> dict[str, Any]:  # fmt: skip
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            grant = self.codes.pop(code, None)
            if authorization != f"Basic {expected}" or grant is None or grant["redirect_uri"] != redirect_uri:
                raise HTTPException(400, {"error": "invalid_grant"})
            digest = hashlib.sha256(code_verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                raise HTTPException(400, {"error": "invalid_grant"})
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": f"id-{self.user}", "iat": now, "exp": now + 300,
                      "nonce": grant["nonce"], "preferred_username": self.user}  # fmt: skip
            claims |= {k: v for k, v in self.tamper.items() if k != "key"}
            key = self.other_key if self.tamper.get("key") == "other" else self.key
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
            return {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "id_token": id_token}

        return app


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    found = Provider()
    server = uvicorn.Server(uvicorn.Config(found.app(), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    found.issuer = f"http://127.0.0.1:{port}"
    yield found
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def service(provider: Provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    svc = make_service(tmp_path_factory.mktemp("oidc") / "data", oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID,
                       oidc_client_secret=CLIENT_SECRET, login_attempts_per_minute=1000)  # fmt: skip
    yield svc
    svc.close()


def through_provider(web: Any, next_page: str = "/desk") -> Any:
    """Click "log in with the agency's account", let the provider answer, come back: the callback's response."""
    start = web.get("/login/oidc", params={"next": next_page}, follow_redirects=False)
    assert start.status_code == 303, start.text
    back = httpx.get(start.headers["location"], follow_redirects=False)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/login/oidc/callback"
    return web.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def test_a_clerk_logs_in_through_the_agencys_provider(provider: Provider, service: Service) -> None:
    provider.user, provider.tamper = "le.tan", {}
    web = client(service)
    assert 'href="/login/oidc?next=' in web.get("/login").text
    done = through_provider(web)
    assert done.status_code == 303 and done.headers["location"] == "/desk"
    desk = web.get("/desk")
    assert desk.status_code == 200 and "le.tan" in desk.text
    login = [e for e in service.audit_log(subject="user:le.tan", limit=1000) if e.action == "user.login"][-1]
    assert login.payload == {"via": "oidc"}


@pytest.mark.parametrize(
    ("who", "tamper", "said"),
    [
        ("khong.co.ai", {}, "không có tài khoản"),
        ("le.tan", {"aud": "another-app"}, "không xác nhận được"),
        ("le.tan", {"nonce": "replayed"}, "không xác nhận được"),
        ("le.tan", {"iss": "http://evil.example"}, "không xác nhận được"),
        ("le.tan", {"exp": 1_000_000_000}, "không xác nhận được"),
        ("le.tan", {"key": "other"}, "không xác nhận được"),
    ],
)
def test_the_id_token_and_the_local_account_are_checked(
    provider: Provider, service: Service, who: str, tamper: dict[str, Any], said: str
) -> None:
    provider.user, provider.tamper = who, tamper
    try:
        web = client(service)
        refused = through_provider(web)
        assert refused.status_code == 401 and said in refused.text
        assert web.get("/desk", follow_redirects=False).status_code == 303  # still not logged in
    finally:
        provider.tamper = {}


def test_a_callback_without_the_login_it_answers_is_refused(provider: Provider, service: Service) -> None:
    provider.user = "le.tan"
    web = client(service)
    start = web.get("/login/oidc", follow_redirects=False)
    back = urlsplit(httpx.get(start.headers["location"], follow_redirects=False).headers["location"])
    stranger = client(service)  # another browser: no cookie of this login (a forged or replayed callback)
    assert stranger.get(f"{back.path}?{back.query}", follow_redirects=False).status_code == 401
    forged = back.query.replace("state=", "state=x")
    assert web.get(f"{back.path}?{forged}", follow_redirects=False).status_code == 401


def test_without_a_provider_configured_there_is_no_oidc_login(tmp_path: Any) -> None:
    svc = make_service(tmp_path / "data")
    try:
        web = client(svc)
        assert "/login/oidc" not in web.get("/login").text
        assert web.get("/login/oidc", follow_redirects=False).status_code == 404
    finally:
        svc.close()
