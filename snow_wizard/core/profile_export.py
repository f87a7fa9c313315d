"""Sharing a connection: a profile file without any secret, and importing one.

An exported file describes the instance, the auth type and mode, and the OAuth app settings; it
never holds a secret, a test history or the user who authorized. Importing re-validates every
field (the file may come from anyone) and asks for the secrets the profile needs.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from snow_wizard.core.instance import parse_instance
from snow_wizard.core.profiles import AuthType, ClientAuth, Mode, OAuthSettings, Profile
from snow_wizard.core.secret_store import SecretKind
from snow_wizard.core.validation import validate_port, validate_profile_name, validate_username
from snow_wizard.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from snow_wizard.core.context import Context

EXPORT_FORMAT = 1
EXPORT_KEY = "snow_wizard_profile"


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


def export_text(ctx: Context, name: str) -> str:
    """The export file's text (JSON), for a file or stdout."""
    return json.dumps(export_profile(ctx, name), indent=2) + "\n"


def write_export(ctx: Context, name: str, path: str | Path) -> Path:
    """Write the export file; an unwritable path is a UsageError naming it."""
    target = Path(path)
    text = export_text(ctx, name)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as e:
        raise UsageError(f"Cannot write {target}: {e.strerror}.") from None
    return target


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
    from snow_wizard.core.connections import save_profile

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
