"""Test credentials: a real call as the integration, showing who, where and how fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from snow_wizard.core.profiles import AuthType
from snow_wizard.gui.pages.base import BasePage
from snow_wizard.gui.widgets import StatusLine, hint_label

if TYPE_CHECKING:
    from snow_wizard.gui.wizard import ConnectionWizard


def test_key(wiz: ConnectionWizard) -> tuple[object, ...]:
    """What a test result depends on; a result for other inputs is stale."""
    import hashlib  # loads OpenSSL's libcrypto (~10 ms, ~3.5 MiB): not before the first paint

    instance = wiz.instance()
    base = instance.base_url if instance else ""
    if wiz.auth_type() is AuthType.BASIC:
        page = wiz.credentials_page
        digest = hashlib.sha256(page.password.text().encode()).hexdigest()
        return ("basic", base, page.username.text().strip(), digest)
    tokens = wiz.state.tokens
    token = hashlib.sha256(tokens.access_token.encode()).hexdigest() if tokens else ""
    return ("oauth", base, token)


async def run_test(wiz: ConnectionWizard) -> Any:
    """Run the test for what the user entered; remember the result in the wizard state."""
    key = test_key(wiz)
    instance = wiz.instance()
    assert instance is not None
    timeout = wiz.ctx.http_timeout
    if wiz.auth_type() is AuthType.BASIC:
        from snow_wizard.core.connections import test_basic

        page = wiz.credentials_page
        result = await test_basic(
            instance, page.username.text().strip(), page.password.text(), timeout=timeout
        )
    else:
        from snow_wizard.core.servicenow import BearerAuth, test_credentials

        tokens = wiz.state.tokens
        if tokens is None:
            from snow_wizard.errors import OAuthError

            raise OAuthError(
                "The integration is not authorized yet.",
                hint="Go back to the Authorize page and click Authorize.",
            )
        result = await test_credentials(
            instance, BearerAuth(tokens.access_token), auth_kind="oauth", timeout=timeout
        )
    wiz.state.test_result, wiz.state.test_key = result, key
    return result


def describe_result(result: Any) -> str:
    who = result.user_name
    if getattr(result, "display_name", None):
        who = f"{result.display_name} ({result.user_name})"
    return (
        f"Connected to {result.instance} as {who} in {result.latency_ms:.0f} ms. "
        "The credentials work."
    )


def show_result(status: StatusLine, result: Any) -> None:
    status.success(describe_result(result))


class TestPage(BasePage):
    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        super().__init__(
            "Test the connection",
            "A real call to the instance, as the integration: who am I?",
        )
        self.test_button = QPushButton("&Test credentials")
        self.test_button.setAccessibleName("Test credentials")
        self.test_button.clicked.connect(self.start_test)
        self.save_anyway = QCheckBox("Save &anyway, without a successful test")
        self.save_anyway.setAccessibleName("Save without a successful test")
        self.save_anyway.toggled.connect(lambda _on: self.completeChanged.emit())
        self.save_anyway.hide()
        self.card = QGroupBox("Connected")
        self.card.setObjectName("result_card")
        card = QFormLayout(self.card)
        self.card_values: dict[str, QLabel] = {}
        for key, label in (("user", "Signed in as:"), ("instance", "Instance:"),
                           ("auth", "Authentication:"), ("latency", "Answered in:")):
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(label.rstrip(":"))
            self.card_values[key] = value
            card.addRow(label, value)
        self.card.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(
            "The test asks the instance who the integration is signed in as "
            "(<code>/api/now/ui/user/current_user</code>) and checks that the REST API "
            "answers. Nothing is changed on the instance."
        ))
        layout.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.status)
        layout.addWidget(self.add_wake_panel(self.start_test))
        layout.addWidget(self.card)
        layout.addStretch(1)
        layout.addWidget(self.save_anyway)

    def initializePage(self) -> None:
        if self.passed():
            self._done(self.wiz.state.test_result)
        else:
            self.start_test()

    def _show_card(self, result: Any) -> None:
        who = result.user_name
        if getattr(result, "display_name", None):
            who = f"{result.display_name} ({result.user_name})"
        self.card_values["user"].setText(who)
        self.card_values["instance"].setText(result.instance)
        self.card_values["auth"].setText(
            "Basic" if result.auth == "basic" else "OAuth (bearer token)"
        )
        self.card_values["latency"].setText(f"{result.latency_ms:.0f} ms")
        self.card.show()

    def passed(self) -> bool:
        wiz = self.wiz
        return (
            wiz is not None
            and wiz.state.test_result is not None
            and wiz.state.test_key == test_key(wiz)
        )

    def start_test(self) -> None:
        self.save_anyway.hide()
        self.card.hide()
        self.runner.start(
            run_test(self.wiz),
            busy_text="Testing the connection…",
            on_success=self._done,
            on_error=self._error,
            on_cancel=self._cancelled,
        )

    def _error(self, error: BaseException) -> None:
        assert self.wake is not None
        self.wake.on_error(error)
        self._failed()

    def _cancelled(self) -> None:
        assert self.wake is not None
        self.wake.cancel()
        self._failed()

    def _done(self, result: Any) -> None:
        if self.wake is not None:
            self.wake.on_success()
        show_result(self.status, result)
        self._show_card(result)
        self.completeChanged.emit()

    def _failed(self) -> None:
        self.save_anyway.show()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return super().isComplete() and (self.passed() or self.save_anyway.isChecked())
