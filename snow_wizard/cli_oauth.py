"""The commands that sign someone in: ``add --auth oauth``, ``authorize`` and ``token``.

``authorize`` on an OAuth profile runs the browser consent; on a Basic profile it asks for the
user's name and password (user-authorize profiles store the end user's credentials this way).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from snow_wizard import cli_output as out
from snow_wizard.cli_support import on_url, read_secret, run_async, say
from snow_wizard.core.profiles import DEFAULT_REDIRECT_PORT, AuthType, Mode
from snow_wizard.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from snow_wizard.core.context import Context
    from snow_wizard.core.instance import Instance
    from snow_wizard.core.profiles import OAuthSettings


def _settings(args: argparse.Namespace, instance: Instance) -> OAuthSettings:
    """The OAuth app from ``add``'s flags (defaults derived from the instance)."""
    from snow_wizard.core.profiles import ClientAuth, OAuthSettings

    return OAuthSettings.for_instance(
        instance,
        args.client_id,
        authorize_url=args.authorize_url,
        token_url=args.token_url,
        refresh_url=args.refresh_url,
        revoke_url=args.revoke_url,
        redirect_port=args.redirect_port or DEFAULT_REDIRECT_PORT,
        client_auth=ClientAuth(args.client_auth),
    )


def add_oauth(ctx: Context, args: argparse.Namespace, name: str, instance: Instance) -> int:
    from snow_wizard.core import authorization

    settings = _settings(args, instance)
    say(f"Redirect URL to register in the OAuth app: {settings.redirect_url}")
    secret = read_secret(
        "client secret", from_stdin=args.client_secret_stdin, flag="--client-secret-stdin"
    )
    mode = Mode(args.mode)
    profile, result = run_async(
        authorization.add_oauth_profile(
            ctx,
            name,
            instance,
            settings,
            secret,
            mode=mode,
            test=not args.no_test,
            on_url=on_url,
            open_browser=not args.no_browser,
            timeout=args.timeout,
        )
    )
    if mode is Mode.PRE_AUTHORIZE:
        who = result.user_name if result is not None else profile.username
        say(f"Authorized as {who}" if who else "Authorized.")
    if result is not None:
        say(out.ok_line(result))
    say(f"Saved profile '{profile.name}' (oauth, {profile.mode.value}).")
    if mode is Mode.USER_AUTHORIZE:
        say(f"Each user signs in with: snow-wizard authorize {profile.name}")
    return 0


def cmd_token(args: argparse.Namespace, ctx: Context) -> int:
    from snow_wizard.core.token_refresh import get_access_token  # not the consent machinery

    if ctx.store.get(args.name).auth is not AuthType.OAUTH:
        raise UsageError(
            f"Profile '{args.name}' uses Basic authentication: it has no access token."
        )
    say(run_async(get_access_token(ctx, args.name)))
    return 0


def cmd_authorize(args: argparse.Namespace, ctx: Context) -> int:
    profile = ctx.store.get(args.name)
    if profile.auth is AuthType.BASIC:
        return _authorize_basic(args, ctx, profile.username)
    if args.username or args.password_stdin:
        raise UsageError("--username and --password-stdin are for Basic profiles.")
    from snow_wizard.core import authorization

    if args.redirect_port is not None:
        raise UsageError(
            "The callback port is part of the profile; remove and add it again to change it."
        )
    profile, tokens = run_async(
        authorization.authorize_profile(
            ctx,
            args.name,
            on_url=on_url,
            open_browser=not args.no_browser,
            timeout=args.timeout,
        )
    )
    who = f" as {profile.username}" if profile.username else ""
    say(f"Authorized{who}; access token valid until {out.when(tokens.expires_at)}.")
    return 0


def _authorize_basic(args: argparse.Namespace, ctx: Context, saved_user: str | None) -> int:
    from snow_wizard.core import authorization

    consent_flags = {"--redirect-port": args.redirect_port, "--no-browser": args.no_browser}
    given = [flag for flag, value in consent_flags.items() if value]
    if given:
        raise UsageError(f"{', '.join(given)} cannot be used with a Basic profile.")
    username = args.username or saved_user
    if not username:
        raise UsageError("This profile has no user name: give one with --username.")
    password = read_secret(
        f"password for {username}", from_stdin=args.password_stdin, flag="--password-stdin"
    )
    profile, result = run_async(
        authorization.authorize_basic_profile(ctx, args.name, username, password)
    )
    if result is not None:
        say(out.ok_line(result))
    say(f"Saved the password for {profile.username} in the OS keychain.")
    return 0
