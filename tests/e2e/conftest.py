"""Real parts for the end-to-end tests: the sandbox, the real OS keychain (gnome-keyring in a
D-Bus session), Debian's chromium driven by tests/e2e/consent_bot.py as ``BROWSER``, and the
CLI run as ``python -m snow_wizard`` in a subprocess.

Run them through scripts/test, which starts a private D-Bus session with an unlocked
gnome-keyring (a non-empty password on stdin: an empty one makes gnome-keyring ask a graphical
prompter) and Xvfb::

    SNOW_WIZARD_SKIP_SETUP=1 bash scripts/test tests/e2e -q

Without a usable keychain or chromium they skip (and fail under CI=true).
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
BOT = HERE / "consent_bot.py"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
KINDS = ("password", "client_secret", "refresh_token", "access_token")
# Time limits sized for a loaded 2-core machine: they only matter when something is stuck,
# so they are generous; what a test asserts never depends on finishing within them.
CONSENT_TIMEOUT = "120"  # the CLI's --timeout for a consent that should succeed
TEST_TIMEOUT = 600  # per e2e test (several CLI processes, chromium starts)


def _require(ok: bool, reason: str) -> None:
    if not ok:
        if IN_CI:
            pytest.fail(f"CI environment is missing a real part: {reason}")
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _secret_tool(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """The keychain seen from outside (libsecret's secret-tool): keyring's D-Bus connections
    stay out of the test process."""
    return subprocess.run(["secret-tool", *args], input=input, text=True, capture_output=True,
                          timeout=20)


@pytest.fixture(scope="session")
def real_keychain_ok() -> None:
    _require(bool(os.environ.get("DBUS_SESSION_BUS_ADDRESS")), "no D-Bus session (scripts/test)")
    _require(shutil.which("secret-tool") is not None, "secret-tool (libsecret-tools) missing")
    probe = ("service", "snow-wizard-e2e-probe", "username", uuid.uuid4().hex)
    stored = _secret_tool("store", "--label=snow-wizard e2e probe", *probe, input="probe")
    looked = _secret_tool("lookup", *probe)
    _secret_tool("clear", *probe)
    _require(stored.returncode == 0 and looked.stdout == "probe",
             "no unlocked Secret Service keychain (run through scripts/test)")


@pytest.fixture(scope="session")
def chromium_ok() -> None:
    _require(Path("/usr/bin/chromium").exists(), "Debian's chromium is not installed")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _require(False, "the playwright Python package is not installed")


@dataclass
class E2E:
    """One test's world: a sandbox, a callback port, a config dir, unique profile names."""

    sandbox: Any
    port: int
    config_dir: Path
    bot_log: Path
    names: list[str] = field(default_factory=list)
    procs: list[subprocess.Popen[str]] = field(default_factory=list)

    def name(self, base: str = "e2e") -> str:
        name = f"{base}-{uuid.uuid4().hex[:8]}"
        self.names.append(name)
        return name

    def browser(self, click: str = "allow", user: str = "admin") -> str:
        return " ".join([
            shlex.quote(sys.executable), shlex.quote(str(BOT)), "--user", user,
            "--password-env", "SANDBOX_PW", "--click", click,
            "--log", shlex.quote(str(self.bot_log)),
            "%s",
        ])

    def env(self, *, browser: str | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PYTHON_KEYRING_BACKEND", None)
        env.update(SNOW_WIZARD_CONFIG_DIR=str(self.config_dir),
                   SANDBOX_PW=self.sandbox.demo_user.password, PYTHONUNBUFFERED="1")
        if browser is not None:
            env["BROWSER"] = browser
        else:
            env["BROWSER"] = "false %s"  # a browser that never opens: the URL must be printed
        return env

    def cli(self, *args: str, input: str | None = None, browser: str | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "snow_wizard", *args], input=input, text=True,
            capture_output=True, env=self.env(browser=browser), timeout=timeout,
        )

    def popen(self, *args: str, browser: str | None = None) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "snow_wizard", *args], text=True, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env(browser=browser),
        )
        self.procs.append(proc)
        return proc

    def reap(self) -> None:
        """Stop the CLI processes this test started that are still running; close pipes."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()

    def send_secret(self, proc: subprocess.Popen[str], secret: str) -> None:
        """Write ``secret`` to the CLI's stdin and close it (as ``printf '%s' "$S" |`` does)."""
        assert proc.stdin is not None
        proc.stdin.write(secret)
        proc.stdin.close()
        proc.stdin = None

    def add_oauth(self, name: str, *extra: str, client_id: str | None = None,
                  secret: str | None = None, browser: str | None = None,
                  port: int | None = None,
                  timeout: str = CONSENT_TIMEOUT) -> subprocess.CompletedProcess[str]:
        sb = self.sandbox
        return self.cli(
            "add", name, "--instance", sb.url, "--auth", "oauth",
            "--client-id", client_id or sb.demo_app.client_id, "--client-secret-stdin",
            "--redirect-port", str(port or self.port), "--timeout", timeout, *extra,
            input=sb.demo_app.client_secret if secret is None else secret, browser=browser,
        )

    def keychain(self, name: str, kind: str) -> str | None:
        """The entry keyring wrote for ``{name}:{kind}``, read back through libsecret."""
        run = _secret_tool("lookup", "service", "snow-wizard", "username", f"{name}:{kind}")
        return run.stdout if run.returncode == 0 and run.stdout else None


@pytest.fixture
def e2e(tmp_path: Path, real_keychain_ok: None) -> Iterator[E2E]:
    from snow_wizard.core.profiles import redirect_url_for
    from snow_wizard.sandbox import Sandbox

    port = free_port()
    sb = Sandbox(redirect_urls=[redirect_url_for(port)]).start()
    while sb.port == port:
        sb.stop()
        sb = Sandbox(redirect_urls=[redirect_url_for(port)]).start()
    world = E2E(sb, port, tmp_path / "config", tmp_path / "bot.log")
    try:
        yield world
    finally:
        world.reap()
        sb.stop()
        for name in world.names:
            for kind in KINDS:
                _secret_tool("clear", "service", "snow-wizard", "username", f"{name}:{kind}")


def no_secret_in(text: str, *secrets: str | None) -> bool:
    return not any(s and s in text for s in secrets)


def which_chromium() -> str | None:
    return shutil.which("chromium")
