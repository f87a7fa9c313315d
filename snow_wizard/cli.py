"""The ``snow-wizard`` command: argument parsing and dispatch.

The commands themselves live in ``cli_commands``, their output formats in ``cli_output``.
This module imports nothing heavy: ``snow-wizard --version`` and ``snow-wizard list`` never load
httpx2, keyring or Qt. Exit codes: 0 ok, 1 a check or flow failed, 2 usage or input error,
130 cancelled (Ctrl-C). No traceback reaches a user unless ``--debug``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from snow_wizard import __version__
from snow_wizard.errors import SnowWizardError

PROG = "snow-wizard"
DEFAULT_PORT = 8765
DEFAULT_TIMEOUT = 300.0


def _port_between(text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text[:20]}' is not a port number") from None
    if not low <= value <= 65535:
        raise argparse.ArgumentTypeError(f"the port must be between {low} and 65535")
    return value


def _port(text: str) -> int:
    """A callback port (unprivileged: the Redirect URL registered in the OAuth app names it)."""
    return _port_between(text, 1024)


def _server_port(text: str) -> int:
    """The sandbox's port; 0 picks a free one."""
    return _port_between(text, 0)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text[:20]}' is not a number of seconds") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError("the timeout must be more than 0 and at most 86400 s")
    return value


def _nonempty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show details (tracebacks) of unexpected errors",
    )
    return common


def _add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("add", parents=[common], help="add a profile (tests it first)")
    p.add_argument("name", type=_nonempty, help="profile name")
    p.add_argument(
        "--instance",
        required=True,
        type=_nonempty,
        help="acme, acme.service-now.com or https://snow.example.com",
    )
    p.add_argument("--auth", required=True, choices=("basic", "oauth"))
    p.add_argument("--mode", choices=("pre-authorize", "user-authorize"), default="pre-authorize")
    p.add_argument("--no-test", action="store_true", help="save without testing")
    basic = p.add_argument_group("basic")
    basic.add_argument("--username", type=_nonempty)
    basic.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    oauth = p.add_argument_group("oauth")
    oauth.add_argument("--client-id", type=_nonempty)
    oauth.add_argument(
        "--client-secret-stdin",
        action="store_true",
        help="read the client secret from standard input",
    )
    oauth.add_argument("--authorize-url")
    oauth.add_argument("--token-url")
    oauth.add_argument("--refresh-url")
    oauth.add_argument("--revoke-url")
    oauth.add_argument(
        "--client-auth",
        choices=("body", "basic"),
        default="body",
        help="how the client authenticates at the token endpoint",
    )
    _consent_options(oauth)


def _consent_options(group: argparse._ActionsContainer) -> None:
    group.add_argument(
        "--redirect-port",
        type=_port,
        default=None,
        help=f"callback port on 127.0.0.1 (default {DEFAULT_PORT})",
    )
    group.add_argument(
        "--no-browser",
        action="store_true",
        help="print the consent URL instead of opening a browser",
    )
    group.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        help="seconds to wait for the browser consent",
    )


def _profile_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """list, show, test, token, authorize, remove, export and import."""

    def named(cmd: str, help_text: str, *, json_flag: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(cmd, parents=[common], help=help_text, allow_abbrev=False)
        p.add_argument("name", type=_nonempty, help="profile name")
        if json_flag:
            p.add_argument("--json", action="store_true", help="machine-readable output")
        return p

    lst = sub.add_parser("list", parents=[common], help="list the profiles (never a secret)")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    named("show", "show one profile (never a secret)", json_flag=True)
    named("test", "test a profile's credentials on the instance", json_flag=True)
    named("token", "print a valid access token (refreshing it when needed)")
    auth = named("authorize", "OAuth: run the browser consent (again); Basic: enter the password")
    _consent_options(auth)
    auth.add_argument("--username", type=_nonempty, help="Basic: the user name (default: saved)")
    auth.add_argument("--password-stdin", action="store_true", help="Basic: read the password")
    named("remove", "remove a profile and its keychain entries").add_argument(
        "--revoke", action="store_true", help="revoke the OAuth tokens on the instance first"
    )
    exp = named("export", "write a shareable profile file without any secret")
    exp.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    imp = sub.add_parser("import", parents=[common], help="import a profile file")
    imp.add_argument("file", type=_nonempty, metavar="FILE")
    imp.add_argument("--name", type=_nonempty, help="profile name (default: the file's)")
    imp.add_argument("--client-secret-stdin", action="store_true")
    imp.add_argument("--password-stdin", action="store_true")


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog=PROG,
        parents=[common],
        allow_abbrev=False,
        description="Connect an integration to a ServiceNow instance. "
        "Without a command: open the wizard.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--exit-when-shown",
        action="store_true",
        help="(diagnostic) open the wizard, quit once its first page is painted",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_parser(sub, common)
    _profile_commands(sub, common)
    doc = sub.add_parser("doctor", parents=[common], help="show the environment snow-wizard sees")
    doc.add_argument("--json", action="store_true", help="machine-readable output")
    sb = sub.add_parser(
        "sandbox", parents=[common], help="run a local ServiceNow-compatible instance"
    )
    sb.add_argument(
        "--port", type=_server_port, default=8080, help="port on 127.0.0.1 (default 8080)"
    )
    return parser


def _print_error(error: SnowWizardError, *, as_json: bool) -> None:
    from snow_wizard import cli_output

    if as_json:
        print(cli_output.to_json(error.to_dict()))
    else:
        print(cli_output.error_block(error), file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    from snow_wizard import cli_commands

    handler = cli_commands.HANDLERS[args.command or "gui"]
    return int(handler(args) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words in ([], ["--exit-when-shown"]):
        # Opening the wizard: skip building the whole parser (~7 ms before the first paint).
        args = argparse.Namespace(command=None, exit_when_shown=bool(words))
    else:
        try:
            args = build_parser().parse_args(words)
        except SystemExit as e:  # --help, --version, usage errors (2)
            return int(e.code) if isinstance(e.code, int) else (0 if e.code is None else 2)
    debug = bool(getattr(args, "debug", False))
    if debug:
        import logging

        logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("snow_wizard").setLevel(logging.DEBUG)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("Cancelled.", file=sys.stderr)
        return 130
    except SnowWizardError as e:
        if debug:
            import traceback

            traceback.print_exc()
        _print_error(e, as_json=bool(getattr(args, "json", False)))
        return e.exit_status
    except Exception as e:
        if debug:
            import traceback

            traceback.print_exc()
        print(
            f"{PROG}: internal error: {type(e).__name__} (run with --debug for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
