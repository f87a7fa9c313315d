"""Secrets in the OS keychain, through keyring: one entry per secret.

Entries: service ``snow-wizard``, username ``{profile}:{kind}``. There is no plaintext fallback:
when no working backend exists, every call fails with ``no_keychain`` guidance. Async methods
run the (blocking, sometimes prompting) keyring call in a worker thread with a timeout, so
neither the Qt thread nor the event loop ever waits on the keychain.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from enum import Enum
from typing import Any, Protocol, TypeVar

from snow_wizard.core.diagnosis import describe
from snow_wizard.errors import KeychainError

_T = TypeVar("_T")
SERVICE = "snow-wizard"
DEFAULT_TIMEOUT = 20.0


class SecretKind(str, Enum):
    PASSWORD = "password"
    CLIENT_SECRET = "client_secret"
    REFRESH_TOKEN = "refresh_token"
    ACCESS_TOKEN = "access_token"


def entry_name(profile: str, kind: SecretKind) -> str:
    return f"{profile}:{SecretKind(kind).value}"


def _keychain_error(code: str, **context: object) -> KeychainError:
    d = describe(code, **context)
    return KeychainError(d.message, hint=d.hint, code=code)


def missing_secret(profile: str, kind: SecretKind) -> KeychainError:
    """``missing_secret``: the keychain has no entry of this kind for the profile."""
    return _keychain_error("missing_secret", kind=kind.value.replace("_", " "), profile=profile)


class SecretBackend(Protocol):
    """The three blocking calls we need; keyring's module and MemoryBackend both fit."""

    def get_password(self, service: str, username: str) -> str | None: ...
    def set_password(self, service: str, username: str, password: str) -> None: ...
    def delete_password(self, service: str, username: str) -> None: ...


class MemoryBackend:
    """An in-memory backend for tests that need no real keychain (and for dry runs)."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self._data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self._data.pop((service, username), None) is None:
                import keyring.errors

                raise keyring.errors.PasswordDeleteError("not found")

    def __repr__(self) -> str:
        return f"<MemoryBackend {len(self._data)} entries>"


def backend_description() -> str:
    """What keyring will use, e.g. 'keyring.backends.SecretService.Keyring (priority 5)'."""
    import keyring

    kr = keyring.get_keyring()
    name = f"{type(kr).__module__}.{type(kr).__qualname__}"
    priority = getattr(kr, "priority", None)
    return f"{name} (priority {priority})" if priority is not None else name


def keyring_is_usable() -> bool:
    import keyring

    kr = keyring.get_keyring()
    module = type(kr).__module__
    return not (
        module.startswith("keyring.backends.fail") or module.startswith("keyring.backends.null")
    )


class SecretStore:
    """Keychain access for profiles. Pass ``backend`` in tests; default: the OS keychain."""

    def __init__(
        self, backend: SecretBackend | None = None, *, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self._backend = backend
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<SecretStore backend={type(self._backend).__name__ if self._backend else 'os'}>"

    # -- blocking API (worker threads, scripts) -------------------------------------------
    def get_sync(self, profile: str, kind: SecretKind) -> str | None:
        value = self._bounded("get", profile, kind)
        return value if isinstance(value, str) else None

    def set_sync(self, profile: str, kind: SecretKind, value: str) -> None:
        if not value:
            raise ValueError("refusing to store an empty secret")
        self._bounded("set", profile, kind, value)

    def delete_sync(self, profile: str, kind: SecretKind) -> bool:
        """Delete one entry; False when it did not exist."""
        return bool(self._bounded("delete", profile, kind))

    def delete_all_sync(self, profile: str) -> list[SecretKind]:
        return [k for k in SecretKind if self.delete_sync(profile, k)]

    # -- async API (event loop, Qt via qasync) ---------------------------------------------
    async def get(self, profile: str, kind: SecretKind) -> str | None:
        return await self._in_thread(self.get_sync, profile, kind)

    async def set(self, profile: str, kind: SecretKind, value: str) -> None:
        await self._in_thread(self.set_sync, profile, kind, value)

    async def delete(self, profile: str, kind: SecretKind) -> bool:
        return bool(await self._in_thread(self.delete_sync, profile, kind))

    async def delete_all(self, profile: str) -> list[SecretKind]:
        result: list[SecretKind] = await self._in_thread(self.delete_all_sync, profile)
        return result

    async def _in_thread(self, fn: Callable[..., _T], *args: object) -> _T:
        import asyncio  # here, not at import: the wizard's first page paints without it

        try:
            return await asyncio.wait_for(asyncio.to_thread(fn, *args), self.timeout)
        except asyncio.TimeoutError:
            raise _keychain_error("keychain_timeout", timeout=f"{self.timeout:g}") from None

    def _bounded(
        self, op: str, profile: str, kind: SecretKind, value: str | None = None
    ) -> object:
        """The keyring call in a daemon thread, waited for at most ``timeout`` seconds.

        A keychain that never answers (an unlock prompt nobody sees) must neither block the
        caller nor keep the process alive: ``asyncio.run`` joins its executor threads at exit
        (so a call stuck there hung the CLI after its error), daemon threads are not joined.
        """
        outcome: list[tuple[bool, Any]] = []
        done = threading.Event()

        def run() -> None:
            try:
                outcome.append((True, self._call(op, profile, kind, value)))
            except BaseException as e:
                outcome.append((False, e))
            finally:
                done.set()

        threading.Thread(target=run, name="snow-wizard-keychain", daemon=True).start()
        if not done.wait(self.timeout):
            raise _keychain_error("keychain_timeout", timeout=f"{self.timeout:g}")
        ok, result = outcome[0]
        if not ok:
            raise result
        return result

    # -- the one place keyring is touched ---------------------------------------------------
    def _resolve(self) -> SecretBackend:
        if self._backend is not None:
            return self._backend
        import keyring  # ~165 ms: loaded when a secret is first needed

        if not keyring_is_usable():
            raise _keychain_error("no_keychain", backend=backend_description())
        return keyring

    def _call(self, op: str, profile: str, kind: SecretKind, value: str | None = None) -> object:
        import keyring.errors

        backend = self._resolve()
        user = entry_name(profile, kind)
        try:
            if op == "get":
                return backend.get_password(SERVICE, user)
            if op == "set":
                assert value is not None
                backend.set_password(SERVICE, user, value)
                return None
            try:
                backend.delete_password(SERVICE, user)
            except keyring.errors.PasswordDeleteError:
                return False
            return True
        except keyring.errors.NoKeyringError as e:
            raise _keychain_error("no_keychain", backend=backend_description()) from e
        except keyring.errors.KeyringLocked as e:
            raise _keychain_error("keychain_locked") from e
        except keyring.errors.KeyringError as e:
            # The backend's own text may name the entry, never the secret; keep it out anyway.
            raise _keychain_error("keychain_locked") from e
