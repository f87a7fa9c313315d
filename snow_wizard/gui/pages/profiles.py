"""The saved profiles with their status; test, re-authorize, export, remove, or start a new one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from snow_wizard.core.profiles import AuthType, Mode, Profile
from snow_wizard.errors import SnowWizardError
from snow_wizard.gui.pages.base import BasePage
from snow_wizard.gui.widgets import CopyField

COLUMNS = ("Name", "Instance", "Auth", "Mode", "Last test", "Token expiry")


def _when(ts: float | None) -> str:
    if ts is None:
        return ""
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def row_values(profile: Profile, now: float) -> tuple[str, ...]:
    test = profile.last_test
    if test is None:
        last = "never"
    elif test.ok:
        last = f"✔ ok as {test.user_name} ({_when(test.at)})"
    else:
        last = f"✖ {test.error} ({_when(test.at)})"
    expiry = ""
    if profile.auth is AuthType.OAUTH:
        if profile.token_expires_at is None:
            expiry = "not authorized" if profile.mode is Mode.PRE_AUTHORIZE else "per user"
        elif profile.token_expires_at < now:
            expiry = f"expired {_when(profile.token_expires_at)} (refreshes on use)"
        else:
            expiry = _when(profile.token_expires_at)
    return (
        profile.name,
        profile.instance,
        "Basic" if profile.auth is AuthType.BASIC else "OAuth",
        "pre-authorized" if profile.mode is Mode.PRE_AUTHORIZE else "users authorize",
        last,
        expiry,
    )


class ProfilesPage(BasePage):
    def __init__(self) -> None:
        super().__init__(
            "Your ServiceNow connections",
            "Test, re-authorize, export or remove a saved connection, or add a new one.",
        )
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Saved connections")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.test_button = QPushButton("&Test")
        self.reauth_button = QPushButton("&Re-authorize")
        self.export_button = QPushButton("&Export…")
        self.remove_button = QPushButton("Re&move…")
        self.new_button = QPushButton("New &connection…")
        self.test_button.clicked.connect(self.test_selected)
        self.reauth_button.clicked.connect(self.reauthorize_selected)
        self.export_button.clicked.connect(lambda: self.export_selected())
        self.remove_button.clicked.connect(lambda: self.remove_selected())
        self.new_button.clicked.connect(lambda: self.wiz.next())
        self.url_field = CopyField(name="Authorization address")
        self.url_field.hide()
        buttons = QHBoxLayout()
        for b in (self.test_button, self.reauth_button, self.export_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.add_wake_panel(self.test_selected))
        layout.addWidget(self.url_field)
        self._profiles: list[Profile] = []
        self.runner.busyChanged.connect(lambda _b: self._selection_changed())

    def initializePage(self) -> None:
        self.reload()

    def reload(self, select: str | None = None) -> None:
        current = select or self.selected_name()
        try:
            self._profiles = self.wiz.ctx.store.list()
        except SnowWizardError as e:
            self._profiles = []
            self.status.show_error(e)
        now = self.wiz.ctx.clock()
        self.table.setRowCount(len(self._profiles))
        for r, profile in enumerate(self._profiles):
            for c, value in enumerate(row_values(profile, now)):
                self.table.setItem(r, c, QTableWidgetItem(value))  # no edit triggers
        names = [p.name for p in self._profiles]
        row = names.index(current) if current in names else (0 if names else -1)
        if row >= 0:
            self.table.selectRow(row)
        self._selection_changed()

    def selected(self) -> Profile | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._profiles):
            return None
        return self._profiles[rows[0].row()]

    def selected_name(self) -> str | None:
        profile = self.selected() if self.table.rowCount() else None
        return profile.name if profile else None

    def _selection_changed(self) -> None:
        profile = self.selected()
        idle = not self.runner.busy
        for b in (self.test_button, self.export_button, self.remove_button):
            b.setEnabled(profile is not None and idle)
        self.reauth_button.setEnabled(
            idle and profile is not None and profile.auth is AuthType.OAUTH
        )

    # -- actions ------------------------------------------------------------------------------
    def test_selected(self) -> None:
        profile = self.selected()
        if profile is None:
            return
        self.runner.start(
            self._test(profile.name), busy_text=f"Testing {profile.name}…",
            on_error=lambda e: self._test_failed(profile.name, e),
            on_cancel=self._wake_cancel,
        )

    def _test_failed(self, name: str, error: BaseException) -> None:
        self.reload(name)
        if self.wake is not None:
            self.wake.on_error(error)

    def _wake_cancel(self) -> None:
        if self.wake is not None:
            self.wake.cancel()

    async def _test(self, name: str) -> None:
        from snow_wizard.core.connections import test_profile
        from snow_wizard.gui.pages.test import describe_result

        result = await test_profile(self.wiz.ctx, name)
        if self.wake is not None:
            self.wake.on_success()
        self.reload(name)
        self.status.success(describe_result(result))

    def reauthorize_selected(self) -> None:
        profile = self.selected()
        if profile is None or profile.auth is not AuthType.OAUTH:
            return
        self.runner.start(
            self._reauthorize(profile.name),
            busy_text=f"Waiting for you to sign in and click Allow for {profile.name}…",
            show_elapsed=True,
        )

    async def _reauthorize(self, name: str) -> None:
        from snow_wizard.core.authorization import authorize_profile

        try:
            profile, _tokens = await authorize_profile(self.wiz.ctx, name, on_url=self._on_url)
        finally:
            self.url_field.hide()
        self.reload(name)
        self.status.success(
            f"Re-authorized {name}" + (f" as {profile.username}." if profile.username else ".")
        )

    def _on_url(self, url: str, opened: bool) -> None:
        self.url_field.set_value(url)
        self.url_field.show()
        if not opened:
            self.runner.set_busy_text(
                "No browser could be opened: copy the address below into a browser. Waiting…"
            )

    def export_selected(self, path: str | None = None) -> Path | None:
        profile = self.selected()
        return None if profile is None else self.export_to_file(profile.name, path)

    def remove_selected(self, *, confirm: bool = True, revoke: bool = False) -> None:
        profile = self.selected()
        if profile is None:
            return
        if confirm:
            answer, revoke = self._ask_remove(profile)
            if not answer:
                return
        self.runner.start(self._remove(profile.name, revoke), busy_text=f"Removing {profile.name}…")

    def _ask_remove(self, profile: Profile) -> tuple[bool, bool]:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Remove connection")
        box.setText(f"Remove the profile '{profile.name}' and its keychain entries?")
        revoke = QCheckBox("Also revoke its OAuth tokens on the instance")
        if profile.auth is AuthType.OAUTH:
            revoke.setChecked(True)
            box.setCheckBox(revoke)
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Remove")
        ok = box.exec() == QMessageBox.StandardButton.Yes
        return ok, ok and revoke.isChecked()

    async def _remove(self, name: str, revoke: bool) -> Any:
        from snow_wizard.core.connections import remove_profile

        removed = await remove_profile(self.wiz.ctx, name, revoke=revoke)
        self.reload()
        self.status.success(f"Removed {name} ({', '.join(removed) or 'nothing else'}).")
        return removed

    def focus_target(self) -> QWidget | None:
        return self.table if self.table.rowCount() else self.new_button

    def has_input(self) -> bool:
        return False
