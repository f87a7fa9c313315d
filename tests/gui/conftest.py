"""Fixtures for the wizard tests: offscreen Qt, a qasync loop on pytest-qt's QApplication, a temp
config dir + in-memory keychain, QSettings in a temp dir, and the real sandbox on 127.0.0.1:0."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import asyncio
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from wizard_driver import (
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    main_thread_collection,
    running_qasync_loop,
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def main_thread_gc(qapp: Any) -> Iterator[None]:
    with main_thread_collection():
        yield


@pytest.fixture
def aloop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    with running_qasync_loop(qapp) as loop:
        yield loop


@pytest.fixture
def callback_port() -> int:
    return free_port()


@pytest.fixture
def sandbox(callback_port: int) -> Iterator[Any]:
    """The real sandbox; its demo OAuth app has http://127.0.0.1:{callback_port}/callback."""
    from snow_wizard.core.profiles import redirect_url_for
    from snow_wizard.sandbox import Sandbox

    sb = Sandbox(
        port=0,
        demo_password=DEMO_PASSWORD,
        demo_client_secret=DEMO_CLIENT_SECRET,
        redirect_urls=[redirect_url_for(callback_port)],
    ).start()
    try:
        yield sb
    finally:
        sb.stop()


class Browser:
    """The person at the browser: records URLs; with ``sandbox`` set, signs in and clicks."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.sandbox: Any = None
        self.allow = True
        self.opens = True

    def __call__(self, url: str) -> bool:
        self.urls.append(url)
        if self.sandbox is not None and "oauth_auth.do" in url:
            self.sandbox.consent(url, allow=self.allow, follow=True)
        return self.opens


@pytest.fixture
def browser() -> Browser:
    return Browser()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def ctx(config_dir: Path, browser: Browser) -> Any:
    from snow_wizard.core.context import Context
    from snow_wizard.core.profiles import ProfileStore
    from snow_wizard.core.secret_store import MemoryBackend, SecretStore

    return Context(
        store=ProfileStore(config_dir), secrets=SecretStore(MemoryBackend()),
        open_browser=browser, http_timeout=10.0,
    )


@pytest.fixture
def qsettings(tmp_path: Path) -> Any:
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "qsettings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_wizard(
    qtbot: Any, aloop: Any, ctx: Any, qsettings: Any
) -> Iterator[Callable[..., Any]]:
    from snow_wizard.gui.wizard import ConnectionWizard

    made: list[Any] = []

    def make(context: Any = None) -> Any:
        wiz = ConnectionWizard(context or ctx, settings=qsettings)
        # pytest-qt closes widgets before fixture teardown: no "discard?" question then
        # (tests of that question turn it back on).
        wiz._confirm_close = False
        qtbot.addWidget(wiz)
        wiz.show()
        qtbot.waitExposed(wiz)
        made.append(wiz)
        return wiz

    yield make
    for wiz in made:
        wiz._confirm_close = False
        wiz.shutdown()


@pytest.fixture
def wizard(make_wizard: Callable[..., Any]) -> Any:
    return make_wizard()
