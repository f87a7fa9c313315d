"""The private world the benchmarks run in: temp dirs, a D-Bus session with gnome-keyring,
Xvfb, and the sandbox in its own process. Everything started here is stopped by its pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


@dataclass
class Keychain:
    env: dict[str, str]  # what children need to reach it
    description: str


@dataclass
class SandboxInfo:
    url: str
    user_name: str
    password: str
    client_id: str
    client_secret: str
    redirect_port: int


@dataclass
class BenchEnv:
    root: Path
    base_env: dict[str, str]
    notes: list[str] = field(default_factory=list)
    keychain: Keychain | None = None
    display: str | None = None
    sandbox: SandboxInfo | None = None
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def child_env(self, **extra: str) -> dict[str, str]:
        env = dict(self.base_env)
        if self.keychain:
            env.update(self.keychain.env)
        env.update(extra)
        return env

    def new_config_dir(self, name: str) -> Path:
        path = self.root / "config" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- services ------------------------------------------------------------------------
    def _spawn(self, cmd: list[str], **kw: object) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(cmd, **kw)  # type: ignore[call-overload]
        self._procs.append(proc)
        return proc

    def start_keychain(self) -> Keychain | None:
        """A private D-Bus session bus with an unlocked gnome-keyring (secrets component)."""
        if not (shutil.which("dbus-daemon") and shutil.which("gnome-keyring-daemon")):
            self.notes.append("keychain: dbus-daemon or gnome-keyring-daemon missing.")
            return None
        bus = self._spawn(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        if not address:
            self.notes.append("keychain: dbus-daemon gave no address.")
            return None
        home = self.root / "keyring-home"
        (home / "data").mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address, "HOME": str(home),
               "XDG_DATA_HOME": str(home / "data")}
        # An empty unlock password leaves no usable login collection ("Prompt dismissed"):
        # give the throwaway keyring a random one.
        gk = self._spawn(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert gk.stdin is not None
        gk.stdin.write(secrets.token_hex(8).encode() + b"\n")
        gk.stdin.close()
        kc_env = {"DBUS_SESSION_BUS_ADDRESS": address}
        probe = (
            "import keyring; keyring.set_password('snow-wizard-bench', 'probe', 'x'); "
            "assert keyring.get_password('snow-wizard-bench', 'probe') == 'x'; "
            "print(type(keyring.get_keyring()).__module__)"
        )
        for _ in range(20):
            r = subprocess.run([sys.executable, "-c", probe], env={**self.base_env, **kc_env},
                               capture_output=True, text=True)
            if r.returncode == 0:
                self.keychain = Keychain(kc_env, f"gnome-keyring in a private D-Bus session "
                                                 f"({r.stdout.strip()})")
                return self.keychain
            time.sleep(0.2)
        self.notes.append("keychain: gnome-keyring did not answer; keychain rows skipped.")
        return None

    def start_xvfb(self) -> str | None:
        if os.environ.get("DISPLAY"):
            self.display = os.environ["DISPLAY"]
            self.notes.append(f"X11: used the existing DISPLAY={self.display}.")
            return self.display
        if not shutil.which("Xvfb"):
            self.notes.append("X11: Xvfb is not installed; the Xvfb rows were skipped.")
            return None
        for n in range(90, 140):
            if Path(f"/tmp/.X11-unix/X{n}").exists() or Path(f"/tmp/.X{n}-lock").exists():
                continue
            self._spawn(["Xvfb", f":{n}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(50):
                if Path(f"/tmp/.X11-unix/X{n}").exists():
                    self.display = f":{n}"
                    return self.display
                time.sleep(0.1)
            break
        self.notes.append("X11: Xvfb did not start; the Xvfb rows were skipped.")
        return None

    def start_sandbox(self) -> SandboxInfo | None:
        """The sandbox in its own process, so it never competes with the measured code's GIL."""
        password = secrets.token_urlsafe(12)
        client_secret = secrets.token_urlsafe(16)
        redirect_port = free_port()
        cmd = [sys.executable, str(HERE / "sandbox_proc.py")]
        spec = {"password": password, "client_id": "bench-client-" + secrets.token_hex(4),
                "client_secret": client_secret, "redirect_port": redirect_port}
        proc = self._spawn(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=self.base_env)
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write((json.dumps(spec) + "\n").encode())
        proc.stdin.flush()
        line = proc.stdout.readline().decode().strip()
        if not line:
            err = proc.stderr.read().decode() if proc.stderr else ""
            self.notes.append("sandbox: did not start: " + (err.strip().splitlines() or ["?"])[-1])
            return None
        info = json.loads(line)
        self.sandbox = SandboxInfo(url=info["url"], user_name=info["user_name"], password=password,
                                   client_id=spec["client_id"], client_secret=client_secret,
                                   redirect_port=redirect_port)
        return self.sandbox

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                if proc.stdin:
                    with contextlib.suppress(OSError):
                        proc.stdin.close()
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self._procs.clear()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def bench_env() -> Iterator[BenchEnv]:
    with tempfile.TemporaryDirectory(prefix="snow-bench-") as tmp:
        root = Path(tmp)
        runtime = root / "xdg-runtime"
        runtime.mkdir(mode=0o700)
        base = {k: v for k, v in os.environ.items()
                if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM",
                             "DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND",
                             "PYTHONDONTWRITEBYTECODE", "SNOW_WIZARD_CONFIG_DIR")}
        base["XDG_RUNTIME_DIR"] = str(runtime)
        work = root / "cwd"
        work.mkdir()
        base["SNOW_BENCH_CWD"] = str(work)  # children run here, not in the checkout
        config_home = root / "xdg-config"  # QSettings (window geometry), keyringrc: throwaway
        config_home.mkdir()
        base["XDG_CONFIG_HOME"] = str(config_home)
        env = BenchEnv(root=root, base_env=base)
        try:
            yield env
        finally:
            env.stop()
