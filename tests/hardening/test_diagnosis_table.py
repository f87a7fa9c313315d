"""The diagnosis table is complete and every face shows it the same way.

Every code DESIGN.md promises and every code the product raises has a message and an actionable
hint; the CLI (``test``, ``add``, ``authorize``, ``token``), ``--json`` and the wizard's status
line all show the same message, hint and ranked causes; TLS failures name a private CA and the OS
trust store; ``doctor`` shows the proxy settings in use (credentials masked).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from hardening.cli_tools import FAULT, REPO, run_cli
from hardening.figures import FAULTS, record
from snow_wizard import cli_output
from snow_wizard.core import diagnosis
from snow_wizard.core.profiles import AuthType, Profile, ProfileStore

DESIGN = Path("/work/shared/DESIGN.md")
CONTEXT: dict[str, object] = {
    "host": "acme.service-now.com", "instance": "https://acme.service-now.com", "timeout": 15,
    "tls_detail": ": it is issued by a private CA", "wake_url": "https://developer.example/wake",
    "detail": ": details", "total": 7, "retry_after": 30, "rule": " (rule-1)", "status": 503,
    "profile": "acme", "redirect_url": "http://127.0.0.1:8765/callback", "port": 8765,
    "holder": " (by python3 (pid 1))", "backend": "keyring.backends.fail.Keyring",
    "kind": "password", "step": "authorization_code",
}


def design_codes() -> list[str]:
    text = DESIGN.read_text() if DESIGN.exists() else (REPO / "DESIGN.md").read_text()
    found = re.search(r"CODE one of the diagnosis codes \(([^)]*)\)", text)
    assert found, "DESIGN.md no longer lists the codes"
    return [c.strip() for c in found.group(1).split(",") if c.strip() and c.strip() != "..."]


def raised_codes() -> set[str]:
    pattern = re.compile(r"\b(?:error|describe|_keychain_error)\(\s*\"([a-z_]+)\"")
    codes: set[str] = set()
    for path in (REPO / "snow_wizard").rglob("*.py"):
        codes |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_promised_and_every_raised_code_is_in_the_table() -> None:
    promised = design_codes()
    assert len(promised) >= 15
    raised = raised_codes()
    assert len(raised) >= 15
    missing = sorted((set(promised) | raised) - set(diagnosis.TABLE))
    assert missing == []


@pytest.mark.parametrize("code", sorted(diagnosis.TABLE))
def test_every_code_has_an_actionable_message_and_hint(code: str) -> None:
    d = diagnosis.describe(code, **CONTEXT)
    for text in (d.message, d.hint):
        assert text and "{" not in text and "}" not in text and "None" not in text
        assert text.rstrip()[-1] in ".)", text
    if code != "cancelled":  # not a failure: "Nothing was saved." is all there is to say
        assert len(d.hint) >= 40
    err = diagnosis.error(code, **CONTEXT)
    data = err.to_dict()
    assert data["error"] == code and data["message"] == d.message and data["hint"] == d.hint
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize("step", sorted(diagnosis.TOKEN_401_CAUSES))
def test_the_opaque_token_401_has_ranked_causes_for_each_step(step: str) -> None:
    d = diagnosis.describe("token_exchange_failed", step=step,
                           redirect_url="http://127.0.0.1:9999/callback")
    assert len(d.causes) >= 3
    assert not any("{" in c for c in d.causes)
    err = diagnosis.error("token_exchange_failed", step=step)
    block = cli_output.failed_block(err)
    positions = [block.index(f"{i}. {c}") for i, c in enumerate(err.causes, 1)]
    assert positions == sorted(positions)  # most likely first, in the order of the table
    assert err.to_dict()["causes"] == list(err.causes)


@pytest.mark.parametrize("code", sorted(diagnosis.TABLE))
def test_cli_and_wizard_show_message_hint_and_causes_alike(
    code: str, qapp: Any, main_thread_gc: None
) -> None:
    """(main_thread_gc: the widget is collected on the Qt thread, never a worker thread.)"""
    from snow_wizard.gui.widgets import StatusLine

    err = diagnosis.error(code, **CONTEXT)
    status = StatusLine()
    status.show_error(err)
    shown = status.plain_text()
    for block in (cli_output.failed_block(err), cli_output.error_block(err)):
        assert err.message in block and f"hint: {err.hint}" in block
    assert err.message in shown and err.hint in shown
    for cause in err.causes:
        assert cause in shown
    status.deleteLater()


def test_the_cli_commands_show_a_failure_the_same_way(sandbox: Any, tmp_path: Path) -> None:
    """The same diagnosis from `add`, `test` and `test --json`: identical message and hint."""
    config = tmp_path / "config"
    ProfileStore(config).add(Profile("b", sandbox.url, AuthType.BASIC, username="admin"))
    env = {"PYTHON_KEYRING_BACKEND": FAULT + "EnvSeededKeyring",
           "SNOW_WIZARD_TEST_SECRETS": json.dumps({"b:password": "wrong-pw-1"})}
    for faults, code in (({}, "unauthorized"), ({"hibernating": True}, "hibernating")):
        for name, value in faults.items():
            setattr(sandbox.faults, name, value)
        add = run_cli(config, "add", "n", "--instance", sandbox.url, "--auth", "basic",
                      "--username", "admin", "--password-stdin", input="wrong-pw-1", env=env)
        test = run_cli(config, "test", "b", env=env)
        record(FAULTS, f"diagnosis: {code} through add and test", 2)
        d = diagnosis.describe(code, instance=sandbox.url,
                               wake_url="https://developer.servicenow.com/dev.do")
        message, hint = d.message, d.hint
        assert f"snow-wizard: {message}\n  hint: {hint}" in add.stderr
        assert f"FAILED  {message}\n  hint: {hint}" in test.stdout
        assert add.returncode == test.returncode == 1
        assert "wrong-pw-1" not in add.output + test.output
        sandbox.reset_faults()


@pytest.mark.parametrize(("private_ca", "says"), [
    (True, "private or corporate certificate authority"),
    (False, "self-signed"),
])
def test_tls_failures_name_the_issuer_and_the_os_trust_store(
    tmp_path: Path, private_ca: bool, says: str
) -> None:
    from core.tls_helpers import https_server

    config = tmp_path / "config"
    with https_server(tmp_path, private_ca=private_ca) as url:
        ProfileStore(config).add(Profile("t", url, AuthType.BASIC, username="u"))
        env = {"PYTHON_KEYRING_BACKEND": FAULT + "EnvSeededKeyring",
               "SNOW_WIZARD_TEST_SECRETS": json.dumps({"t:password": "pw"})}
        run = run_cli(config, "test", "t", "--json", env=env)
    record(FAULTS, "tls: untrusted certificate (CLI test --json)")
    data = json.loads(run.stdout)
    assert run.returncode == 1 and data["error"] == "tls"
    assert says in data["message"]
    assert "operating system's certificate store" in data["hint"]
    assert "never turned off" in data["hint"]


def test_the_client_verifies_with_the_os_trust_store() -> None:
    import truststore

    from snow_wizard.core.servicenow import make_client, ssl_context

    assert isinstance(ssl_context(), truststore.SSLContext)
    with make_client() as client:
        assert client._transport._pool._ssl_context is ssl_context()  # type: ignore[attr-defined]


def test_doctor_shows_the_proxy_settings_in_use_with_credentials_masked(tmp_path: Path) -> None:
    env = {"HTTPS_PROXY": "http://alice:proxy-pw-1@proxy.example:3128",
           "https_proxy": "http://bob:proxy-pw-2@lower.example:8080",
           "NO_PROXY": "localhost,.internal.example", "HTTP_PROXY": "http://plain.example:80"}
    run = run_cli(tmp_path / "config", "doctor", env=env)
    record(FAULTS, "doctor: proxy variables set")
    assert run.returncode in (0, 1) and "Traceback" not in run.output  # 1: a check failed
    assert "proxy.example:3128" in run.stdout and "lower.example:8080" in run.stdout
    assert "plain.example:80" in run.stdout and ".internal.example" in run.stdout
    assert "proxy-pw-1" not in run.output and "proxy-pw-2" not in run.output
    none = run_cli(tmp_path / "config", "doctor")
    assert "proxy" in none.stdout and "none set" in none.stdout


def test_doctor_names_the_live_keyring_backend_and_the_way_out(tmp_path: Path) -> None:
    run = run_cli(tmp_path / "config", "doctor",
                  env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    record(FAULTS, "doctor: no keychain backend")
    line = next(ln for ln in run.stdout.splitlines() if "keyring backend" in ln)
    assert "keyring.backends.fail.Keyring" in line
    assert "PYTHON_KEYRING_BACKEND" in line and not line.startswith("ok")
