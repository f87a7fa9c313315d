"""Fixtures for the sandbox's own tests: a running sandbox and an HTTP client bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from sandbox_helpers import DEMO_PASSWORD, new_client

from snow_wizard.sandbox import Sandbox


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(demo_password=DEMO_PASSWORD) as sandbox:
        yield sandbox


@pytest.fixture
def client(sb: Sandbox) -> Iterator[httpx2.Client]:
    with new_client(base_url=sb.url) as c:
        yield c
