"""The window itself: start-up, the availability matrix, closing, errors, keyboard, geometry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from wizard_driver import click, go_to_instance, type_text, wait_idle

from snow_wizard.core.profiles import Mode
from snow_wizard.gui.app import display_problem, headless_message
from snow_wizard.gui.pages.auth_type import MATRIX, OAUTH_SYSTEM_REASON
from snow_wizard.gui.wizard import WINDOW_TITLE, PageId


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, SNOW_WIZARD_CONFIG_DIR=str(tmp_path / "cfg"),
               XDG_CONFIG_HOME=str(tmp_path / "xdg"), QT_QPA_PLATFORM="offscreen")
    env.update(extra)
    return env


@pytest.mark.parametrize("module", ["snow_wizard", "snow_wizard.gui"])
def test_exit_when_shown_opens_the_real_window_and_exits_0(tmp_path: Path, module: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", module, "--exit-when-shown"], env=_env(tmp_path),
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_no_display_says_so_in_one_line_and_exits_2(tmp_path: Path) -> None:
    env = _env(tmp_path)
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(var, None)
    env["SSH_CONNECTION"] = "10.0.0.1 5000 10.0.0.2 22"
    proc = subprocess.run([sys.executable, "-m", "snow_wizard"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("snow-wizard: no display found (")
    assert "SSH session" in lines[0] and "snow-wizard add|list|test" in lines[0]
    assert "qt.qpa" not in proc.stderr and "Aborted" not in proc.stderr


def test_display_problem_rules() -> None:
    assert display_problem({}, "linux") == "neither DISPLAY nor WAYLAND_DISPLAY is set"
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({"DISPLAY": ":99999"}, "linux") is not None  # no X socket
    assert display_problem({"DISPLAY": "localhost:10.0"}, "linux") is None  # ssh -X
    assert display_problem({}, "win32") is None and display_problem({}, "darwin") is None
    assert "see snow-wizard --help" in headless_message("x")


def test_first_page_is_auth_type_with_title(wizard: Any) -> None:
    assert wizard.windowTitle() == WINDOW_TITLE
    assert wizard.currentId() == int(PageId.AUTH_TYPE)


def test_oauth_system_is_disabled_with_its_reason_beside_it(qtbot: Any, wizard: Any) -> None:
    page = wizard.auth_page
    assert not page.oauth_system.isEnabled()
    assert page.system_reason.isVisibleTo(page)
    assert page.system_reason.text() == OAUTH_SYSTEM_REASON
    assert "Not available" in OAUTH_SYSTEM_REASON and "OAuth - Custom" in OAUTH_SYSTEM_REASON
    qtbot.mouseClick(page.oauth_system, Qt.MouseButton.LeftButton)
    assert not page.oauth_system.isChecked()
    # The matrix, exactly: System unavailable in both modes; Basic and Custom in both.
    for mode in Mode:
        assert MATRIX[("basic", mode)] and MATRIX[("oauth_custom", mode)]
        assert not MATRIX[("oauth_system", mode)]
    for mode_button in (page.pre, page.users):
        click(qtbot, mode_button)
        assert not page.oauth_system.isEnabled()
        assert page.basic.isEnabled() and page.oauth_custom.isEnabled()


def test_use_the_local_sandbox_fills_every_page(qtbot: Any, wizard: Any) -> None:
    go_to_instance(qtbot, wizard)
    page = wizard.instance_page
    click(qtbot, page.sandbox_button)
    wait_idle(qtbot, page)
    sandbox = wizard.state.sandbox
    assert sandbox is not None
    assert page.instance_edit.text() == sandbox.url and page.isComplete()
    assert "local sandbox runs at" in page.status.plain_text()
    assert wizard.credentials_page.username.text() == sandbox.demo_user.user_name
    assert wizard.credentials_page.password.text() == sandbox.demo_user.password
    assert wizard.oauth_page.client_id.text() == sandbox.demo_app.client_id
    wizard.shutdown()  # stopped with the wizard
    assert wizard.state.sandbox is None


def test_closing_mid_flow_asks_before_discarding(
    qtbot: Any, wizard: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    wizard._confirm_close = True
    go_to_instance(qtbot, wizard)
    type_text(qtbot, wizard.instance_page.instance_edit, "acme")
    asked: list[str] = []

    def answer(choice: QMessageBox.StandardButton) -> Any:
        def question(_parent: Any, title: str, *_a: Any, **_k: Any) -> Any:
            asked.append(title)
            return choice
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Cancel))
    wizard.close()
    assert asked == ["Discard this connection?"] and wizard.isVisible()
    assert wizard.instance_page.instance_edit.text() == "acme"
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Discard))
    wizard.close()
    assert not wizard.isVisible()


def test_nothing_typed_closes_without_asking(
    qtbot: Any, wizard: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    wizard._confirm_close = True
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("asked"))
    wizard.close()
    assert not wizard.isVisible()


def test_geometry_is_remembered(make_wizard: Any, qsettings: Any) -> None:
    first = make_wizard()
    first.resize(740, 560)  # the offscreen screen is 800x600
    first.shutdown()
    assert qsettings.value("wizard/geometry") is not None
    second = make_wizard()
    assert (second.width(), second.height()) == (740, 560)


def test_keyboard_only_basic_flow_reaches_the_credentials(qtbot: Any, wizard: Any,
                                                         sandbox: Any) -> None:
    """Mnemonics, tab order and Enter: no mouse needed."""
    wiz = wizard
    qtbot.keyClick(wiz, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # Basic: a &user…
    assert wiz.auth_page.basic.isChecked()
    qtbot.keyClick(wiz.focusWidget() or wiz, Qt.Key.Key_Return)  # Enter = Next
    qtbot.waitUntil(lambda: wiz.currentId() == int(PageId.INSTANCE))
    qtbot.keyClick(wiz, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)  # &Instance
    assert wiz.focusWidget() is wiz.instance_page.instance_edit
    qtbot.keyClicks(wiz.focusWidget(), sandbox.url)
    qtbot.keyClick(wiz.focusWidget(), Qt.Key.Key_Tab)
    assert wiz.focusWidget() is wiz.instance_page.name_edit
    qtbot.keyClick(wiz.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wiz.currentId() == int(PageId.CREDENTIALS))
    qtbot.keyClick(wiz, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # &User name
    assert wiz.focusWidget() is wiz.credentials_page.username


def test_widgets_have_accessible_names(wizard: Any) -> None:
    from PySide6.QtWidgets import QAbstractButton, QLineEdit

    for page in wizard.all_pages():
        for widget in page.findChildren(QLineEdit):
            if widget.objectName().startswith("qt_"):  # Qt's own parts (spin box editor)
                continue
            assert widget.accessibleName(), f"{type(page).__name__}: a line edit has no name"
        for button in page.findChildren(QAbstractButton):
            if button.objectName().startswith("qt_") or isinstance(button.parent(), QLineEdit):
                continue  # Qt's own parts (corner button, clear button)
            assert button.accessibleName() or button.text(), type(page).__name__


def test_mnemonics_are_unique_on_every_page(wizard: Any) -> None:
    """Alt+letter must reach one control per page, the wizard's own buttons included."""
    import re

    from PySide6.QtWidgets import QAbstractButton, QLabel, QWizard

    wizard_keys = {"n", "b", "s", "f"}  # &Next, &Back, &Save (commit), &Finish
    assert wizard.buttonText(QWizard.WizardButton.NextButton) == "&Next >"
    for page in wizard.all_pages():
        keys: list[str] = []
        for widget in page.findChildren(QAbstractButton) + page.findChildren(QLabel):
            match = re.search(r"&([^&\s])", widget.text())
            if match and (isinstance(widget, QAbstractButton) or widget.buddy() is not None):
                keys.append(match.group(1).lower())
        dupes = {k for k in keys if keys.count(k) > 1} | (set(keys) & wizard_keys)
        assert not dupes, f"{type(page).__name__}: Alt+{sorted(dupes)} is ambiguous"


def test_sandbox_sign_in_hint_on_the_authorize_page(qtbot: Any, wizard: Any) -> None:
    from PySide6.QtGui import QGuiApplication
    from wizard_driver import click_next, wait_page

    go_to_instance(qtbot, wizard, oauth=True)
    click(qtbot, wizard.instance_page.sandbox_button)
    wait_idle(qtbot, wizard.instance_page)
    click_next(qtbot, wizard)
    wait_page(qtbot, wizard, PageId.OAUTH_APP)
    assert wizard.oauth_page.sandbox_sign_in.isVisibleTo(wizard.oauth_page)
    click_next(qtbot, wizard)
    wait_page(qtbot, wizard, PageId.AUTHORIZE)
    hint = wizard.authorize_page.sandbox_sign_in
    assert hint.isVisibleTo(wizard.authorize_page)
    password = wizard.state.sandbox.demo_user.password
    assert password not in hint.label.text()  # never shown on screen
    click(qtbot, hint.copy_button)
    assert QGuiApplication.clipboard().text() == password
