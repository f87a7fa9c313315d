"""The instance page: live preview, every validation message as you type, name suggestion."""

from __future__ import annotations

from typing import Any

import pytest
from wizard_driver import click, go_to_instance, type_text

from snow_wizard.core.profiles import AuthType, Profile

CASES = [
    ("acme", "→ https://acme.service-now.com", True),
    ("  https://acme.service-now.com/now/nav/ui?x=1 ", "→ https://acme.service-now.com", True),
    ("snow.example.com:8443", "→ https://snow.example.com:8443", True),
    ("http://127.0.0.1:8080", "→ http://127.0.0.1:8080", True),
    ("acme corp", "contains a space", False),
    ("ftp://acme.service-now.com", "must start with https:// (not ftp://)", False),
    ("https://bob:pw@acme.service-now.com", "Don't put a user name or password", False),
    ("http://acme.service-now.com", "http:// is allowed only for 127.0.0.1 / localhost", False),
    ("acme:8443", "looks like a tenant name: tenant names take no port", False),
    ("acme.service-now.com:99999", "the port must be a number from 1 to 65535", False),
    ("acme.service-now.com:0", "Port 0 is not a valid port", False),
    ("ac_me.example.com", "contains '_', not allowed in a host name", False),
    ("a..b.example.com", "has an empty part between dots", False),
    ("https://-acme.example.com", "is not a valid part of a host name", False),
    ("999.1.2.3", "is not a valid IP address", False),
    ("https://", "has no host name", False),
    ("a" * 2100, "is too long", False),
]


@pytest.mark.parametrize(("typed", "shown", "valid"), CASES)
def test_every_instance_message_as_you_type(
    qtbot: Any, wizard: Any, typed: str, shown: str, valid: bool
) -> None:
    go_to_instance(qtbot, wizard)
    page = wizard.instance_page
    if len(typed) > 100:
        page.instance_edit.setText(typed)  # pasted
    else:
        type_text(qtbot, page.instance_edit, typed)
    assert shown in page.instance_message()
    assert page.isComplete() is valid
    assert wizard.button(wizard.WizardButton.NextButton).isEnabled() is valid


def test_clearing_the_instance_says_what_to_enter(qtbot: Any, wizard: Any) -> None:
    go_to_instance(qtbot, wizard)
    page = wizard.instance_page
    type_text(qtbot, page.instance_edit, "acme")
    type_text(qtbot, page.instance_edit, "")
    assert "Enter the instance" in page.instance_message()
    assert not page.isComplete()


def test_profile_name_suggested_from_tenant_until_the_user_types_one(
    qtbot: Any, wizard: Any
) -> None:
    go_to_instance(qtbot, wizard)
    page = wizard.instance_page
    type_text(qtbot, page.instance_edit, "acme")
    assert page.profile_name() == "acme"
    type_text(qtbot, page.instance_edit, "https://dev12345.service-now.com")
    assert page.profile_name() == "dev12345"
    type_text(qtbot, page.name_edit, "prod")
    type_text(qtbot, page.instance_edit, "other")
    assert page.profile_name() == "prod"  # the user's name wins


def test_profile_name_messages(qtbot: Any, wizard: Any, ctx: Any) -> None:
    ctx.store.add(Profile(name="taken", instance="https://taken.service-now.com",
                          auth=AuthType.BASIC, username="u"))
    go_to_instance(qtbot, wizard)
    page = wizard.instance_page
    type_text(qtbot, page.instance_edit, "acme")
    type_text(qtbot, page.name_edit, "bad name!")
    assert "is not a valid profile name" in page.name_check_message()
    assert not page.isComplete()
    type_text(qtbot, page.name_edit, "taken")
    assert "already exists" in page.name_check_message()
    assert not page.isComplete()
    type_text(qtbot, page.name_edit, "fine")
    assert page.name_message.text() == "" and page.isComplete()


def test_a_taken_suggestion_gets_a_number(qtbot: Any, wizard: Any, ctx: Any) -> None:
    ctx.store.add(Profile(name="acme", instance="https://acme.service-now.com",
                          auth=AuthType.BASIC, username="u"))
    go_to_instance(qtbot, wizard)
    type_text(qtbot, wizard.instance_page.instance_edit, "acme")
    assert wizard.instance_page.profile_name() == "acme-2"


def test_a_taken_name_offers_the_next_free_one(qtbot: Any, wizard: Any, ctx: Any) -> None:
    for name in ("prod", "prod-2"):
        ctx.store.add(Profile(name=name, instance="https://prod.service-now.com",
                              auth=AuthType.BASIC, username="u"))
    go_to_instance(qtbot, wizard)
    page = wizard.instance_page
    type_text(qtbot, page.instance_edit, "acme")
    assert not page.free_name_button.isVisible()
    type_text(qtbot, page.name_edit, "prod")
    assert "already exists" in page.name_check_message() and not page.isComplete()
    button = page.free_name_button
    assert button.isVisible() and button.text() == "Use 'prod-3'"  # prod-2 is taken too
    assert "'prod-3'" in page.name_check_message()
    click(qtbot, button)
    assert page.profile_name() == "prod-3" and page.isComplete()
    assert not button.isVisible() and page.name_message.text() == ""
    type_text(qtbot, page.instance_edit, "other")  # the chosen name stays
    assert page.profile_name() == "prod-3"
