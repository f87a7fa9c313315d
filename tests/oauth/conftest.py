"""Fixtures for the OAuth tests: free loopback ports, a running sandbox, OAuth settings."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from snow_wizard.core.instance import parse_instance
from snow_wizard.core.profiles import OAuthSettings, redirect_url_for


def free_port() -> int:
    """A port nobody listens on right now (tests then bind it themselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def oauth_sandbox(port: int) -> Iterator[object]:
    """A sandbox whose demo app has http://127.0.0.1:{port}/callback registered."""
    from snow_wizard.sandbox import Sandbox

    sb = Sandbox(redirect_urls=[redirect_url_for(port)]).start()
    while sb.port == port:  # the kernel handed the sandbox the port we picked: pick again
        sb.stop()
        sb = Sandbox(redirect_urls=[redirect_url_for(port)]).start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def settings(oauth_sandbox: object, port: int) -> OAuthSettings:
    sb = oauth_sandbox
    return OAuthSettings.for_instance(
        parse_instance(sb.url), sb.demo_app.client_id, redirect_port=port  # type: ignore[attr-defined]
    )


@pytest.fixture
def clock() -> list[float]:
    """A clock offset tests move forward: ctx.clock() == time.time() + clock[0]."""
    return [0.0]


@pytest.fixture
def mem_ctx(tmp_path: object, oauth_sandbox: object, clock: list[float]) -> object:
    """A Context with a temporary config dir, an in-memory keychain, and a browser that is the
    sandbox's scripted person (logs in as the demo user and presses Allow)."""
    import time
    from pathlib import Path

    from snow_wizard.core.context import Context
    from snow_wizard.core.profiles import ProfileStore
    from snow_wizard.core.secret_store import MemoryBackend, SecretStore

    sb = oauth_sandbox

    def browser(url: str) -> bool:
        sb.consent(url, follow=True)  # type: ignore[attr-defined]
        return True

    return Context(
        store=ProfileStore(Path(str(tmp_path)) / "config"),
        secrets=SecretStore(MemoryBackend()),
        open_browser=browser,
        clock=lambda: time.time() + clock[0],
    )
