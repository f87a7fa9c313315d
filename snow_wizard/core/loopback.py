"""The one-shot loopback receiver for the OAuth redirect.

An asyncio server bound to ``127.0.0.1`` only, on a fixed port (the Redirect URL registered in
the OAuth app names it, so it cannot be chosen at random), serving ``/callback`` and 404 for
anything else. Each request is bounded (headers up to 8 KiB, 10 s per connection) and its
``Host`` header must name this server (a DNS-rebinding page cannot talk to it). The ``state``
is compared in constant time; a request with a missing or wrong state is refused and the wait
goes on (an old tab or another page cannot end or hijack the flow). The first valid callback
is the one result: ``code`` → returned; ``error=access_denied`` → ``consent_denied``; anything
else (neither code nor error) → ``callback_invalid``. Then the server closes.

Binding happens before the browser opens, so a busy port fails at once (``port_in_use``,
naming the holder when /proc tells: ``ports``, run off the event loop). Timeouts raise
``callback_timeout``; cancelling the wait frees the port.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hmac
import html
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from snow_wizard.core import diagnosis
from snow_wizard.core.ports import describe_port_holder as describe_port_holder
from snow_wizard.errors import OAuthError

MAX_HEADER_BYTES = 8192
CONNECTION_TIMEOUT = 10.0
CALLBACK_PATH = "/callback"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class CallbackResult:
    """The authorization code from a valid callback. ``repr`` masks the code."""

    code: str = field(repr=False)
    state: str

    def __repr__(self) -> str:
        return f"CallbackResult(code='***', state={self.state!r})"


class LoopbackReceiver:
    """``async with LoopbackReceiver(port, state) as r: result = await r.wait(timeout)``."""

    def __init__(
        self,
        port: int,
        state: str,
        *,
        max_header_bytes: int = MAX_HEADER_BYTES,
        connection_timeout: float = CONNECTION_TIMEOUT,
    ) -> None:
        self.port = port
        self._state = state
        self._max_header_bytes = max_header_bytes
        self._connection_timeout = connection_timeout
        self._server: asyncio.AbstractServer | None = None
        self._result: asyncio.Future[CallbackResult] | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._busy: set[asyncio.Task[None]] = set()  # handlers answering a complete request
        self._hosts = {f"127.0.0.1:{port}".encode(), f"localhost:{port}".encode()}

    def __repr__(self) -> str:
        return f"<LoopbackReceiver {self.redirect_url} {'open' if self._server else 'closed'}>"

    @property
    def redirect_url(self) -> str:
        return f"http://{HOST}:{self.port}{CALLBACK_PATH}"

    async def start(self) -> None:
        """Bind 127.0.0.1:port now; ``port_in_use`` at once when something holds it."""
        loop = asyncio.get_running_loop()
        self._result = loop.create_future()
        try:
            # asyncio's default SO_REUSEADDR on Unix only (TIME_WAIT from the last run is no
            # owner); never on Windows, where it would let two programs share the port.
            self._server = await asyncio.start_server(
                self._on_connection, HOST, self.port, limit=self._max_header_bytes
            )
        except OSError as e:
            if e.errno in (errno.EADDRINUSE, errno.EACCES, 10048, 10013):  # + WSA codes
                holder = await asyncio.to_thread(describe_port_holder, self.port)  # walks /proc
                raise diagnosis.error(
                    "port_in_use", port=self.port, holder=f" (by {holder})" if holder else ""
                ) from None
            raise diagnosis.error("port_in_use", port=self.port, holder="") from e

    async def wait(self, timeout: float) -> CallbackResult:
        """The one result, or OAuthError (consent_denied, callback_invalid, callback_timeout)."""
        if self._result is None:
            raise RuntimeError("start() the receiver first")
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout)
        except asyncio.TimeoutError:
            raise diagnosis.error(
                "callback_timeout", timeout=_fmt(timeout), redirect_url=self.redirect_url
            ) from None
        finally:
            await self.close()

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            if self._busy:  # let a page being answered finish (bounded)
                await asyncio.wait(set(self._busy), timeout=2.0)
            for task in list(self._handlers):  # idle (pre)connections: drop them
                task.cancel()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2.0)
        if self._result is not None and not self._result.done():
            self._result.cancel()

    async def __aenter__(self) -> LoopbackReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- one connection ----------------------------------------------------------------------
    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        try:
            await asyncio.wait_for(self._serve(reader, writer), self._connection_timeout)
        except (asyncio.TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)
            if task is not None:
                self._handlers.discard(task)
                self._busy.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.LimitOverrunError, ValueError):
            await _respond(writer, 431, _page(False, "The request was too large."))
            return
        task = asyncio.current_task()
        if task is not None:
            self._busy.add(task)
        request = _parse_head(head)
        if request is None:
            await _respond(writer, 400, _page(False, "The request could not be read."))
            return
        method, target, headers = request
        if headers.get(b"host") not in self._hosts:
            await _respond(writer, 400, _page(False, "This request was not meant for this page."))
            return
        parts = urlsplit(target.decode("latin-1"))
        if parts.path != CALLBACK_PATH:
            await _respond(writer, 404, _page(False, "Not found."))
            return
        if method != b"GET":
            await _respond(writer, 405, _page(False, "Only GET is accepted here."))
            return
        status, page = self._decide(parse_qs(parts.query, keep_blank_values=True))
        await _respond(writer, status, page)

    def _decide(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        """Judge one /callback request; settle the result if it is the real answer."""
        assert self._result is not None
        if self._result.done():
            return 409, _page(False, "This sign-in was already completed. You can close this tab.")
        state = _one(query, "state")
        code, error = _one(query, "code"), _one(query, "error")
        state_ok = state is not None and hmac.compare_digest(
            state.encode("utf-8", "surrogateescape"), self._state.encode()
        )
        if not state_ok:  # wrong or missing: any page could send this; it never ends the wait
            why = "state mismatch" if state is not None else "no state"
            return 400, _page(False, "This answer does not belong to the sign-in in progress "
                                     f"({why}). Use the newest sign-in tab.")
        if code:
            self._result.set_result(CallbackResult(code=code, state=state or ""))
            return 200, _page(True, "")
        if error is not None:
            detail = _one(query, "error_description") or error
            if error == "access_denied":
                exc: OAuthError = diagnosis.error("consent_denied")  # type: ignore[assignment]
            else:
                exc = diagnosis.error(  # type: ignore[assignment]
                    "callback_invalid", detail=f" (error: {error[:80]})",
                    redirect_url=self.redirect_url,
                )
            self._result.set_exception(exc)
            return 200, _page(False, f"Access was not granted: {detail}")
        self._result.set_exception(
            diagnosis.error("callback_invalid", detail="", redirect_url=self.redirect_url)
        )
        return 400, _page(False, "The instance sent neither an authorization code nor an error.")


def _one(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def _fmt(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


def _parse_head(head: bytes) -> tuple[bytes, bytes, dict[bytes, bytes]] | None:
    lines = head[:-4].split(b"\r\n")
    try:
        method, target, version = lines[0].split(b" ")
    except ValueError:
        return None
    if not version.startswith(b"HTTP/1.") or not target.startswith(b"/"):
        return None
    headers: dict[bytes, bytes] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            return None
        key = name.lower()
        if key == b"host" and key in headers:
            return None  # two Host headers: refuse rather than guess
        headers[key] = value.strip()
    return method, target, headers


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            409: "Conflict", 431: "Request Header Fields Too Large"}


async def _respond(writer: asyncio.StreamWriter, status: int, body: bytes) -> None:
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Referrer-Policy: no-referrer\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")
    writer.write(head + body)
    await writer.drain()


def _resource_dir() -> Path:
    try:
        import snow_wizard.resources as res

        return Path(res.__file__).parent
    except ImportError:  # running from a source tree without the package mapping
        return Path(__file__).resolve().parents[2] / "resources"


_PAGES: dict[bool, str] = {}


def _page(ok: bool, detail: str) -> bytes:
    """The success or failure page, ``detail`` HTML-escaped (it may reflect query values)."""
    if ok not in _PAGES:
        name = "callback_success.html" if ok else "callback_failure.html"
        _PAGES[ok] = (_resource_dir() / name).read_text(encoding="utf-8")
    return _PAGES[ok].replace("{{detail}}", html.escape(detail[:300], quote=True)).encode("utf-8")
