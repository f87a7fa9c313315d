"""End to end in a real browser: the CLI in a subprocess, BROWSER = Debian's chromium (headless)
playing the person at the sandbox's login and consent pages, tokens in the real keychain."""

from __future__ import annotations

import json
import re
import socket
import time

import pytest

from .conftest import CONSENT_TIMEOUT, E2E, TEST_TIMEOUT, free_port, no_secret_in

pytestmark = [pytest.mark.e2e, pytest.mark.keychain, pytest.mark.browser, pytest.mark.slow,
              pytest.mark.usefixtures("chromium_ok"), pytest.mark.timeout(TEST_TIMEOUT)]


def _profiles(e2e: E2E) -> dict[str, dict[str, object]]:
    path = e2e.config_dir / "profiles.json"
    return json.loads(path.read_text())["profiles"] if path.exists() else {}


def test_add_allow_in_chromium_stores_tokens_in_the_keychain(e2e: E2E) -> None:
    sb, name = e2e.sandbox, e2e.name("acme")
    run = e2e.add_oauth(name, browser=e2e.browser("allow"))
    assert run.returncode == 0, run.stdout + run.stderr + e2e.bot_log.read_text()
    out = run.stdout
    assert f"http://127.0.0.1:{e2e.port}/callback" in out  # the Redirect URL to register
    assert re.search(r"http://127\.0\.0\.1:\d+/oauth_auth\.do\?\S*code_challenge_method=S256",
                     out)  # the consent URL is always printed
    assert "Authorized as admin" in out
    assert "callback page shown: success" in e2e.bot_log.read_text()

    access = e2e.keychain(name, "access_token")
    refresh = e2e.keychain(name, "refresh_token")
    assert sb.token_valid(access) and refresh in sb.issued_refresh_tokens
    assert e2e.keychain(name, "client_secret") == sb.demo_app.client_secret
    assert no_secret_in(out + run.stderr, access, refresh, sb.demo_app.client_secret,
                        sb.demo_user.password)
    saved = (e2e.config_dir / "profiles.json").read_text()
    assert no_secret_in(saved, access, refresh, sb.demo_app.client_secret)
    assert _profiles(e2e)[name]["username"] == "admin"

    token = e2e.cli("token", name)
    assert token.returncode == 0 and token.stdout.strip() == access
    test = e2e.cli("test", name, "--json")
    assert test.returncode == 0, test.stdout + test.stderr
    assert json.loads(test.stdout)["user_name"] == "admin"


def test_deny_in_chromium_is_consent_denied_and_saves_nothing(e2e: E2E) -> None:
    name = e2e.name("deny")
    run = e2e.add_oauth(name, browser=e2e.browser("deny"))
    assert run.returncode == 1
    assert "denied" in (run.stdout + run.stderr).lower()
    assert "Traceback" not in run.stderr
    assert name not in _profiles(e2e)
    assert e2e.keychain(name, "client_secret") is None
    assert "callback page shown: failure" in e2e.bot_log.read_text()


def test_redirect_trap_ends_in_callback_timeout_with_the_url_to_register(e2e: E2E) -> None:
    """The app has port A registered; the CLI listens on B. The instance silently redirects to
    A, nobody answers there, and after --timeout the CLI explains the trap with B's URL."""
    name, other = e2e.name("trap"), free_port()
    started = time.monotonic()
    run = e2e.add_oauth(name, browser=e2e.browser("allow"), port=other, timeout="12")
    text = run.stdout + run.stderr
    assert run.returncode == 1, text
    # ended by its own --timeout: not before, and not long after (the bound is loose for a
    # loaded machine; a CLI that kept waiting would take the e2e.cli limit, 180 s)
    assert 12 <= time.monotonic() - started < 12 + 60
    assert f"http://127.0.0.1:{other}/callback" in text
    assert "first registered" in text
    assert "Traceback" not in text
    assert name not in _profiles(e2e)


def test_wrong_client_secret_gives_ranked_causes(e2e: E2E) -> None:
    name = e2e.name("secret")
    run = e2e.add_oauth(name, browser=e2e.browser("allow"), secret="wrong-secret-value")
    text = run.stdout + run.stderr
    assert run.returncode == 1, text
    assert "access_denied" in text
    assert text.index("Client Secret") < text.index("Redirect URL registered")
    assert "wrong-secret-value" not in text
    assert e2e.keychain(name, "client_secret") is None


def test_port_in_use_fails_at_once_without_opening_a_browser(e2e: E2E) -> None:
    name = e2e.name("busy")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", e2e.port))
        holder.listen()
        started = time.monotonic()
        run = e2e.add_oauth(name, browser=e2e.browser("allow"))
    text = run.stdout + run.stderr
    assert run.returncode == 1, text
    assert time.monotonic() - started < 60  # at once, not after the consent --timeout (120 s)
    assert f"Port {e2e.port}" in text and "already in use" in text
    assert "Redirect URL" in text
    assert not e2e.bot_log.exists()  # the browser was never started


def test_user_authorize_then_authorize_in_chromium(e2e: E2E) -> None:
    sb, name = e2e.sandbox, e2e.name("ua")
    run = e2e.add_oauth(name, "--mode", "user-authorize", browser=e2e.browser("allow"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert not e2e.bot_log.exists()
    assert e2e.keychain(name, "refresh_token") is None
    assert e2e.keychain(name, "client_secret") == sb.demo_app.client_secret
    before = e2e.cli("token", name)
    assert before.returncode != 0
    assert f"snow-wizard authorize {name}" in before.stdout + before.stderr

    auth = e2e.cli("authorize", name, "--timeout", CONSENT_TIMEOUT,
                  browser=e2e.browser("allow"))
    assert auth.returncode == 0, auth.stdout + auth.stderr
    assert "Authorized as admin" in auth.stdout
    assert sb.token_valid(e2e.keychain(name, "access_token"))


def test_export_import_round_trip_without_secrets(e2e: E2E) -> None:
    sb, name, copy = e2e.sandbox, e2e.name("exp"), e2e.name("imp")
    assert e2e.add_oauth(name, browser=e2e.browser("allow")).returncode == 0
    exported = e2e.config_dir.parent / "acme.json"
    run = e2e.cli("export", name, "-o", str(exported))
    assert run.returncode == 0, run.stdout + run.stderr
    text = exported.read_text()
    assert no_secret_in(text, sb.demo_app.client_secret, e2e.keychain(name, "access_token"),
                        e2e.keychain(name, "refresh_token"), sb.demo_user.password)
    assert sb.demo_app.client_id in text

    run = e2e.cli("import", str(exported), "--name", copy, "--client-secret-stdin",
                  input=sb.demo_app.client_secret)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"snow-wizard authorize {copy}" in run.stdout
    assert _profiles(e2e)[copy]["oauth"] == _profiles(e2e)[name]["oauth"]
    auth = e2e.cli("authorize", copy, "--timeout", CONSENT_TIMEOUT,
                  browser=e2e.browser("allow"))
    assert auth.returncode == 0, auth.stdout + auth.stderr
    assert sb.token_valid(e2e.cli("token", copy).stdout.strip())
