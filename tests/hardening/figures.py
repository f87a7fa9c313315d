"""The hardening suite's counters: what was thrown at the product, and how it came out.

Tests call ``record(area, what, n)`` for every hostile request sent, generated input tried,
fault injected or secret scanned. The pytest plugin in ``conftest.py`` ties each count to the
test that made it; a row's result is "passed" only when every test that counted into it passed.
At the end of the session the table is printed in the terminal summary and, with
``SNOW_WIZARD_WRITE_RELIABILITY=1``, written into ``docs/reliability.md``.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

# The four areas, in the order the table shows them.
HOSTILE = "hostile requests sent"
GENERATED = "generated inputs tried"
FAULTS = "faults injected"
SECRETS = "secrets scanned"
AREAS = (HOSTILE, GENERATED, FAULTS, SECRETS)


@dataclass
class Row:
    count: int = 0
    tests: set[str] = field(default_factory=set)


class Recorder:
    """Thread-safe counters keyed by (area, what), each remembering the tests that counted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rows: dict[tuple[str, str], Row] = defaultdict(Row)
        self.outcomes: dict[str, str] = {}  # nodeid -> "passed" | "failed" | "skipped"
        self.current: str = "(outside a test)"
        self.durations: dict[str, float] = defaultdict(float)

    def record(self, area: str, what: str, n: int = 1) -> None:
        if area not in AREAS:
            raise ValueError(f"unknown area {area!r}")
        with self._lock:
            row = self.rows[(area, what)]
            row.count += n
            row.tests.add(self.current)

    def outcome(self, nodeid: str, outcome: str) -> None:
        with self._lock:
            if self.outcomes.get(nodeid) != "failed":  # a failed phase sticks
                self.outcomes[nodeid] = outcome

    def result(self, row: Row) -> str:
        states = [self.outcomes.get(t, "not run") for t in row.tests]
        failed = sum(s == "failed" for s in states)
        if failed:
            return f"FAILED ({failed} of {len(states)} tests)"
        if states and all(s == "skipped" for s in states):
            return "skipped"
        return "passed"

    def table(self) -> list[tuple[str, str, int, str]]:
        """(area, what, count, result) sorted by area order, then by label."""
        out = []
        for (area, what), row in self.rows.items():
            if row.count:
                out.append((area, what, row.count, self.result(row)))
        return sorted(out, key=lambda r: (AREAS.index(r[0]), r[1]))

    def totals(self) -> dict[str, int]:
        totals = dict.fromkeys(AREAS, 0)
        for (area, _), row in self.rows.items():
            totals[area] += row.count
        return totals


RECORDER = Recorder()


def record(area: str, what: str, n: int = 1) -> None:
    RECORDER.record(area, what, n)
