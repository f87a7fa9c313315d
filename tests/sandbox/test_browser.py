"""The login and consent pages work in a real browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import http.server
import os
import secrets
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from snow_wizard.sandbox import Sandbox

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium"),
]


class _Callback(http.server.BaseHTTPRequestHandler):
    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def callback() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (_Callback,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/callback", seen
    server.shutdown()
    server.server_close()


def test_allow_and_deny_in_chromium(callback: tuple[str, list[str]]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    redirect, seen = callback
    with Sandbox(redirect_urls=[redirect]) as sb, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            for action in ("allow", "deny"):
                state = secrets.token_hex(8)
                page.goto(sb.url + "/oauth_auth.do?" + urlencode({
                    "response_type": "code", "client_id": sb.demo_app.client_id,
                    "redirect_uri": redirect, "state": state}))
                page.fill("#user_name", "admin")
                page.fill("#user_password", sb.demo_user.password)
                page.click("#sysverb_login")
                assert page.inner_text("#app_name") == "snow-wizard demo"
                page.click("#" + action)
                page.wait_for_url(redirect + "*")
                query = parse_qs(urlsplit(page.url).query)
                assert query["state"] == [state]
                assert ("code" in query) == (action == "allow")
                assert query.get("error") == (None if action == "allow" else ["access_denied"])
        finally:
            browser.close()
    assert [p for p in seen if p.startswith("/callback")] and len(
        [p for p in seen if p.startswith("/callback")]) == 2
