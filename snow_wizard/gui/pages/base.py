"""What every page shares: a status line, a task runner, and input that survives Back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget, QWizardPage

from snow_wizard.errors import SnowWizardError
from snow_wizard.gui.async_support import TaskRunner
from snow_wizard.gui.widgets import StatusLine

if TYPE_CHECKING:
    from snow_wizard.gui.wake import WakePanel
    from snow_wizard.gui.wizard import ConnectionWizard


class BasePage(QWizardPage):
    """A wizard page whose async work is cancellable and whose input is never reset."""

    def __init__(self, title: str, subtitle: str = "") -> None:
        super().__init__()
        self.setTitle(title)
        if subtitle:
            self.setSubTitle(subtitle)
        self.status = StatusLine(self)
        self.status.setObjectName("status")
        self.runner = TaskRunner(self.status, self)
        self.runner.busyChanged.connect(self._busy_changed)
        self.wake: WakePanel | None = None  # pages that test: the hibernating instance's panel

    def _busy_changed(self, busy: bool) -> None:
        self.completeChanged.emit()
        if not busy:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, self._refocus)

    def _refocus(self) -> None:
        """After a call: while it ran, Next was disabled and Qt moved the focus to the page's
        own button (Test credentials, ...), so Enter would run it again. Once the page is
        complete, the focus goes where the user continues (typing in a field is left alone)."""
        from PySide6.QtWidgets import QAbstractButton, QApplication

        wiz = self.wizard()
        if wiz is None or wiz.currentPage() is not self or not self.isComplete():
            return
        focus = QApplication.focusWidget()
        if focus is None or (isinstance(focus, QAbstractButton) and self.isAncestorOf(focus)):
            self.wiz.focus_page()

    @property
    def wiz(self) -> ConnectionWizard:
        return self.wizard()  # type: ignore[return-value]

    def isComplete(self) -> bool:
        return not self.runner.busy and super().isComplete()

    def cleanupPage(self) -> None:
        """Back: cancel what runs here, keep every value typed (Qt would reset the fields)."""
        self.cancel_work()

    def cancel_work(self) -> None:
        if self.wake is not None:
            self.wake.stop()
        self.runner.cancel()

    def add_wake_panel(self, retry: Callable[[], None] | None = None, **kw: str) -> WakePanel:
        """The wake link and Wait and re-test, for a page whose test may meet a sleeping
        instance (``retry`` None: probe whether it is awake instead of testing again)."""
        from snow_wizard.gui.wake import WakePanel

        self.wake = WakePanel(self, retry, **kw)
        return self.wake

    def focus_target(self) -> QWidget | None:
        """Where the keyboard focus goes when the page appears (None: the Next button)."""
        return None

    def export_to_file(self, name: str, path: str | None = None) -> Path | None:
        """Export profile ``name`` (never a secret) to ``path``, or to a file the user picks;
        the outcome goes to the status line. None when cancelled or failed."""
        from snow_wizard.core.profile_export import write_export

        if not path:
            path = self.wiz.ask_save_path(self, "Export profile", f"{name}.json")
        if not path:
            return None
        try:
            written = write_export(self.wiz.ctx, name, path)
        except SnowWizardError as e:  # shown, not raised
            self.status.show_error(e)
            return None
        self.status.success(f"Exported {name} to {written} (no secret in it).")
        return written

    def secret_values(self) -> list[str]:
        """Values on this page that must never appear in an error report."""
        return []
