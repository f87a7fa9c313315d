"""The OAuth side over real HTTP: authorize, login, consent, token grants, refresh, revoke."""

from __future__ import annotations

import re
import time

import httpx2
import pytest
from sandbox_helpers import (
    DEMO_PASSWORD,
    TOKEN_FAILURE,
    authorize_params,
    bearer,
    callback_params,
    consent,
    get_code,
    pkce_pair,
    token_form,
)

from snow_wizard.sandbox import Sandbox
from snow_wizard.sandbox.browser import ConsentError

WHOAMI = "/api/now/ui/user/current_user"


def exchange(client: httpx2.Client, sb: Sandbox, code: str, **extra: str) -> httpx2.Response:
    app = sb.demo_app
    fields = {"grant_type": "authorization_code", "code": code,
              "redirect_uri": app.redirect_urls[0], **extra}
    return client.post("/oauth_token.do", data=token_form(app, **fields))


def test_code_flow_with_pkce(sb: Sandbox, client: httpx2.Client) -> None:
    verifier, challenge = pkce_pair()
    params = authorize_params(sb.demo_app, code_challenge=challenge,
                              code_challenge_method="S256")
    target, query = callback_params(consent(client, params))
    assert target == "http://127.0.0.1:8765/callback"
    assert query["state"] == params["state"] and query["code"]
    resp = exchange(client, sb, query["code"], code_verifier=verifier)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"access_token", "refresh_token", "scope", "token_type", "expires_in"}
    assert (body["scope"], body["token_type"]) == ("useraccount", "Bearer")
    assert body["expires_in"] == 1799
    assert len(body["access_token"]) >= 64 and len(body["refresh_token"]) >= 64
    assert resp.headers["content-type"] == "application/json;charset=UTF-8"
    assert resp.headers["cache-control"] == "no-store"
    me = client.get(WHOAMI, headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["result"]["user_name"] == "admin"
    assert body["access_token"] in sb.issued_tokens and sb.token_valid(body["access_token"])


def test_deny_redirects_with_access_denied(sb: Sandbox, client: httpx2.Client) -> None:
    params = authorize_params(sb.demo_app)
    target, query = callback_params(consent(client, params, action="deny"))
    assert target == sb.demo_app.redirect_urls[0]
    assert query == {"error": "access_denied", "state": params["state"]}


def test_redirect_trap_uses_first_registered_url(sb: Sandbox, client: httpx2.Client) -> None:
    app = sb.add_app("two urls", redirect_urls=["http://127.0.0.1:8765/callback",
                                                "http://localhost:9999/cb"])
    wrong = authorize_params(app, redirect_uri="http://localhost:8765/callback")
    target, query = callback_params(consent(client, wrong))
    assert target == "http://127.0.0.1:8765/callback" and "code" in query
    right = authorize_params(app, redirect_uri="http://localhost:9999/cb")
    target, _ = callback_params(consent(client, right))
    assert target == "http://localhost:9999/cb"
    missing = authorize_params(app)
    del missing["redirect_uri"]
    assert callback_params(consent(client, missing))[0] == "http://127.0.0.1:8765/callback"


def test_trapped_code_exchanges_only_with_the_url_used(sb: Sandbox,
                                                        client: httpx2.Client) -> None:
    code = get_code(client, sb.demo_app, redirect_uri="http://localhost:1/elsewhere")
    bad = exchange(client, sb, code, redirect_uri="http://localhost:1/elsewhere")
    assert bad.status_code == 401 and bad.json() == TOKEN_FAILURE
    assert exchange(client, sb, code).status_code == 200


@pytest.mark.parametrize("case", ["unknown", "inactive", "no_state", "response_type", "method"])
def test_authorize_errors_are_html_pages(sb: Sandbox, client: httpx2.Client, case: str) -> None:
    params = authorize_params(sb.demo_app)
    if case == "unknown":
        params["client_id"] = "f" * 32
    elif case == "inactive":
        sb.demo_app.active = False
    elif case == "no_state":
        params["state"] = ""
    elif case == "response_type":
        params["response_type"] = "token"
    else:
        params.update(code_challenge="abc", code_challenge_method="S512")
    resp = client.get("/oauth_auth.do", params=params)
    assert resp.status_code not in (301, 302, 303) and "location" not in resp.headers
    assert resp.headers["content-type"].startswith("text/html")
    assert "sysparm_pending" not in resp.text
    if case == "no_state":
        assert "Missing State parameter in request" in resp.text


def test_login_page_form_and_wrong_password(sb: Sandbox, client: httpx2.Client) -> None:
    page = client.get("/oauth_auth.do", params=authorize_params(sb.demo_app))
    for marker in ('name="user_name"', 'name="user_password"', 'id="sysverb_login"'):
        assert marker in page.text
    pending = re.search(r'name="sysparm_pending" value="([^"]*)"', page.text)
    assert pending is not None
    again = client.post("/oauth_login.do", data={
        "sysparm_pending": pending.group(1), "user_name": "admin", "user_password": "nope"})
    assert again.status_code == 200 and 'id="login_error"' in again.text
    assert 'id="sysverb_login"' in again.text
    early = client.post("/oauth_consent.do",
                        data={"sysparm_pending": pending.group(1), "action": "allow"})
    assert early.status_code == 200 and "location" not in early.headers  # not logged in yet
    stale = client.post("/oauth_consent.do", data={"sysparm_pending": "0" * 32, "action": "allow"})
    assert "location" not in stale.headers and "oauth_error" in stale.text


def test_sso_only_and_restricted_users_can_consent(sb: Sandbox, client: httpx2.Client) -> None:
    sb.add_user("sso.person", "Sso-pass-1", sso_only=True)
    sb.add_user("svc.restricted", "Restricted-1", basic_auth_restricted=True)
    for user, password in (("sso.person", "Sso-pass-1"), ("svc.restricted", "Restricted-1")):
        _, query = callback_params(consent(client, authorize_params(sb.demo_app),
                                           user=user, password=password))
        token = exchange(client, sb, query["code"]).json()["access_token"]
        me = client.get(WHOAMI, headers=bearer(token))
        assert me.json()["result"]["user_name"] == user


def test_code_is_single_use(sb: Sandbox, client: httpx2.Client) -> None:
    code = get_code(client, sb.demo_app)
    assert exchange(client, sb, code).status_code == 200
    again = exchange(client, sb, code)
    assert again.status_code == 401 and again.json() == TOKEN_FAILURE


def test_code_expires_after_60_seconds(sb: Sandbox, client: httpx2.Client) -> None:
    code = get_code(client, sb.demo_app)
    sb.advance_clock(61)
    assert exchange(client, sb, code).json() == TOKEN_FAILURE


def test_pkce_verifier_is_checked(sb: Sandbox, client: httpx2.Client) -> None:
    verifier, challenge = pkce_pair()
    other, _ = pkce_pair()
    code = get_code(client, sb.demo_app, code_challenge=challenge, code_challenge_method="S256")
    for wrong in ({"code_verifier": other}, {}, {"code_verifier": challenge}):
        resp = exchange(client, sb, code, **wrong)
        assert resp.status_code == 401 and resp.json() == TOKEN_FAILURE
    assert exchange(client, sb, code, code_verifier=verifier).status_code == 200


# Token calls spoiled in one way each (the rest of the password-grant form is right).
SPOILED: dict[str, dict[str, str]] = {
    "wrong_secret": {"client_secret": "wrong"},
    "unknown_client": {"client_id": "0" * 32},
    "no_client": {"client_id": "", "client_secret": ""},
    "wrong_password": {"password": "x"},
    "unknown_user": {"username": "ghost"},
    "client_credentials": {"grant_type": "client_credentials"},
    "bogus_grant": {"grant_type": "implicit"},
    "no_grant": {"grant_type": ""},
    "bad_code": {"grant_type": "authorization_code", "code": "nope"},
    "bad_refresh": {"grant_type": "refresh_token", "refresh_token": "nope"},
}


def failing_token_call(sb: Sandbox, client: httpx2.Client, case: str) -> httpx2.Response:
    app = sb.demo_app
    password = token_form(app, grant_type="password", username="admin", password=DEMO_PASSWORD)
    if case == "json_body":
        return client.post("/oauth_token.do", json=password)
    if case == "query_string":
        return client.post("/oauth_token.do", params=password)
    if case == "query_and_body":
        return client.post("/oauth_token.do", params={"grant_type": "password"}, data=password)
    if case == "get":
        return client.get("/oauth_token.do", params=password)
    changes = SPOILED[case]
    return client.post("/oauth_token.do", data={**password, **changes})


@pytest.mark.parametrize("case", ["json_body", "query_string", "query_and_body", "get",
                                  *SPOILED])
def test_every_token_failure_is_the_same_opaque_401(sb: Sandbox, client: httpx2.Client,
                                                    case: str) -> None:
    resp = failing_token_call(sb, client, case)
    assert resp.status_code == 401
    assert resp.json() == TOKEN_FAILURE
    assert resp.headers["content-type"] == "application/json;charset=UTF-8"


def test_password_grant_and_its_limits(sb: Sandbox, client: httpx2.Client) -> None:
    app = sb.demo_app
    ok = client.post("/oauth_token.do", data=token_form(
        app, grant_type="password", username="admin", password=DEMO_PASSWORD))
    assert ok.status_code == 200 and ok.json()["scope"] == "useraccount"
    sb.add_user("sso.person", "Sso-pass-1", sso_only=True)
    sso = client.post("/oauth_token.do", data=token_form(
        app, grant_type="password", username="sso.person", password="Sso-pass-1"))
    assert sso.status_code == 401 and sso.json() == TOKEN_FAILURE
    sb.add_user("svc.restricted", "Restricted-1", basic_auth_restricted=True)
    restricted = client.post("/oauth_token.do", data=token_form(
        app, grant_type="password", username="svc.restricted", password="Restricted-1"))
    assert restricted.status_code == 200  # the Basic Auth Restriction does not apply to OAuth


def test_client_auth_with_basic_header(sb: Sandbox, client: httpx2.Client) -> None:
    app = sb.demo_app
    form = {"grant_type": "password", "username": "admin", "password": DEMO_PASSWORD}
    ok = client.post("/oauth_token.do", data=form, auth=(app.client_id, app.client_secret))
    assert ok.status_code == 200
    bad = client.post("/oauth_token.do", data=form, auth=(app.client_id, "wrong"))
    assert bad.status_code == 401 and bad.json() == TOKEN_FAILURE


def test_code_of_another_client_is_refused(sb: Sandbox, client: httpx2.Client) -> None:
    other = sb.add_app("other", redirect_urls=sb.demo_app.redirect_urls)
    code = get_code(client, other)
    resp = exchange(client, sb, code)  # presented by the demo app
    assert resp.status_code == 401 and resp.json() == TOKEN_FAILURE


def test_inactive_app_fails_every_grant_and_its_tokens(sb: Sandbox,
                                                       client: httpx2.Client) -> None:
    app = sb.demo_app
    tokens = client.post("/oauth_token.do", data=token_form(
        app, grant_type="password", username="admin", password=DEMO_PASSWORD)).json()
    code = get_code(client, app)
    app.active = False
    assert exchange(client, sb, code).json() == TOKEN_FAILURE
    refresh = client.post("/oauth_token.do", data=token_form(
        app, grant_type="refresh_token", refresh_token=tokens["refresh_token"]))
    assert refresh.status_code == 401 and refresh.json() == TOKEN_FAILURE
    assert client.get(WHOAMI, headers=bearer(tokens["access_token"])).status_code == 401


def test_refresh_returns_a_new_access_token_and_the_same_refresh_token(
    sb: Sandbox, client: httpx2.Client
) -> None:
    first = exchange(client, sb, get_code(client, sb.demo_app)).json()
    resp = client.post("/oauth_token.do", data=token_form(
        sb.demo_app, grant_type="refresh_token", refresh_token=first["refresh_token"]))
    assert resp.status_code == 200
    second = resp.json()
    assert second["refresh_token"] == first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert client.get(WHOAMI, headers=bearer(second["access_token"])).status_code == 200


def test_access_token_expires_with_a_tiny_lifespan(sb: Sandbox, client: httpx2.Client) -> None:
    app = sb.add_app("short", redirect_urls=["http://127.0.0.1:8765/callback"],
                     access_token_lifespan=1, refresh_token_lifespan=60)
    body = client.post("/oauth_token.do", data=token_form(
        app, grant_type="password", username="admin", password=DEMO_PASSWORD)).json()
    assert body["expires_in"] == 0
    assert client.get(WHOAMI, headers=bearer(body["access_token"])).status_code == 200
    time.sleep(1.1)
    expired = client.get(WHOAMI, headers=bearer(body["access_token"]))
    assert expired.status_code == 401
    assert expired.json()["error"]["message"] == "User Not Authenticated"
    fresh = client.post("/oauth_token.do", data=token_form(
        app, grant_type="refresh_token", refresh_token=body["refresh_token"])).json()
    assert client.get(WHOAMI, headers=bearer(fresh["access_token"])).status_code == 200


def test_refresh_token_expires(sb: Sandbox, client: httpx2.Client) -> None:
    app = sb.add_app("short", redirect_urls=["http://127.0.0.1:8765/callback"],
                     access_token_lifespan=2, refresh_token_lifespan=2)
    body = client.post("/oauth_token.do", data=token_form(
        app, grant_type="password", username="admin", password=DEMO_PASSWORD)).json()
    sb.advance_clock(2.5)
    resp = client.post("/oauth_token.do", data=token_form(
        app, grant_type="refresh_token", refresh_token=body["refresh_token"]))
    assert resp.status_code == 401 and resp.json() == TOKEN_FAILURE


def test_expire_access_tokens_helper(sb: Sandbox, client: httpx2.Client) -> None:
    body = exchange(client, sb, get_code(client, sb.demo_app)).json()
    sb.expire_access_tokens()
    assert client.get(WHOAMI, headers=bearer(body["access_token"])).status_code == 401
    assert not sb.token_valid(body["access_token"]) and not sb.revoked(body["access_token"])
    refreshed = client.post("/oauth_token.do", data=token_form(
        sb.demo_app, grant_type="refresh_token", refresh_token=body["refresh_token"]))
    assert refreshed.status_code == 200


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
@pytest.mark.parametrize("how", ["GET", "POST"])
def test_revoke_kills_the_pair(sb: Sandbox, client: httpx2.Client, which: str, how: str) -> None:
    body = exchange(client, sb, get_code(client, sb.demo_app)).json()
    if how == "GET":
        resp = client.get("/oauth_revoke_token.do", params={"token": body[which]})
    else:
        resp = client.post("/oauth_revoke_token.do", data={"token": body[which]})
    assert resp.status_code == 200
    assert sb.revoked(body["access_token"]) and sb.revoked(body["refresh_token"])
    assert client.get(WHOAMI, headers=bearer(body["access_token"])).status_code == 401
    refresh = client.post("/oauth_token.do", data=token_form(
        sb.demo_app, grant_type="refresh_token", refresh_token=body["refresh_token"]))
    assert refresh.status_code == 401 and refresh.json() == TOKEN_FAILURE


def test_revoke_unknown_token_is_still_200(sb: Sandbox, client: httpx2.Client) -> None:
    assert client.get("/oauth_revoke_token.do", params={"token": "nope"}).status_code == 200
    assert client.post("/oauth_revoke_token.do").status_code == 200
    assert not sb.revoked("nope")


def test_scripted_consent_helper(sb: Sandbox, client: httpx2.Client) -> None:
    verifier, challenge = pkce_pair()
    params = authorize_params(sb.demo_app, code_challenge=challenge,
                              code_challenge_method="S256")
    url = str(client.build_request("GET", "/oauth_auth.do", params=params).url)
    location = sb.consent(url)
    assert location.startswith("http://127.0.0.1:8765/callback?code=")
    code = re.search(r"code=([^&]+)", location)
    assert code is not None and f"state={params['state']}" in location
    assert exchange(client, sb, code.group(1), code_verifier=verifier).status_code == 200
    denied = sb.consent(str(client.build_request(
        "GET", "/oauth_auth.do", params=authorize_params(sb.demo_app)).url), allow=False)
    assert "error=access_denied" in denied
    with pytest.raises(ConsentError, match="User name or password invalid"):
        sb.consent(url, password="wrong")
    params["state"] = ""
    bad = str(client.build_request("GET", "/oauth_auth.do", params=params).url)
    with pytest.raises(ConsentError, match="Missing State parameter"):
        sb.consent(bad)
