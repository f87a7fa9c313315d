"""The profiles file: atomic 0600 writes, schema version, corrupt/newer files left alone, the lock,
profile names, and the Profile model's round trip."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import threading
from pathlib import Path

import pytest

from snow_wizard.core.instance import parse_instance
from snow_wizard.core.profiles import (
    PROFILES_FILE,
    SCHEMA_VERSION,
    AuthType,
    ClientAuth,
    Mode,
    OAuthSettings,
    Profile,
    ProfileStore,
    TestRecord,
    default_config_dir,
    validate_client_id,
    validate_port,
    validate_profile_name,
)
from snow_wizard.errors import (
    ConfigCorrupt,
    ProfileExists,
    ProfileNameError,
    ProfileNotFound,
)


def basic(name: str = "demo") -> Profile:
    return Profile(name=name, instance="https://acme.service-now.com", auth=AuthType.BASIC,
                   username="admin")


def oauth(name: str = "app") -> Profile:
    inst = parse_instance("acme")
    settings = OAuthSettings.for_instance(inst, "cid123", redirect_port=9123,
                                          client_auth=ClientAuth.BASIC)
    return Profile(name=name, instance=inst.base_url, auth=AuthType.OAUTH,
                   mode=Mode.USER_AUTHORIZE, oauth=settings, token_expires_at=123.0,
                   last_test=TestRecord(ok=False, at=5.0, error="unauthorized"))


def test_config_dir_comes_from_the_environment(config_dir: Path) -> None:
    assert default_config_dir() == config_dir
    assert ProfileStore().path == config_dir / PROFILES_FILE


def test_add_get_list_update_remove(config_dir: Path) -> None:
    store = ProfileStore(config_dir)
    assert store.list() == []
    store.add(basic("zeta"))
    store.add(oauth("Alpha"))
    assert [p.name for p in store.list()] == ["Alpha", "zeta"]
    alpha = store.get("Alpha")
    assert alpha == oauth("Alpha").with_changes(created_at=alpha.created_at)
    with pytest.raises(ProfileExists):
        store.add(basic("zeta"))
    store.add(basic("zeta").with_changes(username="other"), overwrite=True)
    assert store.get("zeta").username == "other"
    updated = store.update("zeta", lambda p: p.with_changes(username="third"))
    assert updated.username == "third" == store.get("zeta").username
    assert store.remove("zeta").name == "zeta"
    with pytest.raises(ProfileNotFound):
        store.get("zeta")
    with pytest.raises(ProfileNotFound):
        store.remove("zeta")
    with pytest.raises(ProfileNotFound):
        store.update("zeta", lambda p: p)


def test_the_file_is_0600_versioned_and_written_atomically(config_dir: Path) -> None:
    store = ProfileStore(config_dir)
    store.add(basic())
    mode = stat.S_IMODE(os.stat(store.path).st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(os.stat(config_dir).st_mode) == 0o700
    data = json.loads(store.path.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    assert set(data["profiles"]) == {"demo"}
    inode = os.stat(store.path).st_ino
    store.add(basic("two"))
    assert os.stat(store.path).st_ino != inode  # replaced, not rewritten in place
    leftovers = [p.name for p in config_dir.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ProfileStore(config_dir)
    store.add(basic())
    before = store.path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.add(basic("second"))
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    assert [p.name for p in config_dir.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"profiles": {}}', b'{"schema_version": 1, "profiles": {"x": {}}}'],
)
def test_a_corrupt_file_is_reported_and_never_overwritten(config_dir: Path, content: bytes) -> None:
    config_dir.mkdir(parents=True)
    path = config_dir / PROFILES_FILE
    path.write_bytes(content)
    store = ProfileStore(config_dir)
    with pytest.raises(ConfigCorrupt) as info:
        store.list()
    assert "left untouched" in info.value.message
    with pytest.raises(ConfigCorrupt):
        store.add(basic())
    assert path.read_bytes() == content


def test_a_file_from_a_newer_version_is_never_overwritten(config_dir: Path) -> None:
    config_dir.mkdir(parents=True)
    path = config_dir / PROFILES_FILE
    content = json.dumps({"schema_version": SCHEMA_VERSION + 1, "profiles": {}}).encode()
    path.write_bytes(content)
    with pytest.raises(ConfigCorrupt) as info:
        ProfileStore(config_dir).add(basic())
    assert "newer snow-wizard" in info.value.message
    assert "Upgrade" in info.value.hint
    assert path.read_bytes() == content


def test_concurrent_writers_in_threads_lose_nothing(config_dir: Path) -> None:
    store = ProfileStore(config_dir)
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            for i in range(15):
                ProfileStore(config_dir).add(basic(f"{prefix}{i}"))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(p,)) for p in "abcd"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.list()) == 60


def _process_writer(config_dir: str, prefix: str) -> None:
    for i in range(10):
        ProfileStore(Path(config_dir)).add(basic(f"{prefix}{i}"))


def test_concurrent_writers_in_processes_lose_nothing(config_dir: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_writer, args=(str(config_dir), p)) for p in "xyz"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert len(ProfileStore(config_dir).list()) == 30


@pytest.mark.parametrize("name", ["demo", "Acme-Prod", "a", "x.y_z-1", "A" * 64])
def test_valid_names(name: str) -> None:
    assert validate_profile_name(name) == name


@pytest.mark.parametrize(
    "name", ["", " ", "-lead", ".hidden", "a b", "a/b", "a:b", "A" * 65, "naïve", "x\n"]
)
def test_invalid_names(name: str) -> None:
    with pytest.raises(ProfileNameError):
        validate_profile_name(name)


def test_invalid_name_is_refused_by_the_store(config_dir: Path) -> None:
    with pytest.raises(ProfileNameError):
        ProfileStore(config_dir).add(basic("a:b"))
    assert not (config_dir / PROFILES_FILE).exists()


def test_client_id_and_port_validation() -> None:
    assert validate_client_id("  abc  ") == "abc"
    for bad in ("", "a b", "x" * 300):
        with pytest.raises(ProfileNameError):
            validate_client_id(bad)
    assert validate_port("8765") == 8765
    for bad_port in ("x", 80, 70000):
        with pytest.raises(ProfileNameError):
            validate_port(bad_port)


def test_profile_dict_round_trip_keeps_everything() -> None:
    for profile in (basic(), oauth()):
        data = json.loads(json.dumps(profile.to_dict()))
        assert Profile.from_dict(data) == profile
    assert oauth().oauth is not None
    assert oauth().oauth.redirect_url == "http://127.0.0.1:9123/callback"  # type: ignore[union-attr]


def test_oauth_settings_derive_from_the_instance_and_validate_custom_urls() -> None:
    inst = parse_instance("acme")
    s = OAuthSettings.for_instance(inst, "cid")
    assert (s.authorize_url, s.token_url, s.refresh_url, s.revoke_url) == (
        inst.authorize_url, inst.token_url, inst.token_url, inst.revoke_url
    )
    custom = OAuthSettings.for_instance(inst, "cid", token_url="https://gw.example.com/t")
    assert custom.token_url == custom.refresh_url == "https://gw.example.com/t"
    with pytest.raises(ProfileNameError):
        OAuthSettings.for_instance(inst, "cid", redirect_port=80)


@pytest.mark.parametrize(
    ("key", "name"),
    [("../escape", "../escape"), ("a/b", "a/b"), ("good", "other"), ("", "")],
)
def test_a_hand_edited_profile_name_is_reported_not_used(
    tmp_path: Path, key: str, name: str
) -> None:
    # The refresh lock's path is built from the name: a '/' or '..' must never get that far.
    store = ProfileStore(tmp_path)
    entry = {"name": name, "instance": "https://acme.service-now.com", "auth": "basic"}
    text = json.dumps({"schema_version": 1, "profiles": {key: entry}})
    store.path.write_text(text)
    with pytest.raises(ConfigCorrupt):
        store.list()
    assert store.path.read_text() == text
