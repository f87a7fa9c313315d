"""The OAuth flow against the sandbox over real HTTP and real loopback sockets (the browser is
the sandbox's scripted person; the real-browser run is in tests/e2e)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import Any

import pytest

from snow_wizard.core import authorization, oauth
from snow_wizard.core.instance import parse_instance
from snow_wizard.core.profiles import ClientAuth, Mode, OAuthSettings, redirect_url_for
from snow_wizard.core.secret_store import SecretKind
from snow_wizard.errors import KeychainError, OAuthError

from .conftest import free_port


def _browser(sb: Any, *, allow: bool = True, password: str | None = None) -> Any:
    def open_browser(url: str) -> bool:
        sb.consent(url, follow=True, allow=allow, password=password)
        return True

    return open_browser


def _consent(settings: OAuthSettings, secret: str, browser: Any, **kw: Any) -> Any:
    return asyncio.run(authorization.run_consent(settings, secret, open_browser=browser, **kw))


def test_consent_gives_working_tokens_and_reports_the_url(oauth_sandbox: Any,
                                                          settings: Any) -> None:
    sb = oauth_sandbox
    seen: list[tuple[str, bool]] = []
    tokens = _consent(settings, sb.demo_app.client_secret, _browser(sb),
                      on_url=lambda u, o: seen.append((u, o)))
    assert sb.token_valid(tokens.access_token)
    assert tokens.refresh_token in sb.issued_refresh_tokens
    assert tokens.access_token not in repr(tokens)
    [(url, opened)] = seen
    assert opened is True
    assert url.startswith(sb.url + "/oauth_auth.do?")
    assert "code_challenge_method=S256" in url
    # the token request was form-encoded in the body: no query string on oauth_token.do
    assert ("POST", "/oauth_token.do") in sb.requests


def test_basic_header_client_auth_works_too(oauth_sandbox: Any, settings: Any) -> None:
    sb = oauth_sandbox
    basic = dataclasses.replace(settings, client_auth=ClientAuth.BASIC)
    tokens = _consent(basic, sb.demo_app.client_secret, _browser(sb))
    assert sb.token_valid(tokens.access_token)


def test_deny_is_consent_denied(oauth_sandbox: Any, settings: Any) -> None:
    sb = oauth_sandbox
    with pytest.raises(OAuthError) as info:
        _consent(settings, sb.demo_app.client_secret, _browser(sb, allow=False))
    assert info.value.code == "consent_denied"


def test_wrong_client_secret_gives_ranked_causes(oauth_sandbox: Any, settings: Any) -> None:
    sb = oauth_sandbox
    with pytest.raises(OAuthError) as info:
        _consent(settings, "not-the-secret", _browser(sb))
    err = info.value
    assert err.code == "token_exchange_failed"
    assert "Client Secret" in err.causes[0]
    assert settings.redirect_url in err.causes[1]
    assert "not-the-secret" not in str(err.to_dict())


def test_redirect_trap_ends_in_callback_timeout_naming_the_url(oauth_sandbox: Any) -> None:
    sb = oauth_sandbox  # its app has only the fixture port's URL registered
    other = free_port()
    settings = OAuthSettings.for_instance(parse_instance(sb.url), sb.demo_app.client_id,
                                          redirect_port=other)

    def browser(url: str) -> bool:
        with contextlib.suppress(OSError):  # redirected to the registered URL: nobody there
            sb.consent(url, follow=True)
        return True

    with pytest.raises(OAuthError) as info:
        _consent(settings, sb.demo_app.client_secret, browser, timeout=3)
    err = info.value
    assert err.code == "callback_timeout"
    assert f"http://127.0.0.1:{other}/callback" in err.hint
    assert "first registered" in err.hint


def test_port_in_use_before_the_browser_opens(oauth_sandbox: Any, settings: Any) -> None:
    import socket

    opened: list[str] = []
    holder = socket.socket()
    holder.bind(("127.0.0.1", settings.redirect_port))
    holder.listen()
    try:
        with pytest.raises(OAuthError) as info:
            _consent(settings, "x", lambda u: opened.append(u) or True)
    finally:
        holder.close()
    assert info.value.code == "port_in_use"
    assert opened == []


def test_code_cannot_be_replayed(oauth_sandbox: Any, settings: Any) -> None:
    """The exchange works once; the same code again is the opaque 401 (code already used)."""
    sb = oauth_sandbox
    pkce, state = oauth.make_pkce(), oauth.make_state()
    url = oauth.authorization_url(settings, state=state, code_challenge=pkce.challenge)
    location = sb.consent(url)
    code = location.split("code=")[1].split("&")[0]
    secret = sb.demo_app.client_secret
    first = asyncio.run(oauth.exchange_code(settings, secret, code, pkce.verifier))
    assert sb.token_valid(first.access_token)
    with pytest.raises(OAuthError) as info:
        asyncio.run(oauth.exchange_code(settings, secret, code, pkce.verifier))
    assert info.value.code == "token_exchange_failed"
    assert any("already used" in c for c in info.value.causes)


def test_wrong_pkce_verifier_is_refused(oauth_sandbox: Any, settings: Any) -> None:
    sb = oauth_sandbox
    pkce, state = oauth.make_pkce(), oauth.make_state()
    url = oauth.authorization_url(settings, state=state, code_challenge=pkce.challenge)
    code = sb.consent(url).split("code=")[1].split("&")[0]
    with pytest.raises(OAuthError):
        asyncio.run(oauth.exchange_code(settings, sb.demo_app.client_secret, code,
                                        oauth.make_pkce().verifier))


def test_cancel_during_wait_frees_port_and_saves_nothing(mem_ctx: Any, oauth_sandbox: Any,
                                                         settings: Any) -> None:
    sb = oauth_sandbox

    async def main() -> None:
        waiting = asyncio.Event()  # set once the port is bound and the URL is out
        task = asyncio.create_task(authorization.add_oauth_profile(
            mem_ctx, "acme", parse_instance(sb.url), settings, sb.demo_app.client_secret,
            open_browser=False, on_url=lambda url, opened: waiting.set(),
        ))
        await asyncio.wait_for(waiting.wait(), 60)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert not mem_ctx.store.exists("acme")
    assert mem_ctx.secrets.get_sync("acme", SecretKind.CLIENT_SECRET) is None
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", settings.redirect_port))


# -- profiles, tokens, refresh, revoke ----------------------------------------------------------
def _add(ctx: Any, sb: Any, settings: Any, name: str = "acme", **kw: Any) -> Any:
    return asyncio.run(authorization.add_oauth_profile(
        ctx, name, parse_instance(sb.url), settings, sb.demo_app.client_secret, **kw))


def test_pre_authorize_saves_profile_tokens_and_user(mem_ctx: Any, oauth_sandbox: Any,
                                                     settings: Any) -> None:
    sb = oauth_sandbox
    _, result = _add(mem_ctx, sb, settings)
    assert result.user_name == "admin"
    saved = mem_ctx.store.get("acme")
    assert saved.username == "admin" and saved.last_test.ok
    assert saved.token_expires_at > mem_ctx.clock() + 1000
    access = mem_ctx.secrets.get_sync("acme", SecretKind.ACCESS_TOKEN)
    assert sb.token_valid(access)
    assert mem_ctx.secrets.get_sync("acme", SecretKind.CLIENT_SECRET) == sb.demo_app.client_secret
    assert mem_ctx.secrets.get_sync("acme", SecretKind.REFRESH_TOKEN)
    assert asyncio.run(authorization.get_access_token(mem_ctx, "acme")) == access


def test_user_authorize_saves_no_tokens_until_authorize(mem_ctx: Any, oauth_sandbox: Any,
                                                        settings: Any) -> None:
    sb = oauth_sandbox
    opened: list[str] = []
    mem_ctx.open_browser = lambda u: opened.append(u) or True
    profile, result = _add(mem_ctx, sb, settings, mode=Mode.USER_AUTHORIZE)
    assert result is None and opened == []
    assert mem_ctx.secrets.get_sync("acme", SecretKind.REFRESH_TOKEN) is None
    with pytest.raises(KeychainError) as info:
        asyncio.run(authorization.get_access_token(mem_ctx, "acme"))
    assert "snow-wizard authorize acme" in info.value.hint
    mem_ctx.open_browser = _browser(sb)
    profile, _ = asyncio.run(authorization.authorize_profile(mem_ctx, "acme"))
    assert profile.username == "admin"
    assert sb.token_valid(asyncio.run(authorization.get_access_token(mem_ctx, "acme")))


def test_refresh_when_about_to_expire_keeps_refresh_token(
    mem_ctx: Any, oauth_sandbox: Any, settings: Any, clock: list[float]
) -> None:
    sb = oauth_sandbox
    _add(mem_ctx, sb, settings)
    old = mem_ctx.secrets.get_sync("acme", SecretKind.ACCESS_TOKEN)
    refresh = mem_ctx.secrets.get_sync("acme", SecretKind.REFRESH_TOKEN)
    clock[0] = 1800 - 30  # expires within the 60 s margin
    new = asyncio.run(authorization.get_access_token(mem_ctx, "acme"))
    assert new != old and sb.token_valid(new)
    assert mem_ctx.secrets.get_sync("acme", SecretKind.ACCESS_TOKEN) == new
    assert mem_ctx.secrets.get_sync("acme", SecretKind.REFRESH_TOKEN) == refresh
    assert mem_ctx.store.get("acme").token_expires_at > mem_ctx.clock() + 1000


def test_concurrent_refresh_in_threads_happens_once(mem_ctx: Any, oauth_sandbox: Any,
                                                    settings: Any, clock: list[float]) -> None:
    import threading

    sb = oauth_sandbox
    _add(mem_ctx, sb, settings)
    clock[0] = 1800
    sb.clear_requests()
    barrier = threading.Barrier(8)
    got: list[str] = []

    def worker() -> None:
        barrier.wait()
        got.append(authorization.access_token_sync(mem_ctx, "acme"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(got) == 8 and len(set(got)) == 1
    assert sb.requests.count(("POST", "/oauth_token.do")) == 1


def _short_lived(mem_ctx: Any, sb: Any, port: int, lifespan: int = 64) -> Any:
    """Profile 'acme' of an app that issues ``lifespan`` s tokens (expires_in: one less)."""
    app = sb.add_app("short", redirect_urls=[redirect_url_for(port)],
                     access_token_lifespan=lifespan)
    settings = OAuthSettings.for_instance(parse_instance(sb.url), app.client_id,
                                          redirect_port=port)
    asyncio.run(authorization.add_oauth_profile(
        mem_ctx, "acme", parse_instance(sb.url), settings, app.client_secret))
    return settings, app


def test_a_refreshed_short_lived_token_is_not_due_again_at_once(
    mem_ctx: Any, oauth_sandbox: Any, port: int, clock: list[float]
) -> None:
    """63 s tokens and the 60 s margin: a token 4 s past its refresh is still fresh (before,
    every caller that came more than 3 s after a refresh refreshed again)."""
    sb = oauth_sandbox
    _short_lived(mem_ctx, sb, port)
    assert mem_ctx.store.get("acme").token_lifetime == 63
    sb.clear_requests()
    clock[0] = 40  # 23 s left of 63: past half its life, due
    first = authorization.access_token_sync(mem_ctx, "acme")
    assert sb.requests.count(("POST", "/oauth_token.do")) == 1
    clock[0] += 4  # 59 s left: under min_validity, but it has just been refreshed
    assert authorization.access_token_sync(mem_ctx, "acme") == first
    assert sb.requests.count(("POST", "/oauth_token.do")) == 1
    clock[0] += 30  # 29 s left, past half its life: due again, refreshed before it expires
    second = authorization.access_token_sync(mem_ctx, "acme")
    assert second != first and sb.token_valid(second)
    assert sb.requests.count(("POST", "/oauth_token.do")) == 2


def test_a_caller_that_waited_for_the_lock_takes_the_refresh_it_waited_for(
    mem_ctx: Any, oauth_sandbox: Any, port: int, clock: list[float]
) -> None:
    """Another process refreshes while this caller waits for the lock, and the new token is
    already a little way into its life when the caller gets the lock: it is taken, not
    refreshed a second time. A caller that arrives later with no such wait refreshes."""
    import threading

    from filelock import FileLock

    sb = oauth_sandbox
    settings, app = _short_lived(mem_ctx, sb, port)
    clock[0] = 40  # the stored token is due
    first_read = threading.Event()
    get_sync = mem_ctx.secrets.get_sync

    def spy(name: str, kind: SecretKind) -> Any:
        value = get_sync(name, kind)
        if kind is SecretKind.ACCESS_TOKEN:
            first_read.set()
        return value

    mem_ctx.secrets.get_sync = spy
    got: list[str] = []
    locks = mem_ctx.store.config_dir / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(locks / "acme.refresh.lock"))
    with lock:  # "another process" holds the refresh lock
        waiter = threading.Thread(target=lambda: got.append(
            authorization.access_token_sync(mem_ctx, "acme")))
        waiter.start()
        assert first_read.wait(30)  # the waiter saw the due token and goes for the lock
        tokens = oauth.refresh_sync(settings, app.client_secret,
                                    get_sync("acme", SecretKind.REFRESH_TOKEN),
                                    clock=mem_ctx.clock)
        authorization.save_tokens_sync(mem_ctx, "acme", tokens)
        clock[0] += 40  # 23 s left of the replacement: due for a newcomer (margin 31.5 s)
        sb.clear_requests()
    waiter.join(30)
    assert got == [tokens.access_token]
    assert ("POST", "/oauth_token.do") not in sb.requests
    assert authorization.access_token_sync(mem_ctx, "acme") != tokens.access_token
    assert sb.requests.count(("POST", "/oauth_token.do")) == 1


def test_revoked_refresh_token_is_token_rejected(mem_ctx: Any, oauth_sandbox: Any,
                                                 settings: Any, clock: list[float]) -> None:
    sb = oauth_sandbox
    _add(mem_ctx, sb, settings)
    asyncio.run(authorization.revoke_tokens(mem_ctx, "acme"))
    refresh = mem_ctx.secrets.get_sync("acme", SecretKind.REFRESH_TOKEN)
    access = mem_ctx.secrets.get_sync("acme", SecretKind.ACCESS_TOKEN)
    assert sb.revoked(refresh) and sb.revoked(access) and not sb.token_valid(access)
    clock[0] = 1800
    with pytest.raises(OAuthError) as info:
        asyncio.run(authorization.get_access_token(mem_ctx, "acme"))
    assert info.value.code == "token_rejected"
    assert "snow-wizard authorize acme" in info.value.hint
    assert info.value.causes  # ranked causes for the refresh step


def test_failed_test_after_consent_saves_nothing_and_revokes(mem_ctx: Any, oauth_sandbox: Any,
                                                             settings: Any) -> None:
    sb = oauth_sandbox
    sb.faults.forbidden = True
    with pytest.raises(Exception) as info:
        _add(mem_ctx, sb, settings)
    assert getattr(info.value, "code", "") == "forbidden"
    assert not mem_ctx.store.exists("acme")
    assert mem_ctx.secrets.get_sync("acme", SecretKind.CLIENT_SECRET) is None
    assert all(sb.revoked(t) for t in sb.issued_tokens)


def test_redirect_url_default_is_loopback_ip() -> None:
    assert redirect_url_for(8765) == "http://127.0.0.1:8765/callback"
