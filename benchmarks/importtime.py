"""Where start-up time goes: ``python -X importtime`` of a command, summarised."""

from __future__ import annotations

import re
import subprocess
import sys

_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")
HEAVY = ("PySide6", "shiboken6", "qasync", "httpx2", "httpx", "httpcore2", "httpcore", "keyring",
         "authlib", "truststore", "platformdirs", "filelock", "secretstorage", "jeepney", "ssl",
         "asyncio", "email", "http.client", "urllib.request", "webbrowser", "h11", "anyio",
         "certifi", "idna", "sniffio", "trio", "attr", "cryptography", "jaraco")


def parse(stderr: str) -> list[tuple[int, int, str, str]]:
    """(level, cumulative_us, module, top-level import that pulled it in), in output order."""
    rows: list[tuple[int, int, str]] = []
    for line in stderr.splitlines():
        m = _LINE.match(line)
        if m:
            rows.append((len(m.group(3)) // 2, int(m.group(2)), m.group(4)))
    out: list[tuple[int, int, str, str]] = []
    # importtime prints a module after its children: the parent is the next line one level up.
    for i, (level, cum, mod) in enumerate(rows):
        top = mod
        want = level - 1
        for lvl, _, m in rows[i + 1:]:
            if want < 0:
                break
            if lvl == want:
                top = m
                want -= 1
        out.append((level, cum, mod, top))
    return out


def best_of(cmd: list[str], env: dict[str, str], runs: int = 5,
            until_paint: bool = False) -> list[tuple[int, int, str, str]]:
    """importtime rows of the run with the least total import time (the least disturbed one).

    ``until_paint``: ``cmd`` runs under benchmarks/paint_probe.py, which writes ``painted ...``
    to stderr at the first paint; only the imports before that line count.
    """
    full = [sys.executable, "-X", "importtime", *cmd[1:]] if cmd[0] == sys.executable else cmd
    best: list[tuple[int, int, str, str]] = []
    for _ in range(runs):
        r = subprocess.run(full, env=env, capture_output=True, text=True, timeout=120,
                           cwd=env.get("SNOW_BENCH_CWD"))
        err = r.stderr
        if until_paint:
            err = err.split("\npainted ", 1)[0]
        rows = parse(err)
        if not best or _total(rows) < _total(best):
            best = rows
    return best


def _total(rows: list[tuple[int, int, str, str]]) -> int:
    return sum(cum for level, cum, _, _ in rows if level == 0)


def summarise(cmd: list[str], env: dict[str, str], *, top: int = 8,
              until_paint: bool = False) -> str:
    """Top-level imports by cumulative time, and the heavy packages with who pulled them in."""
    rows = best_of(cmd, env, until_paint=until_paint)
    if not rows:
        return "(no importtime output)"
    total = _total(rows)
    firsts = sorted((x for x in rows if x[0] == 0), key=lambda x: -x[1])[:top]
    what = "imports before the first paint" if until_paint else "all imports"
    parts = [f"{what} {total / 1000:.0f} ms (best of 5 `-X importtime` runs); "
             "biggest top-level: " + ", ".join(
        f"`{mod}` {cum / 1000:.0f} ms" for _, cum, mod, _ in firsts)]
    biggest: dict[str, tuple[int, str, str]] = {}
    for _, cum, mod, topmod in rows:
        root = mod.split(".")[0]
        if (mod in HEAVY or root in HEAVY) and cum > biggest.get(root, (-1, "", ""))[0]:
            biggest[root] = (cum, mod, topmod)
    heavy = [
        f"`{mod}` {cum / 1000:.0f} ms" + (f" (via `{topmod}`)" if topmod != mod else "")
        for cum, mod, topmod in sorted(biggest.values(), reverse=True)
    ]
    if heavy:
        parts.append("heavy packages loaded: " + ", ".join(heavy))
    return "; ".join(parts)
