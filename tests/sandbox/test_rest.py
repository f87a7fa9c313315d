"""The REST side over real HTTP: who-am-I, the Table API, auth failures, ACL filtering, pages."""

from __future__ import annotations

import httpx2
import pytest
from sandbox_helpers import DEMO_PASSWORD, UNAUTHENTICATED, new_client

from snow_wizard.sandbox import Sandbox

JSON = "application/json;charset=UTF-8"
ADMIN = ("admin", DEMO_PASSWORD)


def test_current_user_with_basic_auth(sb: Sandbox, client: httpx2.Client) -> None:
    resp = client.get("/api/now/ui/user/current_user", auth=ADMIN)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == JSON
    result = resp.json()["result"]
    assert result["user_name"] == "admin"
    assert result["user_sys_id"] == sb.demo_user.sys_id
    assert len(sb.demo_user.sys_id) == 32 and int(sb.demo_user.sys_id, 16) >= 0
    assert (result["first_name"], result["last_name"]) == ("System", "Administrator")


@pytest.mark.parametrize("auth", [None, ("admin", "wrong"), ("nobody", DEMO_PASSWORD)])
def test_unauthenticated_envelope(client: httpx2.Client, auth: tuple[str, str] | None) -> None:
    resp = client.get("/api/now/ui/user/current_user", auth=auth)
    assert resp.status_code == 401
    assert resp.json() == UNAUTHENTICATED
    assert resp.headers["www-authenticate"] == 'Basic realm="Service-now"'
    assert resp.headers["content-type"] == JSON


def test_malformed_basic_header_is_401(client: httpx2.Client) -> None:
    resp = client.get("/api/now/table/sys_user", headers={"Authorization": "Basic %%%"})
    assert resp.status_code == 401 and resp.json() == UNAUTHENTICATED


def test_basic_auth_restricted_user_refused_with_right_password(
    sb: Sandbox, client: httpx2.Client
) -> None:
    sb.add_user("svc.restricted", "Right-pass-1", basic_auth_restricted=True)
    resp = client.get("/api/now/ui/user/current_user", auth=("svc.restricted", "Right-pass-1"))
    assert resp.status_code == 401 and resp.json() == UNAUTHENTICATED


def test_sso_only_user_cannot_use_basic(sb: Sandbox, client: httpx2.Client) -> None:
    sb.add_user("sso.person", "Given-pass-1", sso_only=True)
    resp = client.get("/api/now/ui/user/current_user", auth=("sso.person", "Given-pass-1"))
    assert resp.status_code == 401


def test_added_user_can_log_in(sb: Sandbox, client: httpx2.Client) -> None:
    user = sb.add_user("jane.doe", "Jane-pass-1", first_name="Jane", last_name="Doe")
    resp = client.get("/api/now/ui/user/current_user", auth=("jane.doe", "Jane-pass-1"))
    assert resp.json()["result"]["user_sys_id"] == user.sys_id
    assert resp.json()["result"]["first_name"] == "Jane"


def test_bearer_token_unknown_is_401(client: httpx2.Client) -> None:
    resp = client.get("/api/now/ui/user/current_user", headers={"Authorization": "Bearer x" * 3})
    assert resp.status_code == 401 and resp.json() == UNAUTHENTICATED


def test_table_sys_user_by_user_name(sb: Sandbox, client: httpx2.Client) -> None:
    resp = client.get("/api/now/table/sys_user", auth=ADMIN, params={
        "sysparm_query": "user_name=admin", "sysparm_limit": "1",
        "sysparm_fields": "sys_id,user_name,name",
    })
    assert resp.status_code == 200
    assert resp.headers["x-total-count"] == "1"
    assert resp.json() == {"result": [
        {"sys_id": sb.demo_user.sys_id, "user_name": "admin", "name": "System Administrator"},
    ]}


def test_table_limit_offset_and_total(client: httpx2.Client) -> None:
    everyone = client.get("/api/now/table/sys_user", auth=ADMIN).json()["result"]
    assert len(everyone) >= 3
    resp = client.get("/api/now/table/sys_user", auth=ADMIN,
                      params={"sysparm_limit": "1", "sysparm_offset": "1"})
    assert resp.headers["x-total-count"] == str(len(everyone))
    assert resp.json()["result"] == [everyone[1]]


def test_table_query_with_several_terms(client: httpx2.Client) -> None:
    params = {"sysparm_query": "first_name=Abel^last_name=Tuter", "sysparm_fields": "user_name"}
    resp = client.get("/api/now/table/sys_user", auth=ADMIN, params=params)
    assert resp.json()["result"] == [{"user_name": "abel.tuter"}]
    params["sysparm_query"] = "first_name=Abel^last_name=Anglin"
    resp = client.get("/api/now/table/sys_user", auth=ADMIN, params=params)
    assert resp.json()["result"] == [] and resp.headers["x-total-count"] == "0"
    params["sysparm_query"] = "user_name!=admin^ORDERBYuser_name"
    names = {r["user_name"] for r in client.get(
        "/api/now/table/sys_user", auth=ADMIN, params=params).json()["result"]}
    assert "admin" not in names and "abel.tuter" in names


def test_acl_filters_rows_but_total_count_tells(sb: Sandbox, client: httpx2.Client) -> None:
    sb.add_user("no.reader", "Reader-pass-1", can_read_users=False)
    resp = client.get("/api/now/table/sys_user", auth=("no.reader", "Reader-pass-1"),
                      params={"sysparm_query": "user_name=admin", "sysparm_limit": "1"})
    assert resp.status_code == 200
    assert resp.json() == {"result": []}
    assert resp.headers["x-total-count"] == "1"
    # the same user still reads its own who-am-I and other tables
    assert client.get("/api/now/ui/user/current_user",
                      auth=("no.reader", "Reader-pass-1")).status_code == 200
    incidents = client.get("/api/now/table/incident", auth=("no.reader", "Reader-pass-1"))
    assert len(incidents.json()["result"]) == 3


def test_incident_table_and_single_record(client: httpx2.Client) -> None:
    resp = client.get("/api/now/table/incident", auth=ADMIN,
                      params={"sysparm_query": "active=true", "sysparm_fields": "number,sys_id"})
    rows = resp.json()["result"]
    assert [r["number"] for r in rows] == ["INC0010001", "INC0010002"]
    one = client.get(f"/api/now/table/incident/{rows[0]['sys_id']}", auth=ADMIN)
    assert one.json()["result"]["number"] == "INC0010001"
    missing = client.get("/api/now/table/incident/" + "0" * 32, auth=ADMIN)
    assert missing.status_code == 404 and missing.json()["status"] == "failure"


@pytest.mark.parametrize("path", ["/api/now/table/no_such_table", "/api/now/nothing/here",
                                  "/api/now/table/sys_user/a/b"])
def test_unknown_api_paths_use_the_envelope(client: httpx2.Client, path: str) -> None:
    resp = client.get(path, auth=ADMIN)
    assert resp.status_code in (400, 404)
    body = resp.json()
    assert body["status"] == "failure" and body["error"]["message"]


def test_bad_limit_is_an_envelope(client: httpx2.Client) -> None:
    resp = client.get("/api/now/table/sys_user", auth=ADMIN, params={"sysparm_limit": "ten"})
    assert resp.status_code == 400 and resp.json()["status"] == "failure"


def test_writes_are_not_supported(client: httpx2.Client) -> None:
    resp = client.post("/api/now/table/incident", auth=ADMIN, json={"short_description": "x"})
    assert resp.status_code == 405 and resp.json()["status"] == "failure"


def test_home_and_registry_pages_are_html_without_secrets(sb: Sandbox,
                                                          client: httpx2.Client) -> None:
    home = client.get("/")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    registry = client.get("/oauth_entity_list.do")
    assert registry.headers["content-type"].startswith("text/html")
    assert sb.demo_app.name in registry.text and sb.demo_app.client_id in registry.text
    assert sb.demo_app.client_secret not in registry.text
    assert DEMO_PASSWORD not in registry.text + home.text
    assert client.get("/no_such_page.do").headers["content-type"].startswith("text/html")


def test_requests_are_logged_without_bodies(sb: Sandbox, client: httpx2.Client) -> None:
    sb.clear_requests()
    client.post("/oauth_token.do", data={"grant_type": "password", "password": DEMO_PASSWORD})
    client.get("/api/now/table/sys_user", params={"sysparm_limit": "1"})
    assert sb.requests == [("POST", "/oauth_token.do"),
                           ("GET", "/api/now/table/sys_user?sysparm_limit=1")]
    assert DEMO_PASSWORD not in repr(sb.requests)


def test_reprs_mask_secrets(sb: Sandbox) -> None:
    text = repr(sb) + repr(sb.demo_user) + repr(sb.demo_app)
    assert DEMO_PASSWORD not in text and sb.demo_app.client_secret not in text
    assert sb.demo_app.client_id in text


def test_defaults_of_a_new_sandbox() -> None:
    a, b = Sandbox(), Sandbox()
    assert a.demo_user.password != b.demo_user.password
    assert a.demo_app.client_secret != b.demo_app.client_secret
    app = a.demo_app
    assert app.name == "snow-wizard demo" and len(app.client_id) == 32
    assert app.redirect_urls == ["http://127.0.0.1:8765/callback"]
    assert (app.access_token_lifespan, app.refresh_token_lifespan) == (1800, 8640000)
    assert app.active and a.port == 0
    c = Sandbox(demo_client_id="c" * 32, demo_client_secret="s3cr3t",
                redirect_urls=["http://localhost:9000/cb"])
    assert (c.demo_app.client_id, c.demo_app.client_secret) == ("c" * 32, "s3cr3t")
    assert c.demo_app.redirect_urls == ["http://localhost:9000/cb"]


def test_stop_closes_the_port(client: httpx2.Client) -> None:
    sandbox = Sandbox().start()
    url = sandbox.url
    assert url.startswith("http://127.0.0.1:") and sandbox.port > 0
    with new_client(timeout=2) as c:
        assert c.get(url + "/").status_code == 200  # a kept-alive connection
        sandbox.stop()
        with pytest.raises(httpx2.TransportError):
            c.get(url + "/")
    sandbox.stop()  # idempotent
