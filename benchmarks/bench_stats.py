"""Rows of the benchmark table: paired samples, ratios, and how a row is shown."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

NOT_BUILT = "n/a (not built yet)"


@dataclass
class Row:
    """One figure: ``pairs`` holds (baseline, ours) samples taken back to back, A then B."""

    key: str
    figure: str
    baseline: str
    target: float
    unit: str = "s"  # "s", "ms", "MiB" (only for the absolute columns)
    pairs: list[tuple[float, float]] = field(default_factory=list)
    # CPU seconds (user + system) of the same runs: much less sensitive to a loaded machine
    # than wall time; shown next to the wall-time ratio for the process rows.
    cpu_pairs: list[tuple[float, float]] = field(default_factory=list)
    note: str = ""  # why skipped / what was measured; shown under the table
    skipped: str = ""  # non-empty: the row was not measured, and this says why
    informational: bool = False  # a supporting figure, not one of the targets

    @property
    def ratios(self) -> list[float]:
        return [b / a for a, b in self.pairs if a > 0]

    @property
    def median(self) -> float | None:
        r = self.ratios
        return statistics.median(r) if r else None

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        m = self.median
        if m is None:
            return "no data"
        return "ok" if m <= self.target else "MISSED"

    @property
    def cpu_median(self) -> float | None:
        r = [b / a for a, b in self.cpu_pairs if a > 0]
        return statistics.median(r) if r else None

    def abs_median(self, index: int) -> float | None:
        values = [p[index] for p in self.pairs]
        return statistics.median(values) if values else None


def fmt_abs(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    return f"{value:.3g} {unit}"


def run_pairs(
    row: Row,
    pairs: int,
    baseline: Callable[[], float],
    ours: Callable[[], float],
    *,
    warmup: int = 1,
) -> Row:
    """Interleave A, B, A, B ...; the first ``warmup`` pairs are run and thrown away."""
    for i in range(warmup + pairs):
        a = baseline()
        b = ours()
        if i >= warmup:
            row.pairs.append((a, b))
    return row


def table(rows: list[Row]) -> str:
    head = (
        "| figure | baseline (same run) | target | ratio median | min | max | pairs "
        "| CPU-time ratio | baseline median | ours median | status |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for r in rows:
        target = f"<= {r.target:.2f}" + (" (info)" if r.informational else "")
        if r.skipped:
            lines.append(
                f"| {r.figure} | {r.baseline} | {target} | {r.skipped} | | | | | | | skipped |"
            )
            continue
        ratios = r.ratios
        med = f"**{r.median:.2f}**" if r.median is not None else "–"
        lo = f"{min(ratios):.2f}" if ratios else "–"
        hi = f"{max(ratios):.2f}" if ratios else "–"
        status = r.status if not r.informational or r.status != "MISSED" else "above"
        cpu = f"{r.cpu_median:.2f}" if r.cpu_median is not None else "–"
        lines.append(
            f"| {r.figure} | {r.baseline} | {target} | {med} | {lo} | {hi} | {len(r.pairs)} "
            f"| {cpu} | {fmt_abs(r.abs_median(0), r.unit)} | {fmt_abs(r.abs_median(1), r.unit)} "
            f"| {status} |"
        )
    return head + "\n".join(lines) + "\n"
