"""The pure protocol pieces: PKCE, state, the authorization URL, token requests and answers."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from snow_wizard.core import oauth
from snow_wizard.core.instance import parse_instance
from snow_wizard.core.profiles import ClientAuth, OAuthSettings
from snow_wizard.errors import OAuthError, ServiceNowError

SETTINGS = OAuthSettings.for_instance(parse_instance("acme"), "abc123", redirect_port=8765)


def test_pkce_pair_is_s256_and_masked() -> None:
    pair = oauth.make_pkce()
    assert 43 <= len(pair.verifier) <= 128
    assert re.fullmatch(r"[A-Za-z0-9_-]+", pair.verifier)
    digest = hashlib.sha256(pair.verifier.encode()).digest()
    assert pair.challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert pair.verifier not in repr(pair)
    assert oauth.make_pkce().verifier != pair.verifier
    # an independent implementation agrees
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    assert create_s256_code_challenge(pair.verifier) == pair.challenge


def test_state_is_hex_and_fresh() -> None:
    states = {oauth.make_state() for _ in range(50)}
    assert len(states) == 50
    assert all(re.fullmatch(r"[0-9a-f]{32}", s) for s in states)


def test_authorization_url() -> None:
    url = oauth.authorization_url(SETTINGS, state="00ff", code_challenge="chal")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == \
        "https://acme.service-now.com/oauth_auth.do"
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q == {"response_type": "code", "client_id": "abc123",
                 "redirect_uri": "http://127.0.0.1:8765/callback", "state": "00ff",
                 "code_challenge": "chal", "code_challenge_method": "S256"}
    assert "scope" not in q


def test_code_request_body_auth_by_default_and_basic_as_option() -> None:
    req = oauth.code_request(SETTINGS, "s3cret", "the-code", "verifier")
    assert req.url == "https://acme.service-now.com/oauth_token.do"
    assert dict(req.data) == {"grant_type": "authorization_code", "code": "the-code",
                              "redirect_uri": "http://127.0.0.1:8765/callback",
                              "code_verifier": "verifier", "client_id": "abc123",
                              "client_secret": "s3cret"}
    assert "Authorization" not in req.headers
    assert "s3cret" not in repr(req) and "the-code" not in repr(req)

    basic = OAuthSettings(**{**SETTINGS.__dict__, "client_auth": ClientAuth.BASIC})
    req = oauth.refresh_request(basic, "s3cret", "rt")
    assert "client_secret" not in req.data and "client_id" not in req.data
    assert req.headers["Authorization"] == "Basic " + base64.b64encode(b"abc123:s3cret").decode()
    assert dict(req.data) == {"grant_type": "refresh_token", "refresh_token": "rt"}


def _resp(status: int, json: object = None, *, text: str | None = None,
          ctype: str = "application/json") -> httpx2.Response:
    if text is not None:
        return httpx2.Response(status, text=text, headers={"Content-Type": ctype})
    return httpx2.Response(status, json=json)


REQ = oauth.refresh_request(SETTINGS, "s", "old-refresh")


def test_success_keeps_the_refresh_token_when_omitted() -> None:
    tokens = oauth.parse_token_response(
        _resp(200, {"access_token": "at", "expires_in": 1799, "token_type": "Bearer"}),
        REQ, previous_refresh_token="old-refresh", clock=lambda: 1000.0)
    assert tokens.access_token == "at" and tokens.refresh_token == "old-refresh"
    assert tokens.expires_at == 2799.0
    assert "at" not in repr(tokens).replace("expires_at", "")


@pytest.mark.parametrize("status", [400, 401, 403])
def test_opaque_failure_becomes_ranked_causes_for_the_step(status: int) -> None:
    with pytest.raises(OAuthError) as info:
        oauth.parse_token_response(
            _resp(status, {"error_description": "access_denied", "error": "server_error"}), REQ)
    assert info.value.code == "token_exchange_failed"
    assert "refresh token expired" in info.value.causes[0]


def test_code_step_causes_name_the_redirect_url() -> None:
    req = oauth.code_request(SETTINGS, "s", "c", "v")
    with pytest.raises(OAuthError) as info:
        oauth.parse_token_response(_resp(401, {"error": "server_error"}), req,
                                   redirect_url=SETTINGS.redirect_url)
    causes = info.value.causes
    assert "Client Secret" in causes[0]
    assert "http://127.0.0.1:8765/callback" in causes[1]
    assert "Active" in causes[2] and "already used" in causes[3]


def test_other_answers() -> None:
    with pytest.raises(ServiceNowError) as info:
        oauth.parse_token_response(_resp(503, {}), REQ)
    assert info.value.code == "server_error"
    with pytest.raises(ServiceNowError) as info:
        oauth.parse_token_response(_resp(200, text="<html>login</html>", ctype="text/html"), REQ)
    assert info.value.code == "not_servicenow"
    with pytest.raises(ServiceNowError) as info:
        oauth.parse_token_response(_resp(200, {"token_type": "Bearer"}), REQ)
    assert info.value.code == "not_servicenow"
    page = '<div class="instance-hibernating-page"><h1>Your instance is hibernating</h1></div>'
    with pytest.raises(ServiceNowError) as info:
        oauth.parse_token_response(_resp(200, text=page, ctype="text/html"), REQ)
    assert info.value.code == "hibernating"


def test_unreachable_token_endpoint_is_a_connection_diagnosis() -> None:
    import asyncio

    from .conftest import free_port

    settings = OAuthSettings.for_instance(parse_instance(f"127.0.0.1:{free_port()}"), "id")
    with pytest.raises(ServiceNowError) as info:
        asyncio.run(oauth.refresh(settings, "s", "rt", timeout=3))
    assert info.value.code == "connection"
