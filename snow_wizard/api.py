"""The public Python API for scripts that use the profiles snow-wizard made.

::

    import snow_wizard

    with snow_wizard.connect("acme") as client:          # httpx2.Client, base_url + auth set
        r = client.get("/api/now/table/incident", params={"sysparm_limit": 1})

    async with snow_wizard.aconnect("acme") as client:   # httpx2.AsyncClient
        r = await client.get("/api/now/table/incident", params={"sysparm_limit": 1})

OAuth profiles refresh the access token when it is about to expire (or when the API answers
401 once) and store the new one in the keychain; Basic profiles send the stored password.
Failures raise ``snow_wizard.errors.SnowWizardError`` subclasses with a stable ``code``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from snow_wizard.core.context import Context
from snow_wizard.core.profiles import AuthType, Profile
from snow_wizard.core.secret_store import SecretKind, missing_secret

if TYPE_CHECKING:  # pragma: no cover
    import httpx2

__all__ = ["aconnect", "connect", "load_profile"]

DEFAULT_TIMEOUT = 30.0


def _context(config_dir: Path | str | None, context: Context | None) -> Context:
    if context is not None:
        return context
    return Context.default(Path(config_dir) if config_dir is not None else None)


def load_profile(name: str, *, config_dir: Path | str | None = None) -> Profile:
    """The saved profile ``name`` (no secret in it). Raises ProfileNotFound."""
    return _context(config_dir, None).store.get(name)


def _auth(ctx: Context, profile: Profile, min_validity: float) -> httpx2.Auth:
    if profile.auth is AuthType.OAUTH:
        from snow_wizard.core.token_auth import ProfileTokenAuth

        return ProfileTokenAuth(ctx, profile.name, min_validity=min_validity)
    from snow_wizard.core.http_client import basic_auth

    password = ctx.secrets.get_sync(profile.name, SecretKind.PASSWORD)
    if not password or not profile.username:
        raise missing_secret(profile.name, SecretKind.PASSWORD)
    return basic_auth(profile.username, password)


def _target(
    name: str, config_dir: Path | str | None, context: Context | None, min_validity: float
) -> tuple[str, httpx2.Auth]:
    """The base URL and auth for profile ``name``: what connect and aconnect share."""
    ctx = _context(config_dir, context)
    profile = ctx.store.get(name)
    return profile.instance, _auth(ctx, profile, min_validity)


def connect(
    name: str,
    *,
    config_dir: Path | str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    min_validity: float = 60.0,
    context: Context | None = None,
) -> httpx2.Client:
    """An ``httpx2.Client`` for profile ``name``: base_url is the instance, auth is set."""
    from snow_wizard.core.http_client import make_client

    base_url, auth = _target(name, config_dir, context, min_validity)
    return make_client(base_url=base_url, auth=auth, timeout=timeout)


def aconnect(
    name: str,
    *,
    config_dir: Path | str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    min_validity: float = 60.0,
    context: Context | None = None,
) -> httpx2.AsyncClient:
    """An ``httpx2.AsyncClient`` for profile ``name`` (use ``async with``)."""
    from snow_wizard.core.http_client import make_async_client

    base_url, auth = _target(name, config_dir, context, min_validity)
    return make_async_client(base_url=base_url, auth=auth, timeout=timeout)
