"""High-level operations: add (test first, save nothing on failure), save with rollback, test with
last_test recorded, remove leaving nothing behind, export/import without secrets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from snow_wizard.core import connections
from snow_wizard.core.context import Context
from snow_wizard.core.instance import parse_instance
from snow_wizard.core.profiles import (
    PROFILES_FILE,
    AuthType,
    Mode,
    OAuthSettings,
    Profile,
    ProfileStore,
)
from snow_wizard.core.secret_store import SERVICE, SecretKind, SecretStore
from snow_wizard.errors import (
    KeychainError,
    ProfileExists,
    ProfileNameError,
    ProfileNotFound,
    ServiceNowError,
    UsageError,
)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def keychain(ctx: Context) -> dict[tuple[str, str], str]:
    return dict(ctx.secrets._backend._data)  # type: ignore[union-attr]


def files_text(directory: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in directory.rglob("*") if p.is_file())


def add_demo(ctx: Context, sb: Any, name: str = "demo", **kw: Any) -> tuple[Profile, Any]:
    return run(connections.add_basic_profile(
        ctx, name, sb.url, "admin", sb.demo_user.password, **kw))


def test_add_basic_tests_then_saves(memory_ctx: Context, sandbox: Any, config_dir: Path) -> None:
    profile, result = add_demo(memory_ctx, sandbox)
    assert result.user_name == "admin" and result.profile == "demo"
    assert profile.instance == sandbox.url and profile.username == "admin"
    assert profile.last_test is not None and profile.last_test.ok
    assert memory_ctx.store.get("demo") == profile
    assert keychain(memory_ctx) == {(SERVICE, "demo:password"): sandbox.demo_user.password}
    assert sandbox.demo_user.password not in files_text(config_dir)


def test_a_failed_test_saves_nothing(memory_ctx: Context, sandbox: Any, config_dir: Path) -> None:
    with pytest.raises(ServiceNowError) as info:
        run(connections.add_basic_profile(memory_ctx, "demo", sandbox.url, "admin", "wrong"))
    assert info.value.code == "unauthorized"
    assert memory_ctx.store.list() == [] and keychain(memory_ctx) == {}


def test_add_validates_before_any_network_call(memory_ctx: Context, sandbox: Any) -> None:
    bad_calls = [
        (ProfileNameError, dict(name="a b")),
        (UsageError, dict(instance_text="http://example.com")),
        (UsageError, dict(username=" ")),
        (UsageError, dict(password="")),
    ]
    for error, change in bad_calls:
        args = dict(name="demo", instance_text=sandbox.url, username="admin",
                    password=sandbox.demo_user.password) | change
        with pytest.raises(error):
            run(connections.add_basic_profile(memory_ctx, **args))
    assert sandbox.requests == []
    add_demo(memory_ctx, sandbox)
    sandbox.clear_requests()
    with pytest.raises(ProfileExists):
        add_demo(memory_ctx, sandbox)
    assert sandbox.requests == []


def test_user_authorize_never_stores_the_password(memory_ctx: Context, sandbox: Any) -> None:
    profile, result = add_demo(memory_ctx, sandbox, mode=Mode.USER_AUTHORIZE)
    assert result is not None and profile.mode is Mode.USER_AUTHORIZE
    assert keychain(memory_ctx) == {}
    untested, none = run(connections.add_basic_profile(
        memory_ctx, "later", sandbox.url, "admin", None, mode=Mode.USER_AUTHORIZE))
    assert none is None and untested.last_test is None
    result = run(connections.test_profile(memory_ctx, "later",
                                          password=sandbox.demo_user.password))
    assert result.user_name == "admin"
    with pytest.raises(KeychainError) as info:
        run(connections.test_profile(memory_ctx, "later"))
    assert info.value.code == "missing_secret"


def test_no_test_saves_without_a_network_call(memory_ctx: Context, sandbox: Any) -> None:
    profile, result = add_demo(memory_ctx, sandbox, test=False)
    assert result is None and profile.last_test is None
    assert sandbox.requests == []


def test_test_profile_records_ok_and_failure(memory_ctx: Context, sandbox: Any) -> None:
    clock = iter(range(1000, 2000))
    memory_ctx.clock = lambda: float(next(clock))
    add_demo(memory_ctx, sandbox)
    result = run(connections.test_profile(memory_ctx, "demo"))
    record = memory_ctx.store.get("demo").last_test
    assert record is not None and record.ok and record.user_name == "admin"
    assert record.latency_ms == round(result.latency_ms, 1)
    sandbox.faults.hibernating = True
    with pytest.raises(ServiceNowError):
        run(connections.test_profile(memory_ctx, "demo"))
    failed = memory_ctx.store.get("demo").last_test
    assert failed is not None and not failed.ok and failed.error == "hibernating"
    assert failed.at > record.at
    with pytest.raises(ProfileNotFound):
        run(connections.test_profile(memory_ctx, "nope"))


def test_missing_password_is_diagnosed(memory_ctx: Context, sandbox: Any) -> None:
    add_demo(memory_ctx, sandbox)
    run(memory_ctx.secrets.delete("demo", SecretKind.PASSWORD))
    with pytest.raises(KeychainError) as info:
        run(connections.test_profile(memory_ctx, "demo"))
    assert info.value.code == "missing_secret"
    assert "snow-wizard" in info.value.hint
    assert memory_ctx.store.get("demo").last_test.error == "missing_secret"  # type: ignore[union-attr]


class BrokenStore(ProfileStore):
    def add(self, profile: Profile, *, overwrite: bool = False) -> None:
        raise OSError(28, "No space left on device")


def test_save_profile_rolls_back_keychain_entries(config_dir: Path, memory_ctx: Context) -> None:
    ctx = Context(store=BrokenStore(config_dir), secrets=memory_ctx.secrets)
    profile = Profile(name="x", instance="https://acme.service-now.com", auth=AuthType.BASIC,
                      username="u")
    with pytest.raises(OSError):
        run(connections.save_profile(ctx, profile, {SecretKind.PASSWORD: "pw"}))
    assert keychain(memory_ctx) == {}
    assert not (config_dir / PROFILES_FILE).exists()


def test_save_profile_overwrite_restores_old_secrets_on_failure(
    config_dir: Path, memory_ctx: Context
) -> None:
    profile = Profile(name="x", instance="https://acme.service-now.com", auth=AuthType.BASIC,
                      username="u")
    run(connections.save_profile(memory_ctx, profile, {SecretKind.PASSWORD: "old"}))
    with pytest.raises(ProfileExists):
        run(connections.save_profile(memory_ctx, profile, {SecretKind.PASSWORD: "new"}))
    broken = Context(store=BrokenStore(config_dir), secrets=memory_ctx.secrets)
    with pytest.raises(OSError):
        run(connections.save_profile(broken, profile, {SecretKind.PASSWORD: "new"},
                                     overwrite=True))
    assert keychain(memory_ctx) == {(SERVICE, "x:password"): "old"}


def test_remove_leaves_nothing_behind(memory_ctx: Context, sandbox: Any, config_dir: Path) -> None:
    add_demo(memory_ctx, sandbox)
    run(memory_ctx.secrets.set("demo", SecretKind.ACCESS_TOKEN, "stray-token"))
    removed = run(connections.remove_profile(memory_ctx, "demo"))
    assert removed == ["keychain entry demo:password", "keychain entry demo:access_token",
                       "profile demo"]
    assert keychain(memory_ctx) == {} and memory_ctx.store.list() == []
    with pytest.raises(ProfileNotFound):
        run(connections.remove_profile(memory_ctx, "demo"))
    # keychain entries without a profile (a crash between writes) are cleaned up too
    run(memory_ctx.secrets.set("ghost", SecretKind.PASSWORD, "pw"))
    assert run(connections.remove_profile(memory_ctx, "ghost")) == ["keychain entry ghost:password"]
    assert sandbox.demo_user.password not in files_text(config_dir)


def test_export_has_no_secret_and_imports_back(memory_ctx: Context, sandbox: Any) -> None:
    add_demo(memory_ctx, sandbox)
    data = connections.export_profile(memory_ctx, "demo")
    text = json.dumps(data)
    assert sandbox.demo_user.password not in text
    assert data == {"snow_wizard_profile": 1, "name": "demo", "instance": sandbox.url,
                    "auth": "basic", "mode": "pre-authorize", "username": "admin"}
    with pytest.raises(UsageError) as info:
        run(connections.import_profile(memory_ctx, data, name="copy"))
    assert info.value.code == "missing_secret"
    with pytest.raises(ProfileExists):
        run(connections.import_profile(memory_ctx, data, password="pw"))
    copy = run(connections.import_profile(memory_ctx, data, name="copy",
                                          password=sandbox.demo_user.password))
    assert copy.username == "admin" and copy.instance == sandbox.url
    assert run(connections.test_profile(memory_ctx, "copy")).user_name == "admin"


def test_oauth_export_and_import(memory_ctx: Context) -> None:
    inst = parse_instance("acme")
    settings = OAuthSettings.for_instance(inst, "cid-1", token_url="https://gw.example.com/t",
                                          redirect_port=9100)
    profile = Profile(name="app", instance=inst.base_url, auth=AuthType.OAUTH, oauth=settings,
                      username="someone")
    run(connections.save_profile(memory_ctx, profile, {SecretKind.CLIENT_SECRET: "cs-secret",
                                                       SecretKind.REFRESH_TOKEN: "rt-secret"}))
    data = connections.export_profile(memory_ctx, "app")
    assert "username" not in data and "cs-secret" not in json.dumps(data)
    assert data["oauth"]["token_url"] == "https://gw.example.com/t"  # type: ignore[index]
    imported = run(connections.import_profile(memory_ctx, data, name="app2",
                                              client_secret="cs-2"))
    assert imported.oauth == settings and imported.username is None
    assert run(memory_ctx.secrets.get("app2", SecretKind.CLIENT_SECRET)) == "cs-2"
    assert run(memory_ctx.secrets.get("app2", SecretKind.REFRESH_TOKEN)) is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"snow_wizard_profile": 2, "name": "x", "instance": "acme", "auth": "basic"},
        {"snow_wizard_profile": 1, "name": "x", "instance": "acme", "auth": "kerberos"},
        {"snow_wizard_profile": 1, "name": "x", "instance": "http://evil.example", "auth": "basic"},
        {"snow_wizard_profile": 1, "name": "x", "instance": "acme", "auth": "oauth"},
        {"snow_wizard_profile": 1, "name": "x", "instance": "acme", "auth": "oauth",
         "oauth": {"client_id": "c", "token_url": "http://evil.example/t"}},
        {"snow_wizard_profile": 1, "name": "../x", "instance": "acme", "auth": "basic"},
    ],
)
def test_import_rejects_bad_files(memory_ctx: Context, data: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        run(connections.import_profile(memory_ctx, data, password="p", client_secret="c"))
    assert memory_ctx.store.list() == [] and keychain(memory_ctx) == {}


@pytest.mark.keychain
def test_real_keychain_add_test_remove(
    config_dir: Path, sandbox: Any, real_keychain: SecretStore,
    unique_name: Callable[[str], str],
) -> None:
    ctx = Context(store=ProfileStore(config_dir), secrets=real_keychain)
    name = unique_name("conn")
    run(connections.add_basic_profile(ctx, name, sandbox.url, "admin", sandbox.demo_user.password))
    assert real_keychain.get_sync(name, SecretKind.PASSWORD) == sandbox.demo_user.password
    assert run(connections.test_profile(ctx, name)).user_name == "admin"
    assert run(connections.remove_profile(ctx, name)) == [f"keychain entry {name}:password",
                                                          f"profile {name}"]
    assert real_keychain.get_sync(name, SecretKind.PASSWORD) is None
    assert sandbox.demo_user.password not in files_text(config_dir)


def test_remove_revoke_of_a_profile_nobody_authorized_says_there_was_nothing_to_revoke(
    memory_ctx: Context,
) -> None:
    # A user-authorize profile holds only the app: "tokens revoked" would be a false report.
    inst = parse_instance("acme")
    profile = Profile(name="shared", instance=inst.base_url, auth=AuthType.OAUTH,
                      mode=Mode.USER_AUTHORIZE, oauth=OAuthSettings.for_instance(inst, "cid-1"))
    run(connections.save_profile(memory_ctx, profile, {SecretKind.CLIENT_SECRET: "cs-secret"}))
    removed = run(connections.remove_profile(memory_ctx, "shared", revoke=True))
    assert removed[0] == "no tokens to revoke (not authorized yet)"
    assert "tokens revoked on the instance" not in removed
    assert "profile shared" in removed
