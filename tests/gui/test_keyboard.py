"""The whole Basic flow with the keyboard only: the focus starts where the user continues, and
Enter moves on (never re-runs a test because the focus was left on its button)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from wizard_driver import DEMO_PASSWORD, TIMEOUT_MS, wait_page

from snow_wizard.gui.wizard import PageId


def _focus(qtbot: Any, widget: Any) -> None:
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=TIMEOUT_MS)


def _press(qtbot: Any, key: Any) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key)


def _type(qtbot: Any, text: str) -> None:
    qtbot.keyClicks(QApplication.focusWidget(), text)


def test_basic_flow_with_enter_and_tab_only(
    qtbot: Any, wizard: Any, sandbox: Any, ctx: Any
) -> None:
    wiz = wizard
    wiz.activateWindow()
    qtbot.waitUntil(wiz.isActiveWindow, timeout=TIMEOUT_MS)
    _focus(qtbot, wiz.auth_page.basic)
    _press(qtbot, Qt.Key.Key_Return)
    wait_page(qtbot, wiz, PageId.INSTANCE)
    _focus(qtbot, wiz.instance_page.instance_edit)  # not the Next button that just went grey
    _type(qtbot, sandbox.url)
    _press(qtbot, Qt.Key.Key_Return)
    wait_page(qtbot, wiz, PageId.CREDENTIALS)
    page = wiz.credentials_page
    _focus(qtbot, page.username)
    _type(qtbot, "admin")
    _press(qtbot, Qt.Key.Key_Tab)
    _focus(qtbot, page.password.edit)
    _type(qtbot, DEMO_PASSWORD)
    _press(qtbot, Qt.Key.Key_Return)
    wait_page(qtbot, wiz, PageId.TEST)
    test = wiz.test_page
    qtbot.waitUntil(test.isComplete, timeout=TIMEOUT_MS)
    next_button = wiz.button(wiz.WizardButton.NextButton)
    _focus(qtbot, next_button)  # not Test credentials: Enter goes on
    _press(qtbot, Qt.Key.Key_Return)
    wait_page(qtbot, wiz, PageId.SAVE)
    _focus(qtbot, wiz.button(wiz.WizardButton.CommitButton))
    _press(qtbot, Qt.Key.Key_Return)
    wait_page(qtbot, wiz, PageId.DONE)
    assert ctx.store.get("sandbox").username == "admin"
    _focus(qtbot, wiz.button(wiz.WizardButton.FinishButton))
