"""In-process rows on one asyncio loop: `test_credentials()` on a warm client, and the OAuth
callback-to-saved path. The sandbox runs in its own process (bench_env)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import inspect
import re
import secrets
import statistics
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from bench_env import BenchEnv
from bench_stats import NOT_BUILT, Row
from rows_startup import WHOAMI_PATH, _skip, built

BATCH = 20  # calls per sample: one sample is the mean of a batch, in ms
_PENDING = re.compile(r'name="sysparm_pending" value="([^"]+)"')


# --- test_credentials on a warm client ------------------------------------------------------
def test_credentials_row(benv: BenchEnv, pairs: int) -> Row:
    row = Row("test-credentials", f"in-process `test_credentials()`, warm client (mean of {BATCH})",
              "raw `httpx2.AsyncClient.get`, same URL, same client", 1.10, unit="ms")
    if not built("snow_wizard.core.servicenow"):
        return _skip([row], NOT_BUILT)[0]
    if benv.sandbox is None:
        return _skip([row], "skipped: no sandbox")[0]
    try:
        asyncio.run(_test_credentials(benv, row, pairs))
    except Exception as e:  # a broken part is reported in the table, not as a traceback
        return _skip([row], f"failed: {type(e).__name__}: {str(e)[:160]}")[0]
    return row


async def _test_credentials(benv: BenchEnv, row: Row, pairs: int) -> None:
    from snow_wizard.core.instance import parse_instance
    from snow_wizard.core.servicenow import basic_auth, make_async_client, test_credentials

    sb = benv.sandbox
    assert sb is not None
    instance = parse_instance(sb.url)
    auth = basic_auth(sb.user_name, sb.password)
    url = instance.base_url.rstrip("/") + WHOAMI_PATH
    headers = {"Accept": "application/json"}
    async with make_async_client() as client:

        async def raw() -> float:
            t = time.perf_counter()
            for _ in range(BATCH):
                r = await client.get(url, auth=auth, headers=headers)
                assert r.status_code == 200, r.status_code
            return (time.perf_counter() - t) * 1000 / BATCH

        async def ours() -> float:
            t = time.perf_counter()
            for _ in range(BATCH):
                await test_credentials(instance, auth, auth_kind="basic", client=client)
            return (time.perf_counter() - t) * 1000 / BATCH

        for i in range(1 + pairs):
            a, b = await raw(), await ours()
            if i:
                row.pairs.append((a, b))


# --- callback to saved ----------------------------------------------------------------------
def callback_row(benv: BenchEnv, pairs: int) -> Row:
    row = Row("callback-saved", "OAuth callback request until tokens are in the keychain",
              "one raw token POST + one `keyring.set_password`", 1.25, unit="ms")
    if not built("snow_wizard.core.authorization"):
        return _skip([row], NOT_BUILT)[0]
    if benv.sandbox is None or benv.keychain is None:
        why = "no sandbox" if benv.sandbox is None else "no keychain"
        return _skip([row], f"skipped: {why}")[0]
    try:
        asyncio.run(_callback(benv, row, pairs))
    except Exception as e:
        return _skip([row], f"failed: {type(e).__name__}: {str(e)[:160]}")[0]
    return row


async def _browser_to_callback(http: Any, authorize_url: str, user: str, password: str) -> str:
    """Log in and Allow, like the user in the browser; return the callback URL (not opened)."""
    page = await http.get(authorize_url)
    m = _PENDING.search(page.text)
    assert m, f"no login form at the authorize URL ({page.status_code})"
    pending = m.group(1)
    base = f"{urlsplit(authorize_url).scheme}://{urlsplit(authorize_url).netloc}"
    r = await http.post(base + "/oauth_login.do",
                        data={"sysparm_pending": pending, "user_name": user,
                              "user_password": password, "sysverb_login": ""})
    assert r.status_code in (302, 303), f"login answered {r.status_code}"
    r = await http.post(base + "/oauth_consent.do",
                        data={"sysparm_pending": pending, "action": "allow"})
    assert r.status_code in (302, 303), f"consent answered {r.status_code}"
    return str(r.headers["location"])


async def _callback(benv: BenchEnv, row: Row, pairs: int) -> None:
    import httpx2
    import keyring

    from snow_wizard.core import authorization
    from snow_wizard.core.context import Context
    from snow_wizard.core.instance import parse_instance
    from snow_wizard.core.profiles import AuthType, OAuthSettings, Profile, ProfileStore
    from snow_wizard.core.secret_store import SERVICE, SecretKind, SecretStore

    sb = benv.sandbox
    assert sb is not None
    instance = parse_instance(sb.url)
    settings = OAuthSettings.for_instance(instance, sb.client_id, redirect_port=sb.redirect_port)
    writes: list[float] = []  # ms per keychain write on our side, to explain the figure

    class TimedSecretStore(SecretStore):
        def set_sync(self, profile: str, kind: SecretKind, value: str) -> None:
            t = time.perf_counter()
            super().set_sync(profile, kind, value)
            writes.append((time.perf_counter() - t) * 1000)

    ctx = Context(store=ProfileStore(benv.new_config_dir("callback")), secrets=TimedSecretStore())
    ctx.store.add(Profile(name="bench-oauth", instance=instance.base_url, auth=AuthType.OAUTH,
                          oauth=settings), overwrite=True)
    await ctx.secrets.set("bench-oauth", SecretKind.CLIENT_SECRET, sb.client_secret)

    # Until the tokens are saved: no test call after the consent (authorize_profile's `test`).
    params = inspect.signature(authorization.authorize_profile).parameters
    no_test = {"test": False} if "test" in params else {}

    per_sample: list[tuple[int, float, float]] = []
    async with httpx2.AsyncClient(follow_redirects=False) as browser, \
            httpx2.AsyncClient() as raw_client:

        async def ours() -> float:
            marks: dict[str, float] = {}
            tasks: list[asyncio.Task[None]] = []

            async def act(url: str) -> None:
                callback = await _browser_to_callback(browser, url, sb.user_name, sb.password)
                marks["t0"] = time.perf_counter()
                await browser.get(callback)

            def on_url(url: str, opened: bool) -> None:
                tasks.append(asyncio.get_running_loop().create_task(act(url)))

            await authorization.authorize_profile(ctx, "bench-oauth", on_url=on_url,
                                                  open_browser=False, timeout=30, **no_test)
            t1 = time.perf_counter()
            await asyncio.gather(*tasks)
            return (t1 - marks["t0"]) * 1000

        async def raw() -> float:
            verifier = secrets.token_urlsafe(48)
            challenge = base64.urlsafe_b64encode(
                hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            query = urlencode({"response_type": "code", "client_id": sb.client_id,
                               "redirect_uri": settings.redirect_url,
                               "state": secrets.token_hex(16), "code_challenge": challenge,
                               "code_challenge_method": "S256"})
            callback = await _browser_to_callback(browser, f"{settings.authorize_url}?{query}",
                                                  sb.user_name, sb.password)
            code = parse_qs(urlsplit(callback).query)["code"][0]
            t0 = time.perf_counter()
            r = await raw_client.post(settings.token_url, data={
                "grant_type": "authorization_code", "code": code,
                "redirect_uri": settings.redirect_url, "client_id": sb.client_id,
                "client_secret": sb.client_secret, "code_verifier": verifier})
            tokens = r.json()
            t1 = time.perf_counter()
            keyring.set_password(SERVICE, "bench-raw:refresh_token", tokens["refresh_token"])
            raw_writes.append((time.perf_counter() - t1) * 1000)
            return (time.perf_counter() - t0) * 1000

        raw_writes: list[float] = []
        for i in range(1 + pairs):
            del writes[:], raw_writes[:]
            a, b = await raw(), await ours()
            if i:
                row.pairs.append((a, b))
                per_sample.append((len(writes), sum(writes), sum(raw_writes)))
    if per_sample:
        n = statistics.median(x[0] for x in per_sample)
        row.note = (f"our side wrote {n:g} keychain entries per callback, "
                    f"{statistics.median(x[1] for x in per_sample):.1f} ms in all (median); "
                    f"the raw side's one `set_password` took "
                    f"{statistics.median(x[2] for x in per_sample):.1f} ms")
    keyring.delete_password(SERVICE, "bench-raw:refresh_token")
