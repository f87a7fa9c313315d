"""OAuth - Custom, both modes, through to a saved profile; the consent is played by a scripted
person at the sandbox's login and consent pages (GET the URL, sign in, Allow, follow the
redirect to the wizard's loopback callback)."""

from __future__ import annotations

from typing import Any

from wizard_driver import (
    DEMO_CLIENT_SECRET,
    click,
    click_next,
    enter_instance,
    go_to_instance,
    wait_idle,
    wait_page,
)

from snow_wizard.core.profiles import AuthType, Mode
from snow_wizard.core.secret_store import SecretKind
from snow_wizard.gui.wizard import PageId


def _to_oauth_page(qtbot: Any, wiz: Any, sandbox: Any, port: int, *, users: bool = False) -> Any:
    go_to_instance(qtbot, wiz, oauth=True, users=users)
    enter_instance(qtbot, wiz, sandbox.url, name="oauth-demo")
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.OAUTH_APP)
    page = wiz.oauth_page
    assert not page.isComplete()
    qtbot.keyClicks(page.client_id, sandbox.demo_app.client_id)
    qtbot.keyClicks(page.client_secret.edit, DEMO_CLIENT_SECRET)
    click(qtbot, page.advanced_toggle)
    page.port.setValue(port)
    assert page.copy_fields["redirect_url"].value() == f"http://127.0.0.1:{port}/callback"
    assert page.copy_fields["token_url"].value() == f"{sandbox.url}/oauth_token.do"
    assert f"http://127.0.0.1:{port}/callback" in page.step_boxes[3].text()
    qtbot.waitUntil(page.isComplete)
    return page


def test_oauth_pre_authorize_consent_test_and_save(
    qtbot: Any, wizard: Any, sandbox: Any, ctx: Any, browser: Any, callback_port: int
) -> None:
    wiz = wizard
    browser.sandbox = sandbox  # the person signs in and clicks Allow
    _to_oauth_page(qtbot, wiz, sandbox, callback_port)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.AUTHORIZE)
    page = wiz.authorize_page
    assert not page.isComplete()
    click(qtbot, page.authorize_button)
    qtbot.waitUntil(page.isComplete, timeout=20000)
    assert "Authorized as admin" in page.status.plain_text()
    assert browser.urls and browser.urls[0].startswith(f"{sandbox.url}/oauth_auth.do?")
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.TEST)
    qtbot.waitUntil(wiz.test_page.isComplete, timeout=15000)
    assert "(admin)" in wiz.test_page.status.plain_text()
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.SAVE)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.DONE)

    profile = ctx.store.get("oauth-demo")
    assert profile.auth is AuthType.OAUTH and profile.mode is Mode.PRE_AUTHORIZE
    assert profile.oauth is not None and profile.oauth.redirect_port == callback_port
    assert profile.username == "admin" and profile.token_expires_at is not None
    for kind in (SecretKind.CLIENT_SECRET, SecretKind.REFRESH_TOKEN, SecretKind.ACCESS_TOKEN):
        assert ctx.secrets.get_sync("oauth-demo", kind), kind
    assert ctx.secrets.get_sync("oauth-demo", SecretKind.CLIENT_SECRET) == DEMO_CLIENT_SECRET
    assert DEMO_CLIENT_SECRET not in ctx.store.path.read_text()
    assert "snow-wizard token oauth-demo" in wiz.done_page.cli.toPlainText()


def test_oauth_users_authorize_saves_only_the_client_secret(
    qtbot: Any, wizard: Any, sandbox: Any, ctx: Any, callback_port: int
) -> None:
    wiz = wizard
    _to_oauth_page(qtbot, wiz, sandbox, callback_port, users=True)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.SAVE)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.DONE)
    profile = ctx.store.get("oauth-demo")
    assert profile.mode is Mode.USER_AUTHORIZE and profile.token_expires_at is None
    assert ctx.secrets.get_sync("oauth-demo", SecretKind.CLIENT_SECRET) == DEMO_CLIENT_SECRET
    assert ctx.secrets.get_sync("oauth-demo", SecretKind.REFRESH_TOKEN) is None
    assert wiz.done_page.export_button.isVisibleTo(wiz.done_page)


def test_consent_denied_shows_diagnosis_and_keeps_input(
    qtbot: Any, wizard: Any, sandbox: Any, browser: Any, callback_port: int
) -> None:
    wiz = wizard
    browser.sandbox, browser.allow = sandbox, False
    _to_oauth_page(qtbot, wiz, sandbox, callback_port)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.AUTHORIZE)
    page = wiz.authorize_page
    click(qtbot, page.authorize_button)
    wait_idle(qtbot, page)
    assert "Access was denied" in page.status.plain_text()
    assert "choose Allow" in page.status.plain_text()
    assert not page.isComplete()
    browser.allow = True  # try again: nothing to re-enter
    click(qtbot, page.authorize_button)
    qtbot.waitUntil(page.isComplete, timeout=20000)
    assert wiz.oauth_page.client_secret.text() == DEMO_CLIENT_SECRET


def test_no_browser_shows_the_url_to_copy_and_cancel_frees_the_port(
    qtbot: Any, wizard: Any, sandbox: Any, browser: Any, callback_port: int
) -> None:
    import socket

    wiz = wizard
    browser.opens = False  # no browser here: the URL is shown to copy
    _to_oauth_page(qtbot, wiz, sandbox, callback_port)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.AUTHORIZE)
    page = wiz.authorize_page
    click(qtbot, page.authorize_button)
    qtbot.waitUntil(lambda: page.url_field.isVisibleTo(page), timeout=10000)
    assert page.url_field.value().startswith(f"{sandbox.url}/oauth_auth.do?")
    assert "No browser could be opened" in page.status.plain_text()
    qtbot.wait(1100)
    assert "s)" in page.status.plain_text()  # elapsed time while waiting
    click(qtbot, page.status.cancel_button)
    wait_idle(qtbot, page)
    assert "Cancelled" in page.status.plain_text()
    with socket.socket() as s:  # the callback port is free again
        s.bind(("127.0.0.1", callback_port))


def test_port_in_use_is_explained_at_once(
    qtbot: Any, wizard: Any, sandbox: Any, browser: Any, callback_port: int
) -> None:
    import socket

    wiz = wizard
    browser.sandbox = sandbox
    _to_oauth_page(qtbot, wiz, sandbox, callback_port)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.AUTHORIZE)
    page = wiz.authorize_page
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", callback_port))
        holder.listen()
        click(qtbot, page.authorize_button)
        wait_idle(qtbot, page)
    assert f"Port {callback_port} on 127.0.0.1 is already in use" in page.status.plain_text()
    assert not browser.urls  # no browser opened for a flow that cannot finish


def test_wrong_client_secret_lists_likely_causes_and_keeps_input(
    qtbot: Any, wizard: Any, sandbox: Any, browser: Any, callback_port: int
) -> None:
    wiz = wizard
    browser.sandbox = sandbox
    page = _to_oauth_page(qtbot, wiz, sandbox, callback_port)
    page.client_secret.setText("not-the-secret")
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.AUTHORIZE)
    auth = wiz.authorize_page
    click(qtbot, auth.authorize_button)
    wait_idle(qtbot, auth)
    text = auth.status.plain_text()
    assert "token endpoint refused" in text
    assert "Client Secret does not match" in text  # first of the ranked causes
    assert not auth.isComplete()
    assert page.client_secret.text() == "not-the-secret"
    assert page.client_id.text() == sandbox.demo_app.client_id


def test_test_credentials_on_the_oauth_page_in_users_mode_stores_no_token(
    qtbot: Any, wizard: Any, sandbox: Any, ctx: Any, browser: Any, callback_port: int
) -> None:
    wiz = wizard
    browser.sandbox = sandbox
    page = _to_oauth_page(qtbot, wiz, sandbox, callback_port, users=True)
    click(qtbot, page.test_button)
    wait_idle(qtbot, page)
    assert "as System Administrator (admin)" in page.status.plain_text()
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.SAVE)
    assert "passed as admin" in wiz.save_page.summary.text()
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.DONE)
    profile = ctx.store.get("oauth-demo")
    assert profile.last_test is not None and profile.last_test.ok
    assert profile.username is None and profile.token_expires_at is None
    assert ctx.secrets.get_sync("oauth-demo", SecretKind.REFRESH_TOKEN) is None
    assert ctx.secrets.get_sync("oauth-demo", SecretKind.ACCESS_TOKEN) is None


def test_test_on_the_oauth_page_authorizes_for_the_next_page(
    qtbot: Any, wizard: Any, sandbox: Any, browser: Any, callback_port: int
) -> None:
    wiz = wizard
    browser.sandbox = sandbox
    page = _to_oauth_page(qtbot, wiz, sandbox, callback_port)
    click(qtbot, page.test_button)
    wait_idle(qtbot, page)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.AUTHORIZE)
    assert wiz.authorize_page.isComplete()  # already authorized by the test
    assert "Authorized as admin" in wiz.authorize_page.status.plain_text()
    assert len(browser.urls) == 1


def test_redirect_trap_times_out_with_the_url_to_register_and_authorize_again(
    qtbot: Any, wizard: Any, sandbox: Any, browser: Any, callback_port: int
) -> None:
    """The app registers another Redirect URL: ServiceNow sends the browser there, the wizard's
    callback never comes; the page says why, shows the URL to register, keeps every input."""
    wiz = wizard
    wiz.consent_timeout_s = 1.0
    trap = sandbox.add_app("trap", redirect_urls=["http://localhost:9/elsewhere"],
                           client_secret=DEMO_CLIENT_SECRET)
    landed: list[str] = []

    def person(url: str) -> bool:  # signs in and allows; the browser goes where it is sent
        landed.append(sandbox.consent(url, follow=False))
        return True

    wiz.ctx.open_browser = person
    page = _to_oauth_page(qtbot, wiz, sandbox, callback_port)
    page.client_id.setText(trap.client_id)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.AUTHORIZE)
    auth = wiz.authorize_page
    click(qtbot, auth.authorize_button)
    wait_idle(qtbot, auth)
    redirect = f"http://127.0.0.1:{callback_port}/callback"
    assert landed and landed[0].startswith("http://localhost:9/elsewhere?")  # the trap
    text = auth.status.plain_text()
    assert "No answer came back from the browser within 1" in text
    assert "silently redirects" in text and redirect in text
    assert auth.redirect_field.isVisible() and auth.redirect_field.value() == redirect
    assert not auth.isComplete() and auth.authorize_button.isEnabled()
    assert page.client_id.text() == trap.client_id  # input kept
    assert page.client_secret.text() == DEMO_CLIENT_SECRET

    trap.redirect_urls.insert(0, redirect)  # the admin registers the right URL
    wiz.ctx.open_browser = browser
    browser.sandbox = sandbox
    click(qtbot, auth.authorize_button)
    qtbot.waitUntil(auth.isComplete, timeout=20000)
    assert "Authorized as admin" in auth.status.plain_text()
    assert not auth.redirect_field.isVisible()
