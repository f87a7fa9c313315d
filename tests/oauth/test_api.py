"""The Python API (connect / aconnect / load_profile) against the sandbox, in-memory keychain.
The same against the real keychain and a CLI-made profile is in tests/e2e."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import snow_wizard
from snow_wizard.core import authorization
from snow_wizard.core.instance import parse_instance
from snow_wizard.core.secret_store import SecretKind
from snow_wizard.errors import OAuthError


def _add(ctx: Any, sb: Any, settings: Any) -> None:
    asyncio.run(authorization.add_oauth_profile(
        ctx, "acme", parse_instance(sb.url), settings, sb.demo_app.client_secret))


def test_connect_sync_reads_incidents_and_refreshes_after_a_401(
    mem_ctx: Any, oauth_sandbox: Any, settings: Any
) -> None:
    sb = oauth_sandbox
    _add(mem_ctx, sb, settings)
    old = mem_ctx.secrets.get_sync("acme", SecretKind.ACCESS_TOKEN)
    with snow_wizard.connect("acme", context=mem_ctx) as client:
        assert str(client.base_url).rstrip("/") == sb.url
        r = client.get("/api/now/table/sys_user", params={"sysparm_limit": 1})
        assert r.status_code == 200 and r.json()["result"]
        sb.expire_access_tokens()  # the instance now refuses the stored token: one 401
        r = client.get("/api/now/ui/user/current_user")
        assert r.status_code == 200
        assert r.json()["result"]["user_name"] == "admin"
    new = mem_ctx.secrets.get_sync("acme", SecretKind.ACCESS_TOKEN)
    assert new != old and sb.token_valid(new)
    assert "acme" in repr(client.auth) and new not in repr(client.auth)


def test_aconnect_async_refreshes_when_about_to_expire(
    mem_ctx: Any, oauth_sandbox: Any, settings: Any, clock: list[float]
) -> None:
    sb = oauth_sandbox
    _add(mem_ctx, sb, settings)
    old = mem_ctx.secrets.get_sync("acme", SecretKind.ACCESS_TOKEN)
    clock[0] = 1790

    async def main() -> list[int]:
        async with snow_wizard.aconnect("acme", context=mem_ctx) as client:
            rs = await asyncio.gather(*(client.get("/api/now/ui/user/current_user")
                                        for _ in range(5)))
            return [r.status_code for r in rs]

    sb.clear_requests()
    assert asyncio.run(main()) == [200] * 5
    assert sb.requests.count(("POST", "/oauth_token.do")) == 1
    assert mem_ctx.secrets.get_sync("acme", SecretKind.ACCESS_TOKEN) != old


def test_connect_with_revoked_grant_raises_token_rejected(
    mem_ctx: Any, oauth_sandbox: Any, settings: Any
) -> None:
    sb = oauth_sandbox
    _add(mem_ctx, sb, settings)
    asyncio.run(authorization.revoke_tokens(mem_ctx, "acme"))
    with snow_wizard.connect("acme", context=mem_ctx) as client, pytest.raises(OAuthError) as info:
        client.get("/api/now/ui/user/current_user")
    assert info.value.code == "token_rejected"


def test_load_profile_from_a_config_dir(mem_ctx: Any, oauth_sandbox: Any, settings: Any) -> None:
    _add(mem_ctx, oauth_sandbox, settings)
    profile = snow_wizard.load_profile("acme", config_dir=mem_ctx.store.config_dir)
    assert profile.oauth is not None and profile.oauth.client_id == settings.client_id
    assert profile.username == "admin"
