"""Numbers a server controls that are not finite: Retry-After and expires_in.

``float()`` accepts "inf", "1e400" and "nan"; an infinite Retry-After crashed the rate-limit
diagnosis (OverflowError in int()), and an infinite or NaN expires_in was stored as the token's
expiry.
"""

from __future__ import annotations

import math

import httpx2
import pytest

from snow_wizard.core import oauth
from snow_wizard.core.instance import parse_instance
from snow_wizard.core.profiles import OAuthSettings
from snow_wizard.core.responses import diagnose_response, retry_after_seconds

INSTANCE = parse_instance("acme")
REQUEST = httpx2.Request("GET", "https://acme.service-now.com/api/now/ui/user/current_user")


def _answer(status: int, headers: dict[str, str], body: bytes = b"{}") -> httpx2.Response:
    headers = {"Content-Type": "application/json", **headers}
    return httpx2.Response(status, headers=headers, content=body, request=REQUEST)


@pytest.mark.parametrize("header", ["Retry-After", "X-RateLimit-Reset"])
@pytest.mark.parametrize("value", ["inf", "1e400", "-inf"])
def test_an_infinite_wait_is_no_wait_and_still_diagnosed(header: str, value: str) -> None:
    response = _answer(429, {header: value})
    assert retry_after_seconds(response) in (None, 0.0)
    problem = diagnose_response(response, INSTANCE)
    assert problem is not None and problem.code == "rate_limited"
    assert "Wait a few seconds" in problem.hint or "Wait 0 seconds" in problem.hint


def test_a_finite_retry_after_is_kept() -> None:
    assert retry_after_seconds(_answer(429, {"Retry-After": "7"})) == 7.0


@pytest.mark.parametrize("value", ['"inf"', '"nan"', "1e999", '"-inf"'])
def test_a_non_finite_expires_in_falls_back_to_the_default(value: str) -> None:
    settings = OAuthSettings.for_instance(INSTANCE, "client-id")
    body = b'{"access_token": "at", "expires_in": ' + value.encode() + b"}"
    request = oauth.refresh_request(settings, "secret", "rt")
    tokens = oauth.parse_token_response(_answer(200, {}, body), request, clock=lambda: 1000.0)
    assert math.isfinite(tokens.expires_at)
    assert tokens.lifetime == oauth.DEFAULT_EXPIRES_IN
    assert tokens.expires_at == 1000.0 + oauth.DEFAULT_EXPIRES_IN


def test_a_finite_expires_in_is_kept() -> None:
    settings = OAuthSettings.for_instance(INSTANCE, "client-id")
    body = b'{"access_token": "at", "expires_in": 64}'
    tokens = oauth.parse_token_response(
        _answer(200, {}, body), oauth.refresh_request(settings, "secret", "rt"), clock=lambda: 0.0
    )
    assert (tokens.expires_at, tokens.lifetime) == (64.0, 64.0)
