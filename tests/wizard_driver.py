"""Driving the wizard like a person (clicks and typing through pytest-qt), and the qasync loop
and Qt-thread garbage collection the wizard's fixtures set up. Shared by tests/gui and
tests/hardening (a conftest cannot be shared across directories; this module can)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QRadioButton, QWizard

from snow_wizard.gui.wizard import PageId

TIMEOUT_MS = 20000  # generous: a loaded 2-core CI machine
DEMO_PASSWORD = "demo-Passw0rd!"  # the sandbox's demo user, in these tests
DEMO_CLIENT_SECRET = "demo-client-s3cret"  # the sandbox's demo OAuth app, in these tests


@contextlib.contextmanager
def main_thread_collection() -> Iterator[None]:
    """As in the app: garbage (Qt widgets in cycles) is collected on the Qt thread only."""
    from snow_wizard.gui.async_support import MainThreadGC

    collector = MainThreadGC()
    collector.start()
    try:
        yield
    finally:
        collector.stop()
        collector.deleteLater()


@contextlib.contextmanager
def running_qasync_loop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop that counts as running while pytest-qt processes Qt events."""
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        deadline = time.monotonic() + 5
        while any(not t.done() for t in pending) and time.monotonic() < deadline:
            qapp.processEvents()
            time.sleep(0.005)
        # loop.stop() would call QApplication.exit(), which leaves Qt's timers dead for the
        # tests that follow; an already-running qasync loop is ended by hand instead.
        loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
        asyncio.events._set_running_loop(None)
        loop.close()
        asyncio.set_event_loop(None)


def click(qtbot: Any, button: Any) -> None:
    assert button.isEnabled(), f"{button.text()!r} is disabled"
    if isinstance(button, (QRadioButton, QCheckBox)):  # hit the indicator, not empty space
        pos = QPoint(8, button.height() // 2)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=pos)
    else:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def next_button(wiz: Any) -> Any:
    page = wiz.currentPage()
    which = QWizard.WizardButton.CommitButton if page.isCommitPage() else \
        QWizard.WizardButton.NextButton
    return wiz.button(which)


def click_next(qtbot: Any, wiz: Any) -> None:
    click(qtbot, next_button(wiz))


def click_back(qtbot: Any, wiz: Any) -> None:
    click(qtbot, wiz.button(QWizard.WizardButton.BackButton))


def wait_page(qtbot: Any, wiz: Any, page: PageId) -> None:
    qtbot.waitUntil(lambda: wiz.currentId() == int(page), timeout=TIMEOUT_MS)


def wait_idle(qtbot: Any, page: Any) -> None:
    qtbot.waitUntil(lambda: not page.runner.busy, timeout=TIMEOUT_MS)


def type_text(qtbot: Any, edit: Any, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def go_to_instance(qtbot: Any, wiz: Any, *, oauth: bool = False, users: bool = False) -> None:
    """From the first page of a new connection to the instance page with choices made."""
    if wiz.currentId() == int(PageId.PROFILES):
        click(qtbot, wiz.profiles_page.new_button)
    wait_page(qtbot, wiz, PageId.AUTH_TYPE)
    page = wiz.auth_page
    click(qtbot, page.oauth_custom if oauth else page.basic)
    click(qtbot, page.users if users else page.pre)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.INSTANCE)


def enter_instance(qtbot: Any, wiz: Any, url: str, name: str | None = None) -> None:
    page = wiz.instance_page
    type_text(qtbot, page.instance_edit, url)
    if name is not None:
        type_text(qtbot, page.name_edit, name)
    qtbot.waitUntil(page.isComplete, timeout=TIMEOUT_MS)
