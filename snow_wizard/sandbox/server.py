"""HTTP plumbing: a ThreadingHTTPServer in a daemon thread, routing and fault injection.

The server runs on its own threads so a test's asyncio or Qt loop never has to serve it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from snow_wizard.sandbox import oauth, pages, rest
from snow_wizard.sandbox.state import FaultSettings, State
from snow_wizard.sandbox.wire import Request, Response, envelope

MAX_BODY = 1 << 20
PARTIAL_HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json;char"


def api_fault(state: State) -> Response | None:
    """The fault an /api/ call meets, if any (counters decrement under the lock)."""
    with state.lock:
        f = state.faults
        if f.reset_connections > 0:
            f.reset_connections -= 1
            return Response(200, reset=True)
        if f.server_errors > 0:
            f.server_errors -= 1
            return envelope(500, "Internal Server Error", "The sandbox was told to fail this call")
        f.api_calls += 1
        if f.rate_limit_after is None or f.api_calls <= f.rate_limit_after:
            return None
        headers = {
            "Retry-After": str(f.retry_after),
            "X-RateLimit-Limit": str(f.rate_limit_after),
            "X-RateLimit-Reset": str(int(state.now()) + f.retry_after),
            "X-RateLimit-Rule": "b8b4a3a1db1d3010d2f3f37a68961941",
        }
    return envelope(429, "Rate limit exceeded",
                    "Too many requests: wait for Retry-After seconds", headers)


def dispatch(state: State, req: Request, base_url: str) -> Response:
    faults = state.faults
    if faults.delay > 0:
        time.sleep(faults.delay)
    if faults.hibernating:
        return pages.hibernating_page()
    if faults.not_servicenow:
        return pages.not_servicenow_page()
    if req.path.startswith("/api/"):
        return api_fault(state) or rest.handle(state, req)
    if req.path in oauth.PATHS:
        return oauth.handle(state, req)
    if req.path == "/oauth_entity_list.do":
        with state.lock:
            rows = [(a.name, a.client_id, a.redirect_urls[0] if a.redirect_urls else "", a.active)
                    for a in state.apps.values()]
        return pages.app_registry_page(rows)
    if req.path in ("/", "/index.do", "/navpage.do", "/login.do"):
        return pages.home_page(base_url)
    return pages.html_response(404, "Page not found | ServiceNow",
                               "<h1>Page not found</h1>\n<p>The page does not exist.</p>")


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops bursts of connects (1 s SYN retry)

    def __init__(self, address: tuple[str, int], state: State) -> None:
        self.state = state
        self.connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()
        super().__init__(address, Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up early (timeouts, resets) is normal here: stay quiet."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def close_connections(self) -> None:
        with self.conn_lock:
            conns = list(self.connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ServiceNow"
    sys_version = ""
    timeout = 30
    wbufsize = 1 << 16  # one write per response (flushed by handle_one_request)
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        with self.server.conn_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.conn_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: object) -> None:  # never log (tokens in URLs)
        return

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_request(self) -> Request:
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        return Request(self.command, split.path or "/", query, headers, body, split.query)

    def _handle(self) -> None:
        state = self.server.state
        with state.lock:
            state.requests.append((self.command, self.path))
        try:
            req = self._read_request()
        except ValueError:
            self._write(envelope(400, "Bad request", "Unreadable Content-Length"))
            return
        try:
            resp = dispatch(state, req, self.server.base_url)
        except Exception:  # a sandbox bug: make it loud in the test output, answer a 500
            traceback.print_exc()
            resp = envelope(500, "Sandbox error", "See the sandbox's standard error")
        self._write(resp)

    def _write(self, resp: Response) -> None:
        if resp.reset:
            self.wfile.write(PARTIAL_HEADERS)
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(resp.status)
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)


def reset_faults(faults: FaultSettings) -> None:
    """Back to no faults, in place (tests may hold a reference to the object)."""
    for f in dataclasses.fields(FaultSettings):
        setattr(faults, f.name, f.default)
