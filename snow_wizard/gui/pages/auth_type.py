"""Authentication type and mode, following the availability matrix.

    |                          | Basic | OAuth - System | OAuth - Custom |
    | Pre-authorize            | yes   | no             | yes            |
    | Allow users to authorize | yes   | no             | yes            |
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QGroupBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from snow_wizard.core.profiles import AuthType, Mode
from snow_wizard.gui.pages.base import BasePage
from snow_wizard.gui.widgets import hint_label

OAUTH_SYSTEM_REASON = (
    "Not available: OAuth - System means ServiceNow's own built-in OAuth apps (those the "
    "mobile and desktop apps use). They do not hand out a client secret or accept your "
    "redirect URL, so an external integration cannot use them. Use OAuth - Custom: you register "
    "an app in the instance's Application Registry, and this wizard walks you through it."
)

# (auth choice, mode) -> available; the matrix from the issue, kept as data.
MATRIX: dict[tuple[str, Mode], bool] = {
    ("basic", Mode.PRE_AUTHORIZE): True,
    ("basic", Mode.USER_AUTHORIZE): True,
    ("oauth_system", Mode.PRE_AUTHORIZE): False,
    ("oauth_system", Mode.USER_AUTHORIZE): False,
    ("oauth_custom", Mode.PRE_AUTHORIZE): True,
    ("oauth_custom", Mode.USER_AUTHORIZE): True,
}


class AuthTypePage(BasePage):
    def __init__(self) -> None:
        super().__init__(
            "How will the integration sign in?",
            "Choose the authentication type, and who authorizes the integration.",
        )
        self.basic = QRadioButton("Basic: a &user name and password")
        self.oauth_custom = QRadioButton(
            "OAuth - &Custom: an OAuth app you register in the instance"
        )
        self.oauth_system = QRadioButton("OAuth - Syst&em")
        self.basic.setAccessibleName("Basic authentication")
        self.oauth_custom.setAccessibleName("OAuth - Custom")
        self.oauth_system.setAccessibleName("OAuth - System (not available)")
        self.oauth_system.setEnabled(False)
        self.system_reason = hint_label(OAUTH_SYSTEM_REASON)
        self.system_reason.setObjectName("oauth_system_reason")
        self.system_reason.setAccessibleName("Why OAuth - System is not available")
        self.oauth_system.setToolTip(OAUTH_SYSTEM_REASON)
        self.auth_group = QButtonGroup(self)
        for b in (self.basic, self.oauth_custom, self.oauth_system):
            self.auth_group.addButton(b)
        self.basic.setChecked(True)

        self.pre = QRadioButton("&Pre-authorize the integration")
        self.users = QRadioButton("&Allow users to authorize the integration")
        self.pre.setAccessibleName("Pre-authorize the integration")
        self.users.setAccessibleName("Allow users to authorize the integration")
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.pre)
        self.mode_group.addButton(self.users)
        self.pre.setChecked(True)
        self.mode_help = hint_label("")
        for b in (self.basic, self.oauth_custom, self.pre, self.users):
            b.toggled.connect(self._update_help)

        auth_box = QGroupBox("Authentication type")
        grid = QGridLayout(auth_box)
        grid.addWidget(self.basic, 0, 0, 1, 2)
        grid.addWidget(self.oauth_custom, 1, 0, 1, 2)
        grid.addWidget(self.oauth_system, 2, 0)
        grid.addWidget(self.system_reason, 3, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        mode_box = QGroupBox("Who authorizes")
        mode_layout = QVBoxLayout(mode_box)
        mode_layout.addWidget(self.pre)
        mode_layout.addWidget(self.users)
        mode_layout.addWidget(self.mode_help)

        layout = QVBoxLayout(self)
        layout.addWidget(auth_box)
        layout.addWidget(mode_box)
        layout.addStretch(1)
        layout.addWidget(self.status)
        self.registerField("auth_basic", self.basic)
        self.registerField("mode_pre", self.pre)
        self._update_help()

    def auth_type(self) -> AuthType:
        return AuthType.BASIC if self.basic.isChecked() else AuthType.OAUTH

    def mode(self) -> Mode:
        return Mode.PRE_AUTHORIZE if self.pre.isChecked() else Mode.USER_AUTHORIZE

    def available(self, choice: str, mode: Mode) -> bool:
        return MATRIX[(choice, mode)]

    def _update_help(self) -> None:
        basic = self.basic.isChecked()
        if self.pre.isChecked():
            text = (
                "The integration signs in as one service account: its password is stored in "
                "your OS keychain."
                if basic
                else "You sign in once now and allow the app; the refresh token is stored in "
                "your OS keychain, so the integration works without a browser afterwards."
            )
        else:
            text = (
                "Each user enters their own credentials when the integration runs. Nothing "
                "of theirs is stored; credentials entered here are used only for a test."
                if basic
                else "Each user signs in and allows the app in their browser the first time the "
                "integration runs. Only the app's client secret is stored."
            )
        self.mode_help.setText(text)

    def focus_target(self) -> QWidget | None:
        return self.auth_group.checkedButton()

    def has_input(self) -> bool:
        return False
