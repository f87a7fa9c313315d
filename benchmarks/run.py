"""snow-wizard benchmarks: every figure is a ratio against a baseline measured in the same run.

    python benchmarks/run.py                # everything (a few minutes), writes docs/benchmarks.md
    python benchmarks/run.py --with-bundle    # also freeze the baseline and build the bundle first
    python benchmarks/run.py --quick --only cli-list,gui-offscreen   # a fast look, writes nothing

Method: baseline (A) and snow-wizard (B) run interleaved A, B, A, B, ... after one discarded
warm-up pair; a row shows the median of the per-pair ratios B/A with their min and max, and
the medians of the absolute figures for orientation only (this machine is shared and noisy).
Start-up rows time whole child processes (fork to reap); "first page painted" is recorded
inside the process by benchmarks/paint_probe.py (same probe on both sides); peak RSS is VmHWM
at that paint. Keychain rows use a throwaway gnome-keyring in a private D-Bus session.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_env import REPO, BenchEnv, bench_env
from bench_stats import Row, table

GROUPS = ("gui-offscreen", "gui-xvfb", "cli-list", "cli-test", "test-credentials", "callback",
          "bundle")
# The real wizard's new-connection path (gui/wizard.py): welcome/profile name, instance,
# auth choice, credentials (Basic) or OAuth app, test, done. See DEFAULT_PAGES below.
DEFAULT_PAGES = 6


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="snow-wizard benchmarks (ratios against baselines)")
    p.add_argument("--pairs", type=int, default=None, help="measured pairs per row (default 10)")
    p.add_argument("--quick", action="store_true",
                   help="2 pairs by default and write no report unless --out is given")
    p.add_argument("--only", default="", help="comma-separated groups: " + ", ".join(GROUPS))
    p.add_argument("--with-bundle", action="store_true",
                   help="freeze the baseline and build the product bundle before measuring")
    p.add_argument("--pages", type=int, default=DEFAULT_PAGES,
                   help="pages in the baseline QWizard (the real new-connection path)")
    p.add_argument("--out", default=None, help="report file (default docs/benchmarks.md)")
    return p.parse_args(argv)


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            mem = f", {int(f.readline().split()[1]) / 2**20:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    try:
        from importlib.metadata import version

        qt = f"PySide6 {version('PySide6-Essentials')}"
    except Exception:
        qt = "PySide6 ?"
    return (f"{platform.system()} {platform.release()} ({platform.machine()}), {cpu}, "
            f"{os.cpu_count()} cores{mem}; Python {platform.python_version()}, {qt}")


def run(args: argparse.Namespace, benv: BenchEnv) -> list[Row]:
    from rows_bundle import bundle_rows
    from rows_inprocess import callback_row, test_credentials_row
    from rows_startup import cli_list_row, cli_test_row, gui_rows

    groups = [g.strip() for g in args.only.split(",") if g.strip()] or list(GROUPS)
    unknown = set(groups) - set(GROUPS)
    if unknown:
        raise SystemExit(f"unknown group(s): {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(GROUPS)}")
    pairs = args.pairs or (2 if args.quick else 10)
    needs_keychain = {"gui-xvfb", "cli-test", "callback"} & set(groups)
    if needs_keychain and benv.start_keychain():
        assert benv.keychain is not None
        os.environ.update(benv.keychain.env)  # in-process rows use the same throwaway keyring
    if {"cli-test", "test-credentials", "callback"} & set(groups):
        try:
            benv.start_sandbox()
        except Exception as e:  # sandbox not built yet, or broken: its rows say so
            benv.notes.append(f"sandbox: did not start ({type(e).__name__}: {e})")
    if "gui-xvfb" in groups:
        benv.start_xvfb()

    rows: list[Row] = []
    for g in groups:
        print(f"... {g}", file=sys.stderr, flush=True)
        if g == "gui-offscreen":
            rows += gui_rows(benv, "offscreen", pairs, args.pages)
        elif g == "gui-xvfb":
            rows += gui_rows(benv, "xcb", pairs, args.pages)
        elif g == "cli-list":
            rows.append(cli_list_row(benv, pairs))
        elif g == "cli-test":
            rows.append(cli_test_row(benv, pairs))
        elif g == "test-credentials":
            rows.append(test_credentials_row(benv, max(pairs, 10) if not args.quick else pairs))
        elif g == "callback":
            rows.append(callback_row(benv, pairs))
        elif g == "bundle":
            rows += bundle_rows(benv, pairs, build=args.with_bundle)
    return rows


def report(rows: list[Row], benv: BenchEnv, args: argparse.Namespace) -> str:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# snow-wizard benchmarks",
        "",
        f"Measured {now} on {machine()}.",
        f"Command: `python benchmarks/run.py {' '.join(sys.argv[1:])}`".rstrip() + ".",
        "",
        "Every figure is the ratio snow-wizard / baseline, both measured in this run, "
        "interleaved (A, B, A, B, ...) after one discarded warm-up pair: the median of the "
        "per-pair ratios, with min and max. Absolute medians are for orientation only. "
        "Method and baselines: `benchmarks/run.py`, `benchmarks/baseline_wizard.py`, "
        "`benchmarks/baseline_wizard.spec`.",
        "",
        table(rows),
    ]
    notes = [f"- **{r.key}**: {r.note}" for r in rows if r.note]
    if benv.keychain:
        notes.append(f"- keychain: {benv.keychain.description}.")
    notes += [f"- {n}" for n in benv.notes]
    if notes:
        lines += ["Notes:", "", *notes, ""]
    analysis = Path(__file__).resolve().parent / "analysis.md"
    if analysis.is_file() and any(r.status == "MISSED" for r in rows):
        lines += [analysis.read_text(encoding="utf-8")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with bench_env() as benv:
        rows = run(args, benv)
        text = report(rows, benv, args)
    print(text)
    out = args.out or (None if args.quick else str(REPO / "docs" / "benchmarks.md"))
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text, encoding="utf-8")
        print(f"(written to {out})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
