"""The wizard application: QApplication + qasync event loop, exception dialog, wiring.

Imports only Qt (and qasync) at start: the network, keychain and OAuth modules load when a page
first needs them, so the window appears about as fast as a bare QWizard.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from snow_wizard.core.context import Context

HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"})


def display_problem(
    env: Mapping[str, str] | None = None, platform: str | None = None
) -> str | None:
    """Why no window can open here (Linux without X11/Wayland), or None when one can."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    if env.get("QT_QPA_PLATFORM", "").split(":")[0].strip() in HEADLESS_PLATFORMS:
        return None
    if env.get("WAYLAND_DISPLAY"):
        runtime = env.get("XDG_RUNTIME_DIR", "")
        socket = Path(env["WAYLAND_DISPLAY"])
        if socket.is_absolute() or not runtime or (Path(runtime) / socket).exists():
            return None
    display = env.get("DISPLAY", "")
    if display:
        if display.startswith(":"):  # a local X server listens on its socket
            number = display[1:].split(".")[0]
            if number.isdigit() and not Path(f"/tmp/.X11-unix/X{number}").exists():
                return f"DISPLAY={display} but no X server is listening"
        return None
    ssh = " in an SSH session" if env.get("SSH_CONNECTION") or env.get("SSH_TTY") else ""
    return f"neither DISPLAY nor WAYLAND_DISPLAY is set{ssh}"


def headless_message(problem: str) -> str:
    return (
        f"snow-wizard: no display found ({problem}); use the command line instead: "
        "snow-wizard add|list|test … (see snow-wizard --help)"
    )


def make_app(argv: list[str] | None = None) -> QApplication:
    os.environ.setdefault("QT_API", "pyside6")  # qasync must pick PySide6
    from PySide6.QtWidgets import QApplication

    from snow_wizard.gui.resources import app_icon

    existing = QApplication.instance()
    app = cast(QApplication, existing) if existing is not None else QApplication(
        [sys.argv[0] if sys.argv else "snow-wizard", *(argv or [])]
    )
    app.setOrganizationName("snow-wizard")
    app.setApplicationName("snow-wizard")
    app.setDesktopFileName("snow-wizard")
    app.setWindowIcon(app_icon())
    return app


def run_wizard(
    app: QApplication,
    ctx: Context,
    *,
    settings: QSettings | None = None,
    exit_when_shown: bool = False,
) -> int:
    """Show the wizard on a qasync loop until it closes; 0 when it closed normally."""
    from PySide6.QtCore import QTimer

    from snow_wizard.gui.async_support import MainThreadGC
    from snow_wizard.gui.wizard import ConnectionWizard

    collector = MainThreadGC()
    collector.start()
    wizard = ConnectionWizard(ctx, settings=settings, lazy=True)
    # The details dialog is there from the first paint on; its module loads only when needed.
    hook = LazyExceptHook(wizard.secret_values, lambda: wizard)
    hook.install()
    watcher: Any = _PaintWatcher(wizard) if exit_when_shown else None
    wizard.show()
    app.processEvents()  # the first page paints before the event-loop machinery loads

    import asyncio

    import qasync  # after PySide6 (make_app set QT_API), so it picks PySide6

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(hook.loop_handler)
    wizard.finished.connect(lambda _r: loop.stop())
    QTimer.singleShot(0, wizard.build_pages)  # the other pages, while the user reads
    if watcher is not None:
        watcher.when_painted(loop.stop)
    else:
        QTimer.singleShot(0, lambda: loop.run_in_executor(None, warm_up_imports))
    try:
        with loop:
            loop.run_forever()
    finally:
        wizard.shutdown()
        hook.uninstall()
        collector.stop()
        del watcher
    return 0


# What the first test, consent or save loads (httpx2, truststore, keyring, the OAuth flow:
# ~0.5 s together). Slots import them lazily; loading them here first, in a worker thread
# while the user reads the first page, keeps that cost off the Qt thread.
WARM_UP_MODULES = (
    "snow_wizard.core.connections",
    "snow_wizard.core.servicenow",
    "snow_wizard.core.authorization",
    "keyring",
)


def warm_up_imports() -> None:
    import importlib

    for name in WARM_UP_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # a slot importing it later reports the problem properly
            return


class LazyExceptHook:
    """``sys.excepthook`` that costs nothing until used: ``gui.crash`` (the details dialog,
    ~30-50 ms of imports: the Qt namespace, platform, traceback) loads on the first exception,
    so the hook can be installed before the first paint."""

    def __init__(self, secrets: Callable[[], Iterable[str]], parent: Callable[[], Any]) -> None:
        self._secrets = secrets
        self._parent = parent
        self._hook: Any = None
        self.previous = sys.excepthook

    def hook(self) -> Any:
        """The real :class:`snow_wizard.gui.crash.ExceptHook`, created on first use."""
        if self._hook is None:
            from snow_wizard.gui.crash import ExceptHook

            self._hook = ExceptHook(self._secrets, self._parent)
            self._hook.previous = self.previous
        return self._hook

    @property
    def dialogs(self) -> list[Any]:
        return [] if self._hook is None else list(self._hook.dialogs)

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        self.hook()(exc_type, exc, tb)

    def loop_handler(self, loop: object, context: dict[str, object]) -> None:
        self.hook().loop_handler(loop, context)

    def install(self) -> None:
        self.previous = sys.excepthook
        sys.excepthook = self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self.previous


class _PaintWatcher:
    """Calls back once the wizard has been painted (for ``--exit-when-shown``)."""

    def __init__(self, wizard: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        self.painted = False
        self._callback: Any = None
        watcher = self

        class Filter(QObject):
            def eventFilter(self, obj: QObject, event: QEvent) -> bool:
                if event.type() == QEvent.Type.Paint and not watcher.painted:
                    watcher.painted = True
                    watcher._fire()
                return False

        self._filter = Filter()
        self._wizard = wizard
        wizard._confirm_close = False
        wizard.installEventFilter(self._filter)

    def when_painted(self, callback: Any) -> None:
        self._callback = callback
        self._fire()

    def _fire(self) -> None:
        from PySide6.QtCore import QTimer

        if self.painted and self._callback is not None:
            self._wizard.removeEventFilter(self._filter)
            QTimer.singleShot(0, self._callback)
            self._callback = None


def main(argv: list[str] | None = None, *, exit_when_shown: bool = False) -> int:
    """Open the wizard. ``--exit-when-shown`` quits once the first page is painted."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--exit-when-shown" in args:
        args.remove("--exit-when-shown")
        exit_when_shown = True
    problem = display_problem()
    if problem is not None:
        print(headless_message(problem), file=sys.stderr)
        return 2
    app = make_app(args)
    from snow_wizard.core.context import Context

    return run_wizard(app, Context.default(), exit_when_shown=exit_when_shown)


if __name__ == "__main__":
    raise SystemExit(main())
