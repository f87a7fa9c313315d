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
