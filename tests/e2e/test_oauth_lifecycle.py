"""Token lifecycle end to end: the CLI in subprocesses, the real keychain, the sandbox. Consent
here goes through ``--no-browser`` (the URL is printed, the sandbox's scripted person follows
it), which is the path for headless machines; the chromium click-through is in
test_oauth_browser.py."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from typing import Any

import pytest

from snow_wizard.core.profiles import redirect_url_for

from .conftest import CONSENT_TIMEOUT, E2E, TEST_TIMEOUT, no_secret_in

pytestmark = [pytest.mark.e2e, pytest.mark.keychain, pytest.mark.slow,
              pytest.mark.timeout(TEST_TIMEOUT)]


def _read_url(proc: subprocess.Popen[str], deadline: float = 60.0) -> tuple[str, list[str]]:
    """Read the CLI's stdout until it prints the consent URL."""
    assert proc.stdout is not None
    lines: list[str] = []
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "/oauth_auth.do?" in line:
            return line.strip(), lines
    raise AssertionError("no consent URL printed: " + "".join(lines))


def add_headless(e2e: E2E, name: str, app: Any = None, *extra: str) -> str:
    """`add --auth oauth --no-browser`; the scripted person completes the printed URL."""
    sb = e2e.sandbox
    app = app or sb.demo_app
    proc = e2e.popen("add", name, "--instance", sb.url, "--auth", "oauth", "--client-id",
                     app.client_id, "--client-secret-stdin", "--redirect-port", str(e2e.port),
                     "--no-browser", "--timeout", CONSENT_TIMEOUT, *extra,
                     browser=e2e.browser("allow"))
    e2e.send_secret(proc, app.client_secret)
    url, lines = _read_url(proc)
    sb.consent(url, follow=True)
    rest, err = proc.communicate(timeout=float(CONSENT_TIMEOUT) + 30)
    out = "".join(lines) + rest
    assert proc.returncode == 0, out + err
    assert "Authorized as admin" in out
    assert not e2e.bot_log.exists()  # --no-browser: the browser was never started
    return out


def _expires_at(e2e: E2E, name: str) -> float:
    profiles = json.loads((e2e.config_dir / "profiles.json").read_text())["profiles"]
    return float(profiles[name]["token_expires_at"])


def _make_due(e2e: E2E, name: str, left: float = 30.0) -> None:
    """Move the client's view of the access token to ``left`` seconds before expiry (inside
    the 60 s refresh margin), as if that much time had passed, without sleeping: the
    instance still honours the token, so only the client's expiry rule is exercised."""
    from snow_wizard.core.profiles import ProfileStore

    ProfileStore(e2e.config_dir).update(
        name, lambda p: p.with_changes(token_expires_at=time.time() + left))


def _token_posts(e2e: E2E) -> int:
    return e2e.sandbox.requests.count(("POST", "/oauth_token.do"))


def test_no_browser_prints_the_url_and_waits(e2e: E2E) -> None:
    name = e2e.name("headless")
    out = add_headless(e2e, name)
    assert f"Redirect URL to register in the OAuth app: {redirect_url_for(e2e.port)}" in out
    assert e2e.sandbox.token_valid(e2e.keychain(name, "access_token"))


def test_due_token_is_refreshed_once_across_processes(e2e: E2E) -> None:
    """Six `token` processes at once find the token due: one refresh, one new token for all.
    Timing cannot flip it: the tokens live 30 min, the token is made due by the client's
    clock (no sleep), and refreshes are counted on the instance's side."""
    sb, name = e2e.sandbox, e2e.name("due")
    add_headless(e2e, name)
    old = e2e.keychain(name, "access_token")
    refresh = e2e.keychain(name, "refresh_token")
    sb.clear_requests()
    first = e2e.cli("token", name)
    assert first.returncode == 0 and first.stdout.strip() == old, first.stderr
    assert _token_posts(e2e) == 0  # still valid: no refresh

    _make_due(e2e, name)
    issued = len(sb.issued_tokens)
    procs = [e2e.popen("token", name) for _ in range(6)]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    tokens = {out.strip() for out, _ in results}
    assert len(tokens) == 1, f"{len(tokens)} different tokens"
    new = tokens.pop()
    assert new != old and sb.token_valid(new)
    assert _token_posts(e2e) == 1  # one refresh for six callers
    assert len(sb.issued_tokens) == issued + 1
    assert e2e.keychain(name, "access_token") == new
    assert e2e.keychain(name, "refresh_token") == refresh  # ServiceNow does not rotate it
    assert _expires_at(e2e, name) > time.time() + 1000
    again = e2e.cli("token", name)
    assert again.stdout.strip() == new and _token_posts(e2e) == 1


def test_expired_refresh_token_is_token_rejected_with_the_way_out(e2e: E2E) -> None:
    sb, name = e2e.sandbox, e2e.name("stale")
    app = sb.add_app("stale-refresh", redirect_urls=[redirect_url_for(e2e.port)],
                     refresh_token_lifespan=100)
    add_headless(e2e, name, app)
    sb.advance_clock(500)  # the instance's refresh token lifespan has passed
    _make_due(e2e, name)
    sb.clear_requests()
    run = e2e.cli("token", name)
    text = run.stdout + run.stderr
    assert run.returncode == 1, text
    assert _token_posts(e2e) == 1  # it did try the refresh, and the instance refused it
    assert f"snow-wizard authorize {name}" in text
    assert "Traceback" not in text


def test_remove_revoke_revokes_then_deletes(e2e: E2E) -> None:
    sb, name = e2e.sandbox, e2e.name("gone")
    add_headless(e2e, name)
    access = e2e.keychain(name, "access_token")
    refresh = e2e.keychain(name, "refresh_token")
    run = e2e.cli("remove", name, "--revoke")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "revoked" in run.stdout
    assert sb.revoked(refresh) and sb.revoked(access) and not sb.token_valid(access)
    assert all(e2e.keychain(name, k) is None
               for k in ("client_secret", "access_token", "refresh_token"))
    assert name not in e2e.cli("list").stdout
    assert no_secret_in(run.stdout + run.stderr, access, refresh)


API_SCRIPT = textwrap.dedent("""
    import asyncio, sys
    import snow_wizard

    name = sys.argv[1]
    with snow_wizard.connect(name) as client:
        r = client.get("/api/now/table/incident", params={"sysparm_limit": 1})
        print("sync", r.status_code, len(r.json()["result"]))

    async def main():
        async with snow_wizard.aconnect(name) as client:
            r = await client.get("/api/now/ui/user/current_user")
            print("async", r.status_code, r.json()["result"]["user_name"])

    asyncio.run(main())
    print("profile", snow_wizard.load_profile(name).username)
""")


def test_python_api_sync_and_async_with_the_real_keychain(e2e: E2E) -> None:
    name = e2e.name("api")
    add_headless(e2e, name)
    run = subprocess.run([sys.executable, "-c", API_SCRIPT, name], capture_output=True,
                         text=True, env=e2e.env(), timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.split("\n")[:3] == ["sync 200 1", "async 200 admin", "profile admin"]
    # a 401 from the API (the instance expired the token) refreshes once and retries
    old = e2e.keychain(name, "access_token")
    e2e.sandbox.expire_access_tokens()
    run = subprocess.run([sys.executable, "-c", API_SCRIPT, name], capture_output=True,
                         text=True, env=e2e.env(), timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert e2e.keychain(name, "access_token") != old


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child")
def test_ctrl_c_while_waiting_ends_cleanly_and_frees_the_port(e2e: E2E) -> None:
    sb, name = e2e.sandbox, e2e.name("ctrlc")
    proc = e2e.popen("add", name, "--instance", sb.url, "--auth", "oauth", "--client-id",
                     sb.demo_app.client_id, "--client-secret-stdin", "--redirect-port",
                     str(e2e.port), "--no-browser")
    e2e.send_secret(proc, sb.demo_app.client_secret)
    _read_url(proc)
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode not in (0, None), out + err
    assert "Traceback" not in err
    assert name not in e2e.cli("list").stdout
    assert e2e.keychain(name, "client_secret") is None
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", e2e.port))
