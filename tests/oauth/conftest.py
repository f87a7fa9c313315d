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

    with Sandbox(redirect_urls=[redirect_url_for(port)]) as sb:
        yield sb


@pytest.fixture
def settings(oauth_sandbox: object, port: int) -> OAuthSettings:
    sb = oauth_sandbox
    return OAuthSettings.for_instance(
        parse_instance(sb.url), sb.demo_app.client_id, redirect_port=port  # type: ignore[attr-defined]
    )
