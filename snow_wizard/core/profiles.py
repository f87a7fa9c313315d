"""Profiles: what a connection is (instance, auth type, mode, OAuth app settings), never a secret.

Profiles live in one JSON file, ``profiles.json``, in the platformdirs user config dir for
``snow-wizard`` (override: ``SNOW_WIZARD_CONFIG_DIR``). Writes are atomic (temp file + replace),
mode 0600, carry a schema version, and are serialised across processes by a file lock. A file
that is corrupt or from a newer version is reported (ConfigCorrupt) and never overwritten.
Secrets live in the OS keychain (``secret_store``), keyed by profile name. The checks of what a
user types (name, Client ID, port) are in ``validation``, re-exported here.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

from snow_wizard.core.instance import Instance, parse_endpoint_url, parse_instance
from snow_wizard.core.validation import validate_client_id as validate_client_id
from snow_wizard.core.validation import validate_port as validate_port
from snow_wizard.core.validation import validate_profile_name as validate_profile_name
from snow_wizard.errors import (
    ConfigCorrupt,
    InstanceError,
    ProfileError,
    ProfileExists,
    ProfileNameError,
    ProfileNotFound,
)

SCHEMA_VERSION = 1
PROFILES_FILE = "profiles.json"
DEFAULT_REDIRECT_PORT = 8765


class AuthType(str, Enum):
    BASIC = "basic"
    OAUTH = "oauth"


class Mode(str, Enum):
    PRE_AUTHORIZE = "pre-authorize"
    USER_AUTHORIZE = "user-authorize"


class ClientAuth(str, Enum):
    BODY = "body"  # client_id/client_secret in the form body (ServiceNow's documented way)
    BASIC = "basic"  # HTTP Basic header


def redirect_url_for(port: int) -> str:
    return f"http://127.0.0.1:{port}/callback"


@dataclass(frozen=True)
class OAuthSettings:
    """The OAuth app as registered in the instance. The client secret is in the keychain."""

    client_id: str
    authorize_url: str
    token_url: str
    refresh_url: str
    revoke_url: str
    redirect_port: int = DEFAULT_REDIRECT_PORT
    client_auth: ClientAuth = ClientAuth.BODY

    @property
    def redirect_url(self) -> str:
        return redirect_url_for(self.redirect_port)

    @classmethod
    def for_instance(
        cls,
        instance: Instance,
        client_id: str,
        *,
        authorize_url: str | None = None,
        token_url: str | None = None,
        refresh_url: str | None = None,
        revoke_url: str | None = None,
        redirect_port: int = DEFAULT_REDIRECT_PORT,
        client_auth: ClientAuth = ClientAuth.BODY,
    ) -> OAuthSettings:
        """Defaults derived from the instance; custom URLs validated (https or loopback http)."""
        token = parse_endpoint_url(token_url, what="token URL") if token_url else instance.token_url
        return cls(
            client_id=validate_client_id(client_id),
            authorize_url=parse_endpoint_url(authorize_url, what="authorization URL")
            if authorize_url
            else instance.authorize_url,
            token_url=token,
            refresh_url=parse_endpoint_url(refresh_url, what="refresh URL")
            if refresh_url
            else token,
            revoke_url=parse_endpoint_url(revoke_url, what="revoke URL")
            if revoke_url
            else instance.revoke_url,
            redirect_port=validate_port(redirect_port),
            client_auth=ClientAuth(client_auth),
        )


@dataclass(frozen=True)
class TestRecord:
    """The outcome of the last credentials test, shown in listings."""

    __test__ = False  # not a pytest test class

    ok: bool
    at: float
    user_name: str | None = None
    latency_ms: float | None = None
    error: str | None = None  # a diagnosis code when not ok


@dataclass(frozen=True)
class Profile:
    name: str
    instance: str  # normalised base URL
    auth: AuthType
    mode: Mode = Mode.PRE_AUTHORIZE
    username: str | None = None  # Basic, pre-authorize; or the user who authorized (OAuth)
    oauth: OAuthSettings | None = None
    created_at: float = field(default_factory=time.time)
    last_test: TestRecord | None = None
    token_expires_at: float | None = None  # access token expiry (epoch seconds), OAuth only
    token_lifetime: float | None = None  # seconds that token was issued for (refresh margin)

    @property
    def parsed_instance(self) -> Instance:
        return parse_instance(self.instance)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["auth"] = self.auth.value
        data["mode"] = self.mode.value
        if self.oauth is not None:
            data["oauth"]["client_auth"] = self.oauth.client_auth.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        oauth = data.get("oauth")
        last = data.get("last_test")
        return cls(
            name=str(data["name"]),
            instance=parse_instance(str(data["instance"])).base_url,
            auth=AuthType(data["auth"]),
            mode=Mode(data.get("mode", Mode.PRE_AUTHORIZE.value)),
            username=data.get("username"),
            oauth=OAuthSettings(
                **{**oauth, "client_auth": ClientAuth(oauth.get("client_auth", "body"))}
            )
            if oauth
            else None,
            created_at=float(data.get("created_at", 0.0)),
            last_test=TestRecord(**last) if last else None,
            token_expires_at=data.get("token_expires_at"),
            token_lifetime=data.get("token_lifetime"),
        )

    def with_changes(self, **changes: Any) -> Profile:
        return replace(self, **changes)


def exists_error(name: str) -> ProfileExists:
    return ProfileExists(
        f"A profile named '{name}' already exists.",
        hint="Choose another name, or remove it first with `snow-wizard remove`.",
    )


def not_found_error(name: str) -> ProfileNotFound:
    return ProfileNotFound(
        f"No profile named '{name[:64]}'.", hint="`snow-wizard list` shows the profiles."
    )


def default_config_dir() -> Path:
    override = os.environ.get("SNOW_WIZARD_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs  # ~38 ms: only when a command touches the config

    return Path(platformdirs.user_config_dir("snow-wizard", appauthor=False, roaming=True))


def _load_entry(key: str, data: Any) -> Profile:
    """One profile from the file, held to the rules a new one meets: a hand-edited name must
    not reach a file path (the refresh lock is named after the profile) or differ from its key."""
    profile = Profile.from_dict(data)
    validate_profile_name(profile.name)
    if key != profile.name:
        raise ValueError("profile key and name differ")
    return profile


class ProfileStore:
    """The profiles file. Every method re-reads it, so CLI and wizard can run side by side."""

    def __init__(self, config_dir: Path | None = None) -> None:
        self.config_dir = Path(config_dir) if config_dir is not None else default_config_dir()
        self.path = self.config_dir / PROFILES_FILE

    # -- reading -----------------------------------------------------------------------
    def list(self) -> list[Profile]:
        return sorted(self._read().values(), key=lambda p: p.name.lower())

    def get(self, name: str) -> Profile:
        profiles = self._read()
        if name not in profiles:
            raise not_found_error(name)
        return profiles[name]

    def exists(self, name: str) -> bool:
        return name in self._read()

    # -- writing -----------------------------------------------------------------------
    def add(self, profile: Profile, *, overwrite: bool = False) -> None:
        validate_profile_name(profile.name)
        with self._locked() as profiles:
            if profile.name in profiles and not overwrite:
                raise exists_error(profile.name)
            profiles[profile.name] = profile

    def update(self, name: str, change: Callable[[Profile], Profile]) -> Profile:
        with self._locked() as profiles:
            if name not in profiles:
                raise not_found_error(name)
            profiles[name] = updated = change(profiles[name])
            return updated

    def remove(self, name: str) -> Profile:
        with self._locked() as profiles:
            if name not in profiles:
                raise not_found_error(name)
            return profiles.pop(name)

    # -- the file ----------------------------------------------------------------------
    def _read(self) -> dict[str, Profile]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as e:
            raise ProfileError(f"Cannot read {self.path}: {e.strerror}.") from e
        try:
            data = json.loads(raw)
            version = data.get("schema_version")
            if not isinstance(version, int):
                raise ValueError("no schema_version")
        except (ValueError, AttributeError, RecursionError) as e:  # deep nesting: RecursionError
            raise ConfigCorrupt(
                f"The profiles file {self.path} is corrupt and was left untouched.",
                hint="Move it aside (your keychain entries are kept) and add the profiles again.",
            ) from e
        if version > SCHEMA_VERSION:
            raise ConfigCorrupt(
                f"The profiles file {self.path} was written by a newer snow-wizard "
                f"(schema {version}); it was left untouched.",
                hint="Upgrade snow-wizard to use these profiles.",
            )
        try:
            return {name: _load_entry(name, p) for name, p in data.get("profiles", {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError, InstanceError,
                ProfileNameError) as e:
            raise ConfigCorrupt(  # (a list of profiles: AttributeError; a bad instance URL)
                f"A profile in {self.path} is invalid; the file was left untouched.",
                hint="Move it aside and add the profiles again.",
            ) from e

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, Profile]]:
        from filelock import FileLock

        self.config_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            os.chmod(self.config_dir, 0o700)
        with FileLock(str(self.path) + ".lock", timeout=30):
            self._sweep_temp_files()
            profiles = self._read()
            yield profiles
            self._write(profiles)

    def _sweep_temp_files(self) -> None:
        """Temp files are made only under the lock, so any seen while holding it was left by
        a writer that died mid-save (killed, power loss): remove it."""
        for stale in self.config_dir.glob(".profiles-*.tmp"):
            with contextlib.suppress(OSError):
                stale.unlink()

    def _write(self, profiles: dict[str, Profile]) -> None:
        payload = {
            "schema_version": SCHEMA_VERSION,
            "profiles": {name: p.to_dict() for name, p in sorted(profiles.items())},
        }
        text = json.dumps(payload, indent=2, sort_keys=True) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=".profiles-", suffix=".tmp", dir=self.config_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
