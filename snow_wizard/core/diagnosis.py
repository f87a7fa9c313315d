"""Why did it fail, and what does the user do now: the table of failure codes.

Each code has a message (what happened) and a hint (what to do), with ``{placeholders}`` filled
from the context of the failure (instance URL, redirect URL, profile name, ...). Context values
are names and URLs, never secrets. The CLI and the wizard show these the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from snow_wizard.errors import OAuthError, ServiceNowError


@dataclass(frozen=True)
class Diagnosis:
    code: str
    message: str
    hint: str
    causes: tuple[str, ...] = field(default=())


# code -> (message, hint). Keep messages short; hints say what to do.
TABLE: dict[str, tuple[str, str]] = {
    "dns": (
        "The host name {host} could not be found.",
        "Check the instance name for typos. A ServiceNow instance is "
        "https://<name>.service-now.com or your company's own domain.",
    ),
    "connection": (
        "Could not connect to {instance}.",
        "Check that the instance URL is right and that a firewall or proxy lets you reach it "
        "(proxy settings come from HTTPS_PROXY / NO_PROXY; `snow-wizard doctor` shows them).",
    ),
    "timeout": (
        "{instance} did not answer within {timeout} seconds.",
        "The instance may be busy or waking up. Try again; if it keeps failing, check the "
        "network or proxy.",
    ),
    "tls": (
        "The TLS certificate of {host} could not be verified{tls_detail}.",
        "snow-wizard uses your operating system's certificate store. If your company inspects "
        "TLS traffic, its root certificate must be installed in the OS store. Verification "
        "is never turned off.",
    ),
    "hibernating": (
        "The instance {instance} is hibernating.",
        "Personal developer instances sleep when unused. Wake it at {wake_url} "
        "(sign in and choose Wake up), wait a few minutes, then test again.",
    ),
    "not_servicenow": (
        "{instance} answered, but not like a ServiceNow instance ({detail}).",
        "Check the instance URL. A ServiceNow instance answers JSON on /api/now/…; a login "
        "portal, proxy page or a mistyped host gives HTML instead.",
    ),
    "unauthorized": (
        "The instance refused the user name or password (HTTP 401).",
        "Check the user name and password. If they are right: newer instances restrict Basic "
        "authentication (the account needs 'Web service access only' or the "
        "snc_basic_auth_api_access role); users who sign in through SSO may have no local "
        "password (use OAuth instead); with MFA, append the one-time code to the password.",
    ),
    "basic_auth_restricted": (
        "The instance does not allow Basic authentication for this user.",
        "Ask an admin to grant the snc_basic_auth_api_access role or mark the account "
        "'Web service access only', or use OAuth instead.",
    ),
    "forbidden": (
        "The user is signed in but not allowed to use the REST API (HTTP 403{detail}).",
        "Ask an admin to grant the snc_platform_rest_api_access role (needed on hardened "
        "instances) and read access to the table.",
    ),
    "acl_filtered": (
        "The instance returned no records although it counts {total}: access controls hide them.",
        "The credentials work, but the user cannot read these records. Ask an admin for a "
        "role that grants read access (for sys_user: e.g. itil or user_admin).",
    ),
    "rate_limited": (
        "The instance is rate limiting this user (HTTP 429{detail}).",
        "Wait {retry_after} seconds and try again, or ask an admin about the rate limit "
        "rule{rule}.",
    ),
    "server_error": (
        "The instance answered with an error (HTTP {status}).",
        "This is a problem on the instance's side. Try again later; if it persists, an admin "
        "can look at the instance's system log.",
    ),
    "token_rejected": (
        "The instance rejected the saved OAuth token for {profile}.",
        "Authorize again: run `snow-wizard authorize {profile}` (or use Authorize in the wizard).",
    ),
    "token_exchange_failed": (
        "The instance's token endpoint refused the request (HTTP 401 access_denied).",
        "ServiceNow gives the same answer for every cause; the most likely ones are listed "
        "below, and the real one is in the instance's system log (System Logs → All).",
    ),
    "consent_denied": (
        "Access was denied on the instance's consent page.",
        "Authorize again and choose Allow. If you did not see a consent page, check that the "
        "OAuth app is active.",
    ),
    "callback_timeout": (
        "No answer came back from the browser within {timeout} seconds.",
        "When the redirect URL sent does not match one registered in the OAuth app, "
        "ServiceNow silently redirects to the first registered one instead, so the callback "
        "never arrives. Register exactly {redirect_url} as the app's Redirect URL "
        "(localhost and 127.0.0.1 are different URLs), then authorize again.",
    ),
    "callback_invalid": (
        "The browser came back without an authorization code{detail}.",
        "Authorize again. If it keeps happening, check the OAuth app's Redirect URL is "
        "{redirect_url}.",
    ),
    "port_in_use": (
        "Port {port} on 127.0.0.1 is already in use{holder}, so the callback cannot be received.",
        "Close the program that uses it, or choose another callback port; the Redirect URL "
        "registered in the OAuth app must then be changed to match "
        "(http://127.0.0.1:<port>/callback).",
    ),
    "no_keychain": (
        "No working OS keychain was found ({backend}).",
        "snow-wizard stores secrets only in the OS keychain. On Linux install and unlock a "
        "Secret Service (gnome-keyring or KeePassXC) in your desktop session; or choose a "
        "keyring backend through keyring's own configuration (PYTHON_KEYRING_BACKEND).",
    ),
    "keychain_locked": (
        "The OS keychain is locked or refused access.",
        "Unlock your keychain (log in to the desktop session, or unlock it in your keychain "
        "app) and try again.",
    ),
    "keychain_timeout": (
        "The OS keychain did not answer within {timeout} seconds.",
        "An unlock prompt may be waiting behind another window. Answer it, or restart the "
        "keychain service, and try again.",
    ),
    "missing_secret": (
        "The keychain has no {kind} for profile {profile}.",
        "Run `snow-wizard authorize {profile}` to enter it again, or remove and re-add "
        "the profile.",
    ),
    "cancelled": ("Cancelled.", "Nothing was saved."),
}

# Ranked likely causes of the opaque token-endpoint 401, by the step the user is on.
TOKEN_401_CAUSES: dict[str, tuple[str, ...]] = {
    "authorization_code": (
        "The Client Secret does not match the OAuth app (copy it again with the lock icon).",
        "The Redirect URL registered in the OAuth app differs from {redirect_url}.",
        "The OAuth app is not Active.",
        "The authorization code was already used or expired (authorize again).",
    ),
    "refresh_token": (
        "The refresh token expired (its lifespan is set in the OAuth app) or was revoked.",
        "The Client Secret was changed in the OAuth app.",
        "The OAuth app was deactivated or deleted.",
    ),
    "password": (
        "The user name or password is wrong.",
        "The Client ID or Client Secret does not match the OAuth app.",
        "The password grant is disabled on this instance.",
    ),
}


class _Context(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


def describe(code: str, **context: object) -> Diagnosis:
    """The message and hint for a code, filled in with the failure's context."""
    message, hint = TABLE.get(code, TABLE["server_error"])
    ctx = _Context(context)
    causes: tuple[str, ...] = ()
    if code == "token_exchange_failed":
        step = str(context.get("step", "authorization_code"))
        causes = tuple(c.format_map(ctx) for c in TOKEN_401_CAUSES.get(step, ()))
    return Diagnosis(code, message.format_map(ctx), hint.format_map(ctx), causes)


_OAUTH_CODES = frozenset(
    {
        "token_rejected",
        "token_exchange_failed",
        "consent_denied",
        "callback_timeout",
        "callback_invalid",
        "port_in_use",
    }
)


def error(code: str, **context: object) -> ServiceNowError:
    """An exception carrying the diagnosis for ``code``; raise it ``from`` the cause."""
    d = describe(code, **context)
    cls = OAuthError if code in _OAUTH_CODES else ServiceNowError
    return cls(d.message, hint=d.hint, code=code, causes=d.causes)
