"""The ``Sandbox`` object tests and people drive, and ``serve()`` for ``snow-wizard sandbox``."""

from __future__ import annotations

import errno
import secrets
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from snow_wizard.sandbox.server import SandboxHTTPServer, reset_faults
from snow_wizard.sandbox.state import FaultSettings, OAuthApp, SandboxUser, State

DEFAULT_REDIRECT_URL = "http://127.0.0.1:8765/callback"
DEMO_APP_NAME = "snow-wizard demo"
# ServiceNow's demo data has these people too: the sys_user table is never a table of one.
_DEMO_PEOPLE = (("abel.tuter", "Abel", "Tuter"), ("beth.anglin", "Beth", "Anglin"))


class Sandbox:
    """A local ServiceNow-compatible instance (REST and OAuth) on 127.0.0.1.

    ``with Sandbox() as sb:`` starts it in a background thread and stops it afterwards.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        demo_password: str | None = None,
        demo_client_id: str | None = None,
        demo_client_secret: str | None = None,
        redirect_urls: list[str] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self._state = State()
        self._wanted = (host, port)
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.demo_user = self.add_user(
            "admin", demo_password or secrets.token_urlsafe(12),
            first_name="System", last_name="Administrator",
        )
        for user_name, first, last in _DEMO_PEOPLE:
            self.add_user(user_name, secrets.token_urlsafe(16), first_name=first, last_name=last)
        self.demo_app = self.add_app(
            DEMO_APP_NAME,
            redirect_urls=list(redirect_urls or [DEFAULT_REDIRECT_URL]),
            client_id=demo_client_id,
            client_secret=demo_client_secret,
        )

    # --- life cycle --------------------------------------------------------------------------
    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        server = SandboxHTTPServer(self._wanted, self._state)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02},
            name=f"snow-wizard-sandbox-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is not None:
            return int(self._server.server_address[1])
        return self._wanted[1]

    @property
    def url(self) -> str:
        return f"http://{self._wanted[0]}:{self.port}"

    # --- data ---------------------------------------------------------------------------------
    def add_user(self, user_name: str, password: str, *, first_name: str = "",
                 last_name: str = "", basic_auth_restricted: bool = False,
                 sso_only: bool = False, can_read_users: bool = True) -> SandboxUser:
        user = SandboxUser(
            user_name, password, first_name=first_name, last_name=last_name,
            basic_auth_restricted=basic_auth_restricted, sso_only=sso_only,
            can_read_users=can_read_users,
        )
        with self._state.lock:
            self._state.users[user_name] = user
        return user

    def add_app(self, name: str, *, redirect_urls: list[str], client_id: str | None = None,
                client_secret: str | None = None, access_token_lifespan: int = 1800,
                refresh_token_lifespan: int = 8640000, active: bool = True) -> OAuthApp:
        app = OAuthApp(
            name, client_id or secrets.token_hex(16),
            client_secret or secrets.token_urlsafe(16),
            list(redirect_urls), access_token_lifespan, refresh_token_lifespan, active,
        )
        with self._state.lock:
            self._state.apps[app.client_id] = app
        return app

    # --- faults and inspection ------------------------------------------------------------------
    @property
    def faults(self) -> FaultSettings:
        return self._state.faults

    def reset_faults(self) -> None:
        with self._state.lock:
            reset_faults(self._state.faults)

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path with query) of every request so far; bodies are never recorded."""
        with self._state.lock:
            return list(self._state.requests)

    def clear_requests(self) -> None:
        with self._state.lock:
            self._state.requests.clear()

    @property
    def issued_tokens(self) -> list[str]:
        """Every access token issued so far, oldest first."""
        with self._state.lock:
            return list(self._state.access)

    @property
    def issued_refresh_tokens(self) -> list[str]:
        with self._state.lock:
            return list(self._state.grants)

    def token_valid(self, access_token: str) -> bool:
        return self._state.bearer_user(access_token) is not None

    def revoked(self, token: str) -> bool:
        """True when this access or refresh token was revoked (directly or through its pair)."""
        return self._state.is_revoked(token)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far expires now (refresh tokens stay valid)."""
        self._state.expire_access_tokens()

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox's clock forward: tokens and codes age without sleeping."""
        with self._state.lock:
            self._state.clock_offset += seconds

    def consent(self, authorize_url: str, *, user_name: str | None = None,
                password: str | None = None, allow: bool = True, follow: bool = False) -> str:
        """Play the person at the login and consent pages (over HTTP); return the redirect
        Location (``redirect_uri?code=…&state=…``). Defaults to the demo user. See
        ``snow_wizard.sandbox.browser.complete_consent``."""
        from snow_wizard.sandbox.browser import complete_consent

        return complete_consent(
            authorize_url,
            user_name or self.demo_user.user_name,
            self.demo_user.password if password is None else password,
            allow=allow, follow=follow,
        )

    def __repr__(self) -> str:
        running = "running" if self._server is not None else "stopped"
        return f"<Sandbox {self.url} {running}>"


def _print_flushed(line: str) -> None:
    # The banner must reach a pipe at once (`snow-wizard sandbox | tee`), not when the buffer fills.
    print(line, flush=True)


def serve(port: int = 8080, *, host: str = "127.0.0.1",
          out: Callable[[str], Any] = _print_flushed, **kwargs: Any) -> int:
    """Run the sandbox until Ctrl-C (``snow-wizard sandbox``). 0 when stopped, 1 when it cannot
    start."""
    sandbox = Sandbox(port, host=host, **kwargs)
    try:
        sandbox.start()
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            out(f"Cannot start the sandbox: port {port} on {host} is already in use "
                "(choose another one with --port).")
        else:
            out(f"Cannot start the sandbox on {host}:{port}: {e.strerror or e}.")
        return 1
    try:
        _print_banner(sandbox, out)
        while True:
            time.sleep(0.2)
    except KeyboardInterrupt:
        out("Sandbox stopped.")
    finally:
        sandbox.stop()
    return 0


def _print_banner(sb: Sandbox, out: Callable[[str], Any]) -> None:
    app = sb.demo_app
    out(f"ServiceNow sandbox running at {sb.url}  (Ctrl-C to stop)")
    out(f"  Demo user:           {sb.demo_user.user_name}")
    out(f"  Demo password:       {sb.demo_user.password}")
    out(f"  OAuth client id:     {app.client_id}")
    out(f"  OAuth client secret: {app.client_secret}")
    out(f"  Redirect URL:        {app.redirect_urls[0]}")
    out(f"  Application Registry: {sb.url}/oauth_entity_list.do")
    out(f"try: snow-wizard add demo --instance {sb.url} --auth basic --username "
        f"{sb.demo_user.user_name} --password-stdin")
