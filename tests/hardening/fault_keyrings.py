"""Real keyring backends that fail the way OS keychains do, for the keychain fault tests.

They are loaded the way a user would choose a backend, through keyring's own configuration::

    PYTHON_KEYRING_BACKEND=hardening.fault_keyrings.LockedKeyring   (PYTHONPATH has tests/)

or in-process with ``keyring.set_keyring(...)``. None of them ever writes a secret value to a
file: ``WriteFailsKeyring`` keeps values in memory and writes only entry *names* to the file
named by ``SNOW_WIZARD_TEST_KEYRING_LOG`` so the test can see what is left behind.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError, PasswordSetError


class _Base(KeyringBackend):
    # 0: never chosen automatically. With a positive priority, keyring's ChainerBackend put these
    # behind the real keychain in every test process that merely imported this module (a
    # lookup that missed in the Secret Service then raised KeyringLocked). Chosen by name
    # (PYTHON_KEYRING_BACKEND) or keyring.set_keyring() only.
    priority = 0  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}
        self.lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self.lock:
            return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self.lock:
            self.values[(service, username)] = password
        self._log()

    def delete_password(self, service: str, username: str) -> None:
        with self.lock:
            if self.values.pop((service, username), None) is None:
                raise PasswordDeleteError("not found")
        self._log()

    def _log(self) -> None:
        path = os.environ.get("SNOW_WIZARD_TEST_KEYRING_LOG")
        if path:
            names = sorted(user for _, user in self.values)
            Path(path).write_text(json.dumps(names), encoding="utf-8")


class LockedKeyring(_Base):
    """A keychain that is locked (the user dismissed the unlock prompt). ``locked = False``
    unlocks it."""

    locked = True

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked("the collection is locked")
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.locked:
            raise KeyringLocked("the collection is locked")
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        if self.locked:
            raise KeyringLocked("the collection is locked")
        super().delete_password(service, username)


class WriteFailsKeyring(_Base):
    """Reads work; writes work ``SNOW_WIZARD_TEST_WRITES_OK`` times (default 1), then fail
    (a full or read-only keychain, or access revoked half-way)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes_ok = int(os.environ.get("SNOW_WIZARD_TEST_WRITES_OK", "1"))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.writes_ok <= 0:
            raise PasswordSetError("the keychain refused to store the item")
        self.writes_ok -= 1
        super().set_password(service, username, password)


class HangingKeyring(_Base):
    """Every call blocks until ``release`` is set (an unlock prompt nobody answers), then
    does its work: a write that was given up on may still land later."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.calls = 0

    def _hang(self) -> None:
        self.calls += 1
        self.release.wait(600)

    def get_password(self, service: str, username: str) -> str | None:
        self._hang()
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._hang()
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._hang()
        super().delete_password(service, username)


class ProfilesClobberingKeyring(_Base):
    """Stores fine, but while it does, another program (a newer snow-wizard) rewrites the
    profiles file: the profile write that follows must fail and roll the keychain back."""

    def __init__(self, profiles_file: Path, content: bytes) -> None:
        super().__init__()
        self.profiles_file = profiles_file
        self.content = content

    def set_password(self, service: str, username: str, password: str) -> None:
        super().set_password(service, username, password)
        self.profiles_file.parent.mkdir(parents=True, exist_ok=True)
        self.profiles_file.write_bytes(self.content)


class EnvSeededKeyring(_Base):
    """A working keychain for CLI subprocesses: seeded from ``SNOW_WIZARD_TEST_SECRETS`` (JSON
    ``{"profile:kind": value}``), writes kept in memory. Never touches a file."""

    def __init__(self) -> None:
        super().__init__()
        seed = json.loads(os.environ.get("SNOW_WIZARD_TEST_SECRETS", "{}"))
        self.values = {("snow-wizard", user): value for user, value in seed.items()}
