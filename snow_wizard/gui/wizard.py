"""The QWizard: page ids, order, branching, and the state pages share.

Flow (branching in :meth:`ConnectionWizard.nextId`)::

    PROFILES ─► AUTH_TYPE ─► INSTANCE ─┬─ Basic ─► CREDENTIALS ─► TEST ─► SAVE ─► DONE
    (when profiles exist)              └─ OAuth ─► OAUTH_APP ─┬─ pre-authorize ─► AUTHORIZE ─► TEST
                                                              └─ users authorize ─► SAVE

Basic + "allow users to authorize" without test credentials skips TEST. Only Qt, ``core.instance``
and ``core.profiles`` are imported here: httpx2, keyring, authlib and the sandbox load in the
slots that need them, so the first page paints fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QSettings
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLineEdit, QWidget, QWizard

from snow_wizard.core.context import Context
from snow_wizard.core.instance import Instance
from snow_wizard.core.profiles import AuthType, Mode

if TYPE_CHECKING:
    from snow_wizard.gui.pages.auth_type import AuthTypePage
    from snow_wizard.gui.pages.authorize import AuthorizePage
    from snow_wizard.gui.pages.base import BasePage
    from snow_wizard.gui.pages.credentials import CredentialsPage
    from snow_wizard.gui.pages.done import DonePage
    from snow_wizard.gui.pages.instance import InstancePage
    from snow_wizard.gui.pages.oauth_app import OAuthAppPage
    from snow_wizard.gui.pages.profiles import ProfilesPage
    from snow_wizard.gui.pages.save import SavePage
    from snow_wizard.gui.pages.test import TestPage

WINDOW_TITLE = "ServiceNow Connection Wizard"


class PageId(IntEnum):
    PROFILES = 1
    AUTH_TYPE = 2
    INSTANCE = 3
    CREDENTIALS = 4
    OAUTH_APP = 5
    AUTHORIZE = 6
    TEST = 7
    SAVE = 8
    DONE = 9


@dataclass
class WizardState:
    """Results of async steps that later pages need (inputs live in the pages' widgets)."""

    sandbox: Any = None  # snow_wizard.sandbox.Sandbox, owned by the wizard
    tokens: Any = None  # authorization.TokenSet from the consent
    tokens_key: tuple[object, ...] | None = None  # the inputs the tokens were obtained with
    authorized_user: str | None = None
    test_result: Any = None  # servicenow.TestResult
    test_key: tuple[object, ...] | None = None  # the inputs the test ran with
    saved_profile: Any = None  # Profile once saved


# page id -> (module in gui/pages, class, wizard attribute)
PAGES: dict[PageId, tuple[str, str, str]] = {
    PageId.PROFILES: ("profiles", "ProfilesPage", "profiles_page"),
    PageId.AUTH_TYPE: ("auth_type", "AuthTypePage", "auth_page"),
    PageId.INSTANCE: ("instance", "InstancePage", "instance_page"),
    PageId.CREDENTIALS: ("credentials", "CredentialsPage", "credentials_page"),
    PageId.OAUTH_APP: ("oauth_app", "OAuthAppPage", "oauth_page"),
    PageId.AUTHORIZE: ("authorize", "AuthorizePage", "authorize_page"),
    PageId.TEST: ("test", "TestPage", "test_page"),
    PageId.SAVE: ("save", "SavePage", "save_page"),
    PageId.DONE: ("done", "DonePage", "done_page"),
}
_PAGE_ATTRS = frozenset(attr for _m, _c, attr in PAGES.values())


def default_settings() -> QSettings:
    return QSettings("snow-wizard", "snow-wizard")


class ConnectionWizard(QWizard):
    # How often "Wait and re-test" tries a hibernating instance again, and how long a browser
    # consent waits for the callback (tests make both short).
    wake_interval_s: float = 20.0
    consent_timeout_s: float = 300.0
    # Set by _build_page (the start page at once, the others lazily or right after).
    profiles_page: ProfilesPage
    auth_page: AuthTypePage
    instance_page: InstancePage
    credentials_page: CredentialsPage
    oauth_page: OAuthAppPage
    authorize_page: AuthorizePage
    test_page: TestPage
    save_page: SavePage
    done_page: DonePage

    def __init__(
        self,
        ctx: Context,
        *,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
        lazy: bool = False,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.state = WizardState()
        self.settings = settings if settings is not None else default_settings()
        self._confirm_close = True
        self.setWindowTitle(WINDOW_TITLE)
        self.setObjectName("ConnectionWizard")
        self.setAccessibleName(WINDOW_TITLE)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.HaveFinishButtonOnEarlyPages, False)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Save")
        self.setButtonText(QWizard.WizardButton.NextButton, "&Next >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< &Back")
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Finish")
        self._all_built = False
        self._add_pages(lazy)
        self.currentIdChanged.connect(self._page_changed)
        self.resize(820, 640)
        self._restore_geometry()

    def _add_pages(self, lazy: bool) -> None:
        """The start page now; with ``lazy`` the others once the first page is on screen."""
        start = PageId.PROFILES if self._has_profiles() else PageId.AUTH_TYPE
        self._build_page(start)
        self.setStartId(int(start))
        if not lazy:
            self.build_pages()

    def _build_page(self, pid: PageId) -> None:
        import importlib

        module, cls, attr = PAGES[pid]
        page = getattr(importlib.import_module(f"snow_wizard.gui.pages.{module}"), cls)()
        setattr(self, attr, page)
        self.setPage(int(pid), page)

    def build_pages(self) -> None:
        """Create every page not built yet (idempotent)."""
        for pid in PageId:
            if self.page(int(pid)) is None:
                self._build_page(pid)
        self._all_built = True
        current = self.currentPage()
        if current is not None:
            current.completeChanged.emit()  # let QWizard re-read nextId() for its buttons

    def __getattr__(self, name: str) -> Any:
        # A page attribute asked for before the lazy pages were built: build them now.
        if name in _PAGE_ATTRS and self.__dict__.get("_all_built") is False:
            self.build_pages()
            return object.__getattribute__(self, name)
        raise AttributeError(name)

    def _has_profiles(self) -> bool:
        try:
            return bool(self.ctx.store.list())
        except Exception:  # a corrupt file is shown on the profiles page
            return True

    # -- what the user chose -------------------------------------------------------------
    def auth_type(self) -> AuthType:
        return self.auth_page.auth_type()

    def mode(self) -> Mode:
        return self.auth_page.mode()

    def instance(self) -> Instance | None:
        return self.instance_page.instance()

    def profile_name(self) -> str:
        return self.instance_page.profile_name()

    def needs_test(self) -> bool:
        if self.auth_type() is AuthType.OAUTH:
            return self.mode() is Mode.PRE_AUTHORIZE
        return self.mode() is Mode.PRE_AUTHORIZE or self.credentials_page.has_credentials()

    # -- branching -----------------------------------------------------------------------
    def nextId(self) -> int:
        current = self.currentId()
        if not self._all_built:  # only the start page exists yet: its successor is fixed
            return int(PageId.AUTH_TYPE if current == PageId.PROFILES else PageId.INSTANCE)
        basic = self.auth_type() is AuthType.BASIC
        pre = self.mode() is Mode.PRE_AUTHORIZE
        order: dict[int, PageId | None] = {
            PageId.PROFILES: PageId.AUTH_TYPE,
            PageId.AUTH_TYPE: PageId.INSTANCE,
            PageId.INSTANCE: PageId.CREDENTIALS if basic else PageId.OAUTH_APP,
            PageId.CREDENTIALS: PageId.TEST if self.needs_test() else PageId.SAVE,
            PageId.OAUTH_APP: PageId.AUTHORIZE if pre else PageId.SAVE,
            PageId.AUTHORIZE: PageId.TEST,
            PageId.TEST: PageId.SAVE,
            PageId.SAVE: PageId.DONE,
            PageId.DONE: None,
        }
        nxt = order.get(current)
        return -1 if nxt is None else int(nxt)

    # -- async work and its cancellation -------------------------------------------------
    def all_pages(self) -> list[BasePage]:
        return [self.base_page(pid) for pid in self.pageIds()]

    def use_page(self, pid: PageId) -> BasePage:
        if self.page(int(pid)) is None:
            self.build_pages()
        return self.base_page(int(pid))

    def base_page(self, pid: int) -> BasePage:
        return cast("BasePage", self.page(pid))

    def busy(self) -> bool:
        return any(p.runner.busy for p in self.all_pages())

    def _page_changed(self, current: int) -> None:
        for pid in self.pageIds():
            if pid != current:
                self.base_page(pid).cancel_work()
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, self.focus_page)  # after QWizard's own focus handling

    def focus_page(self) -> None:
        """Keyboard focus where the user continues: the page's field to fill in, else the
        button that moves on (QWizard leaves it on a Next button that may now be disabled)."""
        page = cast("BasePage | None", self.currentPage())
        if page is None:
            return
        target = page.focus_target()
        if target is None or not (target.isEnabled() and target.isVisibleTo(self)):
            target = self.forward_button()
        if target is not None and target.isEnabled() and target.isVisibleTo(self):
            # Plain setFocus() (+ selectAll, what a Tab focus would do): touching PySide6's
            # Qt namespace builds ~100 enums (~25 ms), and this runs before the first paint.
            target.setFocus()
            if isinstance(target, QLineEdit):
                target.selectAll()

    def forward_button(self) -> QWidget | None:
        """The visible Next, Save or Finish button."""
        for which in (QWizard.WizardButton.CommitButton, QWizard.WizardButton.NextButton,
                      QWizard.WizardButton.FinishButton):
            button = self.button(which)
            if button is not None and button.isVisibleTo(self):
                return button
        return None

    async def ensure_sandbox(self) -> Any:
        """Start the in-process sandbox once (owned by the wizard, stopped on exit)."""
        if self.state.sandbox is None:
            import asyncio

            from snow_wizard.sandbox import Sandbox

            sandbox = Sandbox(port=0)
            await asyncio.to_thread(sandbox.start)
            self.state.sandbox = sandbox
        return self.state.sandbox

    def use_sandbox(self, sandbox: Any) -> None:
        """Fill every page with the sandbox's URL, demo user and demo OAuth app."""
        self.instance_page.fill_from_sandbox(sandbox)
        self.credentials_page.fill_from_sandbox(sandbox)
        self.oauth_page.fill_from_sandbox(sandbox)

    @staticmethod
    def ask_save_path(parent: QWidget, title: str, suggested: str) -> str:
        """Where to save a file ("" when the user cancels); tests replace this hook."""
        from PySide6.QtWidgets import QFileDialog

        path, _filter = QFileDialog.getSaveFileName(
            parent, title, suggested, "Profile files (*.json)"
        )
        return path

    def new_connection(self) -> None:
        """Start over for another connection with a clean form (the sandbox keeps running)."""
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, self._start_over)  # not inside the clicked button's own slot

    def _start_over(self) -> None:
        for page in self.all_pages():
            page.cancel_work()
        self.state = WizardState(sandbox=self.state.sandbox)
        self.build_pages()
        self.setStartId(int(PageId.PROFILES))
        self.restart()  # to the profiles list, which now shows the saved connection
        for pid in PageId:
            if pid is PageId.PROFILES:
                continue
            old = self.page(int(pid))
            self.removePage(int(pid))
            old.deleteLater()
            self._build_page(pid)
        self.next()  # Back returns to the list
        self.auth_page.basic.setFocus()

    def secret_values(self) -> list[str]:
        values: list[str] = []
        for page in self.all_pages():
            values.extend(page.secret_values())
        tokens = self.state.tokens
        if tokens is not None:
            values.extend(v for v in (tokens.access_token, tokens.refresh_token) if v)
        sandbox = self.state.sandbox
        if sandbox is not None:
            values.extend(_sandbox_secrets(sandbox))
        return [v for v in values if v]

    def shutdown(self) -> None:
        """Cancel every running call and stop the sandbox. Safe to call twice."""
        for page in self.all_pages():
            page.cancel_work()
        self._save_geometry()
        sandbox, self.state.sandbox = self.state.sandbox, None
        if sandbox is not None:
            sandbox.stop()

    # -- closing ---------------------------------------------------------------------------
    def has_unsaved_input(self) -> bool:
        if self.currentId() in (int(PageId.DONE), int(PageId.PROFILES), -1):
            return False
        return self.busy() or any(page.has_input() for page in self.all_pages()
                                  if hasattr(page, "has_input"))

    def confirm_discard(self) -> bool:
        if not self._confirm_close or not self.has_unsaved_input():
            return True
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self,
            "Discard this connection?",
            "The connection has not been saved. Close the wizard and discard what you entered?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def reject(self) -> None:
        if self.confirm_discard():
            self._confirm_close = False
            self.shutdown()
            super().reject()

    def done(self, result: int) -> None:
        if result == int(self.DialogCode.Accepted):
            self.shutdown()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.confirm_discard():
            event.ignore()
            return
        self._confirm_close = False
        self.shutdown()
        event.accept()
        super().closeEvent(event)

    # -- geometry --------------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.settings.value("wizard/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def _save_geometry(self) -> None:
        self.settings.setValue("wizard/geometry", self.saveGeometry())
        self.settings.sync()

    def keyPressEvent(self, event: Any) -> None:
        from PySide6.QtCore import Qt

        if event.key() == Qt.Key.Key_Escape and self.busy():
            # Escape first cancels what runs on the current page; a second Escape closes.
            page = cast("BasePage | None", self.currentPage())
            if page is not None and page.runner.busy:
                page.cancel_work()
                return
        super().keyPressEvent(event)


def _sandbox_secrets(sandbox: Any) -> list[str]:
    values = []
    for obj, attr in ((getattr(sandbox, "demo_user", None), "password"),
                      (getattr(sandbox, "demo_app", None), "client_secret")):
        value = getattr(obj, attr, None) if obj is not None else None
        if isinstance(value, str):
            values.append(value)
    return values
