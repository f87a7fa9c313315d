"""Config faults: a writer killed mid-save, corrupt and future files, concurrent writers."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardening.cli_tools import run_cli
from hardening.figures import FAULTS, GENERATED, record
from snow_wizard.core.profiles import (
    PROFILES_FILE,
    SCHEMA_VERSION,
    AuthType,
    OAuthSettings,
    Profile,
    ProfileStore,
)
from snow_wizard.errors import ConfigCorrupt, SnowWizardError

WRITER = Path(__file__).with_name("config_writer.py")
KILLS = 20


def _profile(name: str, size: int = 200) -> Profile:
    return Profile(name, "https://acme.service-now.com", AuthType.BASIC, username="u" * size)


def _seed(config: Path, n: int, size: int = 200) -> ProfileStore:
    store = ProfileStore(config)
    store.add(_profile("shared"))
    with store._locked() as profiles:  # one write for n profiles
        for i in range(n):
            profiles[f"seed-{i}"] = _profile(f"seed-{i}", size)
    return store


def _writer(config: Path, prefix: str, count: int, *extra: str) -> subprocess.Popen[str]:
    from hardening.cli_tools import cli_env

    return subprocess.Popen(
        [sys.executable, str(WRITER), str(config), prefix, str(count), *extra],
        stdout=subprocess.PIPE, text=True, env=cli_env(config),
    )


def test_a_writer_killed_mid_save_never_damages_the_file_or_loses_a_saved_profile(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    # ~2 MB in few profiles: parsing is quick, writing takes most of each save, so random
    # kills land inside one often.
    store = _seed(config, 60, 32768)
    saved = {p.name for p in store.list()}
    rng = random.Random(20261129)
    mid_write = 0
    for i in range(KILLS):
        proc = _writer(config, f"k{i}", 0, "update")
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.08))
        proc.kill()  # SIGKILL: no cleanup, no finally, no atexit
        proc.wait(10)
        lines = [line.strip() for line in proc.stdout.read().splitlines()]
        proc.stdout.close()
        acknowledged = {line for line in lines if not line.startswith("saving ")}
        record(FAULTS, "config: SIGKILL of a writer at a random moment")
        if lines and lines[-1].startswith("saving "):
            mid_write += 1  # killed between "saving" and its acknowledgement
            record(FAULTS, "config: SIGKILL landing inside a save (of the random kills)")
        names = {p.name for p in ProfileStore(config).list()}  # parses: never half a file
        assert saved <= names, f"lost {sorted(saved - names)[:5]} after kill {i}"
        saved = names | acknowledged
    assert mid_write >= KILLS // 2, f"only {mid_write} of {KILLS} kills landed inside a save"
    # The killed writers held the file lock: it died with them, the next save goes through at
    # once, and it sweeps away any temp file they left.
    started = time.monotonic()
    ProfileStore(config).add(_profile("after-the-kills"))
    assert time.monotonic() - started < 2
    assert list(config.glob(".profiles-*.tmp")) == []
    assert saved | {"after-the-kills"} <= {p.name for p in ProfileStore(config).list()}


def test_temp_files_left_by_a_killed_writer_are_swept_by_the_next_save(tmp_path: Path) -> None:
    config = tmp_path / "config"
    store = _seed(config, 1)
    stale = config / ".profiles-k1lled.tmp"  # what a writer killed inside _write leaves
    stale.write_text('{"schema_version": 1, "profi')
    store.add(_profile("next"))
    record(FAULTS, "config: temp file left by a killed writer")
    assert not stale.exists()
    assert {p.name for p in store.list()} == {"shared", "seed-0", "next"}


def test_concurrent_writer_processes_lose_no_profile(tmp_path: Path) -> None:
    config = tmp_path / "config"
    _seed(config, 50)
    writers = [_writer(config, f"w{i}", 15, "update") for i in range(4)]
    outputs = []
    for proc in writers:
        out, _ = proc.communicate(timeout=60)
        outputs.append(out)
        assert proc.returncode == 0
    record(FAULTS, "config: concurrent writer processes (4 x 15 adds + 15 updates)", 4)
    names = {p.name for p in ProfileStore(config).list()}
    for i in range(4):
        assert {f"w{i}-{j}" for j in range(15)} <= names
    assert len(names) == 1 + 50 + 60
    shared = ProfileStore(config).get("shared")
    assert shared.last_test is not None and shared.last_test.user_name in names


# -- corrupt and future files ------------------------------------------------------------------
def _valid_file() -> bytes:
    from snow_wizard.core.instance import parse_instance

    oauth = OAuthSettings.for_instance(parse_instance("acme"), "cid")
    profiles = {
        "a": Profile("a", "https://acme.service-now.com", AuthType.BASIC, username="x").to_dict(),
        "b": Profile("b", "https://acme.service-now.com", AuthType.OAUTH, oauth=oauth).to_dict(),
    }
    return json.dumps({"schema_version": SCHEMA_VERSION, "profiles": profiles}, indent=2).encode()


VALID = _valid_file()
KNOWN_BAD = [
    b"", b" ", b"\xef\xbb\xbf" + VALID, VALID.decode().encode("utf-16"),
    b"[" * 100000 + b"]" * 100000, b'{"schema_version": 1e999}',
    b'{"schema_version": NaN, "profiles": {}}', b'{"schema_version": 1, "profiles": []}',
    b'{"schema_version": 1, "profiles": {"a": {"name": "a", "auth": "basic", '
    b'"instance": "ftp://nope"}}}',
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=12,
)
PROFILE_FIELDS = st.fixed_dictionaries(
    {}, optional={k: JSON_VALUES for k in ("name", "instance", "auth", "mode", "username",
                                           "oauth", "created_at", "last_test",
                                           "token_expires_at")},
)
CORRUPT = st.one_of(
    st.integers(0, len(VALID) - 1).map(lambda n: VALID[:n]),  # truncated
    st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255))
    .map(lambda t: VALID[:t[0]] + bytes([t[1]]) + VALID[t[0] + 1:]),  # one byte changed
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"schema_version": JSON_VALUES | st.integers(-5, 1000),
                           "profiles": JSON_VALUES})
    .map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.text(max_size=8), PROFILE_FIELDS, max_size=3)
    .map(lambda p: json.dumps({"schema_version": 1, "profiles": p}).encode()),
    st.binary(max_size=300),
    st.sampled_from(KNOWN_BAD),
)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(content=CORRUPT)
def test_any_damaged_profiles_file_is_reported_and_never_overwritten(
    tmp_path: Path, content: bytes
) -> None:
    check_damaged_file(tmp_path, content, every_write=False)


@pytest.mark.parametrize("index", range(len(KNOWN_BAD)))
def test_known_damaged_files(tmp_path: Path, index: int) -> None:
    check_damaged_file(tmp_path, KNOWN_BAD[index], every_write=True,
                       label="profiles file parser: known damaged files")


def check_damaged_file(tmp_path: Path, content: bytes, *, every_write: bool,
                       label: str = "profiles file parser: generated damaged files") -> None:
    config = tmp_path / "config-h"
    config.mkdir(exist_ok=True)
    path = config / PROFILES_FILE
    path.write_bytes(content)
    store = ProfileStore(config)
    record(GENERATED, label)
    try:
        store.list()
    except ConfigCorrupt as e:
        assert "left untouched" in e.message, e.message
        assert e.hint
    else:
        return  # still a valid file (a harmless change): nothing to protect
    writes = [lambda: store.add(_profile("new")), lambda: store.update("a", lambda p: p),
              lambda: store.remove("a")]
    for write in writes if every_write else writes[:1]:
        with pytest.raises(SnowWizardError):
            write()
    assert path.read_bytes() == content


@pytest.mark.parametrize("content", [
    b'{"schema_version": 1, "profiles": {"a": {"name": "a"',
    json.dumps({"schema_version": SCHEMA_VERSION + 1, "profiles": {}}).encode(),
])
def test_the_cli_reports_a_damaged_or_newer_file_and_never_overwrites_it(
    tmp_path: Path, content: bytes
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    path = config / PROFILES_FILE
    path.write_bytes(content)
    for args in (("list",), ("list", "--json"), ("show", "a"),
                 ("add", "x", "--instance", "acme", "--auth", "basic", "--username", "u",
                  "--no-test", "--password-stdin"),
                 ("remove", "a"), ("test", "a"), ("export", "a")):
        run = run_cli(config, *args, input="pw")
        record(FAULTS, "config: damaged or newer profiles file (CLI)")
        assert run.returncode == 1, (args, run.output)
        assert "Traceback" not in run.output and "internal error" not in run.output
        assert "left untouched" in run.output, (args, run.output)
        assert path.read_bytes() == content
