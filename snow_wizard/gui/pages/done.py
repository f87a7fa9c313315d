"""The final page: how to use the saved profile (CLI, Python), and Export for shared profiles."""

from __future__ import annotations

import json
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
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(QLabel("Command line:"))
        layout.addWidget(self.cli)
        layout.addWidget(self.copy_cli)
        layout.addWidget(QLabel("Python:"))
        layout.addWidget(self.python)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_python)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)
        self.export_note = hint_label(
            "Users import the exported file with <code>snow-wizard import FILE</code>; it holds "
            "no secret (they enter the client secret, then sign in themselves)."
        )
        layout.addWidget(self.export_note)
        layout.addWidget(self.status)
        layout.addStretch(1)
        again = QHBoxLayout()
        again.addWidget(hint_label("Another instance or another integration?"), 1)
        again.addWidget(self.new_button)
        layout.addLayout(again)
        for w in (self.cli, self.python):
            w.setMaximumHeight(118)

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
        shared = profile.mode is Mode.USER_AUTHORIZE
        self.export_button.setVisible(shared)
        self.export_note.setVisible(shared)

    def _copy(self, edit: QPlainTextEdit, button: QPushButton) -> None:
        QGuiApplication.clipboard().setText(edit.toPlainText())
        self.status.success("Copied to the clipboard.")

    def export_profile(self, path: str | None = None) -> Path | None:
        from snow_wizard.core.connections import export_profile

        profile = self.wiz.state.saved_profile
        if profile is None:
            return None
        if not path:
            path = self.wiz.ask_save_path(self, "Export profile", f"{profile.name}.json")
        if not path:
            return None
        try:
            data = export_profile(self.wiz.ctx, profile.name)
            Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        except Exception as e:  # shown, not raised
            self.status.show_error(e)
            return None
        self.status.success(f"Exported to {path} (no secret in it).")
        return Path(path)
