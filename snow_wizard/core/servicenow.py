"""The ServiceNow credentials test (the HTTP clients and auth objects, from ``http_client``, are
re-exported here).

``test_credentials`` calls ``GET /api/now/ui/user/current_user`` (falling back to the Table API
on 404) and turns every failure into a ``ServiceNowError`` whose ``code`` is a diagnosis code.
The decisions are pure functions over a response or an exception (``diagnose_response``,
``diagnose_exception``), so each can be unit tested without a network.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx2

from snow_wizard.core.diagnosis import error
from snow_wizard.core.http_client import (
    BearerAuth,
    basic_auth,
    make_async_client,
    make_client,
    prepare_ssl_context,
    ssl_context,
)
from snow_wizard.core.instance import Instance
from snow_wizard.core.responses import (
    RETRYABLE_STATUSES,
    diagnose_exception,
    diagnose_response,
    is_hibernating,
    json_result,
    redirect_target,
    retry_after_seconds,
)
from snow_wizard.errors import ServiceNowError

__all__ = [
    "CURRENT_USER_PATH",
    "TABLE_USER_PATH",
    "BearerAuth",
    "TestResult",
    "basic_auth",
    "diagnose_exception",
    "diagnose_response",
    "make_async_client",
    "make_client",
    "ssl_context",
    "test_credentials",
]

CURRENT_USER_PATH = "/api/now/ui/user/current_user"
TABLE_USER_PATH = "/api/now/table/sys_user"
RETRY_BUDGET_S = 10.0  # the most test_credentials waits in total for 429/5xx retries
MAX_REDIRECTS = 3

@dataclass(frozen=True)
class TestResult:
    """A successful credentials test: who we are, where, how, and how fast."""

    __test__ = False  # not a pytest test class

    instance: str
    auth: str
    user_name: str
    latency_ms: float
    user_sys_id: str | None = None
    display_name: str | None = None
    profile: str | None = None

    def to_dict(self) -> dict[str, Any]:
        fields = asdict(self)
        data: dict[str, Any] = {"ok": True, "profile": fields.pop("profile")}
        data.update(fields)
        data["latency_ms"] = round(self.latency_ms, 1)
        return data


@dataclass
class _Call:
    """One logical GET with its retry state."""

    instance: Instance
    client: httpx2.AsyncClient
    auth: httpx2.Auth
    timeout: float
    max_retries: int
    spent: float = 0.0  # seconds slept on retries so far


async def test_credentials(
    instance: Instance,
    auth: httpx2.Auth,
    *,
    auth_kind: str,
    client: httpx2.AsyncClient | None = None,
    timeout: float = 15.0,
    max_retries: int = 3,
    profile: str | None = None,
) -> TestResult:
    """Who am I, on ``instance`` with ``auth``; raise ServiceNowError with a diagnosis code."""
    own = client is None
    if own:
        await prepare_ssl_context()
    http = client if client is not None else make_async_client(timeout=timeout)
    call = _Call(instance, http, auth, timeout, max_retries)
    try:
        response, latency = await _get(call, CURRENT_USER_PATH, None)
        if response.status_code == 404 and not is_hibernating(response):
            return await _table_fallback(call, auth_kind, profile)
        _raise_for(response, instance, auth_kind, profile)
        result = json_result(response, instance)
        if not isinstance(result, dict) or not result.get("user_name"):
            raise error("not_servicenow", instance=instance, detail="current_user has no user_name")
        names = (str(result.get("first_name") or ""), str(result.get("last_name") or ""))
        return TestResult(
            instance=instance.base_url,
            auth=auth_kind,
            user_name=str(result["user_name"]),
            latency_ms=latency,
            user_sys_id=result.get("user_sys_id") or None,
            display_name=" ".join(n for n in names if n) or None,
            profile=profile,
        )
    finally:
        if own:
            await http.aclose()


test_credentials.__test__ = False  # type: ignore[attr-defined]


async def _table_fallback(call: _Call, auth_kind: str, profile: str | None) -> TestResult:
    """current_user answered 404: look the user up in sys_user by name (Basic knows it)."""
    username = getattr(call.auth, "username", None)
    if not username:
        raise _no_fallback(call.instance)
    params = {
        "sysparm_query": f"user_name={username}",
        "sysparm_limit": "1",
        "sysparm_fields": "sys_id,user_name,name",
    }
    response, latency = await _get(call, TABLE_USER_PATH, params)
    _raise_for(response, call.instance, auth_kind, profile)
    if response.status_code == 404:
        raise error("not_servicenow", instance=call.instance, detail="the Table API answered 404")
    rows = json_result(response, call.instance)
    if not isinstance(rows, list):
        raise error(
            "not_servicenow", instance=call.instance, detail="Table API result is not a list"
        )
    if not rows:
        total = _total_count(response)
        if total > 0:
            raise error("acl_filtered", total=total, instance=call.instance)
        row: dict[str, Any] = {"user_name": username}
    else:
        row = rows[0] if isinstance(rows[0], dict) else {}
    return TestResult(
        instance=call.instance.base_url,
        auth=auth_kind,
        user_name=str(row.get("user_name") or username),
        latency_ms=latency,
        user_sys_id=row.get("sys_id") or None,
        display_name=row.get("name") or None,
        profile=profile,
    )


def _no_fallback(instance: Instance) -> ServiceNowError:
    """current_user answered 404 and the user name is not known (OAuth): nothing to ask."""
    e = error("not_servicenow", instance=instance, detail=f"{CURRENT_USER_PATH} answered 404")
    e.hint = (
        "The instance has no current_user endpoint and the user name is not known, so the "
        "Table API cannot be asked instead. Check the instance URL; if it is right, test "
        "with Basic authentication once to confirm the REST API is reachable."
    )
    return e


def _total_count(response: httpx2.Response) -> int:
    try:
        return int(response.headers.get("X-Total-Count", "0"))
    except ValueError:
        return 0


def _raise_for(
    response: httpx2.Response,
    instance: Instance,
    auth_kind: str,
    profile: str | None,
) -> None:
    problem = diagnose_response(response, instance, auth_kind=auth_kind, profile=profile)
    if problem is not None:
        raise problem


async def _get(
    call: _Call, path: str, params: dict[str, str] | None
) -> tuple[httpx2.Response, float]:
    """GET with bounded retries (429 honouring Retry-After, 5xx, dropped connections)."""
    url = call.instance.url(path)
    attempt = 0
    while True:
        try:
            started = time.perf_counter()
            response = await call.client.get(url, params=params, auth=call.auth)
            response = await _follow_redirects(call, response)
            latency = (time.perf_counter() - started) * 1000.0
        except httpx2.TransportError as e:
            retryable = isinstance(
                e, httpx2.ReadError | httpx2.RemoteProtocolError | httpx2.WriteError
            )
            if retryable and attempt < call.max_retries and await _pause(call, _backoff(attempt)):
                attempt += 1
                continue
            raise diagnose_exception(e, call.instance, timeout=call.timeout) from e
        status = response.status_code
        if (
            status in RETRYABLE_STATUSES
            and not is_hibernating(response)
            and attempt < call.max_retries
        ):
            delay = retry_after_seconds(response) if status == 429 else None
            if await _pause(call, delay if delay is not None else _backoff(attempt)):
                attempt += 1
                continue
        return response, latency


def _backoff(attempt: int) -> float:
    return float(min(0.25 * (2**attempt), 2.0))


async def _pause(call: _Call, delay: float) -> bool:
    """Sleep ``delay`` if it fits the retry budget; False (no sleep) when it does not."""
    if delay < 0 or call.spent + delay > RETRY_BUDGET_S:
        return False
    call.spent += delay
    await asyncio.sleep(delay)
    return True


async def _follow_redirects(call: _Call, response: httpx2.Response) -> httpx2.Response:
    """Follow redirects only within the instance (same scheme, host and port)."""
    hops = 0
    while response.is_redirect and hops < MAX_REDIRECTS:
        target = redirect_target(response, call.instance)
        if target is None:  # elsewhere: diagnose_response explains it
            return response
        response = await call.client.get(target, auth=call.auth)
        hops += 1
    return response
