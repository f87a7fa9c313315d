"""Whole-process rows: GUI cold start and memory, `snow-wizard list`, `snow-wizard test`."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable

from bench_env import HERE, BenchEnv
from bench_proc import Child, run_child
from bench_stats import NOT_BUILT, Row
from importtime import summarise

PY = sys.executable
PROBE = str(HERE / "paint_probe.py")
BASELINE = str(HERE / "baseline_wizard.py")
PLATFORM_NAMES = {"offscreen": "offscreen", "xcb": "Xvfb"}
# The GET that core.servicenow.test_credentials makes first (SERVICENOW.md: "Who am I").
WHOAMI_PATH = "/api/now/ui/user/current_user"


def built(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _checked(fn: Callable[[], Child], what: str) -> Callable[[], Child]:
    def run() -> Child:
        child = fn()
        if not child.ok:
            raise RuntimeError(f"{what} failed: {child.why()}")
        return child

    return run


def _pairs(pairs: int, a: Callable[[], Child], b: Callable[[], Child],
           warmup: int = 1) -> list[tuple[Child, Child]]:
    out = []
    for i in range(warmup + pairs):
        ca, cb = a(), b()
        if i >= warmup:
            out.append((ca, cb))
    return out


# --- GUI ------------------------------------------------------------------------------------
def gui_rows(benv: BenchEnv, platform: str, pairs: int, pages: int) -> list[Row]:
    label = PLATFORM_NAMES[platform]
    base_desc = f"bare `QWizard`, {pages} simple pages"
    paint = Row(f"gui-{platform}", f"GUI cold start to first page painted ({label})",
                base_desc, 1.20)
    rss = Row(f"rss-{platform}", f"peak RSS at first page ({label})", base_desc, 1.15, unit="MiB")
    wall = Row(f"gui-{platform}-wall", f"GUI whole process, `--exit-when-shown` ({label})",
               base_desc + ", same exit", 1.20, informational=True)
    rows = [paint, rss, wall]
    if not built("snow_wizard.gui.app"):
        return _skip(rows, NOT_BUILT)
    extra = {"QT_QPA_PLATFORM": platform}
    if platform == "xcb":
        if not benv.display:
            return _skip(rows, "skipped: no X server (Xvfb missing)")
        extra["DISPLAY"] = benv.display
    env = benv.child_env(SNOW_WIZARD_CONFIG_DIR=str(benv.new_config_dir(f"gui-{platform}")),
                         **extra)
    a = _checked(lambda: run_child([PY, PROBE, BASELINE, "--exit-when-shown", "--pages",
                                    str(pages)], env, probe=True), "baseline wizard")
    b = _checked(lambda: run_child([PY, PROBE, "-m", "snow_wizard", "--exit-when-shown"], env,
                                   probe=True), "snow-wizard --exit-when-shown")
    try:
        results = _pairs(pairs, a, b)
    except RuntimeError as e:
        return _skip(rows, f"failed: {e}")
    for ca, cb in results:
        wall.pairs.append((ca.wall, cb.wall))
        wall.cpu_pairs.append((ca.cpu, cb.cpu))
        if ca.painted is not None and cb.painted is not None:
            paint.pairs.append((ca.painted, cb.painted))
            if ca.painted_cpu is not None and cb.painted_cpu is not None:
                paint.cpu_pairs.append((ca.painted_cpu, cb.painted_cpu))
            rss.pairs.append(((ca.hwm_kib or 0) / 1024, (cb.hwm_kib or 0) / 1024))
        else:  # no paint seen by the probe: fall back to whole-process figures
            rss.pairs.append((ca.maxrss_kib / 1024, cb.maxrss_kib / 1024))
    if not paint.pairs:
        paint.skipped = "probe saw no QWizard paint in the real app (see the whole-process row)"
        rss.note = "whole-process ru_maxrss (no paint seen)"
    if paint.status == "MISSED" or rss.status == "MISSED":
        paint.note = "imports: " + summarise(
            [PY, PROBE, "-m", "snow_wizard", "--exit-when-shown"], env, until_paint=True)
    return rows


# --- CLI ------------------------------------------------------------------------------------
def cli_list_row(benv: BenchEnv, pairs: int) -> Row:
    row = Row("cli-list", "CLI start: `snow-wizard list`, 20 profiles",
              '`python -c "import argparse, json"`', 1.5, note="")
    if not built("snow_wizard.cli"):
        return _skip([row], NOT_BUILT)[0]
    from snow_wizard.core.profiles import AuthType, Profile, ProfileStore

    cfg = benv.new_config_dir("cli-list")
    store = ProfileStore(cfg)
    for i in range(20):
        store.add(Profile(name=f"profile-{i:02d}", auth=AuthType.BASIC, username=f"user{i}",
                          instance=f"https://dev{10000 + i}.service-now.com"), overwrite=True)
    env = benv.child_env(SNOW_WIZARD_CONFIG_DIR=str(cfg))
    ours_cmd = [PY, "-m", "snow_wizard", "list"]
    a = _checked(lambda: run_child([PY, "-c", "import argparse, json"], env), "baseline")
    b = _checked(lambda: run_child(ours_cmd, env), "snow-wizard list")
    try:
        first = b()
        if first.stdout.count("profile-") < 20:
            why = f"failed: `list` did not show the 20 profiles: {first.stdout[:80]!r}"
            return _skip([row], why)[0]
        for ca, cb in _pairs(pairs, a, b, warmup=0):
            row.pairs.append((ca.wall, cb.wall))
            row.cpu_pairs.append((ca.cpu, cb.cpu))
    except RuntimeError as e:
        return _skip([row], f"failed: {e}")[0]
    if row.status == "MISSED":
        row.note = "imports: " + summarise(ours_cmd, env)
    return row


_RAW_GET = """
import os, httpx2
r = httpx2.get(os.environ["BENCH_URL"], auth=(os.environ["BENCH_USER"], os.environ["BENCH_PASS"]),
               headers={"Accept": "application/json"})
assert r.status_code == 200, r.status_code
r.json()
"""


def cli_test_row(benv: BenchEnv, pairs: int) -> Row:
    row = Row("cli-test", "`snow-wizard test NAME` against the sandbox, whole process",
              "`python -c` importing httpx2, same GET, same credentials", 1.3)
    missing = [m for m in ("snow_wizard.cli", "snow_wizard.sandbox", "snow_wizard.core.servicenow")
               if not built(m)]
    if missing:
        return _skip([row], NOT_BUILT + f": {', '.join(missing)}")[0]
    if benv.sandbox is None or benv.keychain is None:
        why = "no sandbox" if benv.sandbox is None else "no keychain"
        return _skip([row], f"skipped: {why}")[0]
    from snow_wizard.core.profiles import AuthType, Profile, ProfileStore
    from snow_wizard.core.secret_store import SecretKind, SecretStore

    sb = benv.sandbox
    cfg = benv.new_config_dir("cli-test")
    ProfileStore(cfg).add(Profile(name="bench", instance=sb.url, auth=AuthType.BASIC,
                                  username=sb.user_name), overwrite=True)
    SecretStore().set_sync("bench", SecretKind.PASSWORD, sb.password)
    env = benv.child_env(SNOW_WIZARD_CONFIG_DIR=str(cfg))
    raw_env = dict(env, BENCH_URL=sb.url.rstrip("/") + WHOAMI_PATH, BENCH_USER=sb.user_name,
                   BENCH_PASS=sb.password)
    ours_cmd = [PY, "-m", "snow_wizard", "test", "bench"]
    a = _checked(lambda: run_child([PY, "-c", _RAW_GET], raw_env), "baseline GET")
    b = _checked(lambda: run_child(ours_cmd, env), "snow-wizard test")
    try:
        for ca, cb in _pairs(pairs, a, b):
            row.pairs.append((ca.wall, cb.wall))
            row.cpu_pairs.append((ca.cpu, cb.cpu))
    except RuntimeError as e:
        return _skip([row], f"failed: {e}")[0]
    if row.status == "MISSED":
        row.note = "imports: " + summarise(ours_cmd, env)
    return row


def _skip(rows: list[Row], why: str) -> list[Row]:
    for r in rows:
        r.skipped = why
    return rows
