"""Keychain access: one entry per secret, errors translated, timeouts, no plaintext fallback;
and a round trip through the real OS keychain (the Secret Service in CI)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable

import keyring.errors
import pytest

from snow_wizard.core.secret_store import (
    SERVICE,
    MemoryBackend,
    SecretKind,
    SecretStore,
    entry_name,
)
from snow_wizard.errors import KeychainError


def test_entry_names() -> None:
    assert entry_name("demo", SecretKind.PASSWORD) == "demo:password"
    assert entry_name("demo", SecretKind.CLIENT_SECRET) == "demo:client_secret"


def test_memory_round_trip_one_entry_per_secret() -> None:
    backend = MemoryBackend()
    store = SecretStore(backend)

    async def scenario() -> None:
        await store.set("demo", SecretKind.PASSWORD, "pw-1")
        await store.set("demo", SecretKind.REFRESH_TOKEN, "rt-1")
        assert await store.get("demo", SecretKind.PASSWORD) == "pw-1"
        assert await store.get("demo", SecretKind.ACCESS_TOKEN) is None
        assert await store.get("other", SecretKind.PASSWORD) is None
        assert await store.delete("demo", SecretKind.PASSWORD) is True
        assert await store.delete("demo", SecretKind.PASSWORD) is False
        assert await store.delete_all("demo") == [SecretKind.REFRESH_TOKEN]

    asyncio.run(scenario())
    assert backend.get_password(SERVICE, "demo:refresh_token") is None


def test_repr_never_shows_a_secret() -> None:
    backend = MemoryBackend()
    store = SecretStore(backend)
    store.set_sync("demo", SecretKind.PASSWORD, "s3cr3t-value")
    assert "s3cr3t-value" not in repr(store) + repr(backend)


def test_empty_secrets_are_refused() -> None:
    with pytest.raises(ValueError):
        SecretStore(MemoryBackend()).set_sync("demo", SecretKind.PASSWORD, "")


class SlowBackend(MemoryBackend):
    def __init__(self, release: threading.Event) -> None:
        super().__init__()
        self.release = release

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(5)
        return None


def test_a_keychain_that_does_not_answer_times_out() -> None:
    release = threading.Event()
    store = SecretStore(SlowBackend(release), timeout=0.2)
    try:
        with pytest.raises(KeychainError) as info:
            asyncio.run(store.get("demo", SecretKind.PASSWORD))
    finally:
        release.set()
    assert info.value.code == "keychain_timeout"
    assert "0 seconds" in info.value.message or "did not answer" in info.value.message


class LockedBackend(MemoryBackend):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked(f"locked while writing {password}")


def test_keyring_errors_become_keychain_errors_without_the_secret() -> None:
    with pytest.raises(KeychainError) as info:
        SecretStore(LockedBackend()).set_sync("demo", SecretKind.PASSWORD, "pw-in-error")
    assert info.value.code == "keychain_locked"
    assert "pw-in-error" not in str(info.value) + info.value.hint


def test_no_backend_means_no_keychain_and_no_fallback(tmp_path: object) -> None:
    """With keyring's fail backend, storing fails with guidance and writes nothing anywhere."""
    code = (
        "import sys\n"
        "from snow_wizard.core.secret_store import SecretStore, SecretKind\n"
        "from snow_wizard.errors import KeychainError\n"
        "try:\n"
        "    SecretStore().set_sync('demo', SecretKind.PASSWORD, 'never-stored')\n"
        "except KeychainError as e:\n"
        "    print(e.code); print(e.message); print(e.hint); sys.exit(0)\n"
        "sys.exit(3)\n"
    )
    env = {
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    code_line, message, hint = proc.stdout.splitlines()[:3]
    assert code_line == "no_keychain"
    assert "keyring.backends.fail" in message
    assert "PYTHON_KEYRING_BACKEND" in hint and "gnome-keyring" in hint
    assert "never-stored" not in proc.stdout + proc.stderr


@pytest.mark.keychain
def test_real_keychain_round_trip(
    real_keychain: SecretStore, unique_name: Callable[[str], str]
) -> None:
    name = unique_name("ks")
    store = real_keychain

    async def scenario() -> None:
        await store.set(name, SecretKind.PASSWORD, "real-pw-Ω")
        await store.set(name, SecretKind.CLIENT_SECRET, "real-cs")
        assert await store.get(name, SecretKind.PASSWORD) == "real-pw-Ω"
        assert await store.get(name, SecretKind.CLIENT_SECRET) == "real-cs"

    asyncio.run(scenario())
    if shutil.which("secret-tool"):
        found = subprocess.run(
            ["secret-tool", "search", "--all", "service", SERVICE],
            capture_output=True, text=True, timeout=30,
        )
        listing = found.stdout + found.stderr
        assert f"attribute.username = {name}:password" in listing
        assert f"attribute.username = {name}:client_secret" in listing
        lookup = subprocess.run(
            ["secret-tool", "lookup", "service", SERVICE, "username", f"{name}:password"],
            capture_output=True, text=True, timeout=30,
        )
        assert lookup.stdout == "real-pw-Ω"
    removed = asyncio.run(store.delete_all(name))
    assert set(removed) == {SecretKind.PASSWORD, SecretKind.CLIENT_SECRET}
    assert store.get_sync(name, SecretKind.PASSWORD) is None
    if shutil.which("secret-tool"):
        found = subprocess.run(
            ["secret-tool", "search", "--all", "service", SERVICE],
            capture_output=True, text=True, timeout=30,
        )
        assert name not in found.stdout + found.stderr
