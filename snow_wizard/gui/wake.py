"""A hibernating instance: the wake link, and "Wait and re-test" until the instance answers.

A page that tests shows a :class:`WakePanel` under its status line and reports every result to it
(:meth:`WakePanel.on_error`, :meth:`WakePanel.on_success`, :meth:`WakePanel.cancel`). When a test
fails with the diagnosis code ``hibernating`` the panel appears with the link to wake the instance
(opened off the Qt thread) and a Wait and re-test button; while waiting it counts down and runs
the page's test again every ``wizard.wake_interval_s`` seconds until the instance answers, an
other failure comes back, or the user clicks Cancel waiting.

Pages whose test needs the browser (OAuth consent) do not repeat the consent: in probe mode the
panel asks the instance, without credentials, whether it is awake, then says so.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from snow_wizard.core.instance import Instance
    from snow_wizard.gui.pages.base import BasePage

DEFAULT_INTERVAL_S = 20.0
# Failures that mean "the instance did not answer (yet)": keep waiting through them.
ASLEEP_CODES = frozenset({"hibernating"})
NOT_ANSWERING = frozenset({"hibernating", "dns", "connection", "timeout", "tls", "not_servicenow"})


def wake_url() -> str:
    from snow_wizard.core.responses import WAKE_URL  # loaded with the test that failed

    return WAKE_URL


async def probe_awake(instance: Instance, timeout: float) -> None:
    """Raise the diagnosis while the instance does not answer; return once it answers."""
    from snow_wizard.core.servicenow import BearerAuth, test_credentials
    from snow_wizard.errors import SnowWizardError

    try:
        await test_credentials(
            instance, BearerAuth("awake-probe"), auth_kind="oauth", timeout=timeout,
            max_retries=0,
        )
    except SnowWizardError as e:
        if e.code in NOT_ANSWERING:
            raise
        # Anything else (the probe's token refused, ...) means the instance answered.


class WakePanel(QWidget):
    """Wake link + Wait and re-test with a countdown and Cancel (hidden until needed)."""

    def __init__(
        self,
        page: BasePage,
        retry: Callable[[], None] | None = None,
        *,
        awake_text: str = "The instance is awake. Try again now.",
    ) -> None:
        super().__init__()
        self.setObjectName("wake_panel")
        self._page = page
        self._retry = retry if retry is not None else self._probe
        self._awake_text = awake_text
        self.waiting = False
        self.attempts = 0
        self._deadline = 0.0
        self.link = QLabel()
        self.link.setObjectName("wake_link")
        self.link.setAccessibleName("Wake the instance")
        self.link.setWordWrap(True)
        self.link.setOpenExternalLinks(False)  # opened off the Qt thread, through the context
        self.link.linkActivated.connect(self.open_wake_link)
        self.wait_button = QPushButton("Wait an&d re-test")
        self.wait_button.setAccessibleName("Wait for the instance and test again")
        self.wait_button.setToolTip("Test again automatically until the instance answers")
        self.wait_button.clicked.connect(self.start_waiting)
        self.countdown = QLabel()
        self.countdown.setObjectName("wake_countdown")
        self.countdown.setAccessibleName("Waiting for the instance")
        self.countdown.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel waiting")
        self.cancel_button.setAccessibleName("Stop waiting for the instance")
        self.cancel_button.clicked.connect(self.cancel)
        self._timer = QTimer(self)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self._tick)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.wait_button)
        row.addWidget(self.countdown, 1)
        row.addWidget(self.cancel_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.link)
        column.addLayout(row)
        self._set_waiting(False)
        self.hide()

    # -- what the page reports ---------------------------------------------------------------
    def on_error(self, error: BaseException) -> None:
        code = getattr(error, "code", "")
        if code in ASLEEP_CODES or (self.waiting and code in NOT_ANSWERING):
            self._show_link()
            self.show()
            if self.waiting:
                self._schedule()
            return
        self.stop()
        self.hide()

    def on_success(self, _result: object = None) -> None:
        was_waiting = self.waiting
        self.stop()
        self.hide()
        if was_waiting and self.attempts:
            self.countdown.setText("")

    def cancel(self) -> None:
        """Stop waiting (the panel stays, so the user can start again)."""
        if not self.waiting:
            return
        self.stop()
        if self._page.runner.busy:
            self._page.runner.cancel()
        self.countdown.setText("Stopped waiting. The instance may still be waking up.")
        self.wait_button.setFocus()

    def stop(self) -> None:
        self._timer.stop()
        self._set_waiting(False)

    # -- waiting -------------------------------------------------------------------------------
    def interval(self) -> float:
        wiz = self._page.wizard()
        return float(getattr(wiz, "wake_interval_s", DEFAULT_INTERVAL_S))

    def start_waiting(self) -> None:
        self.attempts = 0
        self._set_waiting(True)
        self.cancel_button.setFocus()  # the clicked button hides: keep the focus in the panel
        self._schedule()

    def _schedule(self) -> None:
        self._deadline = time.monotonic() + self.interval()
        self._tick()
        self._timer.start()

    def seconds_left(self) -> int:
        return max(0, math.ceil(self._deadline - time.monotonic()))

    def _tick(self) -> None:
        left = self._deadline - time.monotonic()
        if left > 0:
            self.countdown.setText(
                f"Waiting for the instance to wake up: testing again in {math.ceil(left)} s"
                + (f" (tried {self.attempts} times)." if self.attempts else ".")
            )
            return
        self._timer.stop()
        self.attempts += 1
        self.countdown.setText("Testing again…")
        self._retry()

    def _set_waiting(self, waiting: bool) -> None:
        self.waiting = waiting
        self.wait_button.setVisible(not waiting)
        self.cancel_button.setVisible(waiting)
        if not waiting:
            self._timer.stop()

    # -- the link --------------------------------------------------------------------------------
    def _show_link(self) -> None:
        url = html.escape(wake_url())
        self.link.setText(
            f'<a href="{url}">Open the developer portal to wake the instance</a>. Waking '
            "takes a few minutes: Wait and re-test tries again by itself until it answers."
        )

    def open_wake_link(self, url: str = "") -> None:
        import threading

        target = url or wake_url()
        opener: Any = self._page.wiz.ctx.open_browser
        # webbrowser may wait for the browser command: never on the Qt thread.
        threading.Thread(target=opener, args=(target,), daemon=True).start()
        self._page.status.info(f"Opening {target} in your browser.")

    # -- probe mode (pages whose test needs the browser) -------------------------------------
    def _probe(self) -> None:
        wiz = self._page.wiz
        instance = wiz.instance()
        if instance is None:
            self.stop()
            return
        self._page.runner.start(
            probe_awake(instance, wiz.ctx.http_timeout),
            busy_text=f"Checking whether {instance.base_url} is awake…",
            on_success=self._awake,
            on_error=self.on_error,
            on_cancel=self.cancel,
        )

    def _awake(self, _result: object) -> None:
        self.on_success()
        self._page.status.success(self._awake_text)
