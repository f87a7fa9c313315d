"""Every parser of outside input, fed generated input: it answers or raises the product's own
error (a SnowWizardError with a code), never anything else, and never echoes a secret.

Parsers: what the user types as an instance or endpoint URL, an imported profile file, a token
endpoint answer, and any HTTP answer to the credentials test.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardening.figures import GENERATED, record
from snow_wizard.core import oauth
from snow_wizard.core.connections import profile_from_export
from snow_wizard.core.instance import parse_endpoint_url, parse_instance
from snow_wizard.core.profiles import OAuthSettings
from snow_wizard.core.responses import diagnose_response
from snow_wizard.errors import ServiceNowError, SnowWizardError, UsageError

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECRET = "Pw-Zq9~leak"
SECRET_WITH_SEPARATORS = "Pw/Zq9?le#ak"
INSTANCE = parse_instance("acme")
SETTINGS = OAuthSettings.for_instance(INSTANCE, "cid")

URLISH = st.one_of(
    st.text(max_size=80),
    st.builds(lambda scheme, user, host, port, path: f"{scheme}{user}{host}{port}{path}",
              st.sampled_from(["", "https://", "http://", "HTTPS://", "ftp://", "//", "https:/"]),
              st.sampled_from(["", f"admin:{SECRET}@", f"{SECRET}@", "a@b@",
                               f"admin:{SECRET_WITH_SEPARATORS}@"]),
              st.sampled_from(["acme", "acme.service-now.com", "127.0.0.1", "[::1]", "localhost",
                               "snow.example.com", "xn--nxasmq6b.com", "a..b", "-x-", "", "ä.com",
                               "256.1.1.1", "[fe80::1%eth0]", "0x7f.1"]),
              st.sampled_from(["", ":443", ":0", ":99999", ":8080", ":-1", ":abc", ":"]),
              st.sampled_from(["", "/", "/now/nav/ui", "?x=1", "#f", " /x", "/%2e%2e"])),
)


@FUZZ
@given(text=URLISH)
def test_instance_and_endpoint_url_parsers(text: str) -> None:
    record(GENERATED, "instance / endpoint URL parser")
    for parse in (parse_instance, lambda t: parse_endpoint_url(t, what="token URL")):
        try:
            result = parse(text)
        except UsageError as e:
            assert e.code in ("invalid_instance", "usage"), e.code
            for secret in (SECRET, SECRET_WITH_SEPARATORS, "Zq9"):  # typed into the URL
                assert secret not in e.message + e.hint, e.message
            continue
        base = result if isinstance(result, str) else result.base_url
        assert "Zq9" not in base and "@" not in base and not any(c.isspace() for c in base)
        if not isinstance(result, str):
            assert parse_instance(result.base_url).base_url == result.base_url  # idempotent


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=15,
)
EXPORT_FIELDS = st.fixed_dictionaries(
    {"snow_wizard_profile": st.sampled_from([1, 1, 1, 2, "1", None])},
    optional={"name": st.text(max_size=20) | JSON, "instance": URLISH | JSON,
              "auth": st.sampled_from(["basic", "oauth", "saml"]) | JSON,
              "mode": st.sampled_from(["pre-authorize", "user-authorize", "x"]) | JSON,
              "username": st.text(max_size=20) | JSON,
              "oauth": st.fixed_dictionaries({}, optional={
                  "client_id": st.text(max_size=20) | JSON, "token_url": URLISH | JSON,
                  "redirect_port": st.integers(-5, 70000) | JSON,
                  "client_auth": st.sampled_from(["body", "basic", "x"]) | JSON}) | JSON},
)


@FUZZ
@given(data=EXPORT_FIELDS | JSON)
def test_imported_profile_files(data: Any) -> None:
    record(GENERATED, "imported profile file parser")
    try:
        profile = profile_from_export(data)
    except SnowWizardError as e:
        assert isinstance(e, UsageError), type(e)
        return
    assert profile.name and profile.instance.startswith(("https://", "http://"))


def _response(status: int, body: bytes, headers: dict[str, str]) -> httpx2.Response:
    request = httpx2.Request("GET", "https://acme.service-now.com/api/now/ui/user/current_user")
    return httpx2.Response(status, content=body, headers=headers, request=request)


BODIES = st.one_of(
    st.binary(max_size=300),
    JSON.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"<html><h1>Your instance is hibernating</h1></html>",
                     b'{"result": {"user_name": "admin"}}', b'{"access_token": ""}',
                     b'{"access_token": "t", "expires_in": "soon"}', b'{"error": "x"}',
                     b'{"access_token": "t", "refresh_token": null, "expires_in": 1e308}']),
)
HEADERS = st.fixed_dictionaries({}, optional={
    "Content-Type": st.sampled_from(["application/json", "text/html", "application/json;x",
                                     "", "text/plain"]),
    "Retry-After": st.sampled_from(["1", "-5", "Wed, 21 Oct 2015 07:28:00 GMT", "soon", "1e9"]),
    "X-RateLimit-Reset": st.sampled_from(["0", "abc", "99999999999"]),
    "Location": st.sampled_from(["/login.do", "https://evil.example/", "//x", "::", "/ok"]),
    "X-Total-Count": st.sampled_from(["3", "x", "-1"]),
})


@FUZZ
@given(status=st.sampled_from([200, 201, 204, 301, 302, 400, 401, 403, 404, 429, 500, 503, 599]),
       body=BODIES, headers=HEADERS, kind=st.sampled_from(["basic", "oauth"]))
def test_answers_to_the_credentials_test(status: int, body: bytes, headers: dict[str, str],
                                         kind: str) -> None:
    record(GENERATED, "ServiceNow answer diagnosis")
    problem = diagnose_response(_response(status, body, headers), INSTANCE, auth_kind=kind)
    assert problem is None or (isinstance(problem, ServiceNowError) and problem.message)


@FUZZ
@given(status=st.sampled_from([200, 400, 401, 403, 302, 500, 503]), body=BODIES,
       headers=HEADERS, step=st.sampled_from(["code", "refresh", "password"]))
def test_token_endpoint_answers(status: int, body: bytes, headers: dict[str, str],
                                step: str) -> None:
    record(GENERATED, "token endpoint answer parser")
    request = {"code": lambda: oauth.code_request(SETTINGS, SECRET, "c", "v"),
               "refresh": lambda: oauth.refresh_request(SETTINGS, SECRET, "r"),
               "password": lambda: oauth.password_request(SETTINGS, SECRET, "u", SECRET)}[step]()
    try:
        tokens = oauth.parse_token_response(_response(status, body, headers), request,
                                            previous_refresh_token="old-refresh")
    except ServiceNowError as e:
        assert SECRET not in e.message + e.hint + "".join(e.causes)
        return
    assert tokens.access_token and tokens.expires_at > 0
