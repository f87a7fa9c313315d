"""The credentials test against real servers on loopback: the sandbox for every diagnosis code,
a closed port, an unresolvable name, and HTTPS servers with untrusted certificates."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

from snow_wizard.core import servicenow as sn
from snow_wizard.core.instance import parse_instance
from snow_wizard.errors import ServiceNowError

from .tls_helpers import https_server


def check(url: str, auth: httpx2.Auth, **kwargs: Any) -> sn.TestResult:
    kwargs.setdefault("auth_kind", "basic")
    return asyncio.run(sn.test_credentials(parse_instance(url), auth, **kwargs))


def fails(url: str, auth: httpx2.Auth, **kwargs: Any) -> ServiceNowError:
    with pytest.raises(ServiceNowError) as info:
        check(url, auth, **kwargs)
    return info.value


def admin(sb: Any) -> httpx2.Auth:
    return sn.basic_auth(sb.demo_user.user_name, sb.demo_user.password)


def api_calls(sb: Any) -> int:
    return sum(1 for _, path in sb.requests if path.startswith("/api/"))


# --- the client itself --------------------------------------------------------------------------

def test_one_ssl_context_and_clients_with_explicit_settings() -> None:
    assert sn.ssl_context() is sn.ssl_context()
    client = sn.make_async_client(base_url="https://acme.service-now.com", timeout=7)
    try:
        assert client.follow_redirects is False
        assert client.trust_env is True
        assert client.timeout.read == 7 and client.timeout.connect == 7
        assert str(client.base_url) == "https://acme.service-now.com"
        assert client.headers["Accept"] == "application/json"
    finally:
        asyncio.run(client.aclose())
    with sn.make_client(timeout=30) as sync_client:
        assert sync_client.timeout.connect == 10 and sync_client.timeout.read == 30


def test_auth_reprs_mask_secrets() -> None:
    basic = sn.basic_auth("admin", "pa55-w0rd")
    bearer = sn.BearerAuth("tok-abc-123")
    assert "pa55-w0rd" not in repr(basic) and "admin" in repr(basic)
    assert "tok-abc-123" not in repr(bearer)
    assert basic.username == "admin"  # type: ignore[attr-defined]


def test_bearer_auth_sends_the_token() -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers["Authorization"])
        return httpx2.Response(200, json={"result": {"user_name": "u"}})

    with httpx2.Client(transport=httpx2.MockTransport(handler), auth=sn.BearerAuth("T1")) as c:
        c.get("https://x.example/")
    assert seen == ["Bearer T1"]


# --- success ----------------------------------------------------------------------------------

def test_ok_reports_who_where_how_and_how_fast(sandbox: Any) -> None:
    result = check(sandbox.url, admin(sandbox), profile="demo")
    assert result.user_name == "admin"
    assert result.user_sys_id == sandbox.demo_user.sys_id
    assert result.display_name == "System Administrator"
    assert result.instance == sandbox.url and result.auth == "basic"
    assert 0 < result.latency_ms < 5000
    data = result.to_dict()
    assert list(data)[:6] == ["ok", "profile", "instance", "auth", "user_name", "latency_ms"]
    assert data["ok"] is True and data["profile"] == "demo"
    assert sandbox.demo_user.password not in repr(result) + str(data)


def test_current_user_404_falls_back_to_the_table_api(sandbox: Any) -> None:
    sandbox.faults.current_user_404 = True
    result = check(sandbox.url, admin(sandbox))
    assert result.user_name == "admin" and result.user_sys_id == sandbox.demo_user.sys_id
    paths = [p for _, p in sandbox.requests]
    assert any((p.startswith("/api/now/table/sys_user?") and "user_name%3Dadmin" in p)
               or "user_name=admin" in p for p in paths)


def test_environment_proxy_settings_are_honoured(
    sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from snow_wizard.sandbox import Sandbox

    with Sandbox() as proxy:  # answers proxied requests as itself: proof they went there
        for var in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("http_proxy", proxy.url)
        error = fails(sandbox.url, admin(sandbox))
        assert error.code == "unauthorized"  # the proxy's users differ
        assert any(sandbox.url in path for _, path in proxy.requests)
    assert api_calls(sandbox) == 0


# --- every failure code --------------------------------------------------------------------------

def test_dns() -> None:
    error = fails("https://no-such-tenant.invalid", sn.basic_auth("u", "p"), timeout=10)
    assert error.code == "dns"
    assert "no-such-tenant.invalid" in error.message


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        error = fails(f"http://127.0.0.1:{port}", sn.basic_auth("u", "p"))
    assert error.code == "connection"
    assert f"127.0.0.1:{port}" in error.message


def test_timeout(sandbox: Any) -> None:
    sandbox.faults.delay = 1.5
    started = time.monotonic()
    error = fails(sandbox.url, admin(sandbox), timeout=0.3)
    assert error.code == "timeout"
    assert "0.3 seconds" in error.message
    assert time.monotonic() - started < 1.4  # not retried


@pytest.mark.parametrize(
    ("private_ca", "says"),
    [(False, "self-signed"), (True, "private or corporate certificate authority")],
)
def test_tls_untrusted_certificates(tmp_path: Path, private_ca: bool, says: str) -> None:
    with https_server(tmp_path, private_ca=private_ca) as url:
        error = fails(url, sn.basic_auth("u", "p"), timeout=10)
    assert error.code == "tls"
    assert says in error.message
    assert "127.0.0.1" in error.message


def test_hibernating(sandbox: Any) -> None:
    sandbox.faults.hibernating = True
    error = fails(sandbox.url, admin(sandbox))
    assert error.code == "hibernating"
    assert "https://developer.servicenow.com/dev.do" in error.hint
    assert api_calls(sandbox) == 1  # by content at once, not retried


def test_not_servicenow(sandbox: Any) -> None:
    sandbox.faults.not_servicenow = True
    error = fails(sandbox.url, admin(sandbox))
    assert error.code == "not_servicenow"
    assert sandbox.url in error.message


def test_not_servicenow_when_current_user_is_missing_and_no_user_name_is_known(
    sandbox: Any,
) -> None:
    sandbox.faults.current_user_404 = True
    plain = httpx2.BasicAuth(sandbox.demo_user.user_name, sandbox.demo_user.password)
    error = fails(sandbox.url, plain, auth_kind="oauth")
    assert error.code == "not_servicenow"
    assert "404" in error.message and "user name is not known" in error.hint


def test_unauthorized(sandbox: Any) -> None:
    error = fails(sandbox.url, sn.basic_auth("admin", "wrong-password"))
    assert error.code == "unauthorized"
    assert "wrong-password" not in error.message + error.hint
    assert api_calls(sandbox) == 1  # a 401 is never retried


def test_basic_auth_restricted_user_gets_unauthorized_with_the_hint(sandbox: Any) -> None:
    sandbox.add_user("integration", "right-password", basic_auth_restricted=True)
    error = fails(sandbox.url, sn.basic_auth("integration", "right-password"))
    assert error.code == "unauthorized"
    assert "snc_basic_auth_api_access" in error.hint
    assert "Web service access only" in error.hint


def test_sso_only_user_gets_the_oauth_advice(sandbox: Any) -> None:
    sandbox.add_user("sso.person", "whatever", sso_only=True)
    error = fails(sandbox.url, sn.basic_auth("sso.person", "whatever"))
    assert error.code == "unauthorized" and "SSO" in error.hint and "OAuth" in error.hint


def test_oauth_token_rejected(sandbox: Any) -> None:
    error = fails(sandbox.url, sn.BearerAuth("not-a-token"), auth_kind="oauth", profile="acme")
    assert error.code == "token_rejected"
    assert "snow-wizard authorize acme" in error.hint


def test_forbidden(sandbox: Any) -> None:
    sandbox.faults.forbidden = True
    error = fails(sandbox.url, admin(sandbox))
    assert error.code == "forbidden"
    assert "Insufficient rights" in error.message
    assert "snc_platform_rest_api_access" in error.hint


def test_acl_filtered(sandbox: Any) -> None:
    sandbox.add_user("no.reader", "pw-1", can_read_users=False)
    sandbox.faults.current_user_404 = True
    error = fails(sandbox.url, sn.basic_auth("no.reader", "pw-1"))
    assert error.code == "acl_filtered"
    assert "counts 1" in error.message


def test_rate_limited_honours_retry_after_then_recovers(sandbox: Any) -> None:
    sandbox.faults.retry_after = 1
    sandbox.faults.rate_limit_after = 0
    lift = threading.Timer(0.4, lambda: setattr(sandbox.faults, "rate_limit_after", None))
    lift.start()
    started = time.monotonic()
    try:
        result = check(sandbox.url, admin(sandbox))
    finally:
        lift.cancel()
    waited = time.monotonic() - started
    assert result.user_name == "admin"
    assert 0.9 <= waited < 5  # slept for Retry-After (1 s), once
    assert api_calls(sandbox) == 2


def test_rate_limited_gives_up_when_retry_after_exceeds_the_budget(sandbox: Any) -> None:
    sandbox.faults.retry_after = 60
    sandbox.faults.rate_limit_after = 0
    started = time.monotonic()
    error = fails(sandbox.url, admin(sandbox))
    assert time.monotonic() - started < 2
    assert error.code == "rate_limited"
    assert "Rate limit exceeded" in error.message and "Wait 60 seconds" in error.hint


def test_rate_limited_after_max_retries(sandbox: Any) -> None:
    sandbox.faults.retry_after = 0
    sandbox.faults.rate_limit_after = 0
    error = fails(sandbox.url, admin(sandbox), max_retries=2)
    assert error.code == "rate_limited"
    assert api_calls(sandbox) == 3


def test_a_few_server_errors_are_retried_away(sandbox: Any) -> None:
    sandbox.faults.server_errors = 2
    assert check(sandbox.url, admin(sandbox)).user_name == "admin"
    assert api_calls(sandbox) == 3


def test_a_server_error_storm_ends_in_a_bounded_diagnosis(sandbox: Any) -> None:
    sandbox.faults.server_errors = 100
    started = time.monotonic()
    error = fails(sandbox.url, admin(sandbox), max_retries=3)
    assert time.monotonic() - started < 5
    assert error.code == "server_error" and "HTTP 500" in error.message
    assert api_calls(sandbox) == 4


def test_a_connection_reset_mid_response_is_retried(sandbox: Any) -> None:
    sandbox.faults.reset_connections = 1
    assert check(sandbox.url, admin(sandbox)).user_name == "admin"


def test_connections_reset_every_time_end_in_a_connection_diagnosis(sandbox: Any) -> None:
    sandbox.faults.reset_connections = 100
    error = fails(sandbox.url, admin(sandbox), max_retries=2)
    assert error.code == "connection"
    assert "dropped before the answer was complete" in error.message


def test_a_caller_supplied_client_is_used_and_left_open(sandbox: Any) -> None:
    async def scenario() -> bool:
        async with sn.make_async_client() as client:
            await sn.test_credentials(parse_instance(sandbox.url), admin(sandbox),
                                      auth_kind="basic", client=client)
            return client.is_closed

    assert asyncio.run(scenario()) is False
