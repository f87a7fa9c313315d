"""OAuth flows for the CLI, the wizard and the Python API: consent, saving tokens, keeping the
access token valid, revocation.

Token refresh happens at most once per expiry, across threads *and* processes: the critical
section (re-read the stored token, refresh if still needed, store the new one) runs under a file
lock in the config dir, so concurrent ``snow-wizard token`` calls or scripts share one refresh
and the others reuse its result. Two rules keep that true whatever the timing:

- a token is due ``min_validity`` seconds before it expires, but never before half of its
  lifetime has passed (an app whose tokens live 64 s would otherwise be due 4 s after each
  refresh, and every caller slower than that would refresh again);
- a caller that waited for the lock while another one replaced the token takes the replacement
  (the refresh it was waiting for) unless that one, too, is already close to expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import math
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from snow_wizard.core import diagnosis, oauth
from snow_wizard.core.instance import Instance
from snow_wizard.core.loopback import LoopbackReceiver
from snow_wizard.core.oauth import TokenSet
from snow_wizard.core.profiles import (
    AuthType,
    Mode,
    OAuthSettings,
    Profile,
    TestRecord,
    validate_profile_name,
)
from snow_wizard.core.secret_store import SecretKind
from snow_wizard.errors import KeychainError, OAuthError, ProfileExists, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from snow_wizard.core.context import Context
    from snow_wizard.core.servicenow import TestResult

__all__ = [
    "TokenSet",
    "access_token_sync",
    "add_oauth_profile",
    "authorize_basic_profile",
    "authorize_profile",
    "get_access_token",
    "revoke_tokens",
    "run_consent",
    "save_tokens",
    "save_tokens_sync",
]

OnUrl = Callable[[str, bool], None]
BROWSER_GRACE = 1.5  # seconds to learn whether the browser started before showing the URL
LOCK_TIMEOUT = 60.0


# -- consent ---------------------------------------------------------------------------------
async def run_consent(
    settings: OAuthSettings,
    client_secret: str,
    *,
    open_browser: Callable[[str], bool] | None,
    on_url: OnUrl | None = None,
    timeout: float = 300.0,
) -> TokenSet:
    """Browser consent with PKCE S256 and a hex state, then the code exchange.

    The port is bound first (``port_in_use`` at once); cancellation frees it and propagates.
    """
    pkce = oauth.make_pkce()
    state = oauth.make_state()
    async with LoopbackReceiver(settings.redirect_port, state) as receiver:
        url = oauth.authorization_url(settings, state=state, code_challenge=pkce.challenge)
        opened = await _open_browser(open_browser, url) if open_browser else False
        if on_url is not None:
            on_url(url, opened)
        result = await receiver.wait(timeout)
    return await oauth.exchange_code(settings, client_secret, result.code, pkce.verifier)


async def _open_browser(open_browser: Callable[[str], bool], url: str) -> bool:
    """Start the browser in a daemon thread: with ``BROWSER=cmd %s`` webbrowser waits for the
    command to exit, and that command may be waiting for our callback. True unless it reports
    failure within a short grace period (still running counts as opened)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[bool] = loop.create_future()

    def run() -> None:
        try:
            ok = bool(open_browser(url))
        except Exception:
            ok = False
        def settle() -> None:
            if not done.done():
                done.set_result(ok)

        with contextlib.suppress(RuntimeError):  # loop closed meanwhile
            loop.call_soon_threadsafe(settle)

    threading.Thread(target=run, name="snow-wizard-browser", daemon=True).start()
    try:
        return await asyncio.wait_for(asyncio.shield(done), BROWSER_GRACE)
    except asyncio.TimeoutError:
        return True


# -- profiles --------------------------------------------------------------------------------
async def add_oauth_profile(
    ctx: Context,
    name: str,
    instance: Instance,
    settings: OAuthSettings,
    client_secret: str,
    *,
    mode: Mode = Mode.PRE_AUTHORIZE,
    test: bool = True,
    on_url: OnUrl | None = None,
    open_browser: bool = True,
    timeout: float = 300.0,
) -> tuple[Profile, TestResult | None]:
    """pre-authorize: consent now, test with the token, save profile, client secret and tokens.
    user-authorize: save the profile and client secret only (``authorize`` does the consent).
    A failed consent or test saves nothing (tokens already issued are revoked, best effort)."""
    from snow_wizard.core.connections import save_profile

    name = validate_profile_name(name)
    if not client_secret:
        raise UsageError("Enter the Client Secret of the OAuth app.", code="missing_secret")
    if await asyncio.to_thread(ctx.store.exists, name):
        raise ProfileExists(
            f"A profile named '{name}' already exists.",
            hint="Choose another name, or remove it first with `snow-wizard remove`.",
        )
    profile = Profile(name=name, instance=instance.base_url, auth=AuthType.OAUTH,
                      mode=Mode(mode), oauth=settings, created_at=ctx.clock())
    secrets = {SecretKind.CLIENT_SECRET: client_secret}
    if profile.mode is Mode.USER_AUTHORIZE:
        await save_profile(ctx, profile, secrets)
        return profile, None
    tokens = await run_consent(
        settings, client_secret, open_browser=ctx.open_browser if open_browser else None,
        on_url=on_url, timeout=timeout,
    )
    try:
        result = await _identify(ctx, name, instance, tokens.access_token) if test else None
        if result is not None:
            profile = profile.with_changes(
                username=result.user_name, last_test=_record(ctx, result)
            )
        profile = profile.with_changes(token_expires_at=tokens.expires_at,
                                       token_lifetime=tokens.lifetime)
        await save_profile(ctx, profile, {**secrets, **_token_secrets(tokens)})
    except BaseException:
        await _revoke_quietly(settings, tokens)
        raise
    return profile, result


async def authorize_profile(
    ctx: Context,
    name: str,
    *,
    on_url: OnUrl | None = None,
    open_browser: bool = True,
    timeout: float = 300.0,
    test: bool = True,
) -> tuple[Profile, TokenSet]:
    """Run the consent (again) for a saved OAuth profile and store the new tokens. With
    ``test``, the token is tried at once and the user who consented is recorded."""
    profile = await asyncio.to_thread(ctx.store.get, name)
    settings = _oauth_settings(profile)
    secret = await ctx.secrets.get(name, SecretKind.CLIENT_SECRET)
    if not secret:
        raise _missing(name, SecretKind.CLIENT_SECRET)
    tokens = await run_consent(
        settings, secret, open_browser=ctx.open_browser if open_browser else None,
        on_url=on_url, timeout=timeout,
    )
    profile = await save_tokens(ctx, name, tokens)
    if test:
        from snow_wizard.core.connections import test_profile

        result = await test_profile(ctx, name)
        profile = await asyncio.to_thread(
            ctx.store.update, name, lambda p: p.with_changes(username=result.user_name)
        )
    return profile, tokens


async def authorize_basic_profile(
    ctx: Context, name: str, username: str, password: str, *, test: bool = True
) -> tuple[Profile, TestResult | None]:
    """A Basic user-authorize profile: the end user's name and password, tested, then stored."""
    from snow_wizard.core.connections import test_basic, validate_username

    profile = await asyncio.to_thread(ctx.store.get, name)
    if profile.auth is not AuthType.BASIC:
        raise UsageError(f"'{name}' is not a Basic profile.")
    username = validate_username(username)
    if not password:
        raise UsageError("Enter the password.", code="missing_password")
    result = None
    if test:
        result = await test_basic(profile.parsed_instance, username, password,
                                  timeout=ctx.http_timeout)
        result = dataclasses.replace(result, profile=name)
    await ctx.secrets.set(name, SecretKind.PASSWORD, password)
    changes: dict[str, object] = {"username": username}
    if result is not None:
        changes["last_test"] = _record(ctx, result)
    profile = await asyncio.to_thread(ctx.store.update, name, lambda p: p.with_changes(**changes))
    return profile, result


async def save_tokens(ctx: Context, name: str, tokens: TokenSet) -> Profile:
    """Tokens to the keychain, their expiry to the profile."""
    return await asyncio.to_thread(save_tokens_sync, ctx, name, tokens)


def save_tokens_sync(ctx: Context, name: str, tokens: TokenSet) -> Profile:
    for kind, value in _token_secrets(tokens).items():
        ctx.secrets.set_sync(name, kind, value)
    return ctx.store.update(name, lambda p: p.with_changes(
        token_expires_at=tokens.expires_at, token_lifetime=tokens.lifetime))


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
    settings = _oauth_settings(profile)
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
        refresh_token = ctx.secrets.get_sync(name, SecretKind.REFRESH_TOKEN)
        if not refresh_token:
            raise _missing(name, SecretKind.REFRESH_TOKEN)
        secret = ctx.secrets.get_sync(name, SecretKind.CLIENT_SECRET)
        if not secret:
            raise _missing(name, SecretKind.CLIENT_SECRET)
        try:
            tokens = oauth.refresh_sync(settings, secret, refresh_token,
                                        clock=ctx.clock, timeout=ctx.http_timeout)
        except OAuthError as e:
            if e.code != "token_exchange_failed":
                raise
            err = diagnosis.error("token_rejected", profile=name)
            err.causes = e.causes
            raise err from None
        save_tokens_sync(ctx, name, tokens)
        return tokens.access_token


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


# -- revocation ------------------------------------------------------------------------------
async def revoke_tokens(ctx: Context, name: str) -> None:
    """Revoke the profile's refresh and access tokens on the instance (keychain untouched)."""
    profile = await asyncio.to_thread(ctx.store.get, name)
    settings = _oauth_settings(profile)
    for kind in (SecretKind.REFRESH_TOKEN, SecretKind.ACCESS_TOKEN):
        token = await ctx.secrets.get(name, kind)
        if token:
            await oauth.revoke(settings, token, timeout=ctx.http_timeout)


async def _revoke_quietly(settings: OAuthSettings, tokens: TokenSet) -> None:
    for token in (tokens.refresh_token, tokens.access_token):
        if token:
            with contextlib.suppress(Exception):
                await oauth.revoke(settings, token, timeout=5.0)


# -- helpers ---------------------------------------------------------------------------------
async def _identify(ctx: Context, name: str, instance: Instance, token: str) -> TestResult:
    from snow_wizard.core import servicenow

    return await servicenow.test_credentials(
        instance, servicenow.BearerAuth(token), auth_kind="oauth",
        timeout=ctx.http_timeout, profile=name,
    )


def _record(ctx: Context, result: TestResult) -> TestRecord:
    return TestRecord(ok=True, at=ctx.clock(), user_name=result.user_name,
                      latency_ms=round(result.latency_ms, 1))


def _token_secrets(tokens: TokenSet) -> dict[SecretKind, str]:
    secrets = {SecretKind.ACCESS_TOKEN: tokens.access_token}
    if tokens.refresh_token:
        secrets[SecretKind.REFRESH_TOKEN] = tokens.refresh_token
    return secrets


def _oauth_settings(profile: Profile) -> OAuthSettings:
    if profile.auth is not AuthType.OAUTH or profile.oauth is None:
        raise UsageError(
            f"'{profile.name}' is a Basic profile: it has no OAuth tokens.",
            code="not_oauth",
        )
    return profile.oauth


def _missing(name: str, kind: SecretKind) -> KeychainError:
    if kind is SecretKind.REFRESH_TOKEN:
        return KeychainError(
            f"Profile {name} has not been authorized yet (no refresh token in the keychain).",
            hint=f"Run `snow-wizard authorize {name}` to sign in and allow access.",
            code="missing_secret",
        )
    d = diagnosis.describe("missing_secret", kind=kind.value.replace("_", " "), profile=name)
    return KeychainError(d.message, hint=d.hint, code="missing_secret")
