"""The OAuth protocol pieces, with no I/O policy: the token endpoint requests (authorization code,
refresh, password), their answers, and revocation. The browser side (PKCE, state, the
authorization URL) is ``consent_url``, re-exported here.

ServiceNow specifics (SERVICENOW.md): ``state`` is required and must be plain (hex here);
the token endpoint takes a form-encoded body only, with the client authenticated in the body by
default (a Basic header as an option); a refresh returns the same refresh token (kept when the
response omits it); and every failure is the same opaque ``401 access_denied``, which is turned
into ranked likely causes for the step the user is on (diagnosis code token_exchange_failed).

Requests are built by pure functions and sent by thin sync/async wrappers, so the sync Python
API (``snow_wizard.connect``) and the async flows share everything but the transport.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from snow_wizard.core import diagnosis
from snow_wizard.core.consent_url import (
    PkcePair,
    authorization_url,
    make_pkce,
    make_state,
    s256_challenge,
)
from snow_wizard.core.profiles import ClientAuth, OAuthSettings
from snow_wizard.errors import OAuthError, ServiceNowError

if TYPE_CHECKING:  # pragma: no cover
    import httpx2

DEFAULT_EXPIRES_IN = 1800.0  # ServiceNow's default access token lifespan


def _mask(value: str | None) -> str:
    return "None" if value is None else "'***'"


@dataclass(frozen=True)
class TokenSet:
    """Tokens from the token endpoint. ``repr`` masks both tokens."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float  # epoch seconds
    lifetime: float | None = None  # seconds the instance issued it for (expires_in)

    def __repr__(self) -> str:
        return (
            f"TokenSet(access_token={_mask(self.access_token)}, "
            f"refresh_token={_mask(self.refresh_token)}, expires_at={self.expires_at:.0f})"
        )


# -- token endpoint requests -------------------------------------------------------------------
@dataclass(frozen=True)
class TokenRequest:
    """One form-encoded POST to a token endpoint. ``repr`` shows only the URL and grant."""

    url: str
    data: Mapping[str, str] = field(repr=False)
    headers: Mapping[str, str] = field(repr=False)
    step: str  # the grant: authorization_code | refresh_token | password

    def __repr__(self) -> str:
        return f"TokenRequest(url={self.url!r}, step={self.step!r})"


def _client_auth(
    settings: OAuthSettings, client_secret: str, data: dict[str, str]
) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if settings.client_auth is ClientAuth.BASIC:
        # Sent as-is, not form-encoded first (RFC 6749 2.3.1): ServiceNow, like most servers,
        # does not decode it, and its generated ids and secrets need no encoding anyway.
        pair = f"{settings.client_id}:{client_secret}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    else:
        data["client_id"] = settings.client_id
        data["client_secret"] = client_secret
    return headers


def code_request(
    settings: OAuthSettings, client_secret: str, code: str, code_verifier: str
) -> TokenRequest:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": settings.redirect_url,
        "code_verifier": code_verifier,
    }
    headers = _client_auth(settings, client_secret, data)
    return TokenRequest(settings.token_url, data, headers, "authorization_code")


def refresh_request(
    settings: OAuthSettings, client_secret: str, refresh_token: str
) -> TokenRequest:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    headers = _client_auth(settings, client_secret, data)
    return TokenRequest(settings.refresh_url, data, headers, "refresh_token")


def password_request(
    settings: OAuthSettings, client_secret: str, username: str, password: str
) -> TokenRequest:
    data = {"grant_type": "password", "username": username, "password": password}
    headers = _client_auth(settings, client_secret, data)
    return TokenRequest(settings.token_url, data, headers, "password")


def parse_token_response(
    response: httpx2.Response,
    request: TokenRequest,
    *,
    redirect_url: str = "",
    previous_refresh_token: str | None = None,
    clock: Callable[[], float] = time.time,
) -> TokenSet:
    """A TokenSet from a token endpoint answer, or the diagnosis for what went wrong."""
    status = response.status_code
    body = _json_object(response)
    if _hibernating(response):
        from snow_wizard.core.instance import parse_instance
        from snow_wizard.core.responses import WAKE_URL

        raise diagnosis.error(
            "hibernating", instance=parse_instance(request.url), wake_url=WAKE_URL
        )
    if status in (400, 401, 403):
        raise diagnosis.error("token_exchange_failed", step=request.step, redirect_url=redirect_url)
    if status >= 300:
        raise diagnosis.error("server_error", status=status)
    if body is None:
        raise diagnosis.error(
            "not_servicenow", instance=request.url, detail="the token endpoint did not answer JSON"
        )
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise diagnosis.error(
            "not_servicenow", instance=request.url, detail="no access_token in the answer"
        )
    refresh = body.get("refresh_token")
    if not isinstance(refresh, str) or not refresh:
        refresh = previous_refresh_token  # ServiceNow does not rotate; keep the old one
    expires_in = _expires_in(body)
    return TokenSet(access_token=access, refresh_token=refresh,
                    expires_at=clock() + expires_in, lifetime=expires_in)


def _expires_in(body: dict[str, Any]) -> float:
    """``expires_in`` in seconds; ServiceNow's default when it is missing, not a number, or not
    finite (an infinite or NaN expiry would be stored in the profile and never, or always, due)."""
    try:
        seconds = float(body.get("expires_in", DEFAULT_EXPIRES_IN))
    except (TypeError, ValueError):
        return DEFAULT_EXPIRES_IN
    return seconds if math.isfinite(seconds) else DEFAULT_EXPIRES_IN


def _hibernating(response: httpx2.Response) -> bool:
    from snow_wizard.core.responses import is_hibernating

    return is_hibernating(response)


def _json_object(response: httpx2.Response) -> dict[str, Any] | None:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


# -- transport ---------------------------------------------------------------------------------
def _http_error(exc: Exception, url: str, timeout: float) -> ServiceNowError:
    """Translate an httpx2 transport error (the endpoint was not reached) into a diagnosis."""
    from snow_wizard.core.instance import parse_instance
    from snow_wizard.core.responses import diagnose_exception

    return diagnose_exception(exc, parse_instance(url), timeout=timeout)


async def _post(
    url: str, data: Mapping[str, str], headers: Mapping[str, str], *,
    client: httpx2.AsyncClient | None, timeout: float,
) -> httpx2.Response:
    """One form POST on ``client`` (or a client of our own, closed after); transport errors
    become diagnoses."""
    import httpx2

    from snow_wizard.core.http_client import make_async_client, prepare_ssl_context

    own = client is None
    if own:
        await prepare_ssl_context()
    http = client if client is not None else make_async_client(timeout=timeout)
    try:
        return await http.post(url, data=dict(data), headers=dict(headers))
    except httpx2.TransportError as e:
        raise _http_error(e, url, timeout) from None
    finally:
        if own:
            await http.aclose()


def _post_sync(
    url: str, data: Mapping[str, str], headers: Mapping[str, str], *,
    client: httpx2.Client | None, timeout: float,
) -> httpx2.Response:
    """Blocking form of ``_post``."""
    import httpx2

    from snow_wizard.core.http_client import make_client

    own = client is None
    http = client if client is not None else make_client(timeout=timeout)
    try:
        return http.post(url, data=dict(data), headers=dict(headers))
    except httpx2.TransportError as e:
        raise _http_error(e, url, timeout) from None
    finally:
        if own:
            http.close()


async def send_token_request(
    request: TokenRequest,
    *,
    client: httpx2.AsyncClient | None = None,
    redirect_url: str = "",
    previous_refresh_token: str | None = None,
    clock: Callable[[], float] = time.time,
    timeout: float = 15.0,
) -> TokenSet:
    response = await _post(request.url, request.data, request.headers,
                           client=client, timeout=timeout)
    return parse_token_response(
        response, request, redirect_url=redirect_url,
        previous_refresh_token=previous_refresh_token, clock=clock,
    )


def send_token_request_sync(
    request: TokenRequest,
    *,
    client: httpx2.Client | None = None,
    previous_refresh_token: str | None = None,
    clock: Callable[[], float] = time.time,
    timeout: float = 15.0,
) -> TokenSet:
    response = _post_sync(request.url, request.data, request.headers,
                          client=client, timeout=timeout)
    return parse_token_response(
        response, request, previous_refresh_token=previous_refresh_token, clock=clock
    )


async def exchange_code(
    settings: OAuthSettings, client_secret: str, code: str, code_verifier: str, **kw: Any
) -> TokenSet:
    """authorization_code grant; an opaque 401 becomes ranked causes for this step."""
    request = code_request(settings, client_secret, code, code_verifier)
    return await send_token_request(request, redirect_url=settings.redirect_url, **kw)


async def refresh(
    settings: OAuthSettings, client_secret: str, refresh_token: str, **kw: Any
) -> TokenSet:
    request = refresh_request(settings, client_secret, refresh_token)
    return await send_token_request(request, previous_refresh_token=refresh_token, **kw)


def refresh_sync(
    settings: OAuthSettings, client_secret: str, refresh_token: str, **kw: Any
) -> TokenSet:
    request = refresh_request(settings, client_secret, refresh_token)
    return send_token_request_sync(request, previous_refresh_token=refresh_token, **kw)


async def revoke(
    settings: OAuthSettings, token: str, *, client: httpx2.AsyncClient | None = None,
    timeout: float = 15.0,
) -> None:
    """Revoke one token (access or refresh) at ``{base}/oauth_revoke_token.do``: no auth needed.

    The token goes in the form body (not the query string, which ends up in server logs).
    """
    response = await _post(settings.revoke_url, {"token": token}, {"Accept": "application/json"},
                           client=client, timeout=timeout)
    if response.status_code >= 400:
        raise diagnosis.error("server_error", status=response.status_code)


__all__ = [
    "OAuthError",
    "PkcePair",
    "TokenRequest",
    "TokenSet",
    "authorization_url",
    "code_request",
    "exchange_code",
    "make_pkce",
    "make_state",
    "parse_token_response",
    "password_request",
    "refresh",
    "refresh_request",
    "refresh_sync",
    "revoke",
    "s256_challenge",
    "send_token_request",
    "send_token_request_sync",
]
