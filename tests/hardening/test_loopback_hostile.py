"""The loopback receiver under hostile input, over real sockets.

Whatever arrives, the receiver answers a small well-formed page (or closes), never crashes,
never ends the sign-in for a request without the right ``state`` on the right Host with GET on
/callback, never reflects input unescaped, keeps time and memory bounded, and still completes
the real callback afterwards.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import html
import logging
import re
import socket
import threading
import time
import tracemalloc
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardening.figures import GENERATED, HOSTILE, record
from hardening.loopback_tools import (
    MAX_ANSWER,
    STATE,
    ReceiverThread,
    exchange,
    request,
    status_of,
)
from snow_wizard.errors import OAuthError

FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
REFUSALS = {None, 400, 404, 405, 431}
DETAIL = re.compile(rb'<p id="detail">(.*?)</p>|<p>([^<]*)</p>\n</main>', re.S)
SLOW = 1.0  # per-connection limit used where a test waits for it


@pytest.fixture(autouse=True)
def no_unhandled_errors(caplog: pytest.LogCaptureFixture) -> Any:
    """"Never crashes" includes the quiet crashes: an exception escaping a connection handler
    is only logged by asyncio ("Unhandled exception in client_connected_cb")."""
    caplog.set_level(logging.WARNING, logger="asyncio")
    yield
    problems = [r.getMessage() for r in caplog.records
                if r.name == "asyncio" and r.levelno >= logging.WARNING]
    assert problems == []


def check_answer(answer: bytes, allowed: set[int | None] = REFUSALS) -> int | None:
    """Well-formed, small, refused, and its reflected detail has no raw markup character."""
    assert len(answer) <= MAX_ANSWER, f"answer of {len(answer)} bytes"
    status = status_of(answer)
    assert status in allowed, f"status {status}: {answer[:200]!r}"
    m = DETAIL.search(answer)
    if answer:
        assert m is not None, "the page lost its detail paragraph"
        shown = m.group(1) if m.group(1) is not None else m.group(2)
        assert not set(shown.decode()) & set("<>\"'"), shown
    return status


def real_callback_completes(rt: ReceiverThread, code: str = "the-real-code") -> None:
    answer = exchange(rt.port, request(f"/callback?code={code}&state={rt.state}", port=rt.port))
    assert status_of(answer) == 200
    assert rt.waiter.result(5).code == code
    record(HOSTILE, "loopback: real callback after the attack")


# -- generated request lines, queries, headers and garbage --------------------------------
METHODS = st.sampled_from([b"GET", b"POST", b"PUT", b"DELETE", b"HEAD", b"OPTIONS", b"PATCH",
                           b"CONNECT", b"TRACE", b"get", b"G\x00T", b""]) | st.binary(max_size=12)
TARGETS = st.sampled_from([
    b"/callback", b"/callback?code=x", b"/callback?state=", b"*", b"http://evil.example/callback",
    b"/callback/../callback", b"//callback", b"/%63allback", b"/callback#frag", b"/Callback",
    b"/callback?\xff\xfe=\xff", b"/" + b"a" * 7000, b"", b"/favicon.ico", b"/callback;x",
]) | st.binary(max_size=300).map(lambda b: b"/" + b)
VERSIONS = st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2", b"HTTP/1.1x", b"http/1.1",
                            b"HTTP/0.9", b""]) | st.binary(max_size=10)
SEPARATORS = st.sampled_from([b" ", b"  ", b"\t", b"", b" \x00 "])


def test_generated_request_lines_never_end_or_crash_the_wait(port: int) -> None:
    with ReceiverThread(port) as rt:
        host = f"Host: 127.0.0.1:{port}\r\n".encode()

        @FUZZ
        @given(METHODS, TARGETS, VERSIONS, SEPARATORS, st.booleans())
        def one(method: bytes, target: bytes, version: bytes, sep: bytes, with_host: bool) -> None:
            line = method + sep + target + sep + version + b"\r\n"
            answer = exchange(port, line + (host if with_host else b"") + b"\r\n")
            record(GENERATED, "loopback: request lines")
            record(HOSTILE, "loopback: generated request lines")
            check_answer(answer)
            assert not rt.waiter.done()

        one()
        real_callback_completes(rt)


QUERY_VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>',
                     "'; DROP TABLE x; --", "%3Cscript%3E", "\u202e\u0000", "a" * 2000,
                     "access_denied", STATE.upper(), STATE[:-1], STATE + "0", " " + STATE]),
)
QUERY_KEYS = st.sampled_from(["code", "state", "error", "error_description", "STATE", "state[]",
                              "x", "", "code "])


def _query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def test_generated_callback_queries_without_the_state_are_refused(port: int) -> None:
    """Any mix of code/state/error/description with a wrong or missing state: 400, wait on."""
    with ReceiverThread(port) as rt:

        @FUZZ
        @given(st.lists(st.tuples(QUERY_KEYS, QUERY_VALUES), max_size=6))
        def one(pairs: list[tuple[str, str]]) -> None:
            answer = exchange(port, request("/callback?" + _query(pairs), port=port))
            record(GENERATED, "loopback: callback queries")
            record(HOSTILE, "loopback: callback with wrong or missing state")
            assert check_answer(answer, {400, 431}) in (400, 431)  # 431: over the 8 KiB head
            for _, value in pairs:  # nothing of the input comes back at all
                if len(value) >= 4 and set(value) & set("<>\"'"):
                    assert value.encode() not in answer
            assert not rt.waiter.done(), f"the wait ended for {pairs!r}"

        one()
        real_callback_completes(rt)


HEADER_LINES = st.lists(
    st.one_of(
        st.binary(max_size=200),
        st.tuples(st.binary(min_size=1, max_size=30), st.binary(max_size=300))
        .map(lambda t: t[0] + b": " + t[1]),
        st.sampled_from([b"Host: evil.example", b"Host:", b" Host: x", b"Host : 127.0.0.1",
                         b"Transfer-Encoding: chunked", b"Content-Length: 99999999999",
                         b"Expect: 100-continue", b"Connection: keep-alive", b"\tfolded",
                         b"X: " + b"\x00" * 50]),
    ),
    max_size=12,
)


def test_generated_headers_never_let_a_wrong_state_in(port: int) -> None:
    with ReceiverThread(port) as rt:

        @FUZZ
        @given(HEADER_LINES, st.booleans())
        def one(lines: list[bytes], host_first: bool) -> None:
            host = f"Host: 127.0.0.1:{port}".encode()
            clean = [ln.replace(b"\r", b"").replace(b"\n", b"") for ln in lines]
            headers = [host, *clean] if host_first else [*clean, host]
            data = (b"GET /callback?code=stolen&state=" + b"0" * 32 + b" HTTP/1.1\r\n"
                    + b"".join(h + b"\r\n" for h in headers) + b"\r\n")
            answer = exchange(port, data)
            record(GENERATED, "loopback: header sets")
            record(HOSTILE, "loopback: generated headers")
            check_answer(answer)
            assert not rt.waiter.done()

        one()
        real_callback_completes(rt)


def test_plain_garbage(port: int) -> None:
    with ReceiverThread(port) as rt:

        @FUZZ
        @given(st.binary(max_size=4096), st.booleans())
        def one(junk: bytes, terminate: bool) -> None:
            answer = exchange(port, junk + (b"\r\n\r\n" if terminate else b""))
            record(GENERATED, "loopback: garbage bytes")
            record(HOSTILE, "loopback: plain garbage")
            check_answer(answer)
            assert not rt.waiter.done()

        one()
        real_callback_completes(rt)


# -- the right state, but everything else wrong --------------------------------------------
HOSTS = st.one_of(
    st.sampled_from(["evil.example", "127.0.0.1", "localhost", "127.0.0.1:1", "[::1]:{p}",
                     "127.0.0.1:{p}.evil.example", "evil.example:{p}", "0x7f000001:{p}",
                     "2130706433:{p}", "LOCALHOST:{p}", "127.1:{p}", "127.0.0.1:{p}:{p}",
                     "localhost.:{p}", "127.0.0.1:0{p}", "", "127.0.0.1:{p}\x00"]),
    st.text(max_size=40),
)


def test_wrong_host_never_completes_the_sign_in_even_with_the_right_state(port: int) -> None:
    """DNS rebinding: a page on another name that reaches 127.0.0.1 cannot use the callback."""
    allowed = {f"127.0.0.1:{port}".encode(), f"localhost:{port}".encode()}
    with ReceiverThread(port) as rt:

        @FUZZ
        @given(HOSTS, st.sampled_from(["host", "none", "twice"]))
        def one(host: str, how: str) -> None:
            value = host.replace("{p}", str(port)).encode("utf-8", "surrogatepass")
            value = value.replace(b"\r", b"").replace(b"\n", b"")
            if value.strip() in allowed and how == "host":
                return
            target = f"/callback?code=c&state={STATE}"
            if how == "none":
                data = f"GET {target} HTTP/1.1\r\n\r\n".encode()
            elif how == "twice":
                data = request(target, port=port, extra=b"Host: " + value + b"\r\n")
            else:
                data = request(target, port=port, host=value)
            answer = exchange(port, data)
            record(GENERATED, "loopback: Host headers")
            record(HOSTILE, "loopback: wrong Host with the right state")
            assert check_answer(answer) == 400
            assert not rt.waiter.done()

        one()
        real_callback_completes(rt)


def test_other_methods_and_paths_never_complete_the_sign_in(port: int) -> None:
    with ReceiverThread(port) as rt:

        @FUZZ
        @given(st.one_of(st.sampled_from(["POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH",
                                          "TRACE", "CONNECT", "get", "GETS"]),
                         st.from_regex(r"\A[A-Z]{1,10}\Z")),
               st.sampled_from(["/callback", "/callback/", "/Callback", "//callback",
                                "/callback/../callback", "/%63allback", "/oauth/callback",
                                "/callback.html", "/", "/callback%00"]))
        def one(method: str, path: str) -> None:
            if method == "GET" and path == "/callback":
                return
            data = request(f"{path}?code=c&state={STATE}", port=port, method=method.encode(),
                           extra=b"Content-Length: 5\r\n") + b"hello"
            answer = exchange(port, data)
            record(GENERATED, "loopback: methods and paths")
            record(HOSTILE, "loopback: non-GET or not /callback, right state")
            status = check_answer(answer)
            assert status == (404 if path != "/callback" else 405), (method, path, status)
            assert not rt.waiter.done()

        one()
        real_callback_completes(rt)


# -- reflected values ----------------------------------------------------------------------
XSS = st.one_of(
    st.sampled_from(['<script>alert(1)</script>', '"><svg onload=alert(1)>', "'onmouseover='x",
                     "</p><h1>pwned</h1>", "&lt;already&gt;", "<img src=x onerror=alert(1)>",
                     "{{detail}}", "\u003cscript\u003e"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=400),
)


def test_reflected_error_values_are_escaped(port: int) -> None:
    """The one place input is shown back: the error of a callback with the right state."""

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(XSS, XSS)
    def one(error: str, description: str) -> None:
        with ReceiverThread(port) as rt:
            query = _query([("error", error or "x"), ("error_description", description),
                            ("state", STATE)])
            answer = exchange(port, request("/callback?" + query, port=port))
            record(GENERATED, "loopback: reflected error values")
            record(HOSTILE, "loopback: markup in error values")
            check_answer(answer, {200, 400})
            detail = DETAIL.search(answer)
            assert detail is not None
            shown = (description or error or "x")[:300]
            if status_of(answer) == 200:
                assert html.escape(shown, quote=True).encode() in (detail.group(1) or b"")
            with pytest.raises(OAuthError) as info:
                rt.waiter.result(5)
            assert info.value.code in ("consent_denied", "callback_invalid")
            assert len(info.value.message) < 400

    one()


# -- size, time and memory ------------------------------------------------------------------
def test_huge_headers_and_bodies_are_bounded_in_time_and_memory(port: int) -> None:
    cases = [
        ("header just under the limit", request("/callback", port=port,
                                                extra=b"X: " + b"a" * 7900 + b"\r\n"), {400}),
        ("header just over the limit", request("/callback", port=port,
                                               extra=b"X: " + b"a" * 8300 + b"\r\n"), {431}),
        ("64 KiB header", request("/callback", port=port,
                                  extra=b"X: " + b"a" * 65536 + b"\r\n"), {431}),
        ("10 MiB header, no end", b"GET /callback HTTP/1.1\r\nX: " + b"a" * (10 << 20), {431}),
        ("10 000 tiny headers", request("/callback", port=port, extra=b"a: b\r\n" * 10000),
         {431}),
        ("16 MiB body", request("/callback", port=port, extra=b"Content-Length: 16777216\r\n")
         + b"b" * (16 << 20), {400}),
        ("chunked body", request("/callback", port=port,
                                 extra=b"Transfer-Encoding: chunked\r\n")
         + b"100000\r\n" + b"c" * 0x100000 + b"\r\n0\r\n\r\n", {400}),
        ("64 KiB request target", request("/callback?" + "q" * 65536, port=port), {431}),
    ]
    with ReceiverThread(port) as rt:
        tracemalloc.start()
        try:
            for what, data, statuses in cases:
                before = tracemalloc.get_traced_memory()[0]
                tracemalloc.reset_peak()
                started = time.monotonic()
                answer = exchange(port, data, timeout=10)
                took = time.monotonic() - started
                peak = tracemalloc.get_traced_memory()[1] - before
                record(HOSTILE, "loopback: huge headers and bodies")
                assert check_answer(answer, statuses) in statuses, what
                assert took < 5.0, f"{what}: {took:.1f} s"
                # The client's own buffer (data) is allocated before; the receiver keeps at
                # most ~2 x 8 KiB per connection. 1 MiB leaves room for the loop's own objects.
                assert peak < 1 << 20, f"{what}: the receiver allocated {peak} bytes"
        finally:
            tracemalloc.stop()
        real_callback_completes(rt)


def _slow_client(port: int, hold: float, results: list[bytes]) -> None:
    """Sends a request one byte at a time, never finishing it (slowloris)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=hold + 3)
    got = b""
    try:
        for byte in b"GET /callback?code=x&state=" + b"0" * 32:
            s.sendall(bytes([byte]))
            time.sleep(hold / 10)
            s.settimeout(0.001)
            try:
                got = s.recv(100)
            except (TimeoutError, BlockingIOError):
                continue
            except (ConnectionResetError, BrokenPipeError):
                got = b"<reset>"
            if got == b"" or got:
                break
        s.settimeout(hold + 3)
        if not got:
            got = s.recv(100) or b"<closed>"
    except (ConnectionResetError, BrokenPipeError):
        got = b"<reset>"
    except TimeoutError:
        got = b"<still open>"
    finally:
        s.close()
    results.append(got)


def test_slow_clients_are_dropped_and_do_not_block_the_real_callback(port: int) -> None:
    n = 300
    with ReceiverThread(port, connection_timeout=SLOW) as rt:
        results: list[bytes] = []
        threads = [threading.Thread(target=_slow_client, args=(port, 2.0, results), daemon=True)
                   for _ in range(n)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        record(HOSTILE, "loopback: slow clients (slowloris)", n)
        # While they hold connections, an ordinary hostile request is still answered at once.
        started = time.monotonic()
        assert check_answer(exchange(port, request("/nope", port=port))) == 404
        assert time.monotonic() - started < 3.0  # generous: CI machines are busy
        for t in threads:
            t.join(10)
        assert len(results) == n
        assert all(r in (b"", b"<closed>", b"<reset>") for r in results), set(results)
        deadline = time.monotonic() + 3
        while rt.open_connections() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert rt.open_connections() == 0
        assert not rt.waiter.done()
        started = time.monotonic()
        real_callback_completes(rt)
        assert time.monotonic() - started < 3.0


def test_the_real_callback_gets_through_while_slow_clients_hold_connections(port: int) -> None:
    with ReceiverThread(port, connection_timeout=5.0) as rt:
        holders = []
        for _ in range(200):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /callback?state=")
            holders.append(s)
        record(HOSTILE, "loopback: idle connections held open", len(holders))
        started = time.monotonic()
        real_callback_completes(rt)
        assert time.monotonic() - started < 3.0
        # The receiver closed: the held connections are dropped, none is left hanging.
        for s in holders:
            s.settimeout(5)
            with contextlib.suppress(ConnectionResetError):
                assert s.recv(100) == b""
            s.close()


def test_many_concurrent_hostile_connections(port: int) -> None:
    n = 600
    with ReceiverThread(port) as rt:
        payloads = [
            request(f"/callback?code=c{i}&state={'f' * 32}", port=port) if i % 3 == 0 else
            request("/callback?code=c&state=" + STATE, port=port, host=b"evil.example")
            if i % 3 == 1 else b"\x16\x03\x01\x02\x00" * 40 + b"\r\n\r\n"
            for i in range(n)
        ]
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(64) as pool:
            answers = list(pool.map(lambda d: exchange(port, d, timeout=10), payloads))
        took = time.monotonic() - started
        record(HOSTILE, "loopback: concurrent hostile connections", n)
        assert all(check_answer(a) == 400 for a in answers)
        assert took < 15, f"{n} connections took {took:.1f} s"
        assert not rt.waiter.done()
        real_callback_completes(rt)


def test_a_second_callback_after_success_is_refused(port: int) -> None:
    with ReceiverThread(port) as rt:
        barrier = threading.Barrier(20)

        def racer(i: int) -> bytes:
            barrier.wait()
            try:
                return exchange(port, request(f"/callback?code=code{i}&state={STATE}",
                                              port=port))
            except OSError:  # refused or reset: the receiver closed after the winner
                return b""

        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(racer, range(20)))
        record(HOSTILE, "loopback: racing callbacks with the right state", 20)
        statuses = [check_answer(a, {200, 409, None}) for a in answers]
        assert statuses.count(200) == 1, statuses
        winner = statuses.index(200)
        assert rt.waiter.result(5).code == f"code{winner}"
        # Afterwards nobody listens: a replayed callback cannot reach anything.
        with pytest.raises(ConnectionRefusedError):
            exchange(port, request(f"/callback?code=again&state={STATE}", port=port))
        record(HOSTILE, "loopback: replay after success")
