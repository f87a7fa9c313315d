"""One child process, measured: wall time, peak RSS (wait4 rusage), and the paint probe's line."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Child:
    wall: float  # seconds, from just before spawn to reaped
    maxrss_kib: int  # the child's own peak RSS (ru_maxrss of wait4)
    returncode: int
    stdout: str
    stderr: str
    painted: float | None = None  # seconds from just before spawn to the first wizard paint
    hwm_kib: int | None = None  # VmHWM at that paint
    cpu: float = 0.0  # user + system CPU seconds of the whole process (rusage)
    painted_cpu: float | None = None  # CPU seconds up to the first paint (process_time)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def why(self) -> str:
        tail = (self.stderr.strip().splitlines() or self.stdout.strip().splitlines() or ["?"])[-1]
        return f"exit {self.returncode}: {tail[:160]}"


def run_child(cmd: list[str], env: dict[str, str], *, timeout: float = 60.0,
              stdin: bytes | None = None, probe: bool = False, cwd: str | None = None) -> Child:
    """Run ``cmd`` and reap it with ``os.wait4`` so its rusage is its own.

    ``cwd`` defaults to ``SNOW_BENCH_CWD`` from ``env`` (a scratch dir): never the checkout,
    where ``python -m snow_wizard`` would find the package through the current directory.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryDirectory(prefix="probe-") as pdir:
        probe_file = Path(pdir) / "paint"
        env = dict(env)
        if probe:
            env["SNOW_BENCH_OUT"] = str(probe_file)
        t0 = time.monotonic()
        env["SNOW_BENCH_T0"] = repr(t0)
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err,
                                cwd=cwd or env.get("SNOW_BENCH_CWD"),
                                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()
        killer = threading.Timer(timeout, _kill, (proc,))
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.monotonic() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        child = Child(wall, int(usage.ru_maxrss), proc.returncode,
                      out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                      cpu=usage.ru_utime + usage.ru_stime)
        if probe and probe_file.exists():
            first = probe_file.read_text().split("\n", 1)[0].split()
            if len(first) >= 3 and first[0] == "painted":
                child.painted, child.hwm_kib = float(first[1]), int(first[2])
                if len(first) >= 4:
                    child.painted_cpu = float(first[3])
        return child


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        proc.kill()
