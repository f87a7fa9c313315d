"""A hibernating instance: the wake link opens off the Qt thread; Wait and re-test keeps testing
until the instance answers, and Cancel waiting stops the loop."""

from __future__ import annotations

import threading
import time
from typing import Any

from wizard_driver import (
    DEMO_PASSWORD,
    click,
    click_next,
    enter_instance,
    go_to_instance,
    type_text,
    wait_idle,
    wait_page,
)

from snow_wizard.core.responses import WAKE_URL
from snow_wizard.gui.wizard import PageId

INTERVAL_S = 0.3


def _credentials_page(qtbot: Any, wiz: Any, sandbox: Any) -> Any:
    go_to_instance(qtbot, wiz)
    enter_instance(qtbot, wiz, sandbox.url)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.CREDENTIALS)
    page = wiz.credentials_page
    type_text(qtbot, page.username, "admin")
    type_text(qtbot, page.password.edit, DEMO_PASSWORD)
    return page


def _test_while_asleep(qtbot: Any, wiz: Any, page: Any, sandbox: Any) -> Any:
    wiz.wake_interval_s = INTERVAL_S
    sandbox.faults.hibernating = True
    click(qtbot, page.test_button)
    wait_idle(qtbot, page)
    panel = page.wake
    assert "hibernating" in page.status.plain_text()
    assert panel.isVisible() and panel.wait_button.isVisible()
    assert WAKE_URL in panel.link.text() and "<a href" in panel.link.text()
    return panel


def test_wait_and_retest_succeeds_by_itself_once_the_instance_wakes(
    qtbot: Any, wizard: Any, sandbox: Any, ctx: Any
) -> None:
    wiz = wizard
    opened: list[tuple[str, bool]] = []
    ctx.open_browser = lambda url: opened.append(
        (url, threading.current_thread() is threading.main_thread())) or True
    page = _credentials_page(qtbot, wiz, sandbox)
    panel = _test_while_asleep(qtbot, wiz, page, sandbox)

    panel.link.linkActivated.emit(WAKE_URL)  # what a click on the link sends
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert opened == [(WAKE_URL, False)]  # opened, and not on the Qt thread

    click(qtbot, panel.wait_button)
    assert panel.waiting and panel.cancel_button.isVisible()
    assert panel.cancel_button.hasFocus()  # not Back, where Qt would move it
    assert "testing again in 1 s" in panel.countdown.text()
    qtbot.waitUntil(lambda: panel.attempts >= 2 and not page.runner.busy, timeout=10000)
    # still asleep: it goes on
    assert panel.waiting and "hibernating" in page.status.plain_text()

    sandbox.faults.hibernating = False  # the instance wakes; nobody clicks anything
    qtbot.waitUntil(lambda: page.status.kind == "ok", timeout=10000)
    assert "as System Administrator (admin)" in page.status.plain_text()
    assert not panel.waiting and not panel.isVisible()
    assert page.username.text() == "admin"  # input kept throughout


def test_cancel_waiting_stops_the_retests(
    qtbot: Any, wizard: Any, sandbox: Any
) -> None:
    wiz = wizard
    page = _credentials_page(qtbot, wiz, sandbox)
    panel = _test_while_asleep(qtbot, wiz, page, sandbox)
    click(qtbot, panel.wait_button)
    qtbot.waitUntil(lambda: panel.attempts >= 1 and not page.runner.busy, timeout=10000)
    click(qtbot, panel.cancel_button)
    attempts = panel.attempts
    assert not panel.waiting and panel.wait_button.isVisible()
    assert "Stopped waiting" in panel.countdown.text()
    sandbox.faults.hibernating = False
    deadline = time.monotonic() + INTERVAL_S * 4
    while time.monotonic() < deadline:
        qtbot.wait(50)
    assert panel.attempts == attempts  # no test ran after Cancel
    assert page.status.kind != "ok" and not page.runner.busy


def test_test_page_waits_too_and_back_stops_the_wait(
    qtbot: Any, wizard: Any, sandbox: Any
) -> None:
    wiz = wizard
    wiz.wake_interval_s = INTERVAL_S
    page = _credentials_page(qtbot, wiz, sandbox)
    sandbox.faults.hibernating = True
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.TEST)
    test = wiz.test_page
    wait_idle(qtbot, test)
    qtbot.waitUntil(lambda: test.wake.isVisible(), timeout=5000)
    click(qtbot, test.wake.wait_button)
    assert test.wake.waiting
    click(qtbot, wiz.button(wiz.WizardButton.BackButton))
    wait_page(qtbot, wiz, PageId.CREDENTIALS)
    assert not test.wake.waiting  # leaving the page ends the loop
    sandbox.faults.hibernating = False
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.TEST)
    qtbot.waitUntil(test.isComplete, timeout=10000)
    assert not test.wake.isVisible()
    assert page.password.text() == DEMO_PASSWORD


def test_oauth_page_waits_by_probing_without_opening_the_browser_again(
    qtbot: Any, wizard: Any, sandbox: Any, browser: Any
) -> None:
    from snow_wizard.core.diagnosis import error

    wiz = wizard
    wiz.wake_interval_s = INTERVAL_S
    go_to_instance(qtbot, wiz, oauth=True)
    enter_instance(qtbot, wiz, sandbox.url)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.OAUTH_APP)
    page = wiz.oauth_page
    sandbox.faults.hibernating = True
    # what the consent's token exchange raises on a sleeping instance
    page.wake.on_error(error("hibernating", instance=sandbox.url, wake_url=WAKE_URL))
    assert page.wake.isVisible()
    click(qtbot, page.wake.wait_button)
    qtbot.waitUntil(lambda: page.wake.attempts >= 1 and not page.runner.busy, timeout=10000)
    assert page.wake.waiting and "hibernating" in page.status.plain_text()
    sandbox.faults.hibernating = False
    qtbot.waitUntil(lambda: page.status.kind == "ok", timeout=10000)
    assert "awake" in page.status.plain_text() and not page.wake.isVisible()
    assert browser.urls == []  # the probe never opened a browser
