"""The OAuth path through the real command: add (consent in the sandbox), token, test, authorize
again, remove --revoke; with the real keychain. Only `token` ever prints a secret."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from snow_wizard.core.profiles import redirect_url_for
from snow_wizard.core.secret_store import SecretKind, SecretStore

pytestmark = [pytest.mark.keychain, pytest.mark.e2e]
RunCli = Callable[..., subprocess.CompletedProcess[str]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def oauth_sandbox(port: int) -> Iterator[Any]:
    from snow_wizard.sandbox import Sandbox

    with Sandbox(redirect_urls=[redirect_url_for(port)]) as sb:
        yield sb


def consent_through_cli(
    args: list[str], config_dir: Path, sandbox: Any, stdin: str
) -> tuple[int, str, str]:
    """Run a command that prints a consent URL; play the person in the sandbox; finish."""
    env = dict(os.environ, SNOW_WIZARD_CONFIG_DIR=str(config_dir))
    proc = subprocess.Popen(
        [sys.executable, "-m", "snow_wizard", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    seen: list[str] = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("  http"):
                sandbox.consent(line.strip(), follow=True)
                break
        rest = proc.stdout.read()
        err = proc.stderr.read()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover - only when the test fails
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    return proc.returncode, "".join(seen) + rest, err


def add_oauth_args(name: str, url: str, client_id: str, port: int) -> list[str]:
    return ["add", name, "--instance", url, "--auth", "oauth", "--client-id", client_id,
            "--client-secret-stdin", "--redirect-port", str(port), "--no-browser",
            "--timeout", "30"]


def test_oauth_round_trip(
    run_cli: RunCli,
    oauth_sandbox: Any,
    port: int,
    config_dir: Path,
    real_keychain: SecretStore,
    unique_name: Callable[[str], str],
) -> None:
    sb, app = oauth_sandbox, oauth_sandbox.demo_app
    name = unique_name("oauth")
    rc, out, err = consent_through_cli(
        add_oauth_args(name, sb.url, app.client_id, port),
        config_dir,
        sb,
        app.client_secret + "\n",
    )
    assert rc == 0, (out, err)
    lines = out.splitlines()
    assert (
        lines[0] == f"Redirect URL to register in the OAuth app: http://127.0.0.1:{port}/callback"
    )
    assert "Open this URL in a browser to authorize:" in lines
    assert "Authorized as admin" in lines
    assert any(line.startswith(f"OK  admin @ {sb.url}  (oauth, ") for line in lines)
    assert f"Saved profile '{name}' (oauth, pre-authorize)." in lines
    assert real_keychain.get_sync(name, SecretKind.CLIENT_SECRET) == app.client_secret
    refresh = real_keychain.get_sync(name, SecretKind.REFRESH_TOKEN)
    assert refresh

    token = run_cli("token", name)
    assert token.returncode == 0, token.stderr
    access = token.stdout.strip()
    assert sb.token_valid(access)

    tested = run_cli("test", name, "--json")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert json.loads(tested.stdout)["auth"] == "oauth"

    rc, out2, err2 = consent_through_cli(
        ["authorize", name, "--no-browser", "--timeout", "30"], config_dir, sb, ""
    )
    assert rc == 0, (out2, err2)
    assert "Authorized as admin; access token valid until" in out2

    outputs = [out, err, tested.stdout, tested.stderr, out2, err2]
    current_refresh = real_keychain.get_sync(name, SecretKind.REFRESH_TOKEN)
    assert current_refresh
    removed = run_cli("remove", name, "--revoke")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.splitlines()[0] == "tokens revoked on the instance"
    assert f"removed profile {name}" in removed.stdout
    assert sb.revoked(current_refresh)
    for kind in SecretKind:
        assert real_keychain.get_sync(name, kind) is None
    outputs += [removed.stdout, removed.stderr]
    files = "".join(p.read_text(errors="replace") for p in config_dir.rglob("*") if p.is_file())
    for secret in (app.client_secret, refresh, current_refresh, access):
        assert secret not in files
        assert all(secret not in text for text in outputs)


def test_oauth_add_refuses_a_wrong_client_secret_and_saves_nothing(
    oauth_sandbox: Any,
    port: int,
    config_dir: Path,
    real_keychain: SecretStore,
    unique_name: Callable[[str], str],
) -> None:
    sb, app = oauth_sandbox, oauth_sandbox.demo_app
    name = unique_name("oauth")
    rc, out, err = consent_through_cli(
        add_oauth_args(name, sb.url, app.client_id, port),
        config_dir,
        sb,
        "wrong-secret",
    )
    assert rc == 1, (out, err)
    assert "token endpoint refused" in err and "likely causes, most likely first:" in err
    assert "1. The Client Secret does not match" in err
    assert "Traceback" not in err and "wrong-secret" not in out + err
    assert real_keychain.get_sync(name, SecretKind.CLIENT_SECRET) is None
