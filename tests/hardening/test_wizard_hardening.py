"""The wizard under keychain faults, and the wizard's secret leak scan (real widgets, pytest-qt).

Keychain faults at the commit page: a clear diagnosis in the page's status line, no profile
written, everything the user typed still there (also after Back and Next), and Save works once
the keychain does. Leak scan: after Basic and OAuth flows and an unexpected error, no secret in
the config dir, the QSettings file, any label, text field (other than the secret fields
themselves), status line, or the error-details dialog.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QTextEdit
from wizard_driver import click, click_next, wait_page

from hardening.fault_keyrings import HangingKeyring, LockedKeyring, WriteFailsKeyring
from hardening.figures import FAULTS, record
from hardening.gui_support import basic_to_save, oauth_to_save
from hardening.leak_scan import assert_no_secret, files_under, forms
from snow_wizard.core.context import Context
from snow_wizard.core.diagnosis import describe
from snow_wizard.core.profiles import ProfileStore, redirect_url_for
from snow_wizard.core.secret_store import MemoryBackend, SecretKind, SecretStore
from snow_wizard.gui.wizard import PageId


@pytest.fixture
def oauth_sandbox(port: int) -> Iterator[Any]:
    from snow_wizard.sandbox import Sandbox

    with Sandbox(redirect_urls=[redirect_url_for(port)]) as sb:
        yield sb


def context(config: Path, sandbox: Any, backend: Any, timeout: float = 5.0) -> Context:
    def browser(url: str) -> bool:  # the person at the browser signs in and allows
        sandbox.consent(url, follow=True)
        return True

    return Context(store=ProfileStore(config), secrets=SecretStore(backend, timeout=timeout),
                   open_browser=browser, http_timeout=10.0)


def fail_keyring() -> Any:
    from keyring.backends.fail import Keyring

    return Keyring()


def write_fails(writes_ok: int) -> WriteFailsKeyring:
    backend = WriteFailsKeyring()
    backend.writes_ok = writes_ok
    return backend


FAULT_CASES = {
    "keychain_locked (locked)": (LockedKeyring, "keychain_locked", 5.0),
    "no_keychain (no backend)": (fail_keyring, "no_keychain", 5.0),
    "keychain_timeout (hangs)": (HangingKeyring, "keychain_timeout", 0.5),
    "keychain_locked (refuses the write)": (lambda: write_fails(0), "keychain_locked", 5.0),
}


@pytest.mark.parametrize("case", sorted(FAULT_CASES))
def test_a_keychain_fault_at_save_keeps_everything_typed(
    case: str, qtbot: Any, make_wizard: Any, oauth_sandbox: Any, tmp_path: Path
) -> None:
    make_backend, code, timeout = FAULT_CASES[case]
    backend = make_backend()
    sb = oauth_sandbox
    config = tmp_path / "config"
    ctx = context(config, sb, backend, timeout)
    wiz = make_wizard(ctx)
    try:
        basic_to_save(qtbot, wiz, sb, "kc-fault")
        click_next(qtbot, wiz)  # Save
        page = wiz.save_page
        qtbot.waitUntil(lambda: page.status.kind == "error", timeout=10000)
        record(FAULTS, f"wizard: {case} at Save")
        expected = describe(code, backend="", timeout=f"{timeout:g}")
        shown = page.status.plain_text()
        assert expected.message.split("(")[0].strip() in shown
        assert expected.hint[:40] in shown
        assert wiz.currentId() == int(PageId.SAVE)
        assert not (config / "profiles.json").exists()
        # Everything typed is still there, also after going back and forth.
        for _ in range(2):
            click(qtbot, wiz.button(wiz.WizardButton.BackButton))
        wait_page(qtbot, wiz, PageId.CREDENTIALS)
        assert wiz.credentials_page.username.text() == "admin"
        assert wiz.credentials_page.password.text() == sb.demo_user.password
        assert wiz.instance_page.instance_edit.text() == sb.url
        assert wiz.instance_page.name_edit.text() == "kc-fault"
        # The user fixes the keychain (unlocks it, starts one) and saves: nothing to re-enter.
        ctx.secrets = SecretStore(MemoryBackend())
        click_next(qtbot, wiz)
        wait_page(qtbot, wiz, PageId.TEST)
        qtbot.waitUntil(wiz.test_page.isComplete, timeout=20000)
        click_next(qtbot, wiz)
        wait_page(qtbot, wiz, PageId.SAVE)
        click_next(qtbot, wiz)
        wait_page(qtbot, wiz, PageId.DONE)
        assert ctx.secrets.get_sync("kc-fault", SecretKind.PASSWORD) == sb.demo_user.password
        assert ProfileStore(config).get("kc-fault").username == "admin"
    finally:
        if isinstance(backend, HangingKeyring):
            backend.release.set()


def test_an_oauth_save_refused_half_way_rolls_back_and_can_be_retried(
    qtbot: Any, make_wizard: Any, oauth_sandbox: Any, tmp_path: Path, port: int
) -> None:
    sb = oauth_sandbox
    backend = write_fails(1)  # the client secret is stored, the access token is refused
    config = tmp_path / "config"
    ctx = context(config, sb, backend)
    wiz = make_wizard(ctx)
    oauth_to_save(qtbot, wiz, sb, "oauth-fault", port)
    click_next(qtbot, wiz)
    qtbot.waitUntil(lambda: wiz.save_page.status.kind == "error", timeout=10000)
    record(FAULTS, "wizard: keychain refuses the second write of an OAuth save")
    assert backend.values == {}  # the client secret written first was removed again
    assert not (config / "profiles.json").exists()
    assert wiz.oauth_page.client_secret.text() == sb.demo_app.client_secret
    assert wiz.oauth_page.client_id.text() == sb.demo_app.client_id
    ctx.secrets = SecretStore(MemoryBackend())
    click_next(qtbot, wiz)  # Save again: the authorization from before is still good
    wait_page(qtbot, wiz, PageId.DONE)
    token = ctx.secrets.get_sync("oauth-fault", SecretKind.ACCESS_TOKEN)
    assert token and sb.token_valid(token)


# -- leak scan -------------------------------------------------------------------------------
def widget_texts(root: Any, skip: set[int]) -> dict[str, str]:
    """What a person (or a screen reader) can see: labels, text fields, text views, titles."""
    texts: dict[str, str] = {"window title": root.windowTitle()}
    for i, w in enumerate(root.findChildren(QLabel)):
        texts[f"label {i} {w.objectName()}"] = w.text() + " " + w.toolTip()
    for i, w in enumerate(root.findChildren(QLineEdit)):
        if id(w) not in skip:
            texts[f"line edit {i} {w.accessibleName()}"] = w.text() + " " + w.toolTip()
    for i, w in enumerate(root.findChildren(QPlainTextEdit)):
        texts[f"text {i} {w.accessibleName()}"] = w.toPlainText()
    for i, w in enumerate(root.findChildren(QTextEdit)):
        texts[f"rich text {i} {w.accessibleName()}"] = w.toPlainText()
    return texts


def test_wizard_flows_and_the_error_dialog_leak_nothing(
    qtbot: Any, make_wizard: Any, oauth_sandbox: Any, tmp_path: Path, port: int, qsettings: Any
) -> None:
    from snow_wizard.gui.crash import ExceptHook

    sb = oauth_sandbox
    config = tmp_path / "config"
    ctx = context(config, sb, MemoryBackend())
    basic = make_wizard(ctx)
    basic_to_save(qtbot, basic, sb, "leak-basic")
    click_next(qtbot, basic)
    wait_page(qtbot, basic, PageId.DONE)
    wiz = make_wizard(ctx)
    oauth_to_save(qtbot, wiz, sb, "leak-oauth", port)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.DONE)
    tokens = wiz.state.tokens
    assert tokens is not None

    # An unexpected error whose text carries secrets (a library's message, a bug): the
    # details dialog must show none of them.
    hook = ExceptHook(wiz.secret_values, lambda: wiz)
    hook.install()
    try:
        secret_text = (f"boom {sb.demo_app.client_secret} {tokens.access_token} "
                       f"{tokens.refresh_token}")

        async def boom() -> None:
            raise RuntimeError(secret_text)

        wiz.done_page.runner.start(boom(), busy_text="Working")
        qtbot.waitUntil(lambda: bool(hook.dialogs), timeout=10000)
        dialog = hook.dialogs[0]
        record(FAULTS, "wizard: unexpected error carrying secrets")
        places = {f"error dialog {k}": v for k, v in widget_texts(dialog, set()).items()}
        assert "RuntimeError" in places["error dialog text 0 Error details"]
        dialog.close()
    finally:
        hook.uninstall()
    assert sys.excepthook is not hook

    for name, w in (("basic wizard", basic), ("oauth wizard", wiz)):
        skip = {id(basic.credentials_page.password.edit), id(wiz.credentials_page.password.edit),
                id(basic.oauth_page.client_secret.edit), id(wiz.oauth_page.client_secret.edit)}
        for key, text in widget_texts(w, skip).items():
            places[f"{name} {key}"] = text
        for page in w.all_pages():
            places[f"{name} status {type(page).__name__}"] = page.status.plain_text()
    qsettings.sync()
    places.update(files_under(config))
    places.update(files_under(Path(qsettings.fileName())))
    secrets = {
        "demo password": forms(sb.demo_user.password, user="admin"),
        "client secret": forms(sb.demo_app.client_secret, user=sb.demo_app.client_id),
        **{f"access token {i}": forms(t) for i, t in enumerate(sb.issued_tokens)},
        **{f"refresh token {i}": forms(t) for i, t in enumerate(sb.issued_refresh_tokens)},
    }
    assert_no_secret(places, secrets, "wizard: widgets, status lines, settings, error dialog")
