"""The final page: how to use the saved profile (CLI, Python), and Export for shared profiles."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from snow_wizard.core.profiles import Mode, Profile
from snow_wizard.gui.pages.base import BasePage
from snow_wizard.gui.widgets import hint_label


def cli_lines(profile: Profile) -> str:
    name = profile.name
    lines = [
        f"snow-wizard test {name}        # test the connection again",
        f"snow-wizard show {name}        # what is stored (never a secret)",
    ]
    if profile.auth.value == "oauth":
        lines.append(f"snow-wizard token {name}       # print a valid access token")
        lines.append(f"snow-wizard authorize {name}   # sign in and allow the app again")
    if profile.mode is Mode.USER_AUTHORIZE:
        lines.append(f"snow-wizard export {name} -o {name}.json   # share with your users")
    return "\n".join(lines)


def python_snippet(profile: Profile) -> str:
    return (
        "import snow_wizard\n\n"
        f'with snow_wizard.connect("{profile.name}") as client:\n'
        '    r = client.get("/api/now/table/incident", params={"sysparm_limit": 1})\n'
        "    r.raise_for_status()\n"
        '    print(r.json()["result"])\n'
    )


def fit_height(edit: QPlainTextEdit) -> None:
    """Tall enough for every line of the text (no scroll bar for a short snippet)."""
    lines = max(1, edit.toPlainText().rstrip("\n").count("\n") + 1)
    margins = edit.contentsMargins()
    doc_margin = 2 * edit.document().documentMargin()
    height = edit.fontMetrics().lineSpacing() * lines + doc_margin + margins.top()
    edit.setFixedHeight(int(height + margins.bottom() + 4))
    from PySide6.QtCore import Qt

    edit.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # all of it shows


class DonePage(BasePage):
    def __init__(self) -> None:
        super().__init__("Connection saved", "Here is how your scripts use it.")
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setObjectName("headline")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.cli = QPlainTextEdit()
        self.cli.setReadOnly(True)
        self.cli.setFont(mono)
        self.cli.setAccessibleName("Command-line examples")
        self.python = QPlainTextEdit()
        self.python.setReadOnly(True)
        self.python.setFont(mono)
        self.python.setAccessibleName("Python example")
        self.copy_cli = QPushButton("Copy &commands")
        self.copy_python = QPushButton("Copy &Python")
        self.copy_cli.clicked.connect(lambda: self._copy(self.cli, self.copy_cli))
        self.copy_python.clicked.connect(lambda: self._copy(self.python, self.copy_python))
        self.export_button = QPushButton("&Export profile…")
        self.export_button.setAccessibleName("Export profile")
        self.export_button.setToolTip("A profile file without any secret, to give to your users")
        self.export_button.clicked.connect(lambda: self.export_profile())
        self.new_button = QPushButton("New c&onnection")
        self.new_button.setAccessibleName("New connection")
        self.new_button.setToolTip("Set up another connection, starting with a clean form")
        self.new_button.clicked.connect(lambda: self.wiz.new_connection())
        self.export_note = hint_label(
            "Give your users the exported profile: they import it with "
            "<code>snow-wizard import FILE</code>. It holds no secret (they enter the client "
            "secret, then sign in themselves)."
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        for title, edit, button in (("Command line:", self.cli, self.copy_cli),
                                    ("Python:", self.python, self.copy_python)):
            layout.addSpacing(6)
            layout.addWidget(QLabel(title))
            layout.addWidget(edit)
            row = QHBoxLayout()
            row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
        layout.addSpacing(6)
        export_row = QHBoxLayout()
        export_row.addWidget(self.export_note, 1)
        export_row.addWidget(self.export_button)
        layout.addLayout(export_row)
        layout.addWidget(self.status)
        layout.addStretch(1)
        again = QHBoxLayout()
        again.addWidget(hint_label("Another instance or another integration?"), 1)
        again.addWidget(self.new_button)
        layout.addLayout(again)

    def initializePage(self) -> None:
        profile = self.wiz.state.saved_profile
        if profile is None:
            return
        self.headline.setText(
            f"The profile <b>{profile.name}</b> for {profile.instance} is saved. "
            "Scripts and the command line use it by name."
        )
        self.cli.setPlainText(cli_lines(profile))
        self.python.setPlainText(python_snippet(profile))
        for edit in (self.cli, self.python):
            fit_height(edit)
        shared = profile.mode is Mode.USER_AUTHORIZE
        self.export_button.setVisible(shared)
        self.export_note.setVisible(shared)

    def _copy(self, edit: QPlainTextEdit, button: QPushButton) -> None:
        QGuiApplication.clipboard().setText(edit.toPlainText())
        self.status.success("Copied to the clipboard.")

    def export_profile(self, path: str | None = None) -> Path | None:
        profile = self.wiz.state.saved_profile
        return None if profile is None else self.export_to_file(profile.name, path)
