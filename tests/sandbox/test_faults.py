"""Fault injection: hibernation, foreign pages, delay, 429, 500, resets, 404 who-am-I, 403."""

from __future__ import annotations

import time

import httpx2
import pytest
from sandbox_helpers import DEMO_PASSWORD, token_form

from snow_wizard.sandbox import Sandbox

ADMIN = ("admin", DEMO_PASSWORD)
WHOAMI = "/api/now/ui/user/current_user"
EVERY_KIND_OF_URL = [WHOAMI, "/api/now/table/sys_user", "/oauth_token.do", "/oauth_auth.do",
                     "/", "/oauth_entity_list.do", "/anything/at/all"]


@pytest.mark.parametrize("path", EVERY_KIND_OF_URL)
def test_hibernating_instance_answers_the_same_html_everywhere(
    sb: Sandbox, client: httpx2.Client, path: str
) -> None:
    sb.faults.hibernating = True
    resp = client.get(path, auth=ADMIN)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert "<h1>Your instance is hibernating</h1>" in resp.text
    assert 'class="instance-hibernating-page"' in resp.text
    assert 'href="https://developer.servicenow.com/dev.do"' in resp.text
    assert client.post(path, data={"a": "b"}).text == resp.text


@pytest.mark.parametrize("path", EVERY_KIND_OF_URL)
def test_not_servicenow_answers_a_generic_page(sb: Sandbox, client: httpx2.Client,
                                               path: str) -> None:
    sb.faults.not_servicenow = True
    resp = client.get(path, auth=ADMIN)
    assert resp.headers["content-type"].startswith("text/html")
    assert "hibernating" not in resp.text and "ServiceNow" not in resp.text
    assert resp.text.lstrip().startswith("<!DOCTYPE html>")


def test_delay_applies_to_api_and_token_calls(sb: Sandbox, client: httpx2.Client) -> None:
    sb.faults.delay = 0.3
    started = time.monotonic()
    client.get(WHOAMI, auth=ADMIN)
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    client.post("/oauth_token.do", data={"grant_type": "password"})
    assert time.monotonic() - started >= 0.3
    with pytest.raises(httpx2.ReadTimeout):
        client.get(WHOAMI, auth=ADMIN, timeout=0.1)


def test_rate_limit_after_n_calls(sb: Sandbox, client: httpx2.Client) -> None:
    sb.faults.retry_after = 7
    sb.faults.rate_limit_after = 2
    assert [client.get(WHOAMI, auth=ADMIN).status_code for _ in range(2)] == [200, 200]
    before = int(time.time())
    resp = client.get(WHOAMI, auth=ADMIN)
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "7"
    assert resp.headers["x-ratelimit-limit"] == "2"
    assert before + 7 <= int(resp.headers["x-ratelimit-reset"]) <= int(time.time()) + 8
    assert resp.headers["x-ratelimit-rule"]
    body = resp.json()
    assert body["status"] == "failure" and body["error"]["message"] == "Rate limit exceeded"
    assert client.get("/api/now/table/sys_user", auth=ADMIN).status_code == 429
    # token calls are not API calls
    token = client.post("/oauth_token.do", data=token_form(
        sb.demo_app, grant_type="password", username="admin", password=DEMO_PASSWORD))
    assert token.status_code == 200
    sb.faults.rate_limit_after = 5  # setting it again starts counting again
    assert client.get(WHOAMI, auth=ADMIN).status_code == 200
    sb.reset_faults()
    assert sb.faults.rate_limit_after is None
    assert client.get(WHOAMI, auth=ADMIN).status_code == 200


def test_server_errors_count_down(sb: Sandbox, client: httpx2.Client) -> None:
    sb.faults.server_errors = 2
    first, second = (client.get(WHOAMI, auth=ADMIN) for _ in range(2))
    for resp in (first, second):
        assert resp.status_code == 500
        assert resp.json()["status"] == "failure" and resp.json()["error"]["message"]
    assert client.get(WHOAMI, auth=ADMIN).status_code == 200
    assert sb.faults.server_errors == 0


def test_server_errors_do_not_touch_the_token_endpoint(sb: Sandbox,
                                                        client: httpx2.Client) -> None:
    sb.faults.server_errors = 1
    token = client.post("/oauth_token.do", data=token_form(
        sb.demo_app, grant_type="password", username="admin", password=DEMO_PASSWORD))
    assert token.status_code == 200 and sb.faults.server_errors == 1


def test_reset_connections(sb: Sandbox, client: httpx2.Client) -> None:
    sb.faults.reset_connections = 2
    for _ in range(2):
        with pytest.raises(httpx2.TransportError):
            client.get(WHOAMI, auth=ADMIN)
    assert client.get(WHOAMI, auth=ADMIN).status_code == 200
    assert sb.faults.reset_connections == 0


def test_current_user_404_leaves_the_table_api(sb: Sandbox, client: httpx2.Client) -> None:
    sb.faults.current_user_404 = True
    resp = client.get(WHOAMI, auth=ADMIN)
    assert resp.status_code == 404 and resp.json()["status"] == "failure"
    assert client.get(WHOAMI).status_code == 401  # authentication still comes first
    table = client.get("/api/now/table/sys_user", auth=ADMIN,
                       params={"sysparm_query": "user_name=admin"})
    assert table.status_code == 200 and table.json()["result"][0]["user_name"] == "admin"


def test_forbidden(sb: Sandbox, client: httpx2.Client) -> None:
    sb.faults.forbidden = True
    for path in (WHOAMI, "/api/now/table/sys_user"):
        resp = client.get(path, auth=ADMIN)
        assert resp.status_code == 403
        body = resp.json()
        assert body["status"] == "failure"
        assert body["error"]["message"] == "Insufficient rights to query records"
        assert body["error"]["detail"]
    assert client.get(WHOAMI).status_code == 401


def test_reset_faults_in_place(sb: Sandbox, client: httpx2.Client) -> None:
    faults = sb.faults
    faults.hibernating = faults.forbidden = faults.current_user_404 = True
    faults.server_errors, faults.delay = 3, 0.5
    sb.reset_faults()
    assert faults is sb.faults
    assert not (faults.hibernating or faults.forbidden or faults.current_user_404)
    assert (faults.server_errors, faults.delay) == (0, 0.0)
    assert client.get(WHOAMI, auth=ADMIN).status_code == 200


def test_faults_are_switchable_while_running(sb: Sandbox, client: httpx2.Client) -> None:
    assert client.get(WHOAMI, auth=ADMIN).status_code == 200
    sb.faults.hibernating = True
    assert "hibernating" in client.get(WHOAMI, auth=ADMIN).text
    sb.faults.hibernating = False
    assert client.get(WHOAMI, auth=ADMIN).status_code == 200
