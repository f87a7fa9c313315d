"""Start-up: the first page paints with only what it needs; the rest loads afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from snow_wizard.gui.wizard import ConnectionWizard, PageId

PROBE = r"""
import sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWizard

seen = {}
original = QWizard.__init__

def init(self, *a, **k):
    original(self, *a, **k)
    class Filter(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and not seen:
                seen["modules"] = set(sys.modules)
                seen["hook"] = type(sys.excepthook).__name__
            return False
    self._probe = Filter()
    self.installEventFilter(self._probe)

QWizard.__init__ = init
from snow_wizard.gui.app import main
rc = main(["--exit-when-shown"])
heavy = ("httpx2", "httpx", "keyring", "authlib", "truststore", "asyncio", "qasync",
         "snow_wizard.sandbox", "snow_wizard.core.servicenow", "snow_wizard.core.connections",
         "snow_wizard.core.authorization", "snow_wizard.gui.pages.oauth_app",
         "snow_wizard.gui.crash")
loaded = sorted(m for m in heavy if m in seen.get("modules", ()))
print("painted" if seen else "never painted", rc, ",".join(loaded) or "-", seen.get("hook"))
"""


def test_first_paint_needs_no_network_keychain_or_event_loop_modules(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               SNOW_WIZARD_CONFIG_DIR=str(tmp_path / "cfg"))
    proc = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    # the details dialog's hook is in place at the first paint, its module not loaded yet
    assert proc.stdout.split() == ["painted", "0", "-", "LazyExceptHook"], proc.stdout


def test_lazy_wizard_builds_the_other_pages_after_the_first(
    qtbot: Any, aloop: Any, ctx: Any, qsettings: Any
) -> None:
    wiz = ConnectionWizard(ctx, settings=qsettings, lazy=True)
    wiz._confirm_close = False
    qtbot.addWidget(wiz)
    assert wiz.pageIds() == [int(PageId.AUTH_TYPE)]
    assert wiz.nextId() == int(PageId.INSTANCE)  # Next works before the rest is built
    wiz.show()
    assert wiz.instance_page is not None  # asking for a page builds them all
    assert sorted(wiz.pageIds()) == sorted(int(p) for p in PageId)
    wiz.build_pages()  # idempotent
    assert len(wiz.pageIds()) == len(PageId)
    wiz.shutdown()


def test_lazy_excepthook_shows_the_redacted_details_dialog(
    qtbot: Any, wizard: Any, monkeypatch: Any
) -> None:
    from snow_wizard.gui.app import LazyExceptHook
    from snow_wizard.gui.crash import REDACTED, ErrorDialog

    wizard.credentials_page.password.setText("s3cret-value")
    hook = LazyExceptHook(wizard.secret_values, lambda: wizard)
    before = sys.excepthook
    hook.install()
    try:
        assert sys.excepthook is hook and hook.dialogs == []
        try:
            raise RuntimeError("boom with s3cret-value inside")
        except RuntimeError as e:
            sys.excepthook(type(e), e, e.__traceback__)
        dialogs = hook.dialogs
        assert len(dialogs) == 1 and isinstance(dialogs[0], ErrorDialog)
        details = dialogs[0].details.toPlainText()
        assert "boom with" in details and REDACTED in details and "s3cret-value" not in details
        dialogs[0].close()
    finally:
        hook.uninstall()
    assert sys.excepthook is before


WARM_PROBE = r"""
import sys, threading
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import snow_wizard.gui.app as app_module

importers = {}

class Recorder:
    # notes which thread first imports httpx2 and keyring (every import asks the finders)
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name in ("httpx2", "keyring") and name not in importers:
            importers[name] = threading.current_thread() is threading.main_thread()
        return None

sys.meta_path.insert(0, Recorder)

def poll():
    loaded = all(m in sys.modules for m in app_module.WARM_UP_MODULES)
    if loaded or poll.ticks > 400:
        for widget in QApplication.topLevelWidgets():
            widget.close()
        QApplication.instance().quit()
    poll.ticks += 1
    QTimer.singleShot(25, poll)
poll.ticks = 0

QTimer.singleShot(0, poll)
rc = app_module.main([])
print(rc, all(m in sys.modules for m in app_module.WARM_UP_MODULES), sorted(importers.items()))
"""


def test_network_and_keychain_modules_load_off_the_qt_thread_after_the_first_page(
    tmp_path: Path,
) -> None:
    # Without the warm-up, the first Test credentials click imported httpx2, truststore and
    # keyring (~0.5 s) on the Qt thread, freezing the window under its own spinner.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               SNOW_WIZARD_CONFIG_DIR=str(tmp_path / "cfg"), XDG_CONFIG_HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", WARM_PROBE], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split(" ", 2)[:2] == ["0", "True"], proc.stdout + proc.stderr
    # imported, and not by the main (Qt) thread
    assert "[('httpx2', False), ('keyring', False)]" in proc.stdout, proc.stdout
