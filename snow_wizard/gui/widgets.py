"""Small reusable widgets: spinner, status line with Cancel, copy field, secret field."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QPalette

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent

# The Qt namespace costs ~70 ms the first time Python touches it (all its enums are built):
# the first page must paint without it, so it is imported only where painting or later work
# needs it.
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

OK_COLOR = "#1b7f3b"
ERROR_COLOR = "#b3261e"


class Spinner(QWidget):
    """A small rotating busy indicator, painted (no font or animation file needed)."""

    def __init__(self, parent: QWidget | None = None, size: int = 18) -> None:
        super().__init__(parent)
        self._angle = 0
        self._timer = QTimer(self)
        self._timer.setInterval(80)
        self._timer.timeout.connect(self._tick)
        self.setFixedSize(size, size)
        self.setAccessibleName("Busy")
        self.hide()

    def start(self) -> None:
        self._timer.start()
        self.show()

    def stop(self) -> None:
        self._timer.stop()
        self.hide()

    def _tick(self) -> None:
        self._angle = (self._angle + 30) % 360
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor, QPainter

        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        color = QColor(self.palette().color(QPalette.ColorRole.WindowText))
        side = min(self.width(), self.height())
        p.translate(self.width() / 2, self.height() / 2)
        p.rotate(self._angle)
        for i in range(12):
            color.setAlphaF(max(0.15, 1.0 - i / 12))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(color)
            p.drawRoundedRect(QRectF(side * 0.18, -side * 0.05, side * 0.3, side * 0.1), 1, 1)
            p.rotate(-30)
        p.end()


class StatusLine(QWidget):
    """A page's status: spinner + progress text + Cancel while busy; result or diagnosis after."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spinner = Spinner(self)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.label.setAccessibleName("Status")
        self.cancel_button = QPushButton("Cancel", self)  # Escape also cancels
        self.cancel_button.setAccessibleName("Cancel the running operation")
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.cancel_button.hide()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 0)
        row.addWidget(self.spinner)
        row.addWidget(self.label, 1)
        row.addWidget(self.cancel_button)
        self.kind = "empty"
        self._selectable = False

    def text(self) -> str:
        return self.label.text()

    def plain_text(self) -> str:
        doc = self.label.text().replace("<br>", "\n").replace("</li>", "\n")
        import re

        return html.unescape(re.sub(r"<[^>]+>", "", doc)).strip()

    def clear(self) -> None:
        self._set("empty", "")

    def busy(self, text: str, *, cancellable: bool = True) -> None:
        self.spinner.start()
        self.cancel_button.setVisible(cancellable)
        self.label.setText(html.escape(text))
        self.kind = "busy"

    def update_busy_text(self, text: str) -> None:
        if self.kind == "busy":
            self.label.setText(html.escape(text))

    def info(self, text: str) -> None:
        self._set("info", html.escape(text))

    def success(self, text: str) -> None:
        self._set("ok", f'<span style="color:{OK_COLOR}">✔ {html.escape(text)}</span>')

    def failure(self, message: str, hint: str = "", causes: tuple[str, ...] = ()) -> None:
        parts = [f'<b style="color:{ERROR_COLOR}">✖ {html.escape(message)}</b>']
        if hint:
            parts.append(html.escape(hint))
        if causes:
            items = "".join(f"<li>{html.escape(c)}</li>" for c in causes)
            parts.append(f"Most likely causes:<ul style='margin:0'>{items}</ul>")
        self._set("error", "<br>".join(parts))

    def show_error(self, error: BaseException) -> None:
        """A SnowWizardError's message, hint and causes; anything else as a generic failure."""
        message = getattr(error, "message", None) or str(error) or type(error).__name__
        self.failure(message, getattr(error, "hint", ""), tuple(getattr(error, "causes", ())))

    def _set(self, kind: str, rich: str) -> None:
        if not self._selectable:  # (on first use: see the note on the Qt namespace above)
            from PySide6.QtCore import Qt

            self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._selectable = True
        self.spinner.stop()
        self.cancel_button.hide()
        self.label.setText(rich)
        self.kind = kind


class CopyField(QWidget):
    """A read-only value with a Copy button."""

    copied = Signal(str)

    def __init__(self, value: str = "", *, name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(value, self)
        self.edit.setReadOnly(True)
        self.edit.setAccessibleName(name or "Value")
        self.button = QPushButton("Copy", self)
        self.button.setAccessibleName(f"Copy {name}".strip())
        self.button.setToolTip(f"Copy {name or 'the value'} to the clipboard")
        self.button.clicked.connect(self.copy)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)

    def value(self) -> str:
        return self.edit.text()

    def set_value(self, value: str) -> None:
        self.edit.setText(value)
        self.edit.setCursorPosition(0)

    def copy(self) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(self.edit.text())
        self.button.setText("Copied")
        QTimer.singleShot(1500, lambda: self.button.setText("Copy"))
        self.copied.emit(self.edit.text())


class SecretField(QWidget):
    """A password-style field with a Show/Hide toggle. Masked by default."""

    textChanged = Signal(str)

    def __init__(self, *, name: str = "Secret", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName(name)
        self.edit.textChanged.connect(self.textChanged)
        self.toggle = QToolButton(self)
        self.toggle.setText("Show")
        self.toggle.setCheckable(True)
        self.toggle.setAccessibleName(f"Show {name.lower()}")
        self.toggle.setToolTip(f"Show or hide the {name.lower()}")
        self.toggle.toggled.connect(self._toggled)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.toggle)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def is_masked(self) -> bool:
        return self.edit.echoMode() == QLineEdit.EchoMode.Password

    def set_masked(self, masked: bool) -> None:
        self.toggle.setChecked(not masked)

    def _toggled(self, shown: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.toggle.setText("Hide" if shown else "Show")


def hint_label(text: str, parent: QWidget | None = None) -> QLabel:
    """Secondary explanatory text, word-wrapped and slightly muted."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setOpenExternalLinks(False)
    pal = label.palette()
    pal.setColor(QPalette.ColorRole.WindowText, pal.color(QPalette.ColorRole.PlaceholderText))
    label.setPalette(pal)
    return label


def vbox(parent: QWidget, *widgets: QWidget) -> QVBoxLayout:
    layout = QVBoxLayout(parent)
    for w in widgets:
        layout.addWidget(w)
    return layout
