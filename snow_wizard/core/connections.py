"""High-level operations on connections, shared by the CLI and the wizard.

Each operation either completes or leaves nothing half-written: keychain entries written for a
profile that could not be saved are removed again, and ``remove_profile`` deletes every
keychain entry a profile may have. Export and import (a profile file without secrets) are in
``profile_export``, re-exported here.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from snow_wizard.core.instance import Instance, parse_instance
from snow_wizard.core.profile_export import (
    EXPORT_FORMAT,
    EXPORT_KEY,
    export_profile,
    import_profile,
    profile_from_export,
    secrets_needed,
)
from snow_wizard.core.profiles import (
    AuthType,
    Mode,
    Profile,
    TestRecord,
    exists_error,
    not_found_error,
)
from snow_wizard.core.secret_store import SecretKind, missing_secret
from snow_wizard.core.validation import validate_profile_name, validate_username
from snow_wizard.errors import (
    ProfileNotFound,
    SnowWizardError,
    UsageError,
)

if TYPE_CHECKING:  # pragma: no cover
    from snow_wizard.core.context import Context
    from snow_wizard.core.servicenow import TestResult

__all__ = [  # with the export/import names re-exported from profile_export
    "EXPORT_FORMAT",
    "EXPORT_KEY",
    "add_basic_profile",
    "exists_error",
    "export_profile",
    "import_profile",
    "outcome_record",
    "profile_from_export",
    "remove_profile",
    "save_profile",
    "secrets_needed",
    "test_basic",
    "test_profile",
]


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
            if await authorization.revoke_tokens(ctx, name):
                removed.append("tokens revoked on the instance")
            else:
                removed.append("no tokens to revoke (not authorized yet)")
        except SnowWizardError as e:
            removed.append(f"tokens NOT revoked ({e.message})")
    deleted = await ctx.secrets.delete_all(name)
    removed.extend(f"keychain entry {name}:{kind.value}" for kind in deleted)
    if profile is not None:
        with contextlib.suppress(ProfileNotFound):
            await asyncio.to_thread(ctx.store.remove, name)
            removed.append(f"profile {name}")
    if profile is None and not deleted:
        raise not_found_error(name)
    return removed
