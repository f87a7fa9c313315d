"""Screenshots of every wizard page, for the README: the real app against its in-process sandbox.

    xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- python scripts/screenshots.py

Walks the Basic and the OAuth (pre-authorize) paths to saved profiles, then reopens the wizard on
its profiles page, saving docs/screenshots/<nn>-<page>.png. Profiles go to a temporary config
dir and an in-memory keychain; password fields stay masked, so no secret is ever pictured.
Without a display it starts Xvfb itself when ``xvfb-run`` is on PATH.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
DEFAULT_PORT = 8765


def _port() -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", DEFAULT_PORT))
            return DEFAULT_PORT
        except OSError:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])


class Shooter:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.n = 0
        self.saved: list[Path] = []

    async def shot(self, widget: Any, name: str) -> None:
        from PySide6.QtWidgets import QApplication

        await asyncio.sleep(0.35)  # let layouts settle and the spinner turn
        QApplication.processEvents()
        self.n += 1
        path = self.out / f"{self.n:02d}-{name}.png"
        if not widget.grab().save(str(path)):
            raise SystemExit(f"cannot write {path}")
        self.saved.append(path)
        print("saved", path.name)


async def until(pred: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the wizard")
        await asyncio.sleep(0.05)


def next_(wiz: Any) -> None:
    from PySide6.QtWidgets import QWizard

    page = wiz.currentPage()
    which = QWizard.WizardButton.CommitButton if page.isCommitPage() else \
        QWizard.WizardButton.NextButton
    button = wiz.button(which)
    assert button.isEnabled(), f"Next is disabled on {type(page).__name__}"
    button.click()


async def typed(edit: Any, text: str) -> None:
    edit.setFocus()
    edit.clear()
    for ch in text:
        edit.insert(ch)
        await asyncio.sleep(0.004)


async def basic_path(wiz: Any, s: Shooter) -> None:
    from snow_wizard.gui.wizard import PageId

    await s.shot(wiz, "auth-type")
    next_(wiz)
    await until(lambda: wiz.currentId() == PageId.INSTANCE)
    page = wiz.instance_page
    await typed(page.instance_edit, "http://acme.service-now.com")
    await s.shot(wiz, "instance-validation")
    page.sandbox_button.click()
    await until(lambda: not page.runner.busy and page.isComplete())
    await s.shot(wiz, "instance-sandbox")
    next_(wiz)
    await until(lambda: wiz.currentId() == PageId.CREDENTIALS)
    wiz.credentials_page.test_button.click()
    await until(lambda: not wiz.credentials_page.runner.busy)
    await s.shot(wiz, "basic-credentials")
    next_(wiz)
    await until(lambda: wiz.currentId() == PageId.TEST and wiz.test_page.isComplete())
    await s.shot(wiz, "test")
    next_(wiz)
    await until(lambda: wiz.currentId() == PageId.SAVE)
    await s.shot(wiz, "save")
    next_(wiz)
    await until(lambda: wiz.currentId() == PageId.DONE)
    await s.shot(wiz, "done-basic")


async def oauth_path(wiz: Any, s: Shooter, port: int) -> None:
    from snow_wizard.gui.wizard import PageId

    wiz.done_page.new_button.click()  # New connection: a clean form, the sandbox kept
    await until(lambda: wiz.currentId() == PageId.AUTH_TYPE)
    wiz.auth_page.oauth_custom.setChecked(True)
    await s.shot(wiz, "auth-type-oauth")
    next_(wiz)
    await until(lambda: wiz.currentId() == PageId.INSTANCE)
    wiz.use_sandbox(wiz.state.sandbox)
    wiz.instance_page.name_edit.setText("sandbox-oauth")
    next_(wiz)
    await until(lambda: wiz.currentId() == PageId.OAUTH_APP)
    page = wiz.oauth_page
    page.step_boxes[0].setChecked(True)
    page.step_boxes[1].setChecked(True)
    await s.shot(wiz, "oauth-app")
    page.advanced_toggle.setChecked(True)
    page.port.setValue(port)
    scroll = page.findChild(__import__("PySide6.QtWidgets").QtWidgets.QScrollArea)
    await asyncio.sleep(0.1)
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    await s.shot(wiz, "oauth-app-advanced")
    next_(wiz)
    await until(lambda: wiz.currentId() == PageId.AUTHORIZE)
    auth = wiz.authorize_page
    auth.authorize_button.click()
    await until(lambda: auth.url_field.isVisibleTo(auth))
    await asyncio.sleep(1.2)  # show some elapsed time
    await s.shot(wiz, "authorize-waiting")
    url = auth.url_field.value()
    threading.Thread(target=wiz.state.sandbox.consent, args=(url,), kwargs={"follow": True},
                     daemon=True).start()
    await until(auth.isComplete)
    await s.shot(wiz, "authorize-done")
    next_(wiz)
    await until(lambda: wiz.currentId() == PageId.TEST and wiz.test_page.isComplete())
    next_(wiz)
    await until(lambda: wiz.currentId() == PageId.SAVE)
    await s.shot(wiz, "save-oauth")
    next_(wiz)
    await until(lambda: wiz.currentId() == PageId.DONE)
    await s.shot(wiz, "done-oauth")


async def profiles_page(ctx: Any, settings: Any, sandbox: Any, s: Shooter) -> None:
    from snow_wizard.gui.pages.auth_type import AuthTypePage  # noqa: F401
    from snow_wizard.gui.wizard import ConnectionWizard, PageId

    wiz = ConnectionWizard(ctx, settings=settings)
    wiz._confirm_close = False
    wiz.show()
    await until(lambda: wiz.currentId() == PageId.PROFILES)
    wiz.profiles_page.test_button.click()
    await until(lambda: not wiz.profiles_page.runner.busy)
    await s.shot(wiz, "profiles")
    wiz.close()
    await asyncio.sleep(0.1)
    del sandbox


async def drive(app: Any, ctx: Any, settings: Any, s: Shooter) -> None:
    from snow_wizard.core.profiles import redirect_url_for
    from snow_wizard.gui.wizard import ConnectionWizard
    from snow_wizard.sandbox import Sandbox

    port = _port()
    wiz = ConnectionWizard(ctx, settings=settings)
    wiz._confirm_close = False
    # The wizard's own sandbox, with the callback port this machine has free registered.
    wiz.state.sandbox = Sandbox(port=0, redirect_urls=[redirect_url_for(port)]).start()
    wiz.show()
    await until(wiz.isVisible)
    await basic_path(wiz, s)
    await oauth_path(wiz, s, port)
    sandbox = wiz.state.sandbox
    wiz.state.sandbox = None  # keep it running for the profiles page
    wiz.close()
    await profiles_page(ctx, settings, sandbox, s)
    sandbox.stop()


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs")
    out = parser.parse_args().out.resolve()
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") \
            and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        if shutil.which("xvfb-run") and not os.environ.get("_SCREENSHOTS_IN_XVFB"):
            env = dict(os.environ, _SCREENSHOTS_IN_XVFB="1")
            return subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1280x900x24",
                                    sys.executable, __file__, "--out", str(out)], env=env)
        print("screenshots: no display and no xvfb-run", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_API", "pyside6")
    sys.path.insert(0, str(ROOT))
    import qasync
    from PySide6.QtCore import QSettings

    from snow_wizard.core.context import Context
    from snow_wizard.core.profiles import ProfileStore
    from snow_wizard.core.secret_store import MemoryBackend, SecretStore
    from snow_wizard.gui.app import make_app

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    app = make_app([])
    app.setQuitOnLastWindowClosed(False)  # the wizards close and reopen along the way
    with tempfile.TemporaryDirectory(prefix="snow-wizard-shots-") as tmp:
        ctx = Context(store=ProfileStore(Path(tmp) / "config"),
                      secrets=SecretStore(MemoryBackend()),
                      open_browser=lambda _url: False)  # the URL-to-copy state is pictured
        settings = QSettings(str(Path(tmp) / "qsettings.ini"), QSettings.Format.IniFormat)
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        shooter = Shooter(out)
        with loop:
            loop.run_until_complete(drive(app, ctx, settings, shooter))
    print(f"{len(shooter.saved)} screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
