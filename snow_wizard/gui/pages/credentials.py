"""Basic credentials: user name and password (show/hide), with Test credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from snow_wizard.core.profiles import Mode
from snow_wizard.gui.pages.base import BasePage
from snow_wizard.gui.widgets import SecretField, hint_label

if TYPE_CHECKING:
    from snow_wizard.gui.wake import WakePanel


class CredentialsPage(BasePage):
    def __init__(self) -> None:
        super().__init__("Basic credentials", "The account the integration signs in with.")
        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.password = SecretField(name="Password")
        self.user_label = QLabel("&User name:")
        self.user_label.setBuddy(self.username)
        self.password_label = QLabel("Pass&word:")
        self.password_label.setBuddy(self.password.edit)
        self.mode_note = hint_label("")
        self.mode_note.setObjectName("mode_note")
        self.test_button = QPushButton("&Test credentials")
        self.test_button.setAccessibleName("Test credentials")
        self.test_button.clicked.connect(self.start_test)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self.user_label, self.username)
        form.addRow(self.password_label, self.password)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.mode_note)
        layout.addWidget(hint_label(
            "Newer instances restrict Basic authentication: the account needs "
            "<i>Web service access only</i> or the <code>snc_basic_auth_api_access</code> role. "
            "Users who sign in through SSO may have no local password: use OAuth instead."
        ))
        layout.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.status)  # the result right under the button that asked for it
        layout.addWidget(self.add_wake_panel(self.start_test))
        layout.addStretch(1)
        self.registerField("username", self.username)
        self.registerField("password", self.password.edit)
        self.username.textChanged.connect(self._changed)
        self.password.textChanged.connect(self._changed)

    def initializePage(self) -> None:
        users = self.wiz.mode() is Mode.USER_AUTHORIZE
        self.user_label.setText("&User name (optional):" if users else "&User name:")
        self.password_label.setText("Pass&word (optional):" if users else "Pass&word:")
        self.mode_note.setText(
            "Users authorize the integration with their own credentials. Enter yours only to "
            "test the connection now: they are used for the test and never stored."
            if users
            else "The password is stored in your OS keychain, never in a file."
        )
        self._changed()

    def has_credentials(self) -> bool:
        return bool(self.username.text().strip() and self.password.text())

    def focus_target(self) -> QWidget | None:
        if not self.username.text().strip():
            return self.username
        return self.password.edit if not self.password.text() else None

    def has_input(self) -> bool:
        return bool(self.username.text().strip() or self.password.text())

    def isComplete(self) -> bool:
        if not super().isComplete():
            return False
        wiz = self.wiz
        if wiz is not None and wiz.mode() is Mode.USER_AUTHORIZE:
            # Optional, but both or neither: a lone user name cannot be tested.
            return self.has_credentials() or not self.has_input()
        return self.has_credentials()

    def _changed(self, *_: object) -> None:
        self.test_button.setEnabled(self.has_credentials())
        self.completeChanged.emit()

    def start_test(self) -> None:
        from snow_wizard.gui.pages.test import run_test

        if not self.has_credentials():
            return
        self.runner.start(
            run_test(self.wiz),
            busy_text="Testing the credentials…",
            on_success=self._tested,
            on_error=self._wake().on_error,
            on_cancel=self._wake().cancel,
        )

    def _tested(self, result: Any) -> None:
        from snow_wizard.gui.pages.test import show_result

        self._wake().on_success()
        show_result(self.status, result)

    def _wake(self) -> WakePanel:
        assert self.wake is not None
        return self.wake

    def fill_from_sandbox(self, sandbox: Any) -> None:
        user = sandbox.demo_user
        self.username.setText(user.user_name)
        self.password.setText(user.password)

    def secret_values(self) -> list[str]:
        return [self.password.text()]
