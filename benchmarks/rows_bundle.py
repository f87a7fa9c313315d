"""Frozen rows: the Linux PyInstaller onedir bundle against a bare QWizard frozen the same way."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from bench_env import HERE, REPO, BenchEnv
from bench_proc import run_child
from bench_stats import NOT_BUILT, Row
from rows_startup import _skip

BASELINE_DIST = HERE / "build" / "dist" / "baseline_wizard"
BASELINE_EXE = BASELINE_DIST / "baseline_wizard"
# `run.py --with-bundle` builds the product with `packaging/build.py --bundle-only` into
# benchmarks/build/product (not dist/, which the packaging work owns); a bundle already in
# dist/snow-wizard is used when there is no such build.
OWN_PRODUCT_DIST = HERE / "build" / "product" / "snow-wizard"
REPO_PRODUCT_DIST = REPO / "dist" / "snow-wizard"
GUI_EXE = "snow-wizard-gui"


PROBE_DIST = HERE / "build" / "probe" / "snow-wizard"


def product_dist() -> Path:
    return OWN_PRODUCT_DIST if (OWN_PRODUCT_DIST / GUI_EXE).exists() else REPO_PRODUCT_DIST


def pyinstaller_available() -> bool:
    return importlib.util.find_spec("PyInstaller") is not None


def build_baseline() -> str | None:
    """Freeze benchmarks/baseline_wizard.py; None when fine, else why not."""
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", str(HERE / "build" / "dist"), "--workpath", str(HERE / "build" / "work"),
           str(HERE / "baseline_wizard.spec")]
    r = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True)
    if r.returncode != 0:
        return "baseline freeze failed: " + (r.stderr.strip().splitlines() or ["?"])[-1][:160]
    return None


def build_product() -> str | None:
    script = REPO / "packaging" / "build.py"
    if not script.exists():
        return NOT_BUILT + " (packaging/build.py)"
    r = subprocess.run([sys.executable, str(script), "--bundle-only",
                        "--dist", str(OWN_PRODUCT_DIST.parent),
                        "--work", str(HERE / "build" / "product-work")],
                       cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0:
        return "packaging/build.py --bundle-only failed: " + (
            r.stderr.strip().splitlines() or ["?"])[-1][:160]
    return None


def _built_at(exe: Path) -> str:
    import datetime as dt

    when = dt.datetime.fromtimestamp(exe.stat().st_mtime, dt.timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def build_probe_product() -> str | None:
    """The product spec plus the paint probe (benchmarks/product_probe.spec)."""
    if not (REPO / "packaging" / "snow_wizard.spec").exists():
        return NOT_BUILT + " (packaging/snow_wizard.spec)"
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(PROBE_DIST.parent), "--workpath", str(HERE / "build" / "probe-work"),
           str(HERE / "product_probe.spec")]
    r = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True)
    if r.returncode != 0:
        return "probe build failed: " + (r.stderr.strip().splitlines() or ["?"])[-1][:160]
    return None


def tree_size(path: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            p = os.path.join(dirpath, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


def bundle_rows(benv: BenchEnv, pairs: int, *, build: bool) -> list[Row]:
    size = Row("bundle-size", "frozen Linux bundle on disk (onedir)",
               "bare `QWizard` frozen with the same PyInstaller options", 1.20, unit="MiB")
    start = Row("frozen-start", "frozen GUI cold start to first page painted (offscreen)",
                "the same bare frozen `QWizard`", 1.20)
    wall = Row("frozen-start-wall", "frozen GUI whole process, `--exit-when-shown` (offscreen)",
               "the same bare frozen `QWizard`, same exit", 1.20, informational=True)
    rows = [size, start, wall]
    if not pyinstaller_available():
        return _skip(rows, "skipped: PyInstaller is not installed (pip install pyinstaller)")
    notes = []
    if build:
        notes = [why for why in (build_baseline(), build_product(), build_probe_product()) if why]
    if not BASELINE_EXE.exists():
        return _skip(rows, "skipped: baseline not frozen (run with --with-bundle)"
                     + (f"; {'; '.join(notes)}" if notes else ""))
    dist = product_dist()
    exe = dist / GUI_EXE
    if not exe.exists():
        why = "; ".join(notes) if notes else "bundle not built (run with --with-bundle)"
        return _skip(rows, f"skipped: {why}")
    size.pairs.append((tree_size(BASELINE_DIST) / 2**20, tree_size(dist) / 2**20))
    size.note = (f"one measurement (sizes do not vary); apparent file sizes, symlinks not "
                 f"counted; {dist.relative_to(REPO)} (built {_built_at(exe)}) against "
                 f"{BASELINE_DIST.relative_to(REPO)} (built {_built_at(BASELINE_EXE)}, with the "
                 "few-KB paint probe)")
    if not (REPO / "packaging" / "snow_wizard.spec").exists():
        size.note += "; packaging/snow_wizard.spec missing: baseline frozen with fallback options"
    probe_exe = PROBE_DIST / GUI_EXE
    timed_exe = probe_exe if probe_exe.exists() else exe
    env = benv.child_env(QT_QPA_PLATFORM="offscreen",
                         SNOW_WIZARD_CONFIG_DIR=str(benv.new_config_dir("frozen")))
    for i in range(1 + pairs):
        a = run_child([str(BASELINE_EXE), "--exit-when-shown"], env, probe=True)
        b = run_child([str(timed_exe), "--exit-when-shown"], env, probe=True)
        if not (a.ok and b.ok):
            for r in (start, wall):
                r.pairs.clear()
                r.skipped = "failed: " + (a.why() if not a.ok else b.why())
            break
        if i:
            wall.pairs.append((a.wall, b.wall))
            wall.cpu_pairs.append((a.cpu, b.cpu))
            if a.painted is not None and b.painted is not None:
                start.pairs.append((a.painted, b.painted))
                if a.painted_cpu is not None and b.painted_cpu is not None:
                    start.cpu_pairs.append((a.painted_cpu, b.painted_cpu))
    if not start.pairs and not start.skipped:
        start.skipped = ("skipped: the frozen apps did not report their paint (build the probe "
                         "variants with --with-bundle); see the whole-process row")
    elif start.pairs:
        start.note = (f"{PROBE_DIST.relative_to(REPO)} (built {_built_at(probe_exe)}): the "
                      "product spec plus the paint probe as a runtime hook")
    return rows
