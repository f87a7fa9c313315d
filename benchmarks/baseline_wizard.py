"""The start-up baseline: a bare PySide6 ``QWizard`` with N simple pages, nothing else.

``benchmarks/run.py`` compares the real wizard against this script (and against this script
frozen with ``baseline_wizard.spec``, which uses the same PyInstaller options as
``packaging/snow_wizard.spec``). It imports only PySide6 and builds pages as plain as a real
first page: a title, a subtitle, a label and a line edit.

    python benchmarks/baseline_wizard.py --exit-when-shown [--pages N] [--print-paint]

``--exit-when-shown`` quits once the first page has been painted (like the real
``snow-wizard --exit-when-shown``). ``--print-paint`` prints ``painted <s> <vmhwm_kib>``: the
seconds since ``SNOW_BENCH_T0`` (a ``time.monotonic()`` value set by the parent just before it
started this process; CLOCK_MONOTONIC is system-wide on Linux) and the peak RSS so far.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QVBoxLayout, QWizard, QWizardPage

DEFAULT_PAGES = 6


def vm_hwm_kib() -> int:
    """Peak resident set size of this process so far (KiB); 0 where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def simple_page(index: int) -> QWizardPage:
    page = QWizardPage()
    page.setTitle(f"Step {index + 1}")
    page.setSubTitle("A plain page with a label and a line edit.")
    layout = QVBoxLayout(page)
    layout.addWidget(QLabel(f"Field {index + 1}:"))
    edit = QLineEdit()
    edit.setPlaceholderText("value")
    layout.addWidget(edit)
    return page


class _FirstPaint(QObject):
    """Reacts to the wizard's first Paint event: report, then quit on the next loop turn."""

    def __init__(self, app: QApplication, *, quit_after: bool, report: bool) -> None:
        super().__init__()
        self._app = app
        self._quit_after = quit_after
        self._report = report
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            if self._report:
                t0 = float(os.environ.get("SNOW_BENCH_T0", "nan"))
                print(f"painted {time.monotonic() - t0:.6f} {vm_hwm_kib()}", flush=True)
            if self._quit_after:
                QTimer.singleShot(0, self._app.quit)
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES)
    parser.add_argument("--exit-when-shown", action="store_true")
    parser.add_argument("--print-paint", action="store_true")
    args = parser.parse_args(argv)

    app = QApplication(sys.argv[:1])
    wizard = QWizard()
    wizard.setWindowTitle("Baseline wizard")
    for i in range(max(1, args.pages)):
        wizard.addPage(simple_page(i))
    first_paint = _FirstPaint(app, quit_after=args.exit_when_shown, report=args.print_paint)
    wizard.installEventFilter(first_paint)
    wizard.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
