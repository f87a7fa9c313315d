"""The diagnosis table, and the pure decisions over responses and exceptions (no network)."""

from __future__ import annotations

import email.utils
import socket
import ssl

import httpx2
import pytest

from snow_wizard.core import diagnosis
from snow_wizard.core.instance import parse_instance
from snow_wizard.core.responses import (
    WAKE_URL,
    diagnose_exception,
    diagnose_response,
    error_envelope_message,
    is_hibernating,
    json_result,
    redirect_target,
    retry_after_seconds,
    tls_detail,
)
from snow_wizard.errors import OAuthError, ServiceNowError

INSTANCE = parse_instance("acme")
URL = INSTANCE.url("/api/now/ui/user/current_user")

HIBERNATING_HTML = (
    '<html><body class="instance-hibernating-page"><h1>Your instance is hibernating</h1>'
    '<a href="https://developer.servicenow.com">Wake</a></body></html>'
)


def response(status: int, body: str | bytes = b"", *, ctype: str = "application/json",
             headers: dict[str, str] | None = None, url: str = URL) -> httpx2.Response:
    all_headers = {"Content-Type": ctype, **(headers or {})}
    content = body.encode() if isinstance(body, str) else body
    return httpx2.Response(status, headers=all_headers, content=content,
                           request=httpx2.Request("GET", url))


# --- the table --------------------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(diagnosis.TABLE))
def test_every_code_describes_itself_without_leftover_placeholders(code: str) -> None:
    context = dict(host="h.example", instance="https://h.example", timeout=15, wake_url=WAKE_URL,
                   detail="", total=3, retry_after=5, rule="", status=500, profile="p",
                   redirect_url="http://127.0.0.1:8765/callback", port=8765, holder="",
                   backend="b", kind="password", tls_detail="")
    d = diagnosis.describe(code, **context)
    assert d.code == code and d.message and d.hint
    assert "{" not in d.message + d.hint and "}" not in d.message + d.hint


def test_missing_context_leaves_no_braces() -> None:
    d = diagnosis.describe("dns")
    assert "{" not in d.message


def test_error_classes_and_ranked_token_causes() -> None:
    e = diagnosis.error("token_exchange_failed", step="refresh_token", redirect_url="X")
    assert isinstance(e, OAuthError) and e.code == "token_exchange_failed"
    assert e.causes and "refresh token expired" in e.causes[0]
    e2 = diagnosis.error("token_exchange_failed", redirect_url="http://127.0.0.1:9/callback")
    assert any("http://127.0.0.1:9/callback" in c for c in e2.causes)
    plain = diagnosis.error("dns", host="x")
    assert type(plain) is ServiceNowError and plain.exit_status == 1
    assert plain.to_dict() == {"ok": False, "error": "dns", "message": plain.message,
                               "hint": plain.hint}
    unknown = diagnosis.describe("no_such_code")
    assert unknown.code == "no_such_code" and unknown.message


# --- responses -------------------------------------------------------------------------------

def test_a_good_answer_is_no_problem() -> None:
    good = response(200, '{"result": {"user_name": "admin"}}')
    assert diagnose_response(good, INSTANCE) is None
    assert json_result(good, INSTANCE) == {"user_name": "admin"}


@pytest.mark.parametrize("status", [200, 302, 403, 503])
def test_hibernation_is_recognised_by_content_whatever_the_status(status: int) -> None:
    r = response(status, HIBERNATING_HTML, ctype="text/html")
    assert is_hibernating(r)
    problem = diagnose_response(r, INSTANCE)
    assert problem is not None and problem.code == "hibernating"
    assert WAKE_URL in problem.hint


def test_a_redirect_to_a_hibernation_page_is_hibernating() -> None:
    r = response(302, "", ctype="text/html",
                 headers={"Location": "https://developer.servicenow.com/hibernating.do"})
    problem = diagnose_response(r, INSTANCE)
    assert problem is not None and problem.code == "hibernating"


def test_html_is_not_servicenow() -> None:
    r = response(200, "<!DOCTYPE html><html><title>Portal</title></html>", ctype="text/html")
    problem = diagnose_response(r, INSTANCE)
    assert problem is not None and problem.code == "not_servicenow"
    assert "HTML page" in problem.message
    text = response(200, "hello", ctype="text/plain")
    assert diagnose_response(text, INSTANCE).code == "not_servicenow"  # type: ignore[union-attr]
    no_result = response(200, '{"data": 1}')
    with pytest.raises(ServiceNowError) as info:
        json_result(no_result, INSTANCE)
    assert info.value.code == "not_servicenow"


def test_redirects_to_a_login_page_or_another_host_are_explained() -> None:
    sso = response(302, "", ctype="text/html",
                   headers={"Location": "https://login.microsoftonline.com/saml2"})
    problem = diagnose_response(sso, INSTANCE)
    assert problem is not None and problem.code == "not_servicenow"
    assert "sign-in page at login.microsoftonline.com" in problem.message
    assert "SSO" in problem.hint and "OAuth" in problem.hint
    elsewhere = response(301, "", headers={"Location": "https://other.example.com/api"})
    problem = diagnose_response(elsewhere, INSTANCE)
    assert problem is not None and "redirects to other.example.com" in problem.message
    assert redirect_target(elsewhere, INSTANCE) is None
    same = response(307, "", headers={"Location": "/api/now/v2/ui/user/current_user"})
    assert redirect_target(same, INSTANCE) == INSTANCE.url("/api/now/v2/ui/user/current_user")
    login_here = response(302, "", headers={"Location": "/login.do?redirect=x"})
    assert redirect_target(login_here, INSTANCE) is None


def test_401_403_and_other_statuses() -> None:
    envelope = ('{"error": {"message": "User Not Authenticated", "detail": "Required"}, '
                '"status": "failure"}')
    unauthorized = diagnose_response(response(401, envelope), INSTANCE)
    assert unauthorized is not None and unauthorized.code == "unauthorized"
    assert "snc_basic_auth_api_access" in unauthorized.hint and "SSO" in unauthorized.hint
    rejected = diagnose_response(response(401, envelope), INSTANCE, auth_kind="oauth",
                                 profile="acme")
    assert rejected is not None and rejected.code == "token_rejected"
    assert "snow-wizard authorize acme" in rejected.hint
    forbidden_body = ('{"error": {"message": "Insufficient rights to query records"}, '
                      '"status": "failure"}')
    forbidden = diagnose_response(response(403, forbidden_body), INSTANCE)
    assert forbidden is not None and forbidden.code == "forbidden"
    assert "Insufficient rights to query records" in forbidden.message
    assert diagnose_response(response(404, '{"error": {}}'), INSTANCE) is None
    for status in (500, 502, 503, 504):
        problem = diagnose_response(response(status, "{}"), INSTANCE)
        assert problem is not None and problem.code == "server_error"
        assert f"HTTP {status}" in problem.message
    html_400 = diagnose_response(response(400, "<html></html>", ctype="text/html"), INSTANCE)
    assert html_400 is not None and html_400.code == "not_servicenow"


def test_rate_limit_diagnosis_and_retry_after_forms() -> None:
    r = response(429, '{"error": {"message": "Rate limit exceeded"}, "status": "failure"}',
                 headers={"Retry-After": "7", "X-RateLimit-Rule": "rule-1"})
    problem = diagnose_response(r, INSTANCE)
    assert problem is not None and problem.code == "rate_limited"
    assert "Rate limit exceeded" in problem.message
    assert "Wait 7 seconds" in problem.hint and "(rule-1)" in problem.hint
    assert retry_after_seconds(r) == 7.0
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after_seconds(response(429, headers={"Retry-After": date}), now=1_000_000) == 30
    reset = response(429, headers={"X-RateLimit-Reset": "1000012"})
    assert retry_after_seconds(reset, now=1_000_000) == 12
    assert retry_after_seconds(response(429, headers={"Retry-After": "soon"})) is None
    assert retry_after_seconds(response(429)) is None
    assert error_envelope_message(response(429, "not json", ctype="text/plain")) is None


# --- exceptions --------------------------------------------------------------------------------

def chained(outer: Exception, inner: BaseException) -> Exception:
    outer.__cause__ = inner
    return outer


def test_dns_connection_timeout_and_dropped_connections() -> None:
    dns = chained(httpx2.ConnectError("x"), socket.gaierror(-2, "Name or service not known"))
    assert diagnose_exception(dns, INSTANCE, timeout=15).code == "dns"
    refused = chained(httpx2.ConnectError("x"), ConnectionRefusedError(111, "refused"))
    assert diagnose_exception(refused, INSTANCE, timeout=15).code == "connection"
    slow = diagnose_exception(httpx2.ReadTimeout("slow"), INSTANCE, timeout=2.5)
    assert slow.code == "timeout" and "2.5 seconds" in slow.message
    assert diagnose_exception(httpx2.ConnectTimeout("x"), INSTANCE, timeout=1).code == "timeout"
    dropped = diagnose_exception(httpx2.RemoteProtocolError("peer closed"), INSTANCE, timeout=1)
    assert dropped.code == "connection" and "dropped" in dropped.message


@pytest.mark.parametrize(
    ("verify_code", "says"),
    [
        (18, "self-signed"),
        (19, "private or corporate certificate authority"),
        (20, "private or corporate certificate authority"),
        (10, "expired"),
        (62, "another host name"),
        (99, "odd failure"),
    ],
)
def test_tls_failures_say_why(verify_code: int, says: str) -> None:
    cert_error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cert_error.verify_code = verify_code
    cert_error.verify_message = "odd failure"
    exc = chained(httpx2.ConnectError("x"), cert_error)
    problem = diagnose_exception(exc, INSTANCE, timeout=15)
    assert problem.code == "tls"
    assert says in problem.message and INSTANCE.host in problem.message
    assert "never turned off" in problem.hint
    assert says in tls_detail(exc)


def test_other_ssl_errors_are_tls_too() -> None:
    handshake = ssl.SSLError(1, "wrong version number")
    handshake.reason = "WRONG_VERSION_NUMBER"
    problem = diagnose_exception(chained(httpx2.ConnectError("x"), handshake), INSTANCE, timeout=1)
    assert problem.code == "tls" and "WRONG_VERSION_NUMBER" in problem.message
