"""Basic authentication, both modes, through to a saved profile against the real sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from wizard_driver import (
    DEMO_PASSWORD,
    click,
    click_next,
    enter_instance,
    go_to_instance,
    type_text,
    wait_idle,
    wait_page,
)

from snow_wizard.core.profiles import AuthType, Mode
from snow_wizard.core.secret_store import SecretKind
from snow_wizard.gui.wizard import PageId


def test_basic_pre_authorize_saves_profile_and_password(qtbot: Any, wizard: Any, sandbox: Any,
                                                       ctx: Any) -> None:
    wiz = wizard
    assert wiz.currentId() == int(PageId.AUTH_TYPE)  # no profiles yet: straight to a new one
    go_to_instance(qtbot, wiz)
    enter_instance(qtbot, wiz, sandbox.url)
    assert wiz.instance_page.profile_name() == "sandbox"  # suggested from the loopback host
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.CREDENTIALS)
    page = wiz.credentials_page
    assert not page.isComplete()
    type_text(qtbot, page.username, "admin")
    type_text(qtbot, page.password.edit, DEMO_PASSWORD)
    assert page.password.is_masked()
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.TEST)
    test = wiz.test_page
    qtbot.waitUntil(test.isComplete, timeout=15000)
    assert "as System Administrator (admin)" in test.status.plain_text()
    click_next(qtbot, wiz)  # Save: the commit page
    wait_page(qtbot, wiz, PageId.SAVE)
    assert "Keychain entries" in wiz.save_page.summary.text()
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.DONE)

    profile = ctx.store.get("sandbox")
    assert profile.auth is AuthType.BASIC and profile.mode is Mode.PRE_AUTHORIZE
    assert profile.instance == sandbox.url and profile.username == "admin"
    assert profile.last_test is not None and profile.last_test.ok
    assert ctx.secrets.get_sync("sandbox", SecretKind.PASSWORD) == DEMO_PASSWORD
    assert "snow-wizard test sandbox" in wiz.done_page.cli.toPlainText()
    assert 'snow_wizard.connect("sandbox")' in wiz.done_page.python.toPlainText()
    assert not wiz.done_page.export_button.isVisibleTo(wiz.done_page)
    assert DEMO_PASSWORD not in ctx.store.path.read_text()


def test_basic_user_authorize_tests_but_never_stores_the_password(
    qtbot: Any, wizard: Any, sandbox: Any, ctx: Any, tmp_path: Any
) -> None:
    wiz = wizard
    go_to_instance(qtbot, wiz, users=True)
    enter_instance(qtbot, wiz, sandbox.url, name="shared")
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.CREDENTIALS)
    page = wiz.credentials_page
    assert "optional" in page.user_label.text()
    assert page.isComplete()  # optional in this mode
    type_text(qtbot, page.username, "admin")
    assert not page.isComplete()  # a user name alone cannot be tested
    type_text(qtbot, page.password.edit, DEMO_PASSWORD)
    click(qtbot, page.test_button)  # Test credentials, on the credentials page itself
    wait_idle(qtbot, page)
    assert "The credentials work" in page.status.plain_text()
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.TEST)
    qtbot.waitUntil(wiz.test_page.isComplete, timeout=15000)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.SAVE)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.DONE)

    profile = ctx.store.get("shared")
    assert profile.mode is Mode.USER_AUTHORIZE and profile.username is None
    assert ctx.secrets.get_sync("shared", SecretKind.PASSWORD) is None
    done = wiz.done_page
    assert done.export_button.isVisibleTo(done)
    exported = done.export_profile(str(tmp_path / "shared.json"))
    assert exported is not None
    text = exported.read_text()
    assert '"snow_wizard_profile"' in text and DEMO_PASSWORD not in text


def test_basic_user_authorize_without_credentials_skips_the_test(
    qtbot: Any, wizard: Any, sandbox: Any, ctx: Any
) -> None:
    wiz = wizard
    go_to_instance(qtbot, wiz, users=True)
    enter_instance(qtbot, wiz, sandbox.url, name="nobody")
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.CREDENTIALS)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.SAVE)
    assert "not run" in wiz.save_page.summary.text()
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.DONE)
    assert ctx.store.get("nobody").last_test is None


@pytest.mark.keychain
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # keyring's D-Bus
def test_basic_flow_with_the_real_keychain(
    qtbot: Any, make_wizard: Any, sandbox: Any, config_dir: Any, browser: Any,
    real_keychain: Any, unique_name: Any,
) -> None:
    """The OS keychain for real (scripts/test starts gnome-keyring in a D-Bus session)."""
    from snow_wizard.core.context import Context
    from snow_wizard.core.profiles import ProfileStore

    name = unique_name("gui")
    ctx = Context(store=ProfileStore(config_dir), secrets=real_keychain, open_browser=browser)
    wiz = make_wizard(ctx)
    go_to_instance(qtbot, wiz)
    enter_instance(qtbot, wiz, sandbox.url, name=name)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.CREDENTIALS)
    type_text(qtbot, wiz.credentials_page.username, "admin")
    type_text(qtbot, wiz.credentials_page.password.edit, DEMO_PASSWORD)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.TEST)
    qtbot.waitUntil(wiz.test_page.isComplete, timeout=15000)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.SAVE)
    click_next(qtbot, wiz)
    wait_idle(qtbot, wiz.save_page)
    assert wiz.currentId() == int(PageId.DONE), wiz.save_page.status.plain_text()
    assert real_keychain.get_sync(name, SecretKind.PASSWORD) == DEMO_PASSWORD
