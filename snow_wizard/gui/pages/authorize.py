"""Authorize (OAuth, pre-authorize): the browser consent, with the URL to copy and Cancel."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from snow_wizard.gui.pages.base import BasePage
from snow_wizard.gui.widgets import CopyField, hint_label


def settings_key(settings: Any, secret: str) -> tuple[object, ...]:
    import hashlib

    return (settings, hashlib.sha256(secret.encode()).hexdigest())


async def authorize_and_identify(
    wiz: Any, on_url: Callable[[str, bool], None], progress: Callable[[str], None]
) -> None:
    """Browser consent with the OAuth page's settings, then "who am I" with the new token.

    Results go to the wizard state (tokens, the user, a test result), not to the keychain:
    only the Save page stores anything.
    """
    from snow_wizard.core.authorization import run_consent
    from snow_wizard.core.servicenow import BearerAuth, test_credentials
    from snow_wizard.gui.pages.test import test_key

    settings = wiz.oauth_page.settings()
    secret = wiz.oauth_page.client_secret.text()
    key = settings_key(settings, secret)
    wiz.state.tokens = None
    tokens = await run_consent(
        settings, secret, open_browser=wiz.ctx.open_browser, on_url=on_url,
        timeout=wiz.consent_timeout_s,
    )
    progress("Authorized. Asking the instance who signed in…")
    instance = wiz.instance()
    assert instance is not None
    result = await test_credentials(
        instance, BearerAuth(tokens.access_token), auth_kind="oauth",
        timeout=wiz.ctx.http_timeout,
    )
    wiz.state.tokens, wiz.state.tokens_key = tokens, key
    wiz.state.authorized_user = result.user_name
    wiz.state.test_result = result
    wiz.state.test_key = test_key(wiz)


class SandboxSignIn(QWidget):
    """With the wizard's own sandbox: who to sign in as at its login page (password copyable,
    never shown)."""

    def __init__(self) -> None:
        super().__init__()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.copy_button = QPushButton("Copy demo password")
        self.copy_button.setAccessibleName("Copy the sandbox demo password")
        self.copy_button.clicked.connect(self._copy)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.copy_button)
        self._password = ""
        self.hide()

    def refresh(self, wiz: Any) -> None:
        sandbox = wiz.state.sandbox
        instance = wiz.instance()
        if sandbox is None or instance is None or instance.base_url != sandbox.url:
            self.hide()
            return
        self._password = sandbox.demo_user.password
        user = html.escape(sandbox.demo_user.user_name)
        self.label.setText(
            f"Local sandbox: on its login page sign in as <b>{user}</b> with the demo "
            "password, then click Allow."
        )
        self.show()

    def _copy(self) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(self._password)
        self.copy_button.setText("Copied")


class AuthorizePage(BasePage):
    def __init__(self) -> None:
        super().__init__(
            "Authorize the integration",
            "Sign in to the instance in your browser and click Allow. The browser then "
            "returns to this wizard by itself.",
        )
        self.authorize_button = QPushButton("&Authorize in the browser")
        self.authorize_button.setAccessibleName("Authorize")
        self.authorize_button.clicked.connect(self.start_authorize)
        self.url_label = QLabel("If no browser opens, copy this address into one:")
        self.url_field = CopyField(name="Authorization address")
        self.url_field.setObjectName("consent_url")
        self.sandbox_sign_in = SandboxSignIn()
        self.redirect_label = QLabel(
            "Register exactly this Redirect URL in the OAuth app, then authorize again:"
        )
        self.redirect_label.setWordWrap(True)
        self.redirect_field = CopyField(name="Redirect URL to register")
        self.redirect_field.setObjectName("redirect_to_register")
        self.result = QLabel()
        self.result.setObjectName("authorize_result")
        self.result.setWordWrap(True)
        layout = QVBoxLayout(self)
        self.hint = hint_label("")
        layout.addWidget(self.hint)
        layout.addWidget(self.sandbox_sign_in)
        layout.addWidget(self.authorize_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.status)
        layout.addWidget(self.add_wake_panel(
            awake_text="The instance is awake. Click Authorize in the browser again."))
        layout.addWidget(self.redirect_label)
        layout.addWidget(self.redirect_field)
        layout.addWidget(self.url_label)
        layout.addWidget(self.url_field)
        layout.addWidget(self.result)
        layout.addStretch(1)
        self._show_url(None)
        self._show_redirect(None)

    def _show_url(self, url: str | None) -> None:
        self.url_label.setVisible(bool(url))
        self.url_field.setVisible(bool(url))
        if url:
            self.url_field.set_value(url)

    def _show_redirect(self, url: str | None) -> None:
        """The Redirect URL to register, after a callback that never came (the redirect trap)."""
        self.redirect_label.setVisible(bool(url))
        self.redirect_field.setVisible(bool(url))
        if url:
            self.redirect_field.set_value(url)

    def current_key(self) -> tuple[object, ...] | None:
        try:
            settings = self.wiz.oauth_page.settings()
        except Exception:
            return None
        return settings_key(settings, self.wiz.oauth_page.client_secret.text())

    def authorized(self) -> bool:
        state = self.wiz.state
        return state.tokens is not None and state.tokens_key == self.current_key()

    def initializePage(self) -> None:
        from snow_wizard.core.profiles import redirect_url_for

        redirect = html.escape(redirect_url_for(self.wiz.oauth_page.port.value()))
        self.hint.setText(
            f"The wizard waits on <code>{redirect}</code> for the browser to come back; this "
            "must be the Redirect URL registered in the OAuth app. Nothing is stored until you "
            "click Save."
        )
        self.sandbox_sign_in.refresh(self.wiz)
        if self.authorized():
            self._show_success()
        else:
            self.result.setText("")
            self.status.clear()
            self._show_url(None)
            self._show_redirect(None)

    def isComplete(self) -> bool:
        return super().isComplete() and self.authorized()

    def start_authorize(self) -> None:
        self._show_url(None)
        self._show_redirect(None)
        self.result.setText("")
        self.runner.start(
            self._authorize(),
            busy_text="Waiting for you to sign in and click Allow in the browser…",
            on_success=lambda _r: self._show_success(),
            on_error=self._failed,
            show_elapsed=True,
        )

    def _failed(self, error: BaseException) -> None:
        self._show_url(None)
        if getattr(error, "code", "") == "callback_timeout":
            from snow_wizard.core.profiles import redirect_url_for

            self._show_redirect(redirect_url_for(self.wiz.oauth_page.port.value()))
            self.authorize_button.setFocus()
        if self.wake is not None:
            self.wake.on_error(error)

    async def _authorize(self) -> None:
        await authorize_and_identify(self.wiz, self._on_url, self.runner.set_busy_text)

    def _on_url(self, url: str, opened: bool) -> None:
        self._show_url(url)
        if not opened:
            self.runner.set_busy_text(
                "No browser could be opened: copy the address below into a browser, sign in "
                "and click Allow. Waiting…"
            )

    def _show_success(self) -> None:
        state = self.wiz.state
        expiry = dt.datetime.fromtimestamp(state.tokens.expires_at).strftime("%H:%M")
        self._show_url(None)
        self._show_redirect(None)
        self.status.success(
            f"Authorized as {state.authorized_user}. The access token is valid until {expiry}; "
            "it is refreshed automatically with the refresh token."
        )
        self.result.setText("")
        self.completeChanged.emit()

    def focus_target(self) -> QWidget | None:
        return None if self.authorized() else self.authorize_button

    def secret_values(self) -> list[str]:
        return []

    def describe(self) -> str:
        return html.escape(self.status.plain_text())
