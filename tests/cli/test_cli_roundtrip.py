"""The Basic round trip through the real command in subprocesses, against the in-process sandbox,
with the real OS keychain: add, test, test --json, list, show, export/import, remove. Afterwards
the password is in no file under the config dir and in no captured output."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from snow_wizard.core.secret_store import SERVICE, SecretKind, SecretStore

pytestmark = [pytest.mark.keychain, pytest.mark.e2e]

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def files_text(directory: Path) -> str:
    if not directory.exists():
        return ""
    return "".join(p.read_text(errors="replace") for p in directory.rglob("*") if p.is_file())


def secret_tool_listing() -> str:
    if shutil.which("secret-tool") is None:
        return ""
    found = subprocess.run(["secret-tool", "search", "--all", "service", SERVICE],
                           capture_output=True, text=True, timeout=30)
    return found.stdout + found.stderr


def test_basic_round_trip(
    run_cli: RunCli, sandbox: Any, config_dir: Path, real_keychain: SecretStore,
    unique_name: Callable[[str], str], tmp_path: Path,
) -> None:
    name, copy = unique_name("demo"), unique_name("copy")
    password = sandbox.demo_user.password
    outputs: list[subprocess.CompletedProcess[str]] = []

    def cli(*args: str, input: str | None = None, expect: int = 0) -> Any:
        proc = run_cli(*args, input=input)
        outputs.append(proc)
        assert proc.returncode == expect, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        return proc

    added = cli("add", name, "--instance", sandbox.url, "--auth", "basic", "--username", "admin",
                "--password-stdin", input=password + "\n")  # one trailing newline is stripped
    lines = added.stdout.splitlines()
    assert lines[0].startswith(f"OK  admin @ {sandbox.url}  (basic, ")
    assert lines[0].endswith(" ms)")
    assert f"Saved profile '{name}'" in lines[1]
    assert real_keychain.get_sync(name, SecretKind.PASSWORD) == password
    listing = secret_tool_listing()
    if listing:
        assert f"attribute.username = {name}:password" in listing

    tested = cli("test", name)
    assert tested.stdout.startswith(f"OK  admin @ {sandbox.url}  (basic, ")

    as_json = json.loads(cli("test", name, "--json").stdout)
    assert as_json["ok"] is True and as_json["profile"] == name
    assert as_json["user_name"] == "admin" and as_json["instance"] == sandbox.url
    assert as_json["auth"] == "basic" and as_json["latency_ms"] > 0
    assert list(as_json)[:6] == ["ok", "profile", "instance", "auth", "user_name", "latency_ms"]

    table = cli("list").stdout.splitlines()
    assert table[0].split() == ["NAME", "AUTH", "MODE", "INSTANCE", "LAST", "TEST"]
    row = next(line for line in table if line.startswith(name))
    assert "basic" in row and sandbox.url in row and "ok (admin" in row
    listed = json.loads(cli("list", "--json").stdout)
    assert [p["name"] for p in listed] == [name]
    assert listed[0]["last_test"]["ok"] is True

    shown = cli("show", name).stdout
    assert f"instance:  {sandbox.url}" in shown and "user name: admin" in shown
    assert json.loads(cli("show", name, "--json").stdout)["username"] == "admin"

    exported = tmp_path / "shared.json"
    cli("export", name, "-o", str(exported))
    assert json.loads(exported.read_text())["snow_wizard_profile"] == 1
    imported = cli("import", str(exported), "--name", copy, "--password-stdin", input=password)
    assert f"Imported profile '{copy}'" in imported.stdout
    assert cli("test", copy, "--json").returncode == 0

    sandbox.faults.hibernating = True
    failed = cli("test", name, expect=1)
    assert failed.stdout.startswith("FAILED  The instance")
    assert "  hint: " in failed.stdout and "developer.servicenow.com" in failed.stdout
    failed_json = json.loads(cli("test", name, "--json", expect=1).stdout)
    assert failed_json["ok"] is False and failed_json["error"] == "hibernating"
    assert failed_json["message"] and failed_json["hint"]
    sandbox.reset_faults()

    for profile in (name, copy):
        removed = cli("remove", profile).stdout.splitlines()
        assert removed == [f"removed keychain entry {profile}:password",
                           f"removed profile {profile}"]
        assert real_keychain.get_sync(profile, SecretKind.PASSWORD) is None
    assert json.loads(cli("list", "--json").stdout) == []
    cli("show", name, expect=2)
    listing = secret_tool_listing()
    assert name not in listing and copy not in listing

    assert password not in files_text(config_dir)
    for proc in outputs:
        assert password not in proc.stdout + proc.stderr


def test_a_wrong_password_saves_nothing(
    run_cli: RunCli, sandbox: Any, config_dir: Path, real_keychain: SecretStore,
    unique_name: Callable[[str], str],
) -> None:
    name = unique_name("bad")
    proc = run_cli("add", name, "--instance", sandbox.url, "--auth", "basic", "--username",
                   "admin", "--password-stdin", input="not-the-password")
    assert proc.returncode == 1
    assert "refused the user name or password" in proc.stderr
    assert "hint:" in proc.stderr and "Traceback" not in proc.stderr
    assert real_keychain.get_sync(name, SecretKind.PASSWORD) is None
    assert "not-the-password" not in files_text(config_dir) + proc.stdout + proc.stderr
    assert json.loads(run_cli("list", "--json").stdout) == []
