"""benchmarks/run.py works: a quick run on a subset prints the ratio table.

Speed is measured by the benchmarks, never asserted here: these tests only check that the
harness runs, interleaves the pairs it was asked for, and reports every row.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUN = REPO / "benchmarks" / "run.py"
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_stats import Row, table  # noqa: E402

CELL_RATIO = re.compile(r"\*\*\d+\.\d\d\*\*")


def _row_line(stdout: str, start: str) -> str:
    lines = [line for line in stdout.splitlines() if line.startswith("| " + start)]
    assert len(lines) == 1, f"no single row starting {start!r} in:\n{stdout}"
    return lines[0]


@pytest.mark.slow
def test_quick_run_prints_the_table_for_a_subset(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    r = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--pairs", "2", "--only", "cli-list,gui-offscreen",
         "--out", str(out)],
        capture_output=True, text=True, timeout=110, cwd=REPO,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "| figure | baseline (same run) | target | ratio median | min | max | pairs" in r.stdout
    cli = _row_line(r.stdout, "CLI start: `snow-wizard list`")
    gui = _row_line(r.stdout, "GUI cold start to first page painted (offscreen)")
    rss = _row_line(r.stdout, "peak RSS at first page (offscreen)")
    for line in (cli, gui, rss):
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[-1] == "skipped":  # a part not built yet says so instead of a ratio
            assert cells[3].startswith(("n/a", "skipped", "failed")), line
            continue
        assert CELL_RATIO.fullmatch(cells[3]), line
        assert cells[6] == "2", f"expected 2 measured pairs: {line}"
        assert cells[-1] in ("ok", "MISSED"), line
    # rows that were not asked for are not run
    table_rows = [line for line in r.stdout.splitlines() if line.startswith("| ")]
    assert not [line for line in table_rows if "snow-wizard test NAME" in line]
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# snow-wizard benchmarks") and "Measured " in text and "cores" in text


def test_ratios_are_per_pair_medians_with_min_and_max() -> None:
    row = Row("x", "figure x", "base", 1.2, pairs=[(1.0, 1.1), (2.0, 3.0), (1.0, 1.3)])
    assert row.ratios == pytest.approx([1.1, 1.5, 1.3])
    assert row.median == pytest.approx(1.3)
    assert row.status == "MISSED"
    line = _row_line(table([row]), "figure x")
    assert "**1.30** | 1.10 | 1.50 | 3 |" in line
    skipped = Row("y", "figure y", "base", 1.2, skipped="n/a (not built yet)")
    assert "n/a (not built yet)" in _row_line(table([skipped]), "figure y")
    assert skipped.status == "skipped"
