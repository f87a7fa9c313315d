"""The profiles page (first page when profiles exist) and the unexpected-error dialog."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from wizard_driver import DEMO_CLIENT_SECRET, DEMO_PASSWORD, click, wait_idle, wait_page

from snow_wizard.core.profiles import AuthType, Mode, OAuthSettings, Profile
from snow_wizard.core.secret_store import SecretKind
from snow_wizard.gui.wizard import PageId


def _basic(ctx: Any, sandbox: Any, name: str = "demo", password: str = DEMO_PASSWORD) -> None:
    ctx.store.add(Profile(name=name, instance=sandbox.url, auth=AuthType.BASIC,
                          username="admin"))
    ctx.secrets.set_sync(name, SecretKind.PASSWORD, password)


def _oauth(ctx: Any, sandbox: Any, port: int, name: str = "oa") -> None:
    from snow_wizard.core.instance import parse_instance

    settings = OAuthSettings.for_instance(parse_instance(sandbox.url),
                                          sandbox.demo_app.client_id, redirect_port=port)
    ctx.store.add(Profile(name=name, instance=sandbox.url, auth=AuthType.OAUTH,
                          mode=Mode.PRE_AUTHORIZE, oauth=settings))
    ctx.secrets.set_sync(name, SecretKind.CLIENT_SECRET, DEMO_CLIENT_SECRET)


def test_profiles_listed_first_with_status_and_test(
    qtbot: Any, make_wizard: Any, ctx: Any, sandbox: Any
) -> None:
    _basic(ctx, sandbox)
    wiz = make_wizard()
    assert wiz.currentId() == int(PageId.PROFILES)
    page = wiz.profiles_page
    assert page.table.rowCount() == 1
    assert [page.table.item(0, c).text() for c in range(4)] == [
        "demo", sandbox.url, "Basic", "pre-authorized"]
    assert page.table.item(0, 4).text() == "never"
    assert not page.reauth_button.isEnabled()  # Basic: nothing to re-authorize
    click(qtbot, page.test_button)
    wait_idle(qtbot, page)
    assert "as System Administrator (admin)" in page.status.plain_text()
    assert page.table.item(0, 4).text().startswith("✔ ok as admin")
    assert ctx.store.get("demo").last_test.ok


def test_failed_test_is_recorded_and_explained(
    qtbot: Any, make_wizard: Any, ctx: Any, sandbox: Any
) -> None:
    _basic(ctx, sandbox, password="not-it")
    wiz = make_wizard()
    page = wiz.profiles_page
    click(qtbot, page.test_button)
    wait_idle(qtbot, page)
    assert "HTTP 401" in page.status.plain_text()
    assert page.table.item(0, 4).text().startswith("✖ unauthorized")


def test_reauthorize_export_and_remove(
    qtbot: Any, make_wizard: Any, ctx: Any, sandbox: Any, browser: Any, callback_port: int,
    tmp_path: Path,
) -> None:
    _oauth(ctx, sandbox, callback_port)
    browser.sandbox = sandbox
    wiz = make_wizard()
    page = wiz.profiles_page
    assert page.table.item(0, 5).text() == "not authorized"
    click(qtbot, page.reauth_button)
    wait_idle(qtbot, page)
    assert "Re-authorized oa" in page.status.plain_text(), page.status.plain_text()
    assert ctx.secrets.get_sync("oa", SecretKind.REFRESH_TOKEN)
    assert page.table.item(0, 5).text() not in ("", "not authorized")

    out = page.export_selected(str(tmp_path / "oa.json"))
    assert out is not None
    data = json.loads(out.read_text())
    assert data["snow_wizard_profile"] == 1
    assert DEMO_CLIENT_SECRET not in out.read_text()

    page.remove_selected(confirm=False, revoke=True)
    wait_idle(qtbot, page)
    assert page.table.rowCount() == 0
    assert not ctx.store.exists("oa")
    assert ctx.secrets.get_sync("oa", SecretKind.CLIENT_SECRET) is None


def test_new_connection_from_the_profiles_page(
    qtbot: Any, make_wizard: Any, ctx: Any, sandbox: Any
) -> None:
    _basic(ctx, sandbox)
    wiz = make_wizard()
    click(qtbot, wiz.profiles_page.new_button)
    wait_page(qtbot, wiz, PageId.AUTH_TYPE)


def test_unexpected_error_opens_a_dialog_with_redacted_details(
    qtbot: Any, wizard: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from snow_wizard.gui.crash import REDACTED, ErrorDialog, ExceptHook

    wizard.credentials_page.password.setText("hunter2-secret")
    hook = ExceptHook(wizard.secret_values, lambda: wizard)
    monkeypatch.setattr(sys, "excepthook", hook)

    async def broken() -> None:
        raise RuntimeError("bug while using hunter2-secret")

    page = wizard.auth_page
    page.runner.start(broken(), busy_text="Working…")
    wait_idle(qtbot, page)
    qtbot.waitUntil(lambda: bool(hook.dialogs))
    dialog = hook.dialogs[0]
    assert isinstance(dialog, ErrorDialog)
    details = dialog.details.toPlainText()
    assert "RuntimeError: bug while using " + REDACTED in details
    assert "hunter2-secret" not in details
    assert "Traceback" in details  # copyable details for a bug report
    assert "Something unexpected went wrong" in page.status.plain_text()
    assert "hunter2" not in page.status.plain_text()
    assert "Traceback" not in capsys.readouterr().err  # never a bare traceback
    dialog.reject()
    qtbot.waitUntil(lambda: not hook.dialogs)
    assert wizard.credentials_page.password.text() == "hunter2-secret"  # input kept
