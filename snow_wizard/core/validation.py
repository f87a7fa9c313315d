"""What a user may type into a profile: its name, the user name, the Client ID, the callback port.

Each check returns the cleaned value or raises an error whose message says what to fix. Shared by
the profile model, the connection operations, the CLI and the wizard.
"""

from __future__ import annotations

import re

from snow_wizard.errors import ProfileNameError, UsageError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def validate_profile_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ProfileNameError("Enter a profile name.")
    if not _NAME.fullmatch(name):
        raise ProfileNameError(
            f"'{name[:40]}' is not a valid profile name.",
            hint="Use 1–64 letters, digits, '-', '_' or '.', starting with a letter or digit.",
        )
    return name


def validate_username(username: str | None) -> str:
    value = (username or "").strip()
    if not value:
        raise UsageError("Enter the user name.", code="invalid_username")
    if len(value) > 255 or any(not c.isprintable() for c in value):
        raise UsageError(
            "The user name contains characters that cannot be in one.", code="invalid_username"
        )
    return value


def validate_client_id(client_id: str) -> str:
    value = (client_id or "").strip()
    if not value:
        raise ProfileNameError("Enter the Client ID from the OAuth app.", code="invalid_client_id")
    if len(value) > 256 or any(c.isspace() or not c.isprintable() for c in value):
        raise ProfileNameError(
            "The Client ID contains spaces or characters that cannot be in one.",
            hint="Copy it again from the OAuth app in the Application Registry.",
            code="invalid_client_id",
        )
    return value


def validate_port(port: int | str) -> int:
    try:
        value = int(port)
    except (TypeError, ValueError):
        raise ProfileNameError("The callback port must be a number.", code="invalid_port") from None
    if not 1024 <= value <= 65535:
        raise ProfileNameError(
            "The callback port must be between 1024 and 65535.", code="invalid_port"
        )
    return value
