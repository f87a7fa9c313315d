"""Unexpected errors: a dialog with copyable details (secrets redacted), never a bare traceback."""

from __future__ import annotations

import platform
import sys
import traceback
from collections.abc import Callable, Iterable
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

REDACTED = "********"


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret value in ``text``, longest first (a secret may contain another)."""
    for secret in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def details_text(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None,
    secrets: Iterable[str],
) -> str:
    from PySide6 import __version__ as pyside_version

    import snow_wizard

    header = (
        f"snow-wizard {snow_wizard.__version__}, Python {platform.python_version()}, "
        f"PySide6 {pyside_version}, {platform.platform()}\n\n"
    )
    body = "".join(traceback.format_exception(exc_type, exc, tb))
    return redact(header + body, secrets)


class ErrorDialog(QDialog):
    def __init__(self, summary: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Something went wrong")
        self.setObjectName("ErrorDialog")
        label = QLabel(
            "snow-wizard hit an unexpected problem. Nothing you entered was lost; you can try "
            f"again.\n\n{summary}\n\nIf it happens again, please report it with the details "
            "below (secrets are removed from them)."
        )
        label.setWordWrap(True)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setAccessibleName("Error details")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("&Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.details.toPlainText())
        )
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(640, 420)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)


class ExceptHook:
    """sys.excepthook for the GUI: shows ErrorDialog (non-blocking) and keeps the app running."""

    def __init__(self, secrets: Callable[[], Iterable[str]], parent: Callable[[], QWidget | None]):
        self._secrets = secrets
        self._parent = parent
        self.dialogs: list[ErrorDialog] = []
        self.previous = sys.excepthook

    def __call__(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        try:
            secrets = list(self._secrets())
        except Exception:
            secrets = []
        details = details_text(exc_type, exc, tb, secrets)
        summary = redact(f"{exc_type.__name__}: {exc}", secrets)
        if QApplication.instance() is None:
            sys.stderr.write(details)
            return
        dialog = ErrorDialog(summary, details, self._parent())
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog))
        dialog.open()

    def install(self) -> None:
        sys.excepthook = self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self.previous

    def loop_handler(self, loop: object, context: dict[str, object]) -> None:
        """asyncio exception handler: same dialog for errors in callbacks and lost tasks."""
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            self(type(exc), exc, exc.__traceback__)
        else:
            err = RuntimeError(str(context.get("message", "unknown error in the event loop")))
            self(RuntimeError, err, None)
