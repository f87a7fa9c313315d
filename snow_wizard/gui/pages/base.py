"""What every page shares: a status line, a task runner, and input that survives Back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWizardPage

from snow_wizard.gui.async_support import TaskRunner
from snow_wizard.gui.widgets import StatusLine

if TYPE_CHECKING:
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
        self.runner.busyChanged.connect(lambda _busy: self.completeChanged.emit())

    @property
    def wiz(self) -> ConnectionWizard:
        return self.wizard()  # type: ignore[return-value]

    def isComplete(self) -> bool:
        return not self.runner.busy and super().isComplete()

    def cleanupPage(self) -> None:
        """Back: cancel what runs here, keep every value typed (Qt would reset the fields)."""
        self.runner.cancel()

    def cancel_work(self) -> None:
        self.runner.cancel()

    def secret_values(self) -> list[str]:
        """Values on this page that must never appear in an error report."""
        return []
