"""Fixtures and helpers for driving the real wizard (pytest-qt, offscreen, qasync loop).

Import the fixtures into a test module: ``from hardening.gui_support import aloop, ...``.
The loop and the clicking come from tests/wizard_driver.py, as in tests/gui.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from wizard_driver import (
    TIMEOUT_MS,
    click,
    click_next,
    main_thread_collection,
    running_qasync_loop,
    type_text,
    wait_page,
)

from snow_wizard.gui.wizard import PageId


@pytest.fixture
def main_thread_gc(qapp: Any) -> Iterator[None]:
    with main_thread_collection():
        yield


@pytest.fixture
def aloop(main_thread_gc: None, qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    with running_qasync_loop(qapp) as loop:
        yield loop


@pytest.fixture
def qsettings(tmp_path: Path) -> Any:
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "qsettings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_wizard(qtbot: Any, aloop: Any, qsettings: Any) -> Iterator[Callable[[Any], Any]]:
    from snow_wizard.gui.wizard import ConnectionWizard

    made: list[Any] = []

    def make(ctx: Any) -> Any:
        wiz = ConnectionWizard(ctx, settings=qsettings)
        qtbot.addWidget(wiz)
        wiz.show()
        qtbot.waitExposed(wiz)
        made.append(wiz)
        return wiz

    yield make
    for wiz in made:
        wiz._confirm_close = False
        wiz.shutdown()


def new_connection(qtbot: Any, wiz: Any, url: str, name: str, *, oauth: bool = False) -> None:
    """From the first page to the page after the instance page (pre-authorize)."""
    if wiz.currentId() == int(PageId.PROFILES):
        click(qtbot, wiz.profiles_page.new_button)
    wait_page(qtbot, wiz, PageId.AUTH_TYPE)
    click(qtbot, wiz.auth_page.oauth_custom if oauth else wiz.auth_page.basic)
    click(qtbot, wiz.auth_page.pre)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.INSTANCE)
    type_text(qtbot, wiz.instance_page.instance_edit, url)
    type_text(qtbot, wiz.instance_page.name_edit, name)
    qtbot.waitUntil(wiz.instance_page.isComplete, timeout=TIMEOUT_MS)
    click_next(qtbot, wiz)


def basic_to_save(qtbot: Any, wiz: Any, sandbox: Any, name: str) -> None:
    new_connection(qtbot, wiz, sandbox.url, name)
    wait_page(qtbot, wiz, PageId.CREDENTIALS)
    type_text(qtbot, wiz.credentials_page.username, "admin")
    type_text(qtbot, wiz.credentials_page.password.edit, sandbox.demo_user.password)
    click_next(qtbot, wiz)
    wait_test(qtbot, wiz)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.SAVE)


def wait_test(qtbot: Any, wiz: Any) -> None:
    """The test page runs the credentials test by itself; wait for it to pass."""
    wait_page(qtbot, wiz, PageId.TEST)
    try:
        qtbot.waitUntil(wiz.test_page.isComplete, timeout=TIMEOUT_MS)
    except Exception as e:
        raise AssertionError(f"test page: {wiz.test_page.status.plain_text()!r}") from e


def oauth_to_save(qtbot: Any, wiz: Any, sandbox: Any, name: str, port: int) -> None:
    new_connection(qtbot, wiz, sandbox.url, name, oauth=True)
    wait_page(qtbot, wiz, PageId.OAUTH_APP)
    page = wiz.oauth_page
    qtbot.keyClicks(page.client_id, sandbox.demo_app.client_id)
    qtbot.keyClicks(page.client_secret.edit, sandbox.demo_app.client_secret)
    click(qtbot, page.advanced_toggle)
    page.port.setValue(port)
    qtbot.waitUntil(page.isComplete, timeout=TIMEOUT_MS)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.AUTHORIZE)
    click(qtbot, wiz.authorize_page.authorize_button)
    qtbot.waitUntil(wiz.authorize_page.isComplete, timeout=TIMEOUT_MS)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.TEST)
    qtbot.waitUntil(wiz.test_page.isComplete, timeout=TIMEOUT_MS)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.SAVE)
