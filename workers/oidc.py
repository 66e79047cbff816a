"""Login through an agency's OpenID Connect provider: the authorization code flow with PKCE (Authlib), and
the ID token checked (joserfc): signature against the provider's published keys, issuer, audience, expiry,
and the nonce this login sent.

Why the local account still decides: the provider proves who someone is; roles, agency and being disabled
stay sohoa's, so the claim ``SOHOA_OIDC_USERNAME_CLAIM`` must name an enabled local account
(``workers.accounts.login_verified``). The provider's discovery document is read when a login starts (and
kept five minutes); nothing else is fetched, and nothing at all unless ``SOHOA_OIDC_ISSUER`` is set.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from sohoa.errors import BadInput, NotAuthenticated
from sohoa.settings import Settings

DISCOVERY_TTL_S = 300.0
ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256"]
_discovered: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


class OidcUnavailable(BadInput):
    """This installation has no OIDC provider configured (``SOHOA_OIDC_ISSUER``, ``SOHOA_OIDC_CLIENT_ID``)."""

    code = "unknown_login_method"


class OidcFailed(NotAuthenticated):
    """The provider's answer does not prove who this is (state, code, token or one of its claims)."""

    code = "oidc_failed"


@dataclass(frozen=True)
class OidcStart:
    """A login begun: where to send the browser, and what its callback must match (kept in a cookie)."""

    url: str
    state: str
    nonce: str
    verifier: str


def enabled(settings: Settings) -> bool:
    """Whether logging in through an OIDC provider is offered."""
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _client(settings: Settings, redirect_uri: str) -> OAuth2Session:
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    return OAuth2Session(settings.oidc_client_id, secret, scope=settings.oidc_scopes, redirect_uri=redirect_uri,
                         code_challenge_method="S256")  # fmt: skip


def _get_json(url: str, settings: Settings) -> dict[str, Any]:
    answer = requests.get(url, timeout=settings.oidc_timeout_s)
    answer.raise_for_status()
    data = answer.json()
    if not isinstance(data, dict):
        raise ValueError(f"{url} did not answer with a JSON object")
    return data


def _metadata(settings: Settings) -> dict[str, Any]:
    """The provider's discovery document, checked to be its own (same issuer)."""
    issuer = str(settings.oidc_issuer).rstrip("/")
    with _lock:
        cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_TTL_S:
        return cached[1]
    meta = _get_json(f"{issuer}/.well-known/openid-configuration", settings)
    if str(meta.get("issuer", "")).rstrip("/") != issuer:
        raise OidcFailed("tài liệu cấu hình của nhà cung cấp định danh không khớp SOHOA_OIDC_ISSUER")
    with _lock:
        _discovered[issuer] = (time.monotonic(), meta)
    return meta


def start(settings: Settings, redirect_uri: str) -> OidcStart:
    """Begin a login: the provider's authorization URL with a fresh state, nonce and PKCE verifier."""
    if not enabled(settings):
        raise OidcUnavailable("đăng nhập qua nhà cung cấp định danh chưa được cấu hình")
    try:
        endpoint = _metadata(settings)["authorization_endpoint"]
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise OidcFailed(f"không liên lạc được nhà cung cấp định danh ({type(exc).__name__})") from exc
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    with _client(settings, redirect_uri) as client:
        url, _ = client.create_authorization_url(endpoint, state=state, code_verifier=verifier, nonce=nonce)
    return OidcStart(url, state, nonce, verifier)


def finish(settings: Settings, redirect_uri: str, *, code: str, state: str, begun: OidcStart) -> str:
    """The local account name the provider vouches for, once its code is exchanged and its ID token checked."""
    if not enabled(settings):
        raise OidcUnavailable("đăng nhập qua nhà cung cấp định danh chưa được cấu hình")
    if not (code and state and hmac.compare_digest(state.encode(), begun.state.encode())):
        raise OidcFailed("phiên đăng nhập qua nhà cung cấp định danh không hợp lệ hoặc đã hết hạn, hãy thử lại")
    try:
        meta = _metadata(settings)
        with _client(settings, redirect_uri) as client:
            tokens = client.fetch_token(meta["token_endpoint"], code=code, code_verifier=begun.verifier,
                                        timeout=settings.oidc_timeout_s)  # fmt: skip
        keys = KeySet.import_key_set(_get_json(meta["jwks_uri"], settings))  # type: ignore[arg-type]
        token = jwt.decode(tokens["id_token"], keys, algorithms=ID_TOKEN_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": str(settings.oidc_issuer).rstrip("/")},
            aud={"essential": True, "value": settings.oidc_client_id},
            nonce={"essential": True, "value": begun.nonce},
            exp={"essential": True},
            sub={"essential": True},
        ).validate(token.claims)
    except OidcFailed:
        raise
    except (requests.RequestException, AuthlibBaseError, JoseError, ValueError, KeyError, TypeError) as exc:
        raise OidcFailed(f"nhà cung cấp định danh không xác nhận được người dùng ({type(exc).__name__})") from exc
    name = token.claims.get(settings.oidc_username_claim)
    if not isinstance(name, str) or not name.strip():
        raise OidcFailed(f"mã định danh (ID token) không có trường {settings.oidc_username_claim}")
    return name
