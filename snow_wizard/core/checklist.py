"""The Application Registry checklist as data: steps, values to copy, deep links. No Qt here.

The wizard shows these as interactive steps with checkboxes. Every value
the user must paste into the instance comes from :func:`values_to_copy`, so every place that
shows them shows the same text.
"""

from __future__ import annotations

from dataclasses import dataclass

from snow_wizard.core.instance import Instance
from snow_wizard.core.profiles import OAuthSettings


@dataclass(frozen=True)
class Step:
    key: str
    text: str  # plain text; ``{redirect_url}`` and ``{app_name}`` are filled in
    detail: str = ""


@dataclass(frozen=True)
class CopyValue:
    key: str
    label: str
    value: str
    help: str = ""


DEFAULT_APP_NAME = "snow-wizard integration"

STEPS: tuple[Step, ...] = (
    Step(
        "open",
        "Sign in to the instance as an admin and open All → System OAuth → Application Registry.",
        "Needs the admin role (oauth_admin on newer releases). "
        "\"Open Application Registry\" goes straight to the list.",
    ),
    Step("new", "Click New, then \"Create an OAuth API endpoint for external clients\"."),
    Step("name", "Name: enter a name users will recognise, e.g. \"{app_name}\"."),
    Step(
        "redirect",
        "Redirect URL: paste exactly {redirect_url}",
        "It must match character for character: localhost and 127.0.0.1 are different URLs, "
        "and a wrong URL makes the instance silently redirect elsewhere.",
    ),
    Step("submit", "Leave Active checked and click Submit."),
    Step(
        "copy",
        "Open the new entry again and copy its Client ID and Client Secret into the fields below.",
        "The lock icon next to Client Secret reveals it.",
    ),
)


def steps(redirect_url: str, app_name: str = DEFAULT_APP_NAME) -> list[Step]:
    """The steps with the redirect URL and app name filled in."""
    return [
        Step(s.key, s.text.format(redirect_url=redirect_url, app_name=app_name), s.detail)
        for s in STEPS
    ]


def app_registry_url(instance: Instance) -> str:
    """Deep link to the instance's Application Registry list."""
    return instance.app_registry_url


def values_to_copy(settings: OAuthSettings) -> list[CopyValue]:
    """The values a user pastes into, or checks against, the OAuth app."""
    return [
        CopyValue(
            "redirect_url",
            "Redirect URL",
            settings.redirect_url,
            "Paste into the OAuth app's Redirect URL field.",
        ),
        CopyValue("authorize_url", "Authorization URL", settings.authorize_url),
        CopyValue("token_url", "Token URL", settings.token_url),
        CopyValue("refresh_url", "Refresh URL", settings.refresh_url),
    ]
