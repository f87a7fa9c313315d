"""Running the real ``snow-wizard`` command in a subprocess, with a chosen keyring backend."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FAULT = "hardening.fault_keyrings."


def cli_env(config_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["SNOW_WIZARD_CONFIG_DIR"] = str(config_dir)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "tests")])
    env["PYTHONUNBUFFERED"] = "1"
    env["BROWSER"] = "false %s"  # never a real browser from these tests
    env.pop("PYTHON_KEYRING_BACKEND", None)
    if extra:
        env.update(extra)
    return env


@dataclass
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    consent_urls: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(config_dir: Path, *args: str, input: str = "",
            env: Mapping[str, str] | None = None, timeout: float = 60) -> Run:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "snow_wizard", *args], input=input, text=True,
        capture_output=True, env=cli_env(config_dir, env), timeout=timeout, cwd=str(REPO),
    )
    return Run(tuple(args), proc.returncode, proc.stdout, proc.stderr,
               time.monotonic() - started)


def run_cli_with_consent(config_dir: Path, sandbox: Any, *args: str, input: str = "",
                         env: Mapping[str, str] | None = None, allow: bool = True,
                         timeout: float = 60) -> Run:
    """A command that prints a consent URL (``--no-browser``): play the person in the browser
    (log in to the sandbox, press Allow or Deny) as soon as the URL appears."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "snow_wizard", *args], text=True, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(config_dir, env),
        cwd=str(REPO),
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(input)
    proc.stdin.close()
    out: list[str] = []
    urls: list[str] = []
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()),  # type: ignore[union-attr]
                              daemon=True)
    reader.start()
    try:
        for line in proc.stdout:
            out.append(line)
            text = line.strip()
            if text.startswith("http") and "oauth_auth.do" in text:
                urls.append(text)
                sandbox.consent(text, allow=allow, follow=True)
        proc.wait(timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(10)
    proc.stdout.close()
    proc.stderr.close()
    return Run(tuple(args), proc.returncode, "".join(out), "".join(err),
               time.monotonic() - started, urls)
