"""Shared fixtures. Qt runs offscreen: the variable is set before anything imports Qt.

Fixtures:
    config_dir      a temporary config dir; SNOW_WIZARD_CONFIG_DIR points at it (also for
                    subprocesses started by run_cli)
    sandbox         a running in-process sandbox (snow_wizard.sandbox.Sandbox) on 127.0.0.1:0,
                    stopped after the test
    memory_ctx      a Context: ProfileStore(config_dir) + in-memory keychain; its browser opener
                    opens nothing and records the URLs in ctx.extra["opened_urls"]
    real_keychain   a SecretStore on the OS keychain; skips unless a real Secret Service
                    backend works (CI starts gnome-keyring); entries for names made with
                    unique_name are deleted afterwards
    unique_name     a function: unique_name("demo") -> "demo-3f2a9c1b", a fresh profile name
    run_cli         run_cli(*args, input=None, env=None, timeout=60) -> CompletedProcess:
                    ``python -m snow_wizard ARGS`` in a subprocess, text mode, stdout and
                    stderr captured, with SNOW_WIZARD_CONFIG_DIR=config_dir
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from snow_wizard.core.context import Context
from snow_wizard.core.profiles import ProfileStore
from snow_wizard.core.secret_store import MemoryBackend, SecretKind, SecretStore

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config"
    monkeypatch.setenv("SNOW_WIZARD_CONFIG_DIR", str(path))
    return path


@pytest.fixture
def sandbox() -> Iterator[Any]:
    from snow_wizard.sandbox import Sandbox

    sb = Sandbox().start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def memory_ctx(config_dir: Path) -> Context:
    opened: list[str] = []

    def no_browser(url: str) -> bool:
        opened.append(url)
        return False

    return Context(
        store=ProfileStore(config_dir),
        secrets=SecretStore(MemoryBackend()),
        open_browser=no_browser,
        extra={"opened_urls": opened},
    )


_names_made: list[str] = []


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    def make(prefix: str = "t") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        _names_made.append(name)
        return name

    return make


_keychain_state: dict[str, str | None] = {}


def _probe_keychain() -> str | None:
    """None when the OS keychain works (a real backend, a set/get/delete round trip)."""
    try:
        import keyring

        from snow_wizard.core.secret_store import backend_description, keyring_is_usable
    except ImportError as e:  # pragma: no cover
        return f"keyring not importable: {e}"
    if not keyring_is_usable():
        return f"no usable keyring backend ({backend_description()})"
    outcome: list[str | None] = []

    def probe() -> None:
        try:
            keyring.set_password("snow-wizard-probe", "probe", "probe-value")
            ok = keyring.get_password("snow-wizard-probe", "probe") == "probe-value"
            keyring.delete_password("snow-wizard-probe", "probe")
            outcome.append(None if ok else "probe value did not round-trip")
        except Exception as e:
            outcome.append(f"{type(e).__name__}: {e}")

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(15)
    if not outcome:
        return "the keychain did not answer within 15 s"
    return outcome[0]


@pytest.fixture
def real_keychain() -> Iterator[SecretStore]:
    if "reason" not in _keychain_state:
        _keychain_state["reason"] = _probe_keychain()
    reason = _keychain_state["reason"]
    if reason is not None:
        if os.environ.get("SNOW_WIZARD_REQUIRE_KEYCHAIN") == "1":
            pytest.fail(f"a real keychain is required here but: {reason}")
        pytest.skip(f"no real OS keychain: {reason}")
    store = SecretStore()
    start = len(_names_made)
    try:
        yield store
    finally:
        for name in _names_made[start:]:
            for kind in SecretKind:
                try:
                    store.delete_sync(name, kind)
                except Exception:  # best effort cleanup
                    break


@pytest.fixture
def run_cli(config_dir: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        full_env = dict(os.environ)
        full_env["SNOW_WIZARD_CONFIG_DIR"] = str(config_dir)
        full_env.setdefault("PYTHONPATH", str(REPO))
        if env:
            full_env.update(env)
        return subprocess.run(
            [sys.executable, "-m", "snow_wizard", *args],
            input=input if input is not None else "",
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(REPO),
        )

    return run
