"""HTTP clients on the OS trust store, and auth objects whose ``repr`` never shows a secret.

Every request snow-wizard sends goes through a client made here: TLS verification always on
through one ``truststore.SSLContext`` built once per process (~3 ms, against ~49 ms for
httpx's certifi context), proxy settings from the environment, explicit timeouts, and no
redirect followed silently (``servicenow`` follows them only within the instance).
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Generator
from typing import Any

import httpx2

from snow_wizard import __version__

__all__ = [
    "BearerAuth",
    "basic_auth",
    "make_async_client",
    "make_client",
    "prepare_ssl_context",
    "ssl_context",
]

_USER_AGENT = f"snow-wizard/{__version__}"

_ssl_lock = threading.Lock()
_ssl_ctx: ssl.SSLContext | None = None


def ssl_context() -> ssl.SSLContext:
    """One ``truststore.SSLContext`` (the OS certificate store) for the whole process."""
    global _ssl_ctx
    with _ssl_lock:
        if _ssl_ctx is None:
            import truststore

            _ssl_ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return _ssl_ctx


async def prepare_ssl_context() -> None:
    """Build the process's SSL context in a worker thread when it is not built yet: the first
    build imports truststore and loads the OS store (~50 ms), too long to hold an event loop
    (in the wizard, the Qt thread). Async code calls this before making its first client."""
    if _ssl_ctx is None:
        import asyncio

        await asyncio.to_thread(ssl_context)


def _timeout(seconds: float) -> httpx2.Timeout:
    return httpx2.Timeout(seconds, connect=min(seconds, 10.0))


def _client_kwargs(
    base_url: str | None, auth: httpx2.Auth | None, timeout: float
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "verify": ssl_context(),
        "trust_env": True,  # HTTPS_PROXY / NO_PROXY from the environment
        "timeout": _timeout(timeout),
        "follow_redirects": False,  # never to another host silently (servicenow follows)
        "headers": {"Accept": "application/json", "User-Agent": _USER_AGENT},
    }
    if base_url:
        kwargs["base_url"] = base_url
    if auth is not None:
        kwargs["auth"] = auth
    return kwargs


def make_async_client(
    *, base_url: str | None = None, auth: httpx2.Auth | None = None, timeout: float = 15.0
) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(**_client_kwargs(base_url, auth, timeout))


def make_client(
    *, base_url: str | None = None, auth: httpx2.Auth | None = None, timeout: float = 15.0
) -> httpx2.Client:
    return httpx2.Client(**_client_kwargs(base_url, auth, timeout))


class BearerAuth(httpx2.Auth):
    """A static bearer token. ``repr`` never shows it."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(token='***')"


class _BasicAuth(httpx2.BasicAuth):
    def __init__(self, username: str, password: str) -> None:
        super().__init__(username, password)
        self.username = username

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r}, password='***')"


def basic_auth(username: str, password: str) -> httpx2.Auth:
    """HTTP Basic auth whose ``repr`` masks the password; ``.username`` stays readable."""
    return _BasicAuth(username, password)
