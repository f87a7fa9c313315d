"""A scripted "person in a browser" for the sandbox's login and consent pages.

Tests of the OAuth flow that do not need a real browser use this: it fetches the authorize URL,
submits the login form, then presses Allow or Deny, over real HTTP (stdlib ``http.client``),
and returns the URL the instance redirects to (the loopback callback).
"""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.request
from html import unescape
from urllib.parse import urlencode, urlsplit

_PENDING = re.compile(r'name="sysparm_pending" value="([^"]*)"')
_MESSAGE = re.compile(r'<p id="(?:oauth_error|login_error)"[^>]*>([^<]*)</p>')


class ConsentError(RuntimeError):
    """The sandbox answered a page other than the one a person would expect."""


def _request(base: str, method: str, path: str, form: dict[str, str] | None,
             timeout: float) -> tuple[int, str, str]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        body = urlencode(form) if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Location") or "", resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _fail(step: str, status: int, page: str) -> ConsentError:
    found = _MESSAGE.search(page)
    detail = unescape(found.group(1)) if found else f"HTTP {status}"
    return ConsentError(f"{step}: {detail}")


def complete_consent(authorize_url: str, user_name: str, password: str, *, allow: bool = True,
                     follow: bool = False, timeout: float = 10.0) -> str:
    """Log in and press Allow (or Deny); return the redirect Location the instance answers.

    With ``follow=True`` the callback URL is also fetched (as a browser would). Do not call this
    from the event loop that serves that callback: use ``asyncio.to_thread``.
    """
    parts = urlsplit(authorize_url)
    base = f"{parts.scheme}://{parts.netloc}"
    status, _, page = _request(base, "GET", f"{parts.path}?{parts.query}", None, timeout)
    pending = _PENDING.search(page)
    if status != 200 or pending is None:
        raise _fail("authorize", status, page)
    pending_id = unescape(pending.group(1))
    form = {"sysparm_pending": pending_id, "user_name": user_name, "user_password": password}
    status, location, page = _request(base, "POST", "/oauth_login.do", form, timeout)
    if status != 303:
        raise _fail("login", status, page)
    status, _, page = _request(base, "GET", location, None, timeout)
    if status != 200 or 'id="allow"' not in page:
        raise _fail("consent page", status, page)
    form = {"sysparm_pending": pending_id, "action": "allow" if allow else "deny"}
    status, location, page = _request(base, "POST", "/oauth_consent.do", form, timeout)
    if status != 302 or not location:
        raise _fail("consent", status, page)
    if follow:
        try:
            with urllib.request.urlopen(location, timeout=timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as e:  # a browser shows an error page too: not our failure
            e.close()
    return location
