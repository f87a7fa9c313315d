"""OAuth flows for the CLI, the wizard and the Python API: consent, adding and authorizing
profiles, revocation.

Keeping the access token valid (storing tokens, the once-per-expiry refresh under a file lock)
is ``token_refresh``; its public names are re-exported here, where callers have always found them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from snow_wizard.core import oauth
from snow_wizard.core.connections import exists_error, outcome_record, save_profile
from snow_wizard.core.instance import Instance
from snow_wizard.core.loopback import LoopbackReceiver
from snow_wizard.core.oauth import TokenSet
from snow_wizard.core.profiles import AuthType, Mode, OAuthSettings, Profile
from snow_wizard.core.secret_store import SecretKind, missing_secret
from snow_wizard.core.token_refresh import (
    access_token_sync,
    get_access_token,
    oauth_settings,
    save_tokens,
    save_tokens_sync,
    token_secrets,
)
from snow_wizard.core.validation import validate_profile_name, validate_username
from snow_wizard.errors import UsageError

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
    name = validate_profile_name(name)
    if not client_secret:
        raise UsageError("Enter the Client Secret of the OAuth app.", code="missing_secret")
    if await asyncio.to_thread(ctx.store.exists, name):
        raise exists_error(name)
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
    return await _save_authorized(ctx, profile, instance, secrets, tokens, test=test)


async def _save_authorized(
    ctx: Context, profile: Profile, instance: Instance, secrets: dict[SecretKind, str],
    tokens: TokenSet, *, test: bool,
) -> tuple[Profile, TestResult | None]:
    """Test the fresh token (unless told not to), then save the profile with its secrets and
    tokens; on any failure the tokens are revoked (best effort) and nothing is saved."""
    settings = oauth_settings(profile)
    try:
        result = await _identify(ctx, profile.name, instance, tokens.access_token) if test else None
        if result is not None:
            profile = profile.with_changes(
                username=result.user_name, last_test=outcome_record(ctx, result)
            )
        profile = profile.with_changes(token_expires_at=tokens.expires_at,
                                       token_lifetime=tokens.lifetime)
        await save_profile(ctx, profile, {**secrets, **token_secrets(tokens)})
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
    settings = oauth_settings(profile)
    secret = await ctx.secrets.get(name, SecretKind.CLIENT_SECRET)
    if not secret:
        raise missing_secret(name, SecretKind.CLIENT_SECRET)
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
    from snow_wizard.core.connections import test_basic

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
        changes["last_test"] = outcome_record(ctx, result)
    profile = await asyncio.to_thread(ctx.store.update, name, lambda p: p.with_changes(**changes))
    return profile, result


# -- revocation ------------------------------------------------------------------------------
async def revoke_tokens(ctx: Context, name: str) -> int:
    """Revoke the profile's refresh and access tokens on the instance (keychain untouched);
    return how many there were to revoke (0 for a profile nobody has authorized yet)."""
    profile = await asyncio.to_thread(ctx.store.get, name)
    settings = oauth_settings(profile)
    revoked = 0
    for kind in (SecretKind.REFRESH_TOKEN, SecretKind.ACCESS_TOKEN):
        token = await ctx.secrets.get(name, kind)
        if token:
            await oauth.revoke(settings, token, timeout=ctx.http_timeout)
            revoked += 1
    return revoked


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
