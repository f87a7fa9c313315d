"""A real LoopbackReceiver on its own event loop thread, and a raw-socket client to attack it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import re
import socket
import threading
import time
from typing import Any

from snow_wizard.core.loopback import CallbackResult, LoopbackReceiver

STATE = "5f0e" * 8  # 32 hex characters, like oauth.make_state()
STATUS_LINE = re.compile(rb"^HTTP/1\.1 (\d{3}) [A-Za-z ]+\r\n")
MAX_ANSWER = 16384  # the receiver's pages are small; anything bigger is a bug


class ReceiverThread:
    """``LoopbackReceiver(port, STATE)`` started on a private loop, already waiting."""

    def __init__(self, port: int, state: str = STATE, *, wait: float = 600.0,
                 **kwargs: Any) -> None:
        self.port = port
        self.state = state
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                       name=f"receiver-{port}")
        self.thread.start()
        self.receiver = LoopbackReceiver(port, state, **kwargs)
        self._call(self.receiver.start())
        self.waiter: concurrent.futures.Future[CallbackResult] = (
            asyncio.run_coroutine_threadsafe(self.receiver.wait(wait), self.loop)
        )

    def _call(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def open_connections(self) -> int:
        async def count() -> int:
            return len(self.receiver._handlers)

        return int(self._call(count()))

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._call(self.receiver.close())
        with contextlib.suppress(Exception):
            self.waiter.result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    def __enter__(self) -> ReceiverThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def exchange(port: int, data: bytes, *, timeout: float = 5.0, half_close: bool = True) -> bytes:
    """Send ``data``, half-close, read the answer until the server closes (or ``timeout``).

    A server that answers and closes while we are still sending makes sendall fail: that is
    fine, whatever it answered is read afterwards.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        with contextlib.suppress(OSError):  # EPIPE, ECONNRESET, ENOTCONN: closed on us
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > 4 * MAX_ANSWER:
                break
        return b"".join(chunks)


def status_of(answer: bytes) -> int | None:
    """The status code of an answer, None for no answer at all; AssertionError if malformed."""
    if not answer:
        return None
    m = STATUS_LINE.match(answer)
    assert m is not None, f"not an HTTP answer: {answer[:80]!r}"
    head, sep, body = answer.partition(b"\r\n\r\n")
    assert sep, "answer without a header end"
    length = re.search(rb"\r\nContent-Length: (\d+)\r\n", head + b"\r\n")
    assert length is not None and int(length.group(1)) == len(body), "wrong Content-Length"
    assert b"\r\nContent-Type: text/html; charset=utf-8" in head
    assert b"\r\nCache-Control: no-store" in head
    return int(m.group(1))


def request(target: str | bytes, *, port: int, method: bytes = b"GET",
            host: bytes | None = None, extra: bytes = b"") -> bytes:
    t = target.encode("latin-1") if isinstance(target, str) else target
    h = host if host is not None else f"127.0.0.1:{port}".encode()
    return method + b" " + t + b" HTTP/1.1\r\nHost: " + h + b"\r\n" + extra + b"\r\n"
