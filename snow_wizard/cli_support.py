"""Small helpers the command modules share: running async operations, printing, the Context,
and reading secrets (standard input or an echo-less prompt, never an argument)."""

from __future__ import annotations

import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from snow_wizard.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from snow_wizard.core.context import Context

_T = TypeVar("_T")


def run_async(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run one async operation to completion (asyncio is imported only when needed)."""
    import asyncio

    return asyncio.run(coro)


def say(text: str = "") -> None:
    print(text, flush=True)


def context() -> Context:
    from snow_wizard.core.context import Context

    return Context.default()


def strip_newline(data: str) -> str:
    """Remove exactly one trailing newline (``\\n`` or ``\\r\\n``), nothing else."""
    if data.endswith("\r\n"):
        return data[:-2]
    if data.endswith("\n"):
        return data[:-1]
    return data


def can_prompt() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def read_secret(what: str, *, from_stdin: bool, flag: str) -> str:
    """A secret from standard input (``--*-stdin``) or an echo-less prompt in a terminal."""
    if from_stdin:
        value = strip_newline(sys.stdin.read())
        if not value:
            raise UsageError(f"No {what} on standard input.", hint=f"Pipe it in with {flag}.")
        return value
    if not can_prompt():
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


def on_url(url: str, opened: bool) -> None:
    """How the CLI shows the consent URL (the browser may or may not have opened)."""
    if opened:
        say("Opened the browser for consent. If it did not open, visit:")
    else:
        say("Open this URL in a browser to authorize:")
    say(f"  {url}")
    say("Waiting for the browser to come back (Ctrl-C to cancel)...")
