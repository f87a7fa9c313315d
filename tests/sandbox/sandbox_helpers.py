"""Helpers for the sandbox tests: PKCE pairs and walking the login and consent pages."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import ssl
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2

from snow_wizard.sandbox import OAuthApp

DEMO_PASSWORD = "demo-Pass-1"
# One TLS context for every client: building one per client costs ~50-300 ms (DESIGN.md).
TLS = ssl.create_default_context()
PENDING = re.compile(r'name="sysparm_pending" value="([^"]*)"')
TOKEN_FAILURE = {"error_description": "access_denied", "error": "server_error"}
UNAUTHENTICATED = {
    "error": {
        "message": "User Not Authenticated",
        "detail": "Required to provide Auth information",
    },
    "status": "failure",
}


def new_client(**kwargs: Any) -> httpx2.Client:
    return httpx2.Client(verify=TLS, **{"timeout": 5, **kwargs})


def new_async_client(**kwargs: Any) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(verify=TLS, **{"timeout": 5, **kwargs})


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(app: OAuthApp, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_urls[0],
        "state": secrets.token_hex(16),
    }
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def consent(client: httpx2.Client, params: dict[str, str], *, user: str = "admin",
            password: str = DEMO_PASSWORD, action: str = "allow") -> httpx2.Response:
    """Walk authorize → login → consent page → decision; return the decision's response."""
    page = client.get("/oauth_auth.do", params=params)
    assert page.status_code == 200, page.text
    pending = PENDING.search(page.text)
    assert pending is not None, page.text
    login = client.post("/oauth_login.do", data={
        "sysparm_pending": pending.group(1), "user_name": user, "user_password": password,
    })
    assert login.status_code == 303, login.text
    consent_page = client.get(login.headers["location"])
    assert 'id="allow"' in consent_page.text and 'id="deny"' in consent_page.text
    return client.post("/oauth_consent.do", data={
        "sysparm_pending": pending.group(1), "action": action,
    })


def callback_params(resp: httpx2.Response) -> tuple[str, dict[str, str]]:
    """(URL without query, query parameters) of a redirect."""
    assert resp.status_code == 302, resp.text
    parts = urlsplit(resp.headers["location"])
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return f"{parts.scheme}://{parts.netloc}{parts.path}", query


def get_code(client: httpx2.Client, app: OAuthApp, **extra: str) -> str:
    _, query = callback_params(consent(client, authorize_params(app, **extra)))
    return query["code"]


def token_form(app: OAuthApp, **fields: str) -> dict[str, str]:
    return {"client_id": app.client_id, "client_secret": app.client_secret, **fields}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
