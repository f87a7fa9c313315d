"""OAuth - Custom: the Application Registry checklist, values to paste, Client ID and Secret."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from snow_wizard.core import checklist
from snow_wizard.core.instance import Instance
from snow_wizard.core.profiles import (
    DEFAULT_REDIRECT_PORT,
    ClientAuth,
    OAuthSettings,
    redirect_url_for,
)
from snow_wizard.errors import SnowWizardError
from snow_wizard.gui.pages.base import BasePage
from snow_wizard.gui.widgets import ERROR_COLOR, CopyField, SecretField, hint_label


class OAuthAppPage(BasePage):
    def __init__(self) -> None:
        super().__init__(
            "Register the OAuth app",
            "Create an OAuth app in the instance's Application Registry (once per instance), "
            "then paste its Client ID and Client Secret here.",
        )
        self.step_boxes: list[QCheckBox] = []
        self.copy_fields: dict[str, CopyField] = {}
        self.registry_button = QPushButton("&Open Application Registry")
        self.registry_button.setAccessibleName("Open the Application Registry in the browser")
        self.registry_button.clicked.connect(self.open_registry)
        self.client_id = QLineEdit()
        self.client_id.setAccessibleName("Client ID")
        self.client_secret = SecretField(name="Client Secret")
        self.test_button = QPushButton("&Test credentials")
        self.test_button.setAccessibleName("Test credentials")
        self.test_button.setToolTip(
            "Sign in to the instance in your browser and allow the app, then check who the "
            "token belongs to. Nothing is stored until you click Save."
        )
        self.test_button.clicked.connect(self.start_test)
        self.url_field = CopyField(name="Authorization address")
        self.url_field.setToolTip("If no browser opens, copy this address into one")
        self.url_field.hide()
        from snow_wizard.gui.pages.authorize import SandboxSignIn

        self.sandbox_sign_in = SandboxSignIn()
        self.message = QLabel()
        self.message.setObjectName("oauth_message")
        self.message.setWordWrap(True)
        self._build_advanced()

        content = QWidget()
        inner = QVBoxLayout(content)
        inner.addWidget(self._checklist_box())
        inner.addWidget(self._values_box())
        inner.addWidget(self._client_box())
        inner.addWidget(self.advanced_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        inner.addWidget(self.advanced)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.status)
        layout.addWidget(self.add_wake_panel(
            awake_text="The instance is awake. Click Test credentials again."))
        layout.addWidget(self.url_field)

        self.registerField("client_id*", self.client_id)
        self.registerField("client_secret*", self.client_secret.edit)
        for w in (self.client_id, self.authorize_url, self.token_url, self.refresh_url,
                  self.revoke_url):
            w.textChanged.connect(self._changed)
        self.client_secret.textChanged.connect(self._changed)
        self.port.valueChanged.connect(self._changed)

    # -- layout ---------------------------------------------------------------------------------
    def _checklist_box(self) -> QGroupBox:
        box = QGroupBox("In the instance (tick the steps as you go)")
        self.checklist_layout = QVBoxLayout(box)
        for step in checklist.steps(redirect_url_for(DEFAULT_REDIRECT_PORT)):
            check = QCheckBox(step.text)
            check.setObjectName(f"step_{step.key}")
            check.setAccessibleName(step.text)
            if step.detail:
                check.setToolTip(step.detail)
            self.step_boxes.append(check)
            self.checklist_layout.addWidget(check)
        self.checklist_layout.addWidget(self.registry_button, 0, Qt.AlignmentFlag.AlignLeft)
        return box

    def _values_box(self) -> QGroupBox:
        box = QGroupBox("Values to paste")
        form = QFormLayout(box)
        for key, label in (("redirect_url", "Redirect URL"), ("authorize_url", "Authorization URL"),
                           ("token_url", "Token URL"), ("refresh_url", "Refresh URL")):
            field = CopyField(name=label)
            field.setObjectName(key)
            self.copy_fields[key] = field
            form.addRow(label + ":", field)
        return box

    def _client_box(self) -> QGroupBox:
        box = QGroupBox("From the new OAuth app")
        form = QFormLayout(box)
        id_label = QLabel("Client &ID:")
        id_label.setBuddy(self.client_id)
        secret_label = QLabel("Client Se&cret:")
        secret_label.setBuddy(self.client_secret.edit)
        form.addRow(id_label, self.client_id)
        form.addRow(secret_label, self.client_secret)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        form.addRow("", row)
        form.addRow("", self.sandbox_sign_in)
        return box

    def _build_advanced(self) -> None:
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText("Ad&vanced")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setAccessibleName("Show advanced settings")
        self.advanced = QGroupBox()
        form = QFormLayout(self.advanced)
        self.authorize_url, self.token_url = QLineEdit(), QLineEdit()
        self.refresh_url, self.revoke_url = QLineEdit(), QLineEdit()
        for edit, label in ((self.authorize_url, "Authorization URL"),
                            (self.token_url, "Token URL"), (self.refresh_url, "Refresh URL"),
                            (self.revoke_url, "Revoke URL")):
            edit.setAccessibleName(label)
            form.addRow(label + ":", edit)
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.port.setValue(DEFAULT_REDIRECT_PORT)
        self.port.setAccessibleName("Callback port")
        form.addRow("Callback &port:", self.port)
        self.client_auth = QComboBox()
        self.client_auth.addItem(
            "In the request body (ServiceNow's documented way)", ClientAuth.BODY
        )
        self.client_auth.addItem("HTTP Basic header", ClientAuth.BASIC)
        self.client_auth.setAccessibleName("Client authentication method")
        form.addRow("Client authentication:", self.client_auth)
        form.addRow(hint_label("Leave the URLs empty to use the instance's own endpoints. "
                               "If you change the port, register the new Redirect URL."))
        self.advanced.setVisible(False)
        self.advanced_toggle.toggled.connect(self._toggle_advanced)

    def _toggle_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )

    # -- values -----------------------------------------------------------------------------------
    def initializePage(self) -> None:
        instance = self.wiz.instance()
        if instance is not None:
            for edit, url in ((self.authorize_url, instance.authorize_url),
                              (self.token_url, instance.token_url),
                              (self.refresh_url, instance.token_url),
                              (self.revoke_url, instance.revoke_url)):
                edit.setPlaceholderText(url)
        self.sandbox_sign_in.refresh(self.wiz)
        self._changed()

    def _instance(self) -> Instance | None:
        wiz = self.wizard()
        if wiz is None:
            return None
        instance: Instance | None = wiz.instance()  # type: ignore[attr-defined]
        return instance

    def settings(self) -> OAuthSettings:
        """The settings as entered; raises SnowWizardError saying what is wrong."""
        instance = self._instance()
        if instance is None:
            raise SnowWizardError("Enter the instance first.")
        return OAuthSettings.for_instance(
            instance,
            self.client_id.text(),
            authorize_url=self.authorize_url.text().strip() or None,
            token_url=self.token_url.text().strip() or None,
            refresh_url=self.refresh_url.text().strip() or None,
            revoke_url=self.revoke_url.text().strip() or None,
            redirect_port=self.port.value(),
            client_auth=self.client_auth.currentData(),
        )

    def preview_settings(self) -> OAuthSettings | None:
        """Settings for showing values to paste, before a Client ID is entered."""
        try:
            return self.settings()
        except SnowWizardError:
            pass
        instance = self._instance()
        if instance is None:
            return None
        return OAuthSettings(
            client_id="",
            authorize_url=self.authorize_url.text().strip() or instance.authorize_url,
            token_url=self.token_url.text().strip() or instance.token_url,
            refresh_url=self.refresh_url.text().strip() or self.token_url.text().strip()
            or instance.token_url,
            revoke_url=self.revoke_url.text().strip() or instance.revoke_url,
            redirect_port=self.port.value(),
        )

    def validation_error(self) -> str | None:
        if not self.client_id.text().strip() and not self.client_secret.text():
            return None  # nothing typed yet: no red text, Next simply disabled
        try:
            self.settings()
        except SnowWizardError as e:
            return e.message + (f" {e.hint}" if e.hint else "")
        if not self.client_secret.text():
            return "Enter the Client Secret from the OAuth app."
        return None

    def _changed(self, *_: object) -> None:
        redirect = redirect_url_for(self.port.value())
        preview = self.preview_settings()
        values = {v.key: v.value for v in checklist.values_to_copy(preview)} if preview else {}
        values["redirect_url"] = redirect
        for key, field in self.copy_fields.items():
            field.set_value(values.get(key, ""))
        for check, step in zip(self.step_boxes, checklist.steps(redirect), strict=True):
            check.setText(step.text)
        error = self.validation_error()
        self.message.setText(
            f'<span style="color:{ERROR_COLOR}">{html.escape(error)}</span>' if error else ""
        )
        self.message.setVisible(bool(error))  # no empty line taken from the scroll area
        self.test_button.setEnabled(self.isComplete())
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return (
            super().isComplete()
            and bool(self.client_id.text().strip() and self.client_secret.text())
            and self.validation_error() is None
        )

    def start_test(self) -> None:
        from snow_wizard.gui.pages.authorize import authorize_and_identify
        from snow_wizard.gui.pages.test import show_result

        if not self.isComplete():
            return
        self.url_field.hide()
        self.runner.start(
            authorize_and_identify(self.wiz, self._on_url, self.runner.set_busy_text),
            busy_text="Sign in and click Allow in the browser to test the app…",
            on_success=lambda _r: show_result(self.status, self.wiz.state.test_result),
            on_error=self._test_failed,
            show_elapsed=True,
        )

    def _test_failed(self, error: BaseException) -> None:
        self.url_field.hide()
        if self.wake is not None:
            self.wake.on_error(error)

    def _on_url(self, url: str, opened: bool) -> None:
        self.url_field.set_value(url)
        self.url_field.show()
        if not opened:
            self.runner.set_busy_text(
                "No browser could be opened: copy the address below into a browser. Waiting…"
            )

    def open_registry(self) -> None:
        instance = self._instance()
        if instance is None:
            return
        import threading

        url = checklist.app_registry_url(instance)
        # webbrowser may wait for the browser command: never on the Qt thread.
        threading.Thread(target=self.wiz.ctx.open_browser, args=(url,), daemon=True).start()
        self.status.info(f"Opening {url} in your browser (sign in as an admin).")

    def fill_from_sandbox(self, sandbox: Any) -> None:
        app = sandbox.demo_app
        self.client_id.setText(app.client_id)
        self.client_secret.setText(app.client_secret)

    def focus_target(self) -> QWidget | None:
        if not self.client_id.text().strip():
            return self.client_id
        return self.client_secret.edit if not self.client_secret.text() else None

    def has_input(self) -> bool:
        return bool(self.client_id.text().strip() or self.client_secret.text())

    def secret_values(self) -> list[str]:
        return [self.client_secret.text()]
