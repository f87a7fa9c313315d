"""One exception tree for the whole product. Every message and hint is safe to show a user:
no secret ever goes into one (callers pass names and URLs, never values of secrets).

::

    SnowWizardError                 code, message, hint; exit status 1
    ├── UsageError                  bad input from the user; exit status 2
    │   ├── InstanceError           what was typed is not an instance / endpoint URL
    │   └── ProfileNameError        not a valid profile name
    ├── ProfileError                the profiles file and its entries
    │   ├── ProfileNotFound
    │   ├── ProfileExists
    │   └── ConfigCorrupt           unreadable, corrupt or from a newer version: never overwritten
    ├── KeychainError               no backend, locked, timed out, refused (codes: no_keychain, ...)
    ├── ServiceNowError             a call to the instance failed; code is a diagnosis code
    │   └── OAuthError              consent, callback, token endpoint (consent_denied, ...)
    └── Cancelled                   the user cancelled a wait (Ctrl-C, Cancel button)

``code`` is stable (scripts read it from ``--json``); the codes and their texts live in
``snow_wizard.core.diagnosis``.
"""

from __future__ import annotations


class SnowWizardError(Exception):
    """Base of every error the product raises on purpose."""

    code: str = "error"
    exit_status: int = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        code: str | None = None,
        causes: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.causes = causes
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "ok": False,
            "error": self.code,
            "message": self.message,
            "hint": self.hint,
        }
        if self.causes:
            data["causes"] = list(self.causes)
        return data


class UsageError(SnowWizardError):
    code = "usage"
    exit_status = 2


class InstanceError(UsageError):
    code = "invalid_instance"


class ProfileNameError(UsageError):
    code = "invalid_profile_name"


class ProfileError(SnowWizardError):
    code = "profile"


class ProfileNotFound(ProfileError):
    code = "profile_not_found"
    exit_status = 2


class ProfileExists(ProfileError):
    code = "profile_exists"
    exit_status = 2


class ConfigCorrupt(ProfileError):
    code = "config_corrupt"


class KeychainError(SnowWizardError):
    code = "no_keychain"


class ServiceNowError(SnowWizardError):
    code = "server_error"


class OAuthError(ServiceNowError):
    code = "token_rejected"


class Cancelled(SnowWizardError):
    code = "cancelled"

    def __init__(self, message: str = "Cancelled.", **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
