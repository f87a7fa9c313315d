"""The browser side of the authorization-code flow: a PKCE pair (S256), a hex ``state`` and the
consent URL. Pure functions, no I/O; the token endpoint side is ``oauth``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from snow_wizard.core.profiles import OAuthSettings

STATE_BYTES = 16  # 32 hex characters
VERIFIER_BYTES = 48  # 64 URL-safe characters (RFC 7636 allows 43..128)


@dataclass(frozen=True)
class PkcePair:
    """A PKCE code verifier and its S256 challenge. ``repr`` masks the verifier."""

    verifier: str = field(repr=False)
    challenge: str

    def __repr__(self) -> str:
        return f"PkcePair(verifier='***', challenge={self.challenge!r})"


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_pkce() -> PkcePair:
    verifier = secrets.token_urlsafe(VERIFIER_BYTES)
    return PkcePair(verifier=verifier, challenge=s256_challenge(verifier))


def make_state() -> str:
    """A fresh ``state``: hex only, as ServiceNow wants no special characters in it."""
    return secrets.token_hex(STATE_BYTES)


def authorization_url(settings: OAuthSettings, *, state: str, code_challenge: str) -> str:
    """The consent URL: response_type=code, PKCE S256, hex state, no scope (ServiceNow)."""
    params = {
        "response_type": "code",
        "client_id": settings.client_id,
        "redirect_uri": settings.redirect_url,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    sep = "&" if "?" in settings.authorize_url else "?"
    return settings.authorize_url + sep + urlencode(params, quote_via=quote)
