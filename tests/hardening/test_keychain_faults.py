"""Keychain faults: no backend, locked, hanging, failing half-way through a save.

Each ends with a clear error (the diagnosis message and hint, no traceback), the profiles file
byte-for-byte untouched, and no keychain entry left behind by the failed operation.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import keyring
import pytest

from hardening.cli_tools import FAULT, run_cli, run_cli_with_consent
from hardening.fault_keyrings import HangingKeyring, ProfilesClobberingKeyring
from hardening.figures import FAULTS, record
from snow_wizard.core import connections
from snow_wizard.core.context import Context
from snow_wizard.core.diagnosis import describe
from snow_wizard.core.instance import parse_instance
from snow_wizard.core.profiles import AuthType, OAuthSettings, Profile, ProfileStore
from snow_wizard.core.secret_store import SecretKind, SecretStore
from snow_wizard.errors import ConfigCorrupt, KeychainError

BACKENDS = {
    "no_keychain": "keyring.backends.fail.Keyring",
    "keychain_locked": FAULT + "LockedKeyring",
}


def seed(config_dir: Path, sandbox: Any) -> bytes:
    """A profiles file with one Basic and one OAuth profile; returns its bytes."""
    store = ProfileStore(config_dir)
    instance = parse_instance(sandbox.url)
    store.add(Profile("seeded", sandbox.url, AuthType.BASIC, username="admin"))
    store.add(Profile("seeded-oauth", sandbox.url, AuthType.OAUTH,
                      oauth=OAuthSettings.for_instance(instance, sandbox.demo_app.client_id),
                      token_expires_at=1.0))
    return store.path.read_bytes()


def assert_clear_error(run: Any, code: str) -> None:
    d = describe(code, backend="")
    assert run.returncode == 1, run.output
    assert "Traceback" not in run.output and "internal error" not in run.output
    first = d.message.split("(")[0].strip()
    assert first in run.output, run.output
    assert d.hint[:40] in run.output


@pytest.mark.parametrize("code", sorted(BACKENDS))
def test_no_or_locked_keychain_is_a_clear_error_and_the_config_is_untouched(
    code: str, tmp_path: Path, sandbox: Any
) -> None:
    config = tmp_path / "config"
    before = seed(config, sandbox)
    env = {"PYTHON_KEYRING_BACKEND": BACKENDS[code]}
    pw = sandbox.demo_user.password

    add = run_cli(config, "add", "new-basic", "--instance", sandbox.url, "--auth", "basic",
                  "--username", "admin", "--password-stdin", input=pw, env=env)
    assert_clear_error(add, code)
    if code == "no_keychain":
        assert "keyring.backends.fail.Keyring" in add.stderr  # which backend was live
        assert "PYTHON_KEYRING_BACKEND" in add.stderr
    add_oauth = run_cli(config, "add", "new-oauth", "--instance", sandbox.url, "--auth", "oauth",
                        "--client-id", sandbox.demo_app.client_id, "--client-secret-stdin",
                        "--mode", "user-authorize", input=sandbox.demo_app.client_secret,
                        env=env)
    assert_clear_error(add_oauth, code)
    test = run_cli(config, "test", "seeded", "--json", env=env)
    assert test.returncode == 1 and json.loads(test.stdout)["error"] == code
    token = run_cli(config, "token", "seeded-oauth", env=env)
    assert_clear_error(token, code)
    remove = run_cli(config, "remove", "seeded", env=env)
    assert_clear_error(remove, code)
    record(FAULTS, f"keychain: {code} (CLI add/test/token/remove)", 5)

    # Nothing was added or removed; `test` records its failure in the profile (by design).
    store = ProfileStore(config)
    assert [p.name for p in store.list()] == ["seeded", "seeded-oauth"]
    last = store.get("seeded").last_test
    assert last is not None and not last.ok and last.error == code
    assert store.get("seeded").with_changes(last_test=None) == Profile.from_dict(
        json.loads(before)["profiles"]["seeded"])
    assert store.get("seeded-oauth").to_dict() == json.loads(before)["profiles"]["seeded-oauth"]
    for secret in (pw, sandbox.demo_app.client_secret):
        assert secret not in add.output + add_oauth.output


def test_a_keychain_that_fails_half_way_through_an_oauth_save_leaves_nothing(
    tmp_path: Path, port: int
) -> None:
    """Consent and test succeed, the client secret is stored, then the keychain refuses the
    token: the entry already written is removed, the issued tokens are revoked, the profiles
    file is untouched."""
    from snow_wizard.core.profiles import redirect_url_for
    from snow_wizard.sandbox import Sandbox

    log = tmp_path / "keyring-entries.json"
    with Sandbox(redirect_urls=[redirect_url_for(port)]) as sb:
        config = tmp_path / "config"
        before = seed(config, sb)
        env = {"PYTHON_KEYRING_BACKEND": FAULT + "WriteFailsKeyring",
               "SNOW_WIZARD_TEST_WRITES_OK": "1", "SNOW_WIZARD_TEST_KEYRING_LOG": str(log)}
        run = run_cli_with_consent(
            config, sb, "add", "half", "--instance", sb.url, "--auth", "oauth",
            "--client-id", sb.demo_app.client_id, "--client-secret-stdin", "--no-browser",
            "--redirect-port", str(port), "--timeout", "30",
            input=sb.demo_app.client_secret, env=env,
        )
        record(FAULTS, "keychain: write refused after the first entry (CLI OAuth add)")
        assert run.consent_urls, run.output
        assert_clear_error(run, "keychain_locked")
        assert json.loads(log.read_text()) == []  # client_secret written, then rolled back
        assert sb.issued_tokens and all(sb.revoked(t) for t in sb.issued_tokens)
        assert (config / "profiles.json").read_bytes() == before
        for token in sb.issued_tokens + sb.issued_refresh_tokens:
            assert token not in run.output


@pytest.fixture
def os_keyring() -> Any:
    """Swap keyring's process-wide backend and put the previous one back."""
    previous = keyring.get_keyring()
    chosen: list[Any] = []

    def use(backend: Any) -> Any:
        keyring.set_keyring(backend)
        chosen.append(backend)
        return backend

    yield use
    for backend in chosen:
        if isinstance(backend, HangingKeyring):
            backend.release.set()
    keyring.set_keyring(previous)


def test_a_hanging_keychain_times_out_with_guidance(
    tmp_path: Path, sandbox: Any, os_keyring: Any
) -> None:
    backend = os_keyring(HangingKeyring())
    config = tmp_path / "config"
    before = seed(config, sandbox)
    ctx = Context(store=ProfileStore(config), secrets=SecretStore(timeout=0.5))
    started = time.monotonic()
    with pytest.raises(KeychainError) as info:
        asyncio.run(connections.add_basic_profile(
            ctx, "hung", sandbox.url, "admin", sandbox.demo_user.password))
    took = time.monotonic() - started
    record(FAULTS, "keychain: hangs (set and the rollback delete)")
    assert info.value.code == "keychain_timeout"
    assert "did not answer within 0 seconds" not in info.value.message
    assert took < 5, took  # the set and the rollback delete each time out; nothing waits 600 s
    assert (config / "profiles.json").read_bytes() == before
    assert sandbox.demo_user.password not in str(info.value) + info.value.hint
    # The prompt is answered late: the calls given up on finish now (the write, and the
    # rollback's delete, in either order). If the write lands last, an entry is left without a
    # profile; the documented way out works: `remove` deletes entries even without a profile.
    backend.release.set()
    time.sleep(0.3)
    if backend.values:
        removed = asyncio.run(connections.remove_profile(
            Context(store=ProfileStore(config), secrets=SecretStore(timeout=5)), "hung"))
        assert all("keychain entry" in item for item in removed)
    assert backend.values == {}
    assert (config / "profiles.json").read_bytes() == before


def test_a_profiles_file_replaced_during_the_keychain_write_rolls_the_keychain_back(
    tmp_path: Path, sandbox: Any
) -> None:
    config = tmp_path / "config"
    newer = b'{"schema_version": 99, "profiles": {}}\n'
    backend = ProfilesClobberingKeyring(config / "profiles.json", newer)
    ctx = Context(store=ProfileStore(config), secrets=SecretStore(backend))
    with pytest.raises(ConfigCorrupt) as info:
        asyncio.run(connections.add_basic_profile(
            ctx, "clobbered", sandbox.url, "admin", sandbox.demo_user.password))
    record(FAULTS, "config: replaced by a newer version during the keychain write")
    assert "newer snow-wizard" in info.value.message
    assert backend.values == {}  # the password written first was removed again
    assert (config / "profiles.json").read_bytes() == newer  # never overwritten


def test_the_secret_store_translates_every_keyring_error(os_keyring: Any) -> None:
    """Each keyring failure type becomes a KeychainError with a diagnosis code, never a raw
    exception, and never with the secret in it."""
    import keyring.errors as ke

    from hardening.fault_keyrings import _Base

    class Raising(_Base):
        error: Exception = ke.KeyringError("x")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise self.error

    backend = os_keyring(Raising())
    store = SecretStore(timeout=5)
    expected = {
        ke.KeyringLocked("locked"): "keychain_locked",
        ke.PasswordSetError("refused"): "keychain_locked",
        ke.InitError("init"): "keychain_locked",
        ke.NoKeyringError("none"): "no_keychain",
        ke.KeyringError("generic"): "keychain_locked",
    }
    for exc, code in expected.items():
        backend.error = exc
        with pytest.raises(KeychainError) as info:
            store.set_sync("p", SecretKind.PASSWORD, "s3cret-value")
        record(FAULTS, "keychain: keyring error types")
        assert info.value.code == code
        assert "s3cret-value" not in str(info.value) + info.value.hint


def test_the_blocking_api_is_bounded_too(os_keyring: Any) -> None:
    """`snow-wizard token` and the Python API read the keychain through the blocking API: a
    keychain that never answers must end in keychain_timeout there as well, not hang."""
    os_keyring(HangingKeyring())
    store = SecretStore(timeout=0.5)
    for call in (lambda: store.get_sync("p", SecretKind.ACCESS_TOKEN),
                 lambda: store.set_sync("p", SecretKind.ACCESS_TOKEN, "tok-value"),
                 lambda: store.delete_sync("p", SecretKind.ACCESS_TOKEN)):
        started = time.monotonic()
        with pytest.raises(KeychainError) as info:
            call()
        record(FAULTS, "keychain: hangs (blocking API)")
        assert info.value.code == "keychain_timeout"
        assert "0.5 seconds" in info.value.message
        assert time.monotonic() - started < 2


LOCKED_SESSION = r"""
set -u
mkdir -p "$T/data" "$T/run" && chmod 700 "$T/run"
export XDG_DATA_HOME="$T/data" XDG_RUNTIME_DIR="$T/run"
unset DISPLAY WAYLAND_DISPLAY  # no prompter can show: unlocking must fail, not wait
echo -n "unlock-pw" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
python -c 'import secretstorage as s; c = s.get_default_collection(s.dbus_init())
c.lock(); print("locked", c.is_locked())'
printf %s "$SANDBOX_PW" | python -m snow_wizard add new --instance "$URL" --auth basic \
    --username admin --password-stdin
echo "add rc=$?"
python -m snow_wizard test seeded --json
echo "test rc=$?"
"""


def test_a_really_locked_gnome_keyring_is_a_clear_error(tmp_path: Path, sandbox: Any) -> None:
    """gnome-keyring in a private D-Bus session, its collection locked over the Secret Service
    API and no prompter available: keyring cannot unlock it."""
    import os
    import shutil
    import subprocess

    from hardening.cli_tools import cli_env

    tools = ("dbus-run-session", "gnome-keyring-daemon")
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"missing {missing}")
        pytest.skip(f"missing {missing}")
    config = tmp_path / "config"
    before = seed(config, sandbox)
    env = cli_env(config, {"T": str(tmp_path / "kr"), "SANDBOX_PW": sandbox.demo_user.password,
                           "URL": sandbox.url})
    for name in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)  # (the bus daemon starts the prompter with its own environment)
    run = subprocess.run(["dbus-run-session", "--", "bash", "-c", LOCKED_SESSION], env=env,
                         capture_output=True, text=True, timeout=90)
    record(FAULTS, "keychain: a really locked gnome-keyring (CLI add/test)", 2)
    out = run.stdout + run.stderr
    assert "locked True" in run.stdout, out
    assert "add rc=1" in run.stdout and "test rc=1" in run.stdout, out
    d = describe("keychain_locked")
    assert d.message in run.stderr, out
    data = json.loads(run.stdout.split("add rc=1", 1)[1].split("test rc=")[0])
    assert data["error"] == "keychain_locked"
    assert "Traceback" not in out
    assert sandbox.demo_user.password not in out
    store = ProfileStore(config)
    assert [p.name for p in store.list()] == ["seeded", "seeded-oauth"]
    assert store.get("seeded-oauth").to_dict() == json.loads(before)["profiles"]["seeded-oauth"]
