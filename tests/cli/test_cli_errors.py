"""Bad input for every argument: exit 2 with a clear message and no traceback. Plus the other
exit paths: internal errors, Ctrl-C, a missing display, and commands that need no keychain."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from snow_wizard import __version__, cli, cli_commands
from snow_wizard.core.instance import parse_instance
from snow_wizard.core.profiles import AuthType, OAuthSettings, Profile, ProfileStore
from snow_wizard.errors import ProfileNotFound

RunCli = Callable[..., subprocess.CompletedProcess[str]]
ADD = ["add", "demo", "--instance", "acme"]


@pytest.fixture
def saved(config_dir: Path) -> Path:
    """Two profiles written straight to the store (no keychain involved)."""
    store = ProfileStore(config_dir)
    store.add(Profile(name="demo", instance="https://acme.service-now.com", auth=AuthType.BASIC,
                      username="admin"))
    inst = parse_instance("acme")
    store.add(Profile(name="app", instance=inst.base_url, auth=AuthType.OAUTH,
                      oauth=OAuthSettings.for_instance(inst, "cid")))
    return config_dir


BAD_INPUT: list[tuple[list[str], str]] = [
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["add"], "the following arguments are required"),
    (["add", "demo", "--auth", "basic"], "--instance"),
    (["add", "demo", "--instance", "acme"], "--auth"),
    ([*ADD, "--auth", "kerberos"], "invalid choice: 'kerberos'"),
    ([*ADD, "--auth", "basic", "--mode", "sideways"], "invalid choice: 'sideways'"),
    (["add", "demo", "--instance", "", "--auth", "basic"], "must not be empty"),
    (["add", "", "--instance", "acme", "--auth", "basic"], "must not be empty"),
    (["add", "demo", "--instance", "http://example.com", "--auth", "basic", "--username", "u"],
     "http:// is allowed only for 127.0.0.1 / localhost"),
    (["add", "demo", "--instance", "acme corp", "--auth", "basic", "--username", "u"],
     "'acme corp' contains a space"),
    (["add", "a b", "--instance", "acme", "--auth", "basic", "--username", "u"],
     "'a b' is not a valid profile name"),
    ([*ADD, "--auth", "basic"], "--auth basic needs --username"),
    ([*ADD, "--auth", "basic", "--username", "u", "--client-id", "c"],
     "--client-id cannot be used with --auth basic"),
    ([*ADD, "--auth", "oauth"], "--auth oauth needs --client-id"),
    ([*ADD, "--auth", "oauth", "--client-id", "c", "--username", "u"],
     "--username cannot be used with --auth oauth"),
    ([*ADD, "--auth", "oauth", "--client-id", "c", "--redirect-port", "80"],
     "between 1024 and 65535"),
    ([*ADD, "--auth", "oauth", "--client-id", "c", "--redirect-port", "x"], "not a port number"),
    ([*ADD, "--auth", "oauth", "--client-id", "c", "--timeout", "0"], "more than 0"),
    ([*ADD, "--auth", "oauth", "--client-id", "c", "--timeout", "soon"], "not a number"),
    ([*ADD, "--auth", "oauth", "--client-id", "a b"], "Client ID contains spaces"),
    ([*ADD, "--auth", "oauth", "--client-id", "c", "--token-url", "http://evil.example/t"],
     "http:// is allowed only"),
    ([*ADD, "--auth", "oauth", "--client-id", "c", "--client-auth", "jwt"], "invalid choice"),
    ([*ADD, "--auth", "basic", "--username", "u", "--password-stdin"],
     "No password on standard input"),
    ([*ADD, "--auth", "basic", "--username", "u"], "No password given"),
    ([*ADD, "--auth", "oauth", "--client-id", "c", "--client-secret-stdin"],
     "No client secret on standard input"),
    (["show"], "the following arguments are required: name"),
    (["show", "nope"], "No profile named 'nope'"),
    (["test", "nope"], "No profile named 'nope'"),
    (["token", "nope"], "No profile named 'nope'"),
    (["authorize", "nope"], "No profile named 'nope'"),
    (["export", "nope"], "No profile named 'nope'"),
    (["list", "extra"], "unrecognized arguments: extra"),
    (["import"], "the following arguments are required: FILE"),
    (["import", "/no/such/file.json"], "Cannot read /no/such/file.json"),
    (["sandbox", "--port", "x"], "not a port number"),
    (["sandbox", "--port", "70000"], "between 0 and 65535"),
    (["remove"], "the following arguments are required: name"),
]


@pytest.mark.parametrize(("args", "says"), BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_exits_2_with_a_clear_message(
    run_cli: RunCli, config_dir: Path, args: list[str], says: str
) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert says in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (config_dir / "profiles.json").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["token", "demo"], "uses Basic authentication"),
        (["authorize", "demo"], "No password for admin given"),
        (["authorize", "demo", "--password-stdin"], "No password for admin on standard input"),
        (["authorize", "demo", "--no-browser"], "--no-browser cannot be used with a Basic"),
        (["authorize", "app", "--username", "x"], "are for Basic profiles"),
        (["authorize", "app", "--redirect-port", "9000"], "callback port is part of the profile"),
        (["add", "demo", "--instance", "acme", "--auth", "basic", "--username", "u"],
         "already exists"),
        (["export", "demo", "-o", "/no/such/dir/x.json"], "Cannot write /no/such/dir/x.json"),
    ],
)
def test_bad_input_about_saved_profiles(
    run_cli: RunCli, saved: Path, args: list[str], says: str
) -> None:
    before = (saved / "profiles.json").read_bytes()
    proc = run_cli(*args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert says in proc.stderr and "Traceback" not in proc.stderr
    assert (saved / "profiles.json").read_bytes() == before


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("not json", "not a snow-wizard profile file (not JSON)"),
        ("[1, 2]", "is not a snow-wizard profile file"),
        ('{"hello": 1}', "'snow_wizard_profile': 1 is missing"),
        ('{"snow_wizard_profile": 1, "name": "x", "instance": "acme", "auth": "basic"}',
         "a Basic profile needs a username"),
    ],
)
def test_import_of_bad_files(
    run_cli: RunCli, tmp_path: Path, config_dir: Path, content: str, says: str
) -> None:
    path = tmp_path / "p.json"
    path.write_text(content)
    proc = run_cli("import", str(path), "--password-stdin", input="pw")
    assert proc.returncode == 2 and says in proc.stderr, proc.stderr
    assert not (config_dir / "profiles.json").exists()


def test_json_errors_go_to_stdout_as_one_object(run_cli: RunCli, config_dir: Path) -> None:
    proc = run_cli("test", "nope", "--json")
    assert proc.returncode == 2
    data = json.loads(proc.stdout)
    assert data == {
        "ok": False,
        "error": "profile_not_found",
        "message": "No profile named 'nope'.",
        "hint": "`snow-wizard list` shows the profiles.",
    }


def test_version_and_help(run_cli: RunCli) -> None:
    version = run_cli("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"snow-wizard {__version__}"
    helped = run_cli("--help")
    assert helped.returncode == 0
    for command in ("add", "list", "show", "test", "token", "authorize", "remove", "export",
                    "import", "doctor", "sandbox"):
        assert command in helped.stdout
    assert run_cli("add", "--help").returncode == 0


def test_list_and_show_without_keychain(run_cli: RunCli, saved: Path) -> None:
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    table = run_cli("list", env=env)
    assert table.returncode == 0
    assert [line.split()[0] for line in table.stdout.splitlines()] == ["NAME", "app", "demo"]
    shown = run_cli("show", "app", env=env)
    assert "redirect URL:  http://127.0.0.1:8765/callback" in shown.stdout
    assert "client id:     cid" in shown.stdout
    empty = run_cli("list", env={"SNOW_WIZARD_CONFIG_DIR": str(saved / "none")})
    assert empty.returncode == 0 and empty.stdout.startswith("No profiles yet.")


def test_no_keychain_fails_with_guidance_and_saves_nothing(
    run_cli: RunCli, sandbox: Any, config_dir: Path
) -> None:
    proc = run_cli("add", "demo", "--instance", sandbox.url, "--auth", "basic", "--username",
                   "admin", "--password-stdin", input=sandbox.demo_user.password,
                   env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert proc.returncode == 1
    assert "No working OS keychain was found" in proc.stderr and "hint:" in proc.stderr
    assert sandbox.demo_user.password not in proc.stdout + proc.stderr
    assert json.loads(run_cli("list", "--json").stdout) == []


def test_corrupt_config_is_reported_not_overwritten(run_cli: RunCli, config_dir: Path) -> None:
    config_dir.mkdir(parents=True)
    (config_dir / "profiles.json").write_text("{broken")
    proc = run_cli("list")
    assert proc.returncode == 1
    assert "is corrupt and was left untouched" in proc.stderr and "Traceback" not in proc.stderr
    assert (config_dir / "profiles.json").read_text() == "{broken"


def test_no_display_gives_one_line(run_cli: RunCli) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "snow_wizard"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "snow-wizard" in proc.stderr and "Traceback" not in proc.stderr


# --- in-process: internal errors and Ctrl-C -------------------------------------------------------

def _raise(exc: BaseException) -> Callable[[Any], int]:
    def handler(args: Any) -> int:
        raise exc

    return handler


def test_an_unexpected_exception_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], config_dir: Path
) -> None:
    monkeypatch.setitem(cli_commands.HANDLERS, "list", _raise(RuntimeError("secret-ish detail")))
    assert cli.main(["list"]) == 1
    err = capsys.readouterr().err
    assert err == "snow-wizard: internal error: RuntimeError (run with --debug for details)\n"
    assert cli.main(["--debug", "list"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "secret-ish detail" in err
    assert cli.main(["list", "--debug"]) == 1  # --debug after the command works too
    assert "Traceback" in capsys.readouterr().err


def test_ctrl_c_is_cancelled_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], config_dir: Path
) -> None:
    monkeypatch.setitem(cli_commands.HANDLERS, "list", _raise(KeyboardInterrupt()))
    assert cli.main(["list"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "Cancelled.\n" and captured.out == ""


def test_snow_wizard_errors_use_their_exit_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], config_dir: Path
) -> None:
    monkeypatch.setitem(cli_commands.HANDLERS, "list", _raise(ProfileNotFound("gone", hint="h")))
    assert cli.main(["list"]) == 2
    assert capsys.readouterr().err == "snow-wizard: gone\n  hint: h\n"


def test_real_sigint_while_waiting_for_the_instance(
    sandbox: Any, config_dir: Path, tmp_path: Path
) -> None:
    sandbox.faults.delay = 20
    env = dict(os.environ, SNOW_WIZARD_CONFIG_DIR=str(config_dir))
    proc = subprocess.Popen(
        [sys.executable, "-m", "snow_wizard", "add", "demo", "--instance", sandbox.url,
         "--auth", "basic", "--username", "admin", "--password-stdin"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdin is not None
    proc.stdin.write(sandbox.demo_user.password)
    proc.stdin.close()
    deadline = time.monotonic() + 20
    while not any(p.startswith("/api/") for _, p in sandbox.requests):
        assert time.monotonic() < deadline, "the command never reached the instance"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:  # pragma: no cover - only when the test fails
            proc.kill()
            proc.wait()
    assert proc.stdout is not None and proc.stderr is not None
    with proc.stdout, proc.stderr:
        err = proc.stderr.read()
    assert proc.returncode == 130
    assert err.strip() == "Cancelled." and "Traceback" not in err
    assert not (config_dir / "profiles.json").exists() or "demo" not in (
        config_dir / "profiles.json").read_text()


def test_strip_newline_removes_exactly_one() -> None:
    strip = cli_commands.strip_newline
    assert strip("pw\n") == "pw" and strip("pw\r\n") == "pw" and strip("pw") == "pw"
    assert strip("pw \n\n") == "pw \n" and strip("  pw  ") == "  pw  "
