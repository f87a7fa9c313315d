"""The ``snow-wizard`` commands. Each takes the parsed arguments and returns an exit status.

Heavy modules (httpx2, keyring, Qt, the OAuth flows) are imported inside the commands that need
them, so ``list``, ``show`` and ``export`` stay fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from snow_wizard import cli_output as out
from snow_wizard.core.profiles import (
    DEFAULT_REDIRECT_PORT,
    AuthType,
    Mode,
    ProfileStore,
    validate_profile_name,
)
from snow_wizard.errors import KeychainError, ServiceNowError, SnowWizardError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from snow_wizard.core.context import Context


_T = TypeVar("_T")


def run_async(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run one async operation to completion (asyncio is imported only when needed)."""
    import asyncio

    return asyncio.run(coro)


def _say(text: str = "") -> None:
    print(text, flush=True)


def _context() -> Context:
    from snow_wizard.core.context import Context

    return Context.default()


def strip_newline(data: str) -> str:
    """Remove exactly one trailing newline (``\\n`` or ``\\r\\n``), nothing else."""
    if data.endswith("\r\n"):
        return data[:-2]
    if data.endswith("\n"):
        return data[:-1]
    return data


def read_secret(what: str, *, from_stdin: bool, flag: str) -> str:
    """A secret from standard input (``--*-stdin``) or an echo-less prompt in a terminal."""
    if from_stdin:
        value = strip_newline(sys.stdin.read())
        if not value:
            raise UsageError(f"No {what} on standard input.", hint=f"Pipe it in with {flag}.")
        return value
    if not sys.stdin.isatty():
        raise UsageError(
            f"No {what} given.", hint=f"Pipe it in with {flag}, or run in a terminal to be asked."
        )
    import getpass

    try:
        value = getpass.getpass(f"{what[0].upper()}{what[1:]}: ")
    except EOFError:
        value = ""
    if not value:
        raise UsageError(f"No {what} entered.")
    return value


def _on_url(url: str, opened: bool) -> None:
    if opened:
        _say("Opened the browser for consent. If it did not open, visit:")
    else:
        _say("Open this URL in a browser to authorize:")
    _say(f"  {url}")
    _say("Waiting for the browser to come back (Ctrl-C to cancel)...")


# --- commands -----------------------------------------------------------------------------
def cmd_gui(args: argparse.Namespace) -> int:
    try:
        from snow_wizard.gui.app import main as gui_main
    except ImportError as e:
        print(
            f"snow-wizard: the wizard cannot start ({e.name or 'PySide6'} is missing); "
            "the command line works without it: snow-wizard --help",
            file=sys.stderr,
        )
        return 2
    return int(gui_main([], exit_when_shown=bool(args.exit_when_shown)))


def _check_add_flags(args: argparse.Namespace) -> None:
    basic_only = {"--username": args.username, "--password-stdin": args.password_stdin}
    oauth_only = {
        "--client-id": args.client_id,
        "--client-secret-stdin": args.client_secret_stdin,
        "--authorize-url": args.authorize_url,
        "--token-url": args.token_url,
        "--refresh-url": args.refresh_url,
        "--revoke-url": args.revoke_url,
        "--redirect-port": args.redirect_port,
        "--no-browser": args.no_browser,
    }
    wrong = oauth_only if args.auth == "basic" else basic_only
    given = [flag for flag, value in wrong.items() if value]
    if given:
        raise UsageError(f"{', '.join(given)} cannot be used with --auth {args.auth}.")
    if args.auth == "basic" and Mode(args.mode) is Mode.PRE_AUTHORIZE and not args.username:
        raise UsageError("--auth basic needs --username.")
    if args.auth == "oauth" and not args.client_id:
        raise UsageError("--auth oauth needs --client-id (from the OAuth app in the instance).")


def cmd_add(args: argparse.Namespace) -> int:
    from snow_wizard.core.instance import parse_instance

    _check_add_flags(args)
    name = validate_profile_name(args.name)
    instance = parse_instance(args.instance)
    ctx = _context()
    if ctx.store.exists(name):
        from snow_wizard.core.connections import exists_error

        raise exists_error(name)
    if args.auth == "basic":
        return _add_basic(ctx, args, name, instance.base_url)
    return _add_oauth(ctx, args, name, instance)


def _add_basic(ctx: Context, args: argparse.Namespace, name: str, instance: str) -> int:
    from snow_wizard.core.connections import add_basic_profile

    mode = Mode(args.mode)
    password: str | None = None
    if mode is Mode.PRE_AUTHORIZE or args.password_stdin:
        password = read_secret("password", from_stdin=args.password_stdin, flag="--password-stdin")
    coro = add_basic_profile(
        ctx, name, instance, args.username or "", password, mode=mode, test=not args.no_test
    )
    profile, result = run_async(coro)
    if result is not None:
        _say(out.ok_line(result))
    where = "password in the OS keychain" if mode is Mode.PRE_AUTHORIZE else "no password stored"
    _say(f"Saved profile '{profile.name}' (basic, {profile.mode.value}; {where}).")
    return 0


def _add_oauth(ctx: Context, args: argparse.Namespace, name: str, instance: Any) -> int:
    from snow_wizard.core import authorization
    from snow_wizard.core.profiles import ClientAuth, OAuthSettings

    settings = OAuthSettings.for_instance(
        instance,
        args.client_id,
        authorize_url=args.authorize_url,
        token_url=args.token_url,
        refresh_url=args.refresh_url,
        revoke_url=args.revoke_url,
        redirect_port=args.redirect_port or DEFAULT_REDIRECT_PORT,
        client_auth=ClientAuth(args.client_auth),
    )
    _say(f"Redirect URL to register in the OAuth app: {settings.redirect_url}")
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
            on_url=_on_url,
            open_browser=not args.no_browser,
            timeout=args.timeout,
        )
    )
    if mode is Mode.PRE_AUTHORIZE:
        who = result.user_name if result is not None else profile.username
        _say(f"Authorized as {who}" if who else "Authorized.")
    if result is not None:
        _say(out.ok_line(result))
    _say(f"Saved profile '{profile.name}' (oauth, {profile.mode.value}).")
    if mode is Mode.USER_AUTHORIZE:
        _say(f"Each user signs in with: snow-wizard authorize {profile.name}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    profiles = ProfileStore().list()
    if args.json:
        _say(out.to_json([out.profile_json(p) for p in profiles]))
    else:
        _say(out.profile_table(profiles))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    profile = ProfileStore().get(args.name)
    _say(out.to_json(out.profile_json(profile)) if args.json else out.profile_details(profile))
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from snow_wizard.core.connections import test_profile

    ctx = _context()
    profile = ctx.store.get(args.name)
    password = None
    if profile.auth is AuthType.BASIC and profile.mode is Mode.USER_AUTHORIZE:
        password = read_secret("password", from_stdin=False, flag="a terminal")
    try:
        result = run_async(test_profile(ctx, args.name, password=password))
    except (ServiceNowError, KeychainError) as e:
        _say(out.to_json(e.to_dict()) if args.json else out.failed_block(e))
        return e.exit_status
    _say(out.to_json(result.to_dict()) if args.json else out.ok_line(result))
    return 0


def _oauth_profile(ctx: Context, name: str, command: str) -> None:
    profile = ctx.store.get(name)
    if profile.auth is not AuthType.OAUTH:
        raise UsageError(
            f"Profile '{name}' uses Basic authentication: `{command}` is for OAuth profiles."
        )


def cmd_token(args: argparse.Namespace) -> int:
    from snow_wizard.core import authorization

    ctx = _context()
    _oauth_profile(ctx, args.name, "token")
    _say(run_async(authorization.get_access_token(ctx, args.name)))
    return 0


def cmd_authorize(args: argparse.Namespace) -> int:
    from snow_wizard.core import authorization

    ctx = _context()
    _oauth_profile(ctx, args.name, "authorize")
    if args.redirect_port is not None:
        raise UsageError(
            "The callback port is part of the profile; remove and add it again to change it."
        )
    profile, tokens = run_async(
        authorization.authorize_profile(
            ctx,
            args.name,
            on_url=_on_url,
            open_browser=not args.no_browser,
            timeout=args.timeout,
        )
    )
    who = f" as {profile.username}" if profile.username else ""
    _say(f"Authorized{who}; access token valid until {out.when(tokens.expires_at)}.")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from snow_wizard.core.connections import remove_profile

    removed = run_async(remove_profile(_context(), args.name, revoke=args.revoke))
    for item in removed:
        _say(f"removed {item}" if not item.startswith("tokens") else item)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from snow_wizard.core.connections import export_profile

    text = out.to_json(export_profile(_context(), args.name)) + "\n"
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as e:
            raise UsageError(f"Cannot write {args.output}: {e.strerror}.") from None
        print(f"Exported profile '{args.name}' to {args.output} (no secrets).", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _read_profile_file(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        why = getattr(e, "strerror", None) or "not a text file"
        raise UsageError(f"Cannot read {path}: {why}.") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise UsageError(f"{path} is not a snow-wizard profile file (not JSON).") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a snow-wizard profile file.")
    return data


def cmd_import(args: argparse.Namespace) -> int:
    from snow_wizard.core import connections
    from snow_wizard.core.secret_store import SecretKind

    data = _read_profile_file(args.file)
    profile = connections.profile_from_export(data, name=args.name)
    ctx = _context()
    if ctx.store.exists(profile.name):
        raise connections.exists_error(profile.name)
    needed = connections.secrets_needed(profile)
    secrets: dict[str, str] = {}
    if SecretKind.CLIENT_SECRET in needed:
        secrets["client_secret"] = read_secret(
            "client secret", from_stdin=args.client_secret_stdin, flag="--client-secret-stdin"
        )
    if SecretKind.PASSWORD in needed:
        secrets["password"] = read_secret(
            f"password for {profile.username}",
            from_stdin=args.password_stdin,
            flag="--password-stdin",
        )
    saved = run_async(connections.import_profile(ctx, data, name=args.name, **secrets))
    _say(f"Imported profile '{saved.name}' ({saved.auth.value}, {saved.instance}).")
    if saved.auth is AuthType.OAUTH:
        _say(f"Next: snow-wizard authorize {saved.name}")
    else:
        _say(f"Next: snow-wizard test {saved.name}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from snow_wizard.core import doctor

    _say(out.doctor_rows(doctor.collect()))
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from snow_wizard.sandbox import serve

    return int(serve(port=args.port))


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "gui": cmd_gui,
    "add": cmd_add,
    "list": cmd_list,
    "show": cmd_show,
    "test": cmd_test,
    "token": cmd_token,
    "authorize": cmd_authorize,
    "remove": cmd_remove,
    "export": cmd_export,
    "import": cmd_import,
    "doctor": cmd_doctor,
    "sandbox": cmd_sandbox,
}

__all__ = ["HANDLERS", "SnowWizardError", "read_secret", "strip_newline"]
