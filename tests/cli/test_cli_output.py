"""The output formats scripts and people rely on."""

from __future__ import annotations

from snow_wizard import cli_output as out
from snow_wizard.core import diagnosis
from snow_wizard.core.instance import parse_instance
from snow_wizard.core.profiles import (
    AuthType,
    Mode,
    OAuthSettings,
    Profile,
    TestRecord,
)
from snow_wizard.core.servicenow import TestResult


def test_ok_line() -> None:
    result = TestResult(instance="http://127.0.0.1:8080", auth="basic", user_name="admin",
                        latency_ms=12.4)
    assert out.ok_line(result) == "OK  admin @ http://127.0.0.1:8080  (basic, 12 ms)"


def test_failed_block_has_hint_and_ranked_causes() -> None:
    error = diagnosis.error("token_exchange_failed", step="password")
    lines = out.failed_block(error).splitlines()
    assert lines[0] == f"FAILED  {error.message}"
    assert lines[1] == f"  hint: {error.hint}"
    assert lines[2] == "  likely causes, most likely first:"
    assert lines[3] == "    1. The user name or password is wrong."
    assert len(lines) == 3 + len(error.causes)
    assert out.error_block(error).splitlines()[0] == f"snow-wizard: {error.message}"


def test_profile_table_and_details() -> None:
    inst = parse_instance("acme")
    profiles = [
        Profile(name="demo", instance="http://127.0.0.1:8080", auth=AuthType.BASIC,
                username="admin", last_test=TestRecord(ok=True, at=0.0, user_name="admin",
                                                       latency_ms=12.0)),
        Profile(name="prod", instance=inst.base_url, auth=AuthType.OAUTH,
                mode=Mode.USER_AUTHORIZE, oauth=OAuthSettings.for_instance(inst, "cid"),
                last_test=TestRecord(ok=False, at=0.0, error="unauthorized")),
    ]
    table = out.profile_table(profiles).splitlines()
    assert table[0] == "NAME  AUTH   MODE            INSTANCE                      LAST TEST"
    assert table[1].startswith(
        "demo  basic  pre-authorize   http://127.0.0.1:8080         ok (admin, 12 ms) "
    )
    assert table[2].startswith(
        "prod  oauth  user-authorize  https://acme.service-now.com  failed: unauthorized "
    )
    details = out.profile_details(profiles[1])
    assert "redirect URL:  http://127.0.0.1:8765/callback" in details
    assert "token URL:     https://acme.service-now.com/oauth_token.do" in details
    assert "never shown" in details
    assert out.profile_json(profiles[1])["oauth"]["redirect_url"].endswith(":8765/callback")
    assert out.profile_table([]).startswith("No profiles yet.")


def test_doctor_rows() -> None:
    text = out.doctor_rows([("version", "0.1.0", "ok"), ("keyring backend", "fail", "warn")])
    assert text.splitlines() == [
        "ok    version          0.1.0",
        "WARN  keyring backend  fail",
    ]
