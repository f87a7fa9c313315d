"""The ``snow-wizard`` commands. Each takes the parsed arguments and returns an exit status.

Heavy modules (httpx2, keyring, Qt, the OAuth flows) are imported inside the commands that need
them, so ``list``, ``show`` and ``export`` stay fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from snow_wizard import cli_output as out
from snow_wizard.cli_support import can_prompt, read_secret, run_async, strip_newline
from snow_wizard.cli_support import context as _context
from snow_wizard.cli_support import say as _say
from snow_wizard.core.profiles import (
    AuthType,
    Mode,
    ProfileStore,
    exists_error,
    validate_profile_name,
)
from snow_wizard.errors import KeychainError, ServiceNowError, SnowWizardError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from snow_wizard.core.context import Context


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
        raise exists_error(name)
    if args.auth == "basic":
        return _add_basic(ctx, args, name, instance.base_url)
    from snow_wizard.cli_oauth import add_oauth

    return add_oauth(ctx, args, name, instance)


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
    try:
        try:
            result = run_async(test_profile(ctx, args.name))
        except KeychainError as e:
            asks = profile.auth is AuthType.BASIC and profile.mode is Mode.USER_AUTHORIZE
            if e.code != "missing_secret" or not asks or not can_prompt():
                raise
            password = read_secret(f"password for {profile.username}", from_stdin=False, flag="")
            result = run_async(test_profile(ctx, args.name, password=password))
    except (ServiceNowError, KeychainError) as e:
        _say(out.to_json(e.to_dict()) if args.json else out.failed_block(e))
        return e.exit_status
    _say(out.to_json(result.to_dict()) if args.json else out.ok_line(result))
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from snow_wizard import cli_oauth

    return cli_oauth.cmd_token(args, _context())


def cmd_authorize(args: argparse.Namespace) -> int:
    from snow_wizard import cli_oauth

    return cli_oauth.cmd_authorize(args, _context())


def cmd_remove(args: argparse.Namespace) -> int:
    from snow_wizard.core.connections import remove_profile

    removed = run_async(remove_profile(_context(), args.name, revoke=args.revoke))
    for item in removed:
        _say(f"removed {item}" if not item.startswith("tokens") else item)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from snow_wizard.core.profile_export import export_text, write_export

    if args.output:
        write_export(_context(), args.name, args.output)
        print(f"Exported profile '{args.name}' to {args.output} (no secrets).", file=sys.stderr)
    else:
        sys.stdout.write(export_text(_context(), args.name))
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
        raise exists_error(profile.name)
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

    rows = doctor.collect()
    if getattr(args, "json", False):
        keys = ("label", "value", "status")
        _say(json.dumps([dict(zip(keys, row, strict=True)) for row in rows], indent=2))
    else:
        _say(out.doctor_rows(rows))
    return 1 if any(status == "fail" for _, _, status in rows) else 0


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
