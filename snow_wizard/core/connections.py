"""High-level operations on connections, shared by the CLI and the wizard.

Each operation either completes or leaves nothing half-written: keychain entries written for a
profile that could not be saved are removed again, and ``remove_profile`` deletes every
keychain entry a profile may have.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from snow_wizard.core.instance import Instance, parse_instance
from snow_wizard.core.profiles import (
    AuthType,
    ClientAuth,
    Mode,
    OAuthSettings,
    Profile,
    TestRecord,
)
from snow_wizard.core.secret_store import SecretKind, missing_secret
from snow_wizard.core.validation import validate_port, validate_profile_name, validate_username
from snow_wizard.errors import (
    ProfileExists,
    ProfileNotFound,
    SnowWizardError,
    UsageError,
)

if TYPE_CHECKING:  # pragma: no cover
    from snow_wizard.core.context import Context
    from snow_wizard.core.servicenow import TestResult

EXPORT_FORMAT = 1
EXPORT_KEY = "snow_wizard_profile"


async def save_profile(
    ctx: Context,
    profile: Profile,
    secrets: Mapping[SecretKind, str],
    *,
    overwrite: bool = False,
) -> None:
    """Keychain entries first, then the profile; on any failure undo the keychain writes."""
    name = validate_profile_name(profile.name)
    if not overwrite and await asyncio.to_thread(ctx.store.exists, name):
        raise exists_error(name)
    previous: dict[SecretKind, str | None] = {}
    try:
        for kind, value in secrets.items():
            previous[kind] = await ctx.secrets.get(name, kind) if overwrite else None
            await ctx.secrets.set(name, kind, value)
        await asyncio.to_thread(ctx.store.add, profile, overwrite=overwrite)
    except BaseException:
        await _restore(ctx, name, previous)
        raise


async def _restore(ctx: Context, name: str, previous: Mapping[SecretKind, str | None]) -> None:
    """Best effort: put back (or delete) the entries save_profile touched."""
    for kind, old in previous.items():
        with contextlib.suppress(Exception):
            if old is None:
                await ctx.secrets.delete(name, kind)
            else:
                await ctx.secrets.set(name, kind, old)


def exists_error(name: str) -> ProfileExists:
    return ProfileExists(
        f"A profile named '{name}' already exists.",
        hint="Choose another name, or remove it first with `snow-wizard remove`.",
    )


async def test_basic(
    instance: Instance, username: str, password: str, *, timeout: float = 15.0
) -> TestResult:
    """Test a user name and password on the instance (no profile involved)."""
    from snow_wizard.core import servicenow

    auth = servicenow.basic_auth(username, password)
    return await servicenow.test_credentials(instance, auth, auth_kind="basic", timeout=timeout)


test_basic.__test__ = False  # type: ignore[attr-defined]


def outcome_record(
    ctx: Context, result: TestResult | None, code: str | None = None
) -> TestRecord:
    """What a profile remembers of a test: ok with who and how fast, or the error code."""
    if result is None:
        return TestRecord(ok=False, at=ctx.clock(), error=code or "error")
    return TestRecord(
        ok=True, at=ctx.clock(), user_name=result.user_name, latency_ms=round(result.latency_ms, 1)
    )


async def add_basic_profile(
    ctx: Context,
    name: str,
    instance_text: str,
    username: str,
    password: str | None,
    *,
    mode: Mode = Mode.PRE_AUTHORIZE,
    test: bool = True,
) -> tuple[Profile, TestResult | None]:
    """Validate, test (unless told not to), then save. A failed test saves nothing.

    user-authorize: the password is optional, used only for the test, and never stored.
    """
    name = validate_profile_name(name)
    instance = parse_instance(instance_text)
    mode = Mode(mode)
    username = validate_username(username)
    if mode is Mode.PRE_AUTHORIZE and not password:
        raise UsageError("Enter the password.", code="missing_password")
    if await asyncio.to_thread(ctx.store.exists, name):
        raise exists_error(name)
    result: TestResult | None = None
    if test and password:
        result = await test_basic(instance, username, password, timeout=ctx.http_timeout)
        result = dataclasses.replace(result, profile=name)
    profile = Profile(
        name=name,
        instance=instance.base_url,
        auth=AuthType.BASIC,
        mode=mode,
        username=username,
        created_at=ctx.clock(),
        last_test=outcome_record(ctx, result) if result else None,
    )
    secrets: dict[SecretKind, str] = {}
    if mode is Mode.PRE_AUTHORIZE and password:
        secrets[SecretKind.PASSWORD] = password
    await save_profile(ctx, profile, secrets)
    return profile, result


async def test_profile(ctx: Context, name: str, *, password: str | None = None) -> TestResult:
    """Test a saved profile and record the outcome (ok, or the error code) in it.

    ``password`` is for Basic user-authorize profiles, which store none.
    """
    from snow_wizard.core import servicenow

    profile = await asyncio.to_thread(ctx.store.get, name)
    try:
        if profile.auth is AuthType.OAUTH:
            from snow_wizard.core.token_refresh import get_access_token

            token = await get_access_token(ctx, name)
            auth: Any = servicenow.BearerAuth(token)
            kind = "oauth"
        else:
            secret = password or await ctx.secrets.get(name, SecretKind.PASSWORD)
            if not secret:
                raise missing_secret(name, SecretKind.PASSWORD)
            auth = servicenow.basic_auth(profile.username or "", secret)
            kind = "basic"
        result = await servicenow.test_credentials(
            profile.parsed_instance, auth, auth_kind=kind, timeout=ctx.http_timeout, profile=name
        )
    except SnowWizardError as e:
        await _store_record(ctx, name, outcome_record(ctx, None, e.code))
        raise
    await _store_record(ctx, name, outcome_record(ctx, result))
    return result


test_profile.__test__ = False  # type: ignore[attr-defined]


async def _store_record(ctx: Context, name: str, record: TestRecord) -> None:
    def change(p: Profile) -> Profile:
        return p.with_changes(last_test=record)

    with contextlib.suppress(ProfileNotFound):  # removed meanwhile: nothing to record
        await asyncio.to_thread(ctx.store.update, name, change)


async def remove_profile(ctx: Context, name: str, *, revoke: bool = False) -> list[str]:
    """Remove the profile and every keychain entry it has; return what was removed."""
    removed: list[str] = []
    profile: Profile | None
    try:
        profile = await asyncio.to_thread(ctx.store.get, name)
    except ProfileNotFound:
        profile = None
    if revoke and profile is not None and profile.auth is AuthType.OAUTH:
        from snow_wizard.core import authorization

        try:
            await authorization.revoke_tokens(ctx, name)
            removed.append("tokens revoked on the instance")
        except SnowWizardError as e:
            removed.append(f"tokens NOT revoked ({e.message})")
    deleted = await ctx.secrets.delete_all(name)
    removed.extend(f"keychain entry {name}:{kind.value}" for kind in deleted)
    if profile is not None:
        with contextlib.suppress(ProfileNotFound):
            await asyncio.to_thread(ctx.store.remove, name)
            removed.append(f"profile {name}")
    if profile is None and not deleted:
        raise ProfileNotFound(
            f"No profile named '{name[:64]}'.", hint="`snow-wizard list` shows the profiles."
        )
    return removed


def export_profile(ctx: Context, name: str) -> dict[str, object]:
    """A shareable description of the connection: no secret, no test history, no user."""
    profile = ctx.store.get(name)
    data: dict[str, object] = {
        EXPORT_KEY: EXPORT_FORMAT,
        "name": profile.name,
        "instance": profile.instance,
        "auth": profile.auth.value,
        "mode": profile.mode.value,
    }
    if profile.auth is AuthType.BASIC and profile.username:
        data["username"] = profile.username
    if profile.oauth is not None:
        oauth = dataclasses.asdict(profile.oauth)
        oauth["client_auth"] = profile.oauth.client_auth.value
        data["oauth"] = oauth
    return data


def _bad_file(why: str) -> UsageError:
    return UsageError(
        f"This is not a usable snow-wizard profile file: {why}.",
        hint="Export one with `snow-wizard export NAME -o FILE`.",
        code="invalid_profile_file",
    )


def profile_from_export(data: Mapping[str, Any], *, name: str | None = None) -> Profile:
    """Validate an exported profile (everything re-checked: the file may come from anyone)."""
    if not isinstance(data, Mapping) or data.get(EXPORT_KEY) != EXPORT_FORMAT:
        raise _bad_file(f"'{EXPORT_KEY}': {EXPORT_FORMAT} is missing")
    try:
        auth = AuthType(data["auth"])
        mode = Mode(data.get("mode", Mode.PRE_AUTHORIZE.value))
        instance = parse_instance(str(data["instance"]))
        username = data.get("username")
        oauth = None
        if auth is AuthType.OAUTH:
            raw = data["oauth"]
            oauth = OAuthSettings.for_instance(
                instance,
                str(raw["client_id"]),
                authorize_url=raw.get("authorize_url"),
                token_url=raw.get("token_url"),
                refresh_url=raw.get("refresh_url"),
                revoke_url=raw.get("revoke_url"),
                redirect_port=validate_port(raw.get("redirect_port", 8765)),
                client_auth=ClientAuth(raw.get("client_auth", "body")),
            )
            username = None
        elif username is not None:
            username = validate_username(str(username))
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise _bad_file(f"{type(e).__name__} {e}"[:120]) from None
    return Profile(
        name=validate_profile_name(name or str(data.get("name", ""))),
        instance=instance.base_url,
        auth=auth,
        mode=mode,
        username=username,
        oauth=oauth,
    )


def secrets_needed(profile: Profile) -> list[SecretKind]:
    """What import must ask for: OAuth: the client secret; Basic pre-authorize: the password."""
    if profile.auth is AuthType.OAUTH:
        return [SecretKind.CLIENT_SECRET]
    if profile.mode is Mode.PRE_AUTHORIZE:
        return [SecretKind.PASSWORD]
    return []


async def import_profile(
    ctx: Context,
    data: dict[str, Any],
    *,
    name: str | None = None,
    client_secret: str | None = None,
    password: str | None = None,
) -> Profile:
    """Save an exported profile with the secrets it needs (tokens come from `authorize`)."""
    profile = profile_from_export(data, name=name)
    profile = profile.with_changes(created_at=ctx.clock())
    given = {SecretKind.CLIENT_SECRET: client_secret, SecretKind.PASSWORD: password}
    secrets: dict[SecretKind, str] = {}
    for kind in secrets_needed(profile):
        value = given[kind]
        if not value:
            what = kind.value.replace("_", " ")
            raise UsageError(f"The {what} is needed to import this profile.", code="missing_secret")
        secrets[kind] = value
    basic_pre = profile.auth is AuthType.BASIC and profile.mode is Mode.PRE_AUTHORIZE
    if basic_pre and not profile.username:
        raise _bad_file("a Basic profile needs a username")
    await save_profile(ctx, profile, secrets)
    return profile
