"""Save (the commit page): writes the profile and its keychain entries, nothing half-written."""

from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout

from snow_wizard.core.profiles import AuthType, Mode, OAuthSettings, Profile, TestRecord
from snow_wizard.gui.pages.base import BasePage
from snow_wizard.gui.widgets import hint_label


class SavePage(BasePage):
    def __init__(self) -> None:
        super().__init__(
            "Save the connection",
            "Check the summary, then click Save. Secrets go to your OS keychain only.",
        )
        self.setCommitPage(True)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setAccessibleName("Summary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(hint_label(
            "The profile (no secret) is written to the snow-wizard configuration folder; each "
            "secret is a separate entry in the keychain under the service name "
            "<code>snow-wizard</code>."
        ))
        layout.addStretch(1)
        layout.addWidget(self.status)
        self._saved = False

    def initializePage(self) -> None:
        self._saved = False
        self.status.clear()
        rows = [(k, v) for k, v in self.summary_rows() if v]
        cells = "".join(
            f"<tr><td style='padding-right:16px'><b>{html.escape(k)}</b></td>"
            f"<td>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        self.summary.setText(f"<table cellspacing='4'>{cells}</table>")

    def summary_rows(self) -> list[tuple[str, str]]:
        wiz = self.wiz
        profile = self.build_profile()
        kinds = ", ".join(k.value.replace("_", " ") for k in self.secrets()) or "none"
        test = wiz.state.test_result
        tested = (
            f"passed as {test.user_name}" if test is not None and wiz.test_page.passed()
            else "not run" if not wiz.needs_test() else "not passed"
        )
        return [
            ("Profile", profile.name),
            ("Instance", profile.instance),
            ("Authentication", "Basic" if profile.auth is AuthType.BASIC else "OAuth - Custom"),
            ("Mode", "Pre-authorized" if profile.mode is Mode.PRE_AUTHORIZE
             else "Users authorize"),
            ("User", profile.username or ""),
            ("Client ID", profile.oauth.client_id if profile.oauth else ""),
            ("Redirect URL", profile.oauth.redirect_url if profile.oauth else ""),
            ("Keychain entries", kinds),
            ("Test", tested),
        ]

    # -- what gets saved ------------------------------------------------------------------------
    def oauth_settings(self) -> OAuthSettings | None:
        if self.wiz.auth_type() is not AuthType.OAUTH:
            return None
        return self.wiz.oauth_page.settings()

    def build_profile(self) -> Profile:
        wiz = self.wiz
        instance = wiz.instance()
        assert instance is not None
        basic = wiz.auth_type() is AuthType.BASIC
        pre = wiz.mode() is Mode.PRE_AUTHORIZE
        test = wiz.state.test_result if wiz.test_page.passed() else None
        username: str | None = None
        if basic and pre:
            username = wiz.credentials_page.username.text().strip()
        elif not basic and pre:
            username = test.user_name if test is not None else wiz.state.authorized_user
        tokens = wiz.state.tokens if (not basic and pre) else None
        return Profile(
            name=wiz.profile_name(),
            instance=instance.base_url,
            auth=wiz.auth_type(),
            mode=wiz.mode(),
            username=username,
            oauth=self.oauth_settings(),
            last_test=TestRecord(
                ok=True, at=time.time(), user_name=test.user_name, latency_ms=test.latency_ms
            ) if test is not None else None,
            token_expires_at=tokens.expires_at if tokens is not None else None,
            token_lifetime=tokens.lifetime if tokens is not None else None,
        )

    def secrets(self) -> dict[Any, str]:
        from snow_wizard.core.secret_store import SecretKind

        wiz = self.wiz
        pre = wiz.mode() is Mode.PRE_AUTHORIZE
        if wiz.auth_type() is AuthType.BASIC:
            return {SecretKind.PASSWORD: wiz.credentials_page.password.text()} if pre else {}
        values = {SecretKind.CLIENT_SECRET: wiz.oauth_page.client_secret.text()}
        tokens = wiz.state.tokens
        if pre and tokens is not None:
            values[SecretKind.ACCESS_TOKEN] = tokens.access_token
            if tokens.refresh_token:
                values[SecretKind.REFRESH_TOKEN] = tokens.refresh_token
        return {k: v for k, v in values.items() if v}

    # -- commit -----------------------------------------------------------------------------
    def validatePage(self) -> bool:
        """Never blocks: the first click starts the save; success moves on by itself."""
        if self._saved:
            return True
        if not self.runner.busy:
            self.runner.start(
                self._save(),
                busy_text="Saving the profile and its keychain entries…",
                on_success=self._finished,
                cancellable=False,  # a save is short and must not stop half-way
            )
        return False

    async def _save(self) -> Profile:
        from snow_wizard.core.connections import save_profile

        profile = self.build_profile()
        await save_profile(self.wiz.ctx, profile, self.secrets())
        return profile

    def _finished(self, profile: Profile) -> None:
        self.wiz.state.saved_profile = profile
        self._saved = True
        self.status.success(f"Saved profile '{profile.name}'.")
        QTimer.singleShot(0, self.wiz.next)
