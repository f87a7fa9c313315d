"""Network faults from the sandbox's failure modes, seen through ``snow-wizard test --json`` and
``token``: bounded retries, then the right diagnosis, and never a hang (wall time bounded)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hardening.cli_tools import FAULT, run_cli
from hardening.figures import FAULTS, record
from snow_wizard.core import oauth
from snow_wizard.core.context import Context
from snow_wizard.core.diagnosis import describe
from snow_wizard.core.instance import parse_instance
from snow_wizard.core.profiles import AuthType, OAuthSettings, Profile, ProfileStore
from snow_wizard.core.secret_store import MemoryBackend, SecretStore
from snow_wizard.errors import SnowWizardError

API = "/api/now/"


class World:
    """A sandbox, a config dir with a Basic profile ``b`` and an OAuth profile ``o`` (tokens
    from a password grant), and the secrets a CLI subprocess's keychain is seeded with."""

    def __init__(self, sandbox: Any, config: Path) -> None:
        self.sb = sandbox
        self.config = config
        instance = parse_instance(sandbox.url)
        self.settings = OAuthSettings.for_instance(instance, sandbox.demo_app.client_id)
        request = oauth.password_request(self.settings, sandbox.demo_app.client_secret,
                                         "admin", sandbox.demo_user.password)
        self.tokens = oauth.send_token_request_sync(request)
        store = ProfileStore(config)
        store.add(Profile("b", sandbox.url, AuthType.BASIC, username="admin"))
        store.add(Profile("o", sandbox.url, AuthType.OAUTH, oauth=self.settings,
                          token_expires_at=self.tokens.expires_at))
        self.secrets = {
            "b:password": sandbox.demo_user.password,
            "o:client_secret": sandbox.demo_app.client_secret,
            "o:access_token": self.tokens.access_token,
            "o:refresh_token": self.tokens.refresh_token or "",
        }

    def env(self, **changes: str) -> dict[str, str]:
        return {"PYTHON_KEYRING_BACKEND": FAULT + "EnvSeededKeyring",
                "SNOW_WIZARD_TEST_SECRETS": json.dumps({**self.secrets, **changes})}

    def cli(self, *args: str, **changes: str) -> Any:
        return run_cli(self.config, *args, env=self.env(**changes), timeout=60)

    def api_calls(self) -> int:
        return sum(1 for _, path in self.sb.requests if path.startswith(API))


@pytest.fixture
def world(sandbox: Any, tmp_path: Path) -> Iterator[World]:
    yield World(sandbox, tmp_path / "config")


CASES = [
    # (label, faults, expected code or "ok", the most API calls, wall-time bound in s)
    ("hibernating", {"hibernating": True}, "hibernating", 1, 6),
    ("not ServiceNow (HTML)", {"not_servicenow": True}, "not_servicenow", 1, 6),
    ("forbidden", {"forbidden": True}, "forbidden", 1, 6),
    ("5xx storm", {"server_errors": 1000}, "server_error", 4, 9),
    ("resets mid-response, every time", {"reset_connections": 1000}, "connection", 4, 9),
    ("429 with Retry-After beyond the budget", {"rate_limit_after": 0, "retry_after": 60},
     "rate_limited", 1, 6),
    ("429 with Retry-After 1 s, every time", {"rate_limit_after": 0, "retry_after": 1},
     "rate_limited", 4, 10),
    ("two 5xx, then fine", {"server_errors": 2}, "ok", 3, 8),
    ("one reset, then fine", {"reset_connections": 1}, "ok", 2, 8),
    ("current_user answers 404 (Basic: Table API)", {"current_user_404": True}, "ok", 2, 6),
]


@pytest.mark.parametrize(("label", "faults", "code", "most_calls", "bound"), CASES,
                         ids=[c[0] for c in CASES])
def test_cli_test_json_names_the_fault(world: World, label: str, faults: dict[str, Any],
                                       code: str, most_calls: int, bound: float) -> None:
    for name, value in faults.items():
        setattr(world.sb.faults, name, value)
    world.sb.clear_requests()
    run = world.cli("test", "b", "--json")
    record(FAULTS, f"network: {label} (CLI test, Basic)")
    data = json.loads(run.stdout)
    assert run.seconds < bound, f"{label}: {run.seconds:.1f} s"
    assert "Traceback" not in run.output
    calls = world.api_calls()
    assert 1 <= calls <= most_calls, f"{label}: {calls} API calls"
    if code == "ok":
        assert run.returncode == 0 and data["ok"] is True and data["user_name"] == "admin"
        return
    assert run.returncode == 1
    assert data["ok"] is False and data["error"] == code, data
    assert data["message"] and data["hint"]
    if code == "hibernating":
        assert "developer.servicenow.com" in data["hint"]  # the wake link
    if code == "rate_limited" and faults["retry_after"] == 60:
        assert "60 seconds" in data["hint"]
    last = ProfileStore(world.config).get("b").last_test
    assert last is not None and last.error == code


OAUTH_CASES = [
    ("hibernating", {"hibernating": True}, "hibernating"),
    ("5xx storm", {"server_errors": 1000}, "server_error"),
    ("current_user answers 404 (OAuth: no user name to look up)", {"current_user_404": True},
     "not_servicenow"),
]


@pytest.mark.parametrize(("label", "faults", "code"), OAUTH_CASES, ids=[c[0] for c in OAUTH_CASES])
def test_cli_test_json_for_oauth_profiles(world: World, label: str, faults: dict[str, Any],
                                          code: str) -> None:
    for name, value in faults.items():
        setattr(world.sb.faults, name, value)
    run = world.cli("test", "o", "--json")
    record(FAULTS, f"network: {label} (CLI test, OAuth)")
    assert run.seconds < 9
    data = json.loads(run.stdout)
    assert run.returncode == 1 and data["error"] == code, data


def test_a_hibernating_token_endpoint_is_named_on_refresh(world: World) -> None:
    world.sb.faults.hibernating = True
    store = ProfileStore(world.config)
    store.update("o", lambda p: p.with_changes(token_expires_at=time.time() - 10))
    run = world.cli("token", "o")
    record(FAULTS, "network: hibernating token endpoint (CLI token)")
    assert run.returncode == 1 and run.stdout == ""
    d = describe("hibernating", instance=world.sb.url,
                 wake_url="https://developer.servicenow.com/dev.do")
    assert d.message in run.stderr and "developer.servicenow.com" in run.stderr


def test_a_revoked_refresh_token_gives_ranked_causes_for_the_refresh_step(world: World) -> None:
    assert world.tokens.refresh_token
    asyncio.run(oauth.revoke(world.settings, world.tokens.refresh_token))  # over HTTP
    assert world.sb.revoked(world.tokens.refresh_token)
    ProfileStore(world.config).update("o", lambda p: p.with_changes(token_expires_at=1.0))
    for args in (("token", "o"), ("test", "o")):
        run = world.cli(*args)
        record(FAULTS, f"oauth: revoked refresh token (CLI {args[0]})")
        assert run.returncode == 1
        d = describe("token_rejected", profile="o")
        assert d.message in run.output and d.hint in run.output
        assert "likely causes, most likely first:" in run.output
        causes = describe("token_exchange_failed", step="refresh_token").causes
        for i, cause in enumerate(causes, 1):
            assert f"{i}. {cause}" in run.output
        assert world.tokens.refresh_token not in run.output


def test_timeouts_are_bounded_for_the_rest_api_and_the_token_endpoint(
    world: World, sandbox: Any
) -> None:
    """The HTTP timeout is honoured (not retried) on both endpoints: no hang."""
    from snow_wizard.core import connections
    from snow_wizard.core.authorization import get_access_token

    sandbox.faults.delay = 2.0
    backend = MemoryBackend()
    for user, value in world.secrets.items():
        backend.set_password("snow-wizard", user, value)
    ctx = Context(store=ProfileStore(world.config), secrets=SecretStore(backend),
                  http_timeout=0.4)
    for what, coro_fn in (
        ("REST API", lambda: connections.test_profile(ctx, "b")),
        ("token endpoint", lambda: get_access_token(ctx, "o", min_validity=10**9)),
    ):
        started = time.monotonic()
        with pytest.raises(SnowWizardError) as info:
            asyncio.run(coro_fn())
        took = time.monotonic() - started
        record(FAULTS, f"network: delay beyond the timeout ({what})")
        assert info.value.code == "timeout", (what, info.value.code)
        assert "0.4 seconds" in info.value.message
        assert took < 3.0, (what, took)  # 0.4 s timeout, not retried; generous for CI
    sandbox.faults.delay = 0


def test_a_wrong_client_secret_gives_ranked_causes_for_the_authorization_step(
    tmp_path: Path, port: int
) -> None:
    """The opaque 401 at the code exchange: causes for *this* step, with the redirect URL."""
    from hardening.cli_tools import run_cli_with_consent
    from snow_wizard.core.profiles import redirect_url_for
    from snow_wizard.sandbox import Sandbox

    with Sandbox(redirect_urls=[redirect_url_for(port)]) as sb:
        config = tmp_path / "config"
        settings = OAuthSettings.for_instance(parse_instance(sb.url), sb.demo_app.client_id,
                                              redirect_port=port)
        ProfileStore(config).add(Profile("o", sb.url, AuthType.OAUTH, oauth=settings))
        env = {"PYTHON_KEYRING_BACKEND": FAULT + "EnvSeededKeyring",
               "SNOW_WIZARD_TEST_SECRETS": json.dumps({"o:client_secret": "wrong-secret-x"})}
        run = run_cli_with_consent(config, sb, "authorize", "o", "--no-browser",
                                   "--timeout", "20", env=env)
        record(FAULTS, "oauth: wrong client secret at the code exchange (CLI authorize)")
        add = run_cli_with_consent(
            config, sb, "add", "o2", "--instance", sb.url, "--auth", "oauth", "--client-id",
            sb.demo_app.client_id, "--client-secret-stdin", "--no-browser", "--redirect-port",
            str(port), "--timeout", "20", input="wrong-secret-y", env=env)
        record(FAULTS, "oauth: wrong client secret at the code exchange (CLI add)")
    d = describe("token_exchange_failed", step="authorization_code",
                 redirect_url=redirect_url_for(port))
    for r in (run, add):
        assert r.returncode == 1, r.output
        assert r.consent_urls
        assert d.message in r.stderr and d.hint in r.stderr
        for i, cause in enumerate(d.causes, 1):
            assert f"{i}. {cause}" in r.stderr
        assert "wrong-secret" not in r.output
    assert "Client Secret" in d.causes[0] and redirect_url_for(port) in d.causes[1]
