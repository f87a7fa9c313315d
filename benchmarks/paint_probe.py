"""Run a Qt program and record, from inside it, when its first ``QWizard`` is painted.

    SNOW_BENCH_T0=<time.monotonic() of the parent> SNOW_BENCH_OUT=<file> \\
        python benchmarks/paint_probe.py (-m MODULE | SCRIPT) [ARGS...]

The probe adds no import of its own before the program runs: it puts an import hook on
``PySide6.QtWidgets`` that, once that module is loaded, wraps ``QWizard.__init__`` so every
wizard gets an event filter. On the first Paint event of a wizard it writes
``painted <seconds since SNOW_BENCH_T0> <VmHWM KiB> <CPU seconds>`` to ``SNOW_BENCH_OUT``.
The same probe wraps the baseline and the real wizard, so its small cost is the same on both
sides. With ``SNOW_BENCH_QUIT=1`` it also quits the application after that paint (for
programs that have no ``--exit-when-shown`` of their own).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import runpy
import sys
import time
from types import ModuleType
from typing import Any

_TARGET = "PySide6.QtWidgets"
_keep: list[Any] = []  # event filter objects must stay alive


def _vm_hwm_kib() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _record() -> None:
    t = time.monotonic() - float(os.environ.get("SNOW_BENCH_T0", "nan"))
    out = os.environ.get("SNOW_BENCH_OUT")
    line = f"painted {t:.6f} {_vm_hwm_kib()} {time.process_time():.6f}\n"
    if out:
        with open(out, "a", encoding="ascii") as f:
            f.write(line)
    else:
        sys.stderr.write(line)


def _patch(widgets: ModuleType) -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        done = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if not FirstPaint.done and event.type() == QEvent.Type.Paint:
                FirstPaint.done = True
                _record()
                if os.environ.get("SNOW_BENCH_QUIT") == "1":
                    QTimer.singleShot(0, widgets.QApplication.quit)
            return False

    original = widgets.QWizard.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        flt = FirstPaint()
        _keep.append(flt)
        self.installEventFilter(flt)

    widgets.QWizard.__init__ = __init__


class _Loader(importlib.abc.Loader):
    def __init__(self, inner: importlib.abc.Loader) -> None:
        self._inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._inner.exec_module(module)
        _patch(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != _TARGET:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            pass
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def install() -> None:
    """Watch for the first QWizard paint from now on (also used as a PyInstaller runtime hook
    in the frozen benchmark builds: benchmarks/pyi_rth_paint_probe.py)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def main() -> None:
    args = sys.argv[1:]
    if not args:
        raise SystemExit("usage: paint_probe.py (-m MODULE | SCRIPT) [ARGS...]")
    install()
    if args[0] == "-m":
        sys.argv = [args[1], *args[2:]]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(args)
        sys.path[0] = os.path.dirname(os.path.abspath(args[0]))
        runpy.run_path(args[0], run_name="__main__")


if __name__ == "__main__":
    main()
