"""Driving the wizard like a person: clicks and typing through pytest-qt."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QRadioButton, QWizard

from snow_wizard.gui.wizard import PageId

TIMEOUT_MS = 15000
DEMO_PASSWORD = "demo-Passw0rd!"  # the sandbox's demo user, in these tests
DEMO_CLIENT_SECRET = "demo-client-s3cret"  # the sandbox's demo OAuth app, in these tests


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
