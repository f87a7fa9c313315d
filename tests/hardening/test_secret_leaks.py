"""Secret leak scan after end-to-end runs against the sandbox, Basic and OAuth.

Searched: every file under the config dir, every log record (all loggers at DEBUG), captured
stdout and stderr (except what ``snow-wizard token`` prints on stdout: the token is its job),
``--debug`` tracebacks, exception texts and full formatted tracebacks. Searched for: every
password, client secret, access and refresh token and authorization code that took part, raw,
URL-encoded and as a Basic header.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import pytest

from hardening.cli_tools import run_cli
from hardening.leak_scan import assert_no_secret, files_under, forms
from snow_wizard.core import authorization, connections
from snow_wizard.core.context import Context
from snow_wizard.core.instance import parse_instance
from snow_wizard.core.profiles import OAuthSettings, ProfileStore, redirect_url_for
from snow_wizard.core.secret_store import MemoryBackend, SecretStore
from snow_wizard.errors import SnowWizardError

CONSENT = Path(__file__).with_name("http_consent.py")
WRONG_PASSWORD = "Wr0ng-passw0rd-hardening"
WRONG_SECRET = "wr0ng-client-s3cret-hardening"


def issued_secrets(sb: Any, extra: dict[str, str]) -> dict[str, set[str]]:
    """Every secret the run used or the sandbox issued (tokens and authorization codes)."""
    secrets: dict[str, set[str]] = {
        "demo password": forms(sb.demo_user.password, user="admin"),
        "client secret": forms(sb.demo_app.client_secret, user=sb.demo_app.client_id),
    }
    for label, value in extra.items():
        secrets[label] = forms(value, user="admin")
    for i, token in enumerate(sb.issued_tokens):
        secrets[f"access token {i}"] = forms(token)
    for i, token in enumerate(sb.issued_refresh_tokens):
        secrets[f"refresh token {i}"] = forms(token)
    with sb._state.lock:
        codes = list(sb._state.codes)
    for i, code in enumerate(codes):
        secrets[f"authorization code {i}"] = forms(code)
    return secrets


def error_texts(e: BaseException) -> str:
    parts = [str(e), repr(e), "".join(traceback.format_exception(type(e), e, e.__traceback__))]
    if isinstance(e, SnowWizardError):
        parts += [e.message, e.hint, *e.causes, json.dumps(e.to_dict())]
    return "\n".join(parts)


def test_in_process_flows_leak_nothing(tmp_path: Path, port: int,
                                       caplog: pytest.LogCaptureFixture) -> None:
    import snow_wizard
    from snow_wizard.sandbox import Sandbox

    caplog.set_level(logging.DEBUG)  # every logger of every library
    config = tmp_path / "config"
    errors: list[str] = []
    shown: list[str] = []
    with Sandbox(redirect_urls=[redirect_url_for(port)]) as sb:
        allow = [True]

        def browser(url: str) -> bool:
            sb.consent(url, allow=allow[0], follow=True)
            return True

        ctx = Context(store=ProfileStore(config), secrets=SecretStore(MemoryBackend()),
                      open_browser=browser)
        instance = parse_instance(sb.url)
        settings = OAuthSettings.for_instance(instance, sb.demo_app.client_id, redirect_port=port)
        pw, secret = sb.demo_user.password, sb.demo_app.client_secret

        async def flows() -> None:
            profile, result = await connections.add_basic_profile(ctx, "b", sb.url, "admin", pw)
            shown.extend([repr(profile), repr(result), json.dumps(result.to_dict() if result
                                                                  else {})])
            shown.append(repr(await connections.test_profile(ctx, "b")))
            profile, result = await authorization.add_oauth_profile(
                ctx, "o", instance, settings, secret, timeout=20)
            shown.extend([repr(profile), repr(result), json.dumps(profile.to_dict())])
            shown.append(repr(await connections.test_profile(ctx, "o")))
            sb.expire_access_tokens()
            await authorization.get_access_token(ctx, "o", min_validity=10**9)  # refresh
            _, tokens = await authorization.authorize_profile(ctx, "o", timeout=20)
            shown.append(repr(tokens))
            exported = connections.export_profile(ctx, "o")
            shown.append(json.dumps(exported))
            await connections.import_profile(ctx, exported, name="o2", client_secret=secret)
            for failing in (
                connections.add_basic_profile(ctx, "bad", sb.url, "admin", WRONG_PASSWORD),
                authorization.add_oauth_profile(ctx, "bad-oauth", instance, settings,
                                                WRONG_SECRET, timeout=20),
            ):
                try:
                    await failing
                except SnowWizardError as e:
                    errors.append(error_texts(e))
            allow[0] = False
            try:
                await authorization.authorize_profile(ctx, "o2", timeout=20)
            except SnowWizardError as e:
                errors.append(error_texts(e))
            await connections.remove_profile(ctx, "o", revoke=True)

        asyncio.run(flows())
        with snow_wizard.connect("b", context=ctx) as client:
            shown.append(repr(client.get("/api/now/ui/user/current_user")))
            shown.append(repr(client) + repr(client.auth))

        async def api() -> None:
            async with snow_wizard.aconnect("o2", context=ctx) as client:
                try:
                    await client.get("/api/now/ui/user/current_user")
                except SnowWizardError as e:  # o2 was never authorized: no refresh token
                    errors.append(error_texts(e))

        asyncio.run(api())
        assert len(errors) == 4, errors
        secrets = issued_secrets(sb, {"wrong password": WRONG_PASSWORD,
                                      "wrong client secret": WRONG_SECRET})
    assert len(secrets) >= 8
    places = files_under(config)
    assert "file config/profiles.json" in places
    places["log records (all loggers, DEBUG)"] = caplog.text
    assert caplog.text  # the libraries did log: the scan saw something
    for i, text in enumerate(errors):
        places[f"error {i} (message, hint, causes, traceback)"] = text
    places["reprs and JSON of results and profiles"] = "\n".join(shown)
    assert_no_secret(places, secrets, "in-process flows: files, logs, errors, reprs")


# -- the command line, with the real OS keychain ------------------------------------------------
def _real_keychain_or_skip() -> None:
    from snow_wizard.core.secret_store import keyring_is_usable

    reason = None
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        reason = "no D-Bus session"
    elif not keyring_is_usable():
        reason = "no usable keyring backend"
    if reason is not None:
        if os.environ.get("CI") or os.environ.get("SNOW_WIZARD_REQUIRE_KEYCHAIN") == "1":
            pytest.fail(f"the CLI leak scan needs the real keychain: {reason}")
        pytest.skip(f"the CLI leak scan needs the real keychain (scripts/test): {reason}")


def test_cli_flows_with_the_real_keychain_leak_nothing(tmp_path: Path, port: int) -> None:
    _real_keychain_or_skip()
    from snow_wizard.core.secret_store import SecretKind
    from snow_wizard.sandbox import Sandbox

    config = tmp_path / "config"
    outputs: dict[str, str] = {}
    names = ("b", "o", "o2", "bad", "bad-oauth")
    with Sandbox(redirect_urls=[redirect_url_for(port)]) as sb:
        browser = {"BROWSER": f"{sys.executable} {CONSENT} %s", "SANDBOX_PW": sb.demo_user.password}
        pw, secret = sb.demo_user.password, sb.demo_app.client_secret
        oauth_add = ("--auth", "oauth", "--client-id", sb.demo_app.client_id,
                     "--client-secret-stdin", "--redirect-port", str(port), "--timeout", "20")
        steps: list[tuple[tuple[str, ...], str, int]] = [
            (("add", "b", "--instance", sb.url, "--auth", "basic", "--username", "admin",
              "--password-stdin"), pw, 0),
            (("test", "b"), "", 0),
            (("add", "o", "--instance", sb.url, *oauth_add), secret, 0),
            (("test", "o", "--json"), "", 0), (("token", "o"), "", 0),
            (("authorize", "o"), "", 0), (("list", "--json"), "", 0),
            (("export", "o", "-o", str(tmp_path / "o.json")), "", 0),
            (("import", str(tmp_path / "o.json"), "--name", "o2", "--client-secret-stdin"),
             secret, 0),
            (("--debug", "add", "bad", "--instance", sb.url, "--auth", "basic", "--username",
              "admin", "--password-stdin"), WRONG_PASSWORD, 1),
            (("--debug", "add", "bad-oauth", "--instance", sb.url, *oauth_add),
             WRONG_SECRET, 1),
            (("--debug", "token", "o2"), "", 1),
            (("remove", "o", "--revoke"), "", 0),
        ]
        try:
            for i, (args, stdin, expected) in enumerate(steps):
                run = run_cli(config, *args, input=stdin, env=browser, timeout=90)
                assert run.returncode == expected, (args, run.output)
                stdout = "" if args[0] == "token" and expected == 0 else run.stdout
                if args[0] == "token" and expected == 0:
                    assert run.stdout.strip() in sb.issued_tokens  # the one allowed place
                outputs[f"step {i} {' '.join(args[:2])} stdout"] = stdout
                outputs[f"step {i} {' '.join(args[:2])} stderr"] = run.stderr
            secrets = issued_secrets(sb, {"wrong password": WRONG_PASSWORD,
                                          "wrong client secret": WRONG_SECRET})
        finally:
            store = SecretStore()
            for name in names:
                for kind in SecretKind:
                    store.delete_sync(name, kind)
    places = {**files_under(config), **outputs}
    places.update({f"export {k}": v for k, v in files_under(tmp_path / "o.json").items()})
    places["exported profile"] = (tmp_path / "o.json").read_text()
    assert_no_secret(places, secrets, "CLI flows (real keychain): files, stdout, stderr, --debug")
