"""Instance and profile name, validated as the user types; the local sandbox at one click."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from snow_wizard.core.instance import Instance, parse_instance, suggest_profile_name
from snow_wizard.core.profiles import validate_profile_name
from snow_wizard.errors import SnowWizardError
from snow_wizard.gui.pages.base import BasePage
from snow_wizard.gui.widgets import ERROR_COLOR, OK_COLOR, hint_label


class InstancePage(BasePage):
    def __init__(self) -> None:
        super().__init__(
            "Which instance?",
            "Enter your ServiceNow instance: a name like acme, a host like "
            "acme.service-now.com, or any URL copied from the browser.",
        )
        self.instance_edit = QLineEdit()
        self.instance_edit.setPlaceholderText("acme  or  acme.service-now.com  or  https://…")
        self.instance_edit.setAccessibleName("Instance")
        self.instance_edit.setClearButtonEnabled(True)
        self.preview = QLabel()
        self.preview.setObjectName("instance_preview")
        self.preview.setAccessibleName("Instance URL preview")
        self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Profile name")
        self.name_edit.setPlaceholderText("suggested from the instance")
        self.name_message = QLabel()
        self.name_message.setObjectName("name_message")
        self.name_message.setAccessibleName("Profile name check")
        self.name_message.setWordWrap(True)
        self.free_name_button = QPushButton()
        self.free_name_button.setObjectName("use_free_name")
        self.free_name_button.setAccessibleName("Use the suggested free profile name")
        self.free_name_button.clicked.connect(self._use_free_name)
        self.free_name_button.hide()
        self._free_suggestion = ""
        self.sandbox_button = QPushButton("&Use the local sandbox")
        self.sandbox_button.setAccessibleName("Use the local sandbox")
        self.sandbox_button.setToolTip(
            "Starts a local ServiceNow-compatible instance inside this app and fills in its "
            "URL, a demo user and a demo OAuth app, so you can try every step."
        )
        self.sandbox_button.clicked.connect(self._use_sandbox)
        self._name_edited = False
        self._touched = False  # the user typed in the instance field at least once
        self._instance: Instance | None = None
        self._instance_error: SnowWizardError | None = None
        self._name_error: str | None = None

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self._label("&Instance:", self.instance_edit),
                    self._with_message(self.instance_edit, self.preview))
        form.addRow(self._label("Profile na&me:", self.name_edit),
                    self._with_message(self.name_edit, self.name_message,
                                       self.free_name_button))
        sandbox_box = QGroupBox("No instance at hand?")
        sandbox_layout = QVBoxLayout(sandbox_box)
        sandbox_layout.addWidget(hint_label(
            "Try every step against a local ServiceNow-compatible sandbox that runs inside this "
            "window until you close it. It comes with a demo user and a demo OAuth app, filled "
            "in for you on the next pages."
        ))
        sandbox_layout.addWidget(self.sandbox_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint_label(
            "The profile name is how scripts refer to this connection, e.g. "
            "<code>snow-wizard test NAME</code>."
        ))
        layout.addSpacing(12)
        layout.addWidget(sandbox_box)
        layout.addStretch(1)
        layout.addWidget(self.status)

        self.registerField("instance*", self.instance_edit)
        self.registerField("profile_name*", self.name_edit)
        self.instance_edit.textEdited.connect(self._mark_touched)
        self.instance_edit.textChanged.connect(self._instance_changed)
        self.name_edit.textEdited.connect(self._name_typed)
        self.name_edit.textChanged.connect(self._validate_name)
        self._instance_changed(self.instance_edit.text())

    @staticmethod
    def _with_message(edit: QLineEdit, message: QLabel, action: QWidget | None = None) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(edit)
        if action is None:
            column.addWidget(message)
            return box
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(message, 1)
        row.addWidget(action, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(row)
        return box

    @staticmethod
    def _label(text: str, buddy: QLineEdit) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    # -- values ---------------------------------------------------------------------------
    def instance(self) -> Instance | None:
        return self._instance

    def profile_name(self) -> str:
        return self.name_edit.text().strip()

    def instance_message(self) -> str:
        return plain(self.preview.text())

    def name_check_message(self) -> str:
        return plain(self.name_message.text())

    def focus_target(self) -> QWidget | None:
        if self._instance is None:
            return self.instance_edit
        return self.name_edit if self._name_error or not self.profile_name() else None

    def has_input(self) -> bool:
        return bool(self.instance_edit.text().strip() or self.name_edit.text().strip())

    # -- validation as you type -----------------------------------------------------------------
    def _instance_changed(self, text: str) -> None:
        try:
            self._instance = parse_instance(text)
            self._instance_error = None
        except SnowWizardError as e:
            self._instance, self._instance_error = None, e
        if self._instance is not None:
            self._show(self.preview, f"→ {self._instance.base_url}", ok=True)
            if not self._name_edited:
                self.name_edit.setText(self._free_name(suggest_profile_name(self._instance)))
        elif self._instance_error is not None and (text.strip() or self._touched):
            if not self._name_edited:
                self.name_edit.setText("")  # no suggestion from something invalid
            err = self._instance_error
            self._show(self.preview, err.message + (f" {err.hint}" if err.hint else ""), ok=False)
        else:
            self.preview.setText("")
        self.completeChanged.emit()

    def _mark_touched(self, _text: str) -> None:
        self._touched = True

    def _name_typed(self, text: str) -> None:
        # The user's own name wins over the suggestion from then on (unless they clear it).
        self._name_edited = bool(text.strip())

    def _validate_name(self, text: str) -> None:
        name = text.strip()
        self._name_error = None
        taken = False
        if name:
            try:
                validate_profile_name(name)
                if self._exists(name):
                    taken = True
                    self._free_suggestion = self._free_name(name)
                    self._name_error = (
                        f"A profile named '{name}' already exists. Use "
                        f"'{self._free_suggestion}' or another name (or remove the old one "
                        "from the profiles list first)."
                    )
            except SnowWizardError as e:
                self._name_error = e.message + (f" {e.hint}" if e.hint else "")
        if self._name_error:
            self._show(self.name_message, self._name_error, ok=False)
        else:
            self.name_message.setText("")
        self.free_name_button.setText(f"Use '{self._free_suggestion}'" if taken else "")
        self.free_name_button.setVisible(taken)
        self.completeChanged.emit()

    def _use_free_name(self) -> None:
        self.name_edit.setText(self._free_suggestion)
        self._name_edited = True  # the user chose it: a new instance does not replace it
        self.name_edit.setFocus()

    def _exists(self, name: str) -> bool:
        try:
            return bool(self.wiz is not None and self.wiz.ctx.store.exists(name))
        except SnowWizardError:
            return False

    @staticmethod
    def _show(label: QLabel, text: str, *, ok: bool) -> None:
        color = OK_COLOR if ok else ERROR_COLOR
        label.setText(f'<span style="color:{color}">{html.escape(text)}</span>')

    def initializePage(self) -> None:
        self._validate_name(self.name_edit.text())

    def isComplete(self) -> bool:
        return (
            super().isComplete()
            and self._instance is not None
            and bool(self.profile_name())
            and self._name_error is None
        )

    # -- the sandbox ------------------------------------------------------------------------------
    def _use_sandbox(self) -> None:
        self.runner.start(
            self.wiz.ensure_sandbox(),
            busy_text="Starting the local sandbox…",
            on_success=self._sandbox_started,
        )

    def _sandbox_started(self, sandbox: Any) -> None:
        self.wiz.use_sandbox(sandbox)
        self.status.success(
            f"The local sandbox runs at {sandbox.url} until you close the wizard. Its demo user "
            "and demo OAuth app are filled in on the next pages."
        )

    def fill_from_sandbox(self, sandbox: Any) -> None:
        self.instance_edit.setText(sandbox.url)
        if not self._name_edited:
            self.name_edit.setText(self._free_name("sandbox"))

    def _free_name(self, base: str) -> str:
        name, n = base, 2
        while self._exists(name):
            name, n = f"{base}-{n}", n + 1
        return name


def plain(rich: str) -> str:
    """The text of a label's rich text, for tests and accessibility."""
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", rich))
