"""The hardening suite: hostile input, faults and secret leaks, with the figures written down.

A small pytest plugin lives here: it ties the counts tests make through ``figures.record`` to
the tests' outcomes, prints the table at the end of the session and, when
``SNOW_WIZARD_WRITE_RELIABILITY=1``, writes it into ``docs/reliability.md``.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest

from hardening.figures import RECORDER
from hardening.gui_support import aloop, main_thread_gc, make_wizard, qsettings  # noqa: F401
from hardening.report import render_reliability

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "reliability.md"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port() -> int:
    return free_port()


# -- the figures plugin --------------------------------------------------------------------
def pytest_runtest_setup(item: pytest.Item) -> None:
    RECORDER.current = item.nodeid


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "tests/hardening/" not in report.nodeid.replace("\\", "/"):
        return
    RECORDER.durations[report.nodeid] += report.duration
    if report.failed:
        RECORDER.outcome(report.nodeid, "failed")
    elif report.skipped:
        RECORDER.outcome(report.nodeid, "skipped")
    elif report.when == "call":
        RECORDER.outcome(report.nodeid, "passed")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    rows = RECORDER.table()
    if not rows:
        return
    tr = terminalreporter
    tr.section("hardening figures")
    width = max(len(f"{area}: {what}") for area, what, _, _ in rows)
    for area, what, count, result in rows:
        tr.write_line(f"{f'{area}: {what}':<{width}}  {count:>8}  {result}")
    totals = RECORDER.totals()
    tr.write_line("totals: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    if os.environ.get("SNOW_WIZARD_WRITE_RELIABILITY") == "1":
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(render_reliability(RECORDER), encoding="utf-8")
        tr.write_line(f"wrote {DOC.relative_to(REPO)}")
