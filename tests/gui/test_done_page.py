"""The final page: copyable CLI and Python snippets, Export profile… through the file dialog
hook, and New connection starting over with a clean form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtGui import QGuiApplication
from wizard_driver import (
    DEMO_CLIENT_SECRET,
    click,
    click_back,
    click_next,
    enter_instance,
    go_to_instance,
    type_text,
    wait_page,
)

from snow_wizard.core.connections import profile_from_export
from snow_wizard.core.profiles import Mode
from snow_wizard.gui.wizard import PageId


def _oauth_users_profile(qtbot: Any, wiz: Any, sandbox: Any) -> None:
    """OAuth - Custom, users authorize: instance → OAuth app → Save → Done (no consent)."""
    go_to_instance(qtbot, wiz, oauth=True, users=True)
    enter_instance(qtbot, wiz, sandbox.url, name="shared")
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.OAUTH_APP)
    page = wiz.oauth_page
    type_text(qtbot, page.client_id, sandbox.demo_app.client_id)
    type_text(qtbot, page.client_secret.edit, DEMO_CLIENT_SECRET)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.SAVE)
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.DONE)


def test_done_page_copies_snippets_and_exports_through_the_file_dialog(
    qtbot: Any, wizard: Any, sandbox: Any, ctx: Any, tmp_path: Path
) -> None:
    wiz = wizard
    _oauth_users_profile(qtbot, wiz, sandbox)
    done = wiz.done_page
    assert ctx.store.get("shared").mode is Mode.USER_AUTHORIZE

    click(qtbot, done.copy_cli)
    assert QGuiApplication.clipboard().text() == done.cli.toPlainText()
    assert "snow-wizard export shared" in done.cli.toPlainText()
    click(qtbot, done.copy_python)
    assert 'snow_wizard.connect("shared")' in QGuiApplication.clipboard().text()

    asked: list[tuple[str, str]] = []
    target = tmp_path / "out" / "shared-profile.json"
    target.parent.mkdir()

    def dialog(parent: Any, title: str, suggested: str) -> str:  # the user picks a file
        asked.append((title, suggested))
        return str(target)

    wiz.ask_save_path = dialog
    assert done.export_button.isVisible()
    click(qtbot, done.export_button)
    assert asked == [("Export profile", "shared.json")]
    text = target.read_text(encoding="utf-8")
    assert DEMO_CLIENT_SECRET not in text
    imported = profile_from_export(json.loads(text))  # what `snow-wizard import` reads
    assert imported.instance == sandbox.url and imported.oauth is not None
    assert imported.oauth.client_id == sandbox.demo_app.client_id
    assert str(target) in done.status.plain_text()

    wiz.ask_save_path = lambda *_a: ""  # the user cancels the dialog: nothing written
    target.unlink()
    click(qtbot, done.export_button)
    assert not target.exists()


def test_new_connection_starts_over_with_a_clean_form(
    qtbot: Any, wizard: Any, sandbox: Any, ctx: Any
) -> None:
    wiz = wizard
    _oauth_users_profile(qtbot, wiz, sandbox)
    old_instance_page = wiz.instance_page
    click(qtbot, wiz.done_page.new_button)
    wait_page(qtbot, wiz, PageId.AUTH_TYPE)
    assert wiz.auth_page.basic.isChecked() and wiz.auth_page.pre.isChecked()  # defaults again
    click_next(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.INSTANCE)
    page = wiz.instance_page
    assert page is not old_instance_page
    assert page.instance_edit.text() == "" and page.name_edit.text() == ""
    assert not page.isComplete()
    type_text(qtbot, page.instance_edit, sandbox.url)
    assert page.profile_name() == "sandbox"  # "shared" is taken, but not by this suggestion
    click_back(qtbot, wiz)
    click_back(qtbot, wiz)
    wait_page(qtbot, wiz, PageId.PROFILES)  # Back leads to the list, with the new profile
    assert wiz.profiles_page.table.item(0, 0).text() == "shared"
    assert wiz.state.saved_profile is None and wiz.state.sandbox is None
