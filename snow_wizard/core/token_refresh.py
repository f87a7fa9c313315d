"""Keeping a saved OAuth profile's access token valid: storing tokens, refreshing them once.

Token refresh happens at most once per expiry, across threads *and* processes: the critical
section (re-read the stored token, refresh if still needed, store the new one) runs under a file
lock in the config dir, so concurrent ``snow-wizard token`` calls or scripts share one refresh
and the others reuse its result. Two rules keep that true whatever the timing:

- a token is due ``min_validity`` seconds before it expires, but never before half of its
  lifetime has passed (an app whose tokens live 64 s would otherwise be due 4 s after each
  refresh, and every caller slower than that would refresh again);
- a caller that waited for the lock while another one replaced the token takes the replacement
  (the refresh it was waiting for) unless that one, too, is already close to expiry.

Nothing here opens a browser or a callback port (that is ``authorization``), so the token path
(``snow-wizard token``, ``snow_wizard.connect``) loads no more than it needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from snow_wizard.core import diagnosis, oauth
from snow_wizard.core.profiles import AuthType, OAuthSettings, Profile
from snow_wizard.core.secret_store import SecretKind, missing_secret
from snow_wizard.errors import KeychainError, OAuthError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from snow_wizard.core.context import Context
    from snow_wizard.core.oauth import TokenSet

__all__ = [
    "LOCK_TIMEOUT",
    "access_token_sync",
    "get_access_token",
    "oauth_settings",
    "save_tokens",
    "save_tokens_sync",
    "token_secrets",
]

LOCK_TIMEOUT = 60.0


# -- storing ---------------------------------------------------------------------------------
async def save_tokens(ctx: Context, name: str, tokens: TokenSet) -> Profile:
    """Tokens to the keychain, their expiry to the profile."""
    return await asyncio.to_thread(save_tokens_sync, ctx, name, tokens)


def save_tokens_sync(ctx: Context, name: str, tokens: TokenSet) -> Profile:
    for kind, value in token_secrets(tokens).items():
        ctx.secrets.set_sync(name, kind, value)
    return ctx.store.update(name, lambda p: p.with_changes(
        token_expires_at=tokens.expires_at, token_lifetime=tokens.lifetime))


def token_secrets(tokens: TokenSet) -> dict[SecretKind, str]:
    """The keychain entries a TokenSet makes (no refresh token entry when none was issued)."""
    secrets = {SecretKind.ACCESS_TOKEN: tokens.access_token}
    if tokens.refresh_token:
        secrets[SecretKind.REFRESH_TOKEN] = tokens.refresh_token
    return secrets


# -- the access token ------------------------------------------------------------------------
async def get_access_token(ctx: Context, name: str, *, min_validity: float = 60.0) -> str:
    """A valid access token, refreshed when it expires within ``min_validity`` seconds (or,
    for tokens that live less than twice that, once half their lifetime has passed)."""
    return await asyncio.to_thread(access_token_sync, ctx, name, min_validity=min_validity)


def access_token_sync(
    ctx: Context, name: str, *, min_validity: float = 60.0, rejected: str | None = None
) -> str:
    """Blocking form of get_access_token. ``rejected``: a token the API just refused with 401;
    it is refreshed unless another thread or process already replaced it."""
    profile = ctx.store.get(name)
    settings = oauth_settings(profile)
    seen = ctx.secrets.get_sync(name, SecretKind.ACCESS_TOKEN)
    if _usable(ctx, profile, seen, rejected, _margin(profile, min_validity)):
        return seen  # type: ignore[return-value]
    with _refresh_lock(ctx, name):
        profile = ctx.store.get(name)
        token = ctx.secrets.get_sync(name, SecretKind.ACCESS_TOKEN)
        margin = _margin(profile, min_validity)
        if token != seen:  # replaced while we waited: that was the refresh we needed
            margin /= 2
        if _usable(ctx, profile, token, rejected, margin):
            return token  # type: ignore[return-value]
        tokens = _refresh(ctx, name, settings)
        save_tokens_sync(ctx, name, tokens)
        return tokens.access_token


def _refresh(ctx: Context, name: str, settings: OAuthSettings) -> TokenSet:
    """The refresh grant with the stored refresh token; an opaque 401 means token_rejected."""
    refresh_token = ctx.secrets.get_sync(name, SecretKind.REFRESH_TOKEN)
    if not refresh_token:
        raise _not_authorized(name)
    secret = ctx.secrets.get_sync(name, SecretKind.CLIENT_SECRET)
    if not secret:
        raise missing_secret(name, SecretKind.CLIENT_SECRET)
    try:
        return oauth.refresh_sync(settings, secret, refresh_token,
                                  clock=ctx.clock, timeout=ctx.http_timeout)
    except OAuthError as e:
        if e.code != "token_exchange_failed":
            raise
        err = diagnosis.error("token_rejected", profile=name)
        err.causes = e.causes
        raise err from None


def _margin(profile: Profile, min_validity: float) -> float:
    """Seconds before expiry at which the stored token is due: ``min_validity``, capped at
    half the token's lifetime when the profile knows it."""
    lifetime = _number(profile.token_lifetime)
    if lifetime is not None and lifetime > 0:
        return min(min_validity, lifetime / 2)
    return min_validity


def _usable(ctx: Context, profile: Profile, token: str | None, rejected: str | None,
            margin: float) -> bool:
    expires_at = _number(profile.token_expires_at)
    if not token or token == rejected or expires_at is None:
        return False
    return expires_at - ctx.clock() > margin


def _number(value: object) -> float | None:
    """A number from the profiles file (which anyone may have edited), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return float(value)


@contextlib.contextmanager
def _refresh_lock(ctx: Context, name: str) -> Iterator[None]:
    from filelock import FileLock, Timeout

    lock_dir = Path(ctx.store.config_dir) / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_dir / f"{name}.refresh.lock"), timeout=LOCK_TIMEOUT)
    try:
        lock.acquire()
    except Timeout:
        raise diagnosis.error("timeout", instance=f"the token refresh lock for {name}",
                              timeout=int(LOCK_TIMEOUT)) from None
    try:
        yield
    finally:
        lock.release()


# -- shared with authorization ---------------------------------------------------------------
def oauth_settings(profile: Profile) -> OAuthSettings:
    """The profile's OAuth app, or ``not_oauth`` for a Basic profile."""
    if profile.auth is not AuthType.OAUTH or profile.oauth is None:
        raise UsageError(
            f"'{profile.name}' is a Basic profile: it has no OAuth tokens.",
            code="not_oauth",
        )
    return profile.oauth


def _not_authorized(name: str) -> KeychainError:
    return KeychainError(
        f"Profile {name} has not been authorized yet (no refresh token in the keychain).",
        hint=f"Run `snow-wizard authorize {name}` to sign in and allow access.",
        code="missing_secret",
    )
