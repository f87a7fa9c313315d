"""Calls run on the qasync loop: the window keeps working, Cancel and Back stop a call, and a
failure keeps everything typed."""

from __future__ import annotations

import itertools
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer
from wizard_driver import (
    DEMO_PASSWORD,
    click,
    click_back,
    click_next,
    enter_instance,
    go_to_instance,
    type_text,
    wait_idle,
    wait_page,
)

from snow_wizard.gui.wizard import PageId


def _on_credentials(qtbot: Any, wiz: Any, sandbox: Any, password: str = DEMO_PASSWORD) -> Any:
    go_to_instance(qtbot, wiz)
    enter_instance(qtbot, wiz, sandbox.url, name="slow")
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.CREDENTIALS)
    page = wiz.credentials_page
    type_text(qtbot, page.username, "admin")
    type_text(qtbot, page.password.edit, password)
    return page


def test_event_loop_keeps_running_during_a_slow_call_and_cancel_stops_it(
    qtbot: Any, wizard: Any, sandbox: Any
) -> None:
    page = _on_credentials(qtbot, wizard, sandbox)
    sandbox.faults.delay = 3.0
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    click(qtbot, page.test_button)
    assert page.runner.busy and page.status.spinner.isVisibleTo(page)
    assert page.status.cancel_button.isVisibleTo(page)
    assert not wizard.button(wizard.WizardButton.NextButton).isEnabled()  # busy: no Next
    started = time.monotonic()
    qtbot.wait(1000)
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    # A blocked loop would show no tick at all until the 3 s answer; allow for a busy machine.
    assert len(ticks) >= 10, "the Qt event loop stalled while the sandbox was slow"
    assert max(gaps) < 0.5
    type_text(qtbot, page.username, "admin2")  # typing still works while the call runs
    assert page.username.text() == "admin2"
    click(qtbot, page.status.cancel_button)
    wait_idle(qtbot, page)
    assert time.monotonic() - started < 2.5  # did not wait for the slow answer
    assert "Cancelled" in page.status.plain_text()
    assert page.password.text() == DEMO_PASSWORD
    timer.stop()


def test_back_during_a_call_cancels_it_and_keeps_input(
    qtbot: Any, wizard: Any, sandbox: Any
) -> None:
    page = _on_credentials(qtbot, wizard, sandbox)
    sandbox.faults.delay = 3.0
    click(qtbot, page.test_button)
    task = page.runner.task
    assert page.runner.busy
    click_back(qtbot, wizard)
    wait_page(qtbot, wizard, PageId.INSTANCE)
    qtbot.waitUntil(task.done, timeout=2000)
    wait_idle(qtbot, page)
    assert wizard.instance_page.profile_name() == "slow"
    sandbox.faults.delay = 0
    click_next(qtbot, wizard)
    wait_page(qtbot, wizard, PageId.CREDENTIALS)
    assert page.username.text() == "admin" and page.password.text() == DEMO_PASSWORD


def test_escape_cancels_the_running_call_first(qtbot: Any, wizard: Any, sandbox: Any) -> None:
    page = _on_credentials(qtbot, wizard, sandbox)
    sandbox.faults.delay = 3.0
    click(qtbot, page.test_button)
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    wait_idle(qtbot, page)
    assert wizard.isVisible()  # the first Escape cancelled the call, not the wizard
    assert "Cancelled" in page.status.plain_text()


def test_wrong_password_shows_the_diagnosis_and_keeps_input(
    qtbot: Any, wizard: Any, sandbox: Any
) -> None:
    page = _on_credentials(qtbot, wizard, sandbox, password="wrong-password")
    click_next(qtbot, wizard)
    wait_page(qtbot, wizard, PageId.TEST)
    test = wizard.test_page
    wait_idle(qtbot, test)
    text = test.status.plain_text()
    assert "refused the user name or password (HTTP 401)" in text
    assert "snc_basic_auth_api_access" in text  # the hint
    assert not test.isComplete()
    assert test.save_anyway.isVisibleTo(test)
    click_back(qtbot, wizard)
    wait_page(qtbot, wizard, PageId.CREDENTIALS)
    assert page.username.text() == "admin" and page.password.text() == "wrong-password"
    assert wizard.instance_page.instance_edit.text() == sandbox.url
    type_text(qtbot, page.password.edit, DEMO_PASSWORD)
    click_next(qtbot, wizard)
    wait_page(qtbot, wizard, PageId.TEST)
    qtbot.waitUntil(test.isComplete, timeout=15000)  # retried with the new password


def test_hibernating_instance_is_explained(qtbot: Any, wizard: Any, sandbox: Any) -> None:
    page = _on_credentials(qtbot, wizard, sandbox)
    sandbox.faults.hibernating = True
    click(qtbot, page.test_button)
    wait_idle(qtbot, page)
    assert "hibernating" in page.status.plain_text()
    assert page.status.kind == "error"
