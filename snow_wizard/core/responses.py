"""Pure decisions over ServiceNow answers: which diagnosis code a response or an exception means.

Nothing here does I/O, so every rule is unit-testable with a hand-built ``httpx2.Response``.
"""

from __future__ import annotations

import email.utils
import json
import math
import socket
import ssl
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx2

from snow_wizard.core.diagnosis import error
from snow_wizard.core.instance import Instance
from snow_wizard.errors import ServiceNowError

WAKE_URL = "https://developer.servicenow.com/dev.do"
HIBERNATION_MARKERS = ("instance-hibernating-page", "your instance is hibernating")
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503})
_LOGIN_WORDS = ("login", "logon", "signin", "sign-in", "sso", "saml", "adfs", "okta", "auth")

_PRIVATE_CA = (
    "it is issued by a private or corporate certificate authority that is not in the OS "
    "certificate store (a TLS-inspecting proxy looks like this)"
)
# OpenSSL verify codes -> what they mean for the user.
_TLS_DETAILS = {
    2: _PRIVATE_CA,
    18: "the server presents a self-signed certificate",
    19: _PRIVATE_CA,
    20: _PRIVATE_CA,
    10: "the certificate has expired",
    9: "the certificate is not yet valid (check the computer's clock)",
    62: "the certificate is for another host name",
}


def _body_text(response: httpx2.Response, limit: int = 65536) -> str:
    try:
        return response.content[:limit].decode("utf-8", errors="replace")
    except httpx2.ResponseNotRead:
        return ""


def _looks_html(response: httpx2.Response) -> bool:
    ctype = response.headers.get("Content-Type", "").lower()
    if "html" in ctype:
        return True
    head = _body_text(response, 512).lstrip().lower()
    return head.startswith("<!doctype html") or head.startswith("<html")


def is_hibernating(response: httpx2.Response) -> bool:
    """A hibernating PDI's page, recognised by its content (its status is not documented)."""
    text = _body_text(response).lower()
    if any(marker in text for marker in HIBERNATION_MARKERS):
        return True
    location = response.headers.get("Location", "").lower() if response.is_redirect else ""
    return "hibernat" in location


def _json(response: httpx2.Response) -> Any:
    ctype = response.headers.get("Content-Type", "").lower()
    if "json" not in ctype:
        raise ValueError(ctype or "no content type")
    return json.loads(response.content)


def json_result(response: httpx2.Response, instance: Instance) -> Any:
    """The ``result`` of a ServiceNow JSON answer, or not_servicenow."""
    try:
        data = _json(response)
    except ValueError:
        raise error(
            "not_servicenow", instance=instance, detail=_not_json_detail(response)
        ) from None
    if not isinstance(data, dict) or "result" not in data:
        raise error("not_servicenow", instance=instance, detail="JSON without a 'result'")
    return data["result"]


def _not_json_detail(response: httpx2.Response) -> str:
    if _looks_html(response):
        return f"HTTP {response.status_code} with an HTML page instead of JSON"
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
    return f"HTTP {response.status_code} with {ctype} instead of JSON"


def error_envelope_message(response: httpx2.Response) -> str | None:
    """``error.message`` of ServiceNow's ``{"error": {...}, "status": "failure"}`` envelope."""
    try:
        data = _json(response)
    except ValueError:
        return None
    err = data.get("error") if isinstance(data, dict) else None
    message = err.get("message") if isinstance(err, dict) else None
    return message[:200] if isinstance(message, str) else None


def retry_after_seconds(response: httpx2.Response, *, now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta or HTTP date) or ``X-RateLimit-Reset``;
    None when neither gives a finite number (``Retry-After: inf`` is no instruction)."""
    seconds = _retry_after(response, now)
    return seconds if seconds is None or math.isfinite(seconds) else None


def _retry_after(response: httpx2.Response, now: float | None) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value) if _is_date(value) else None
            if parsed is not None:
                return max(0.0, parsed.timestamp() - (now if now is not None else time.time()))
    reset = response.headers.get("X-RateLimit-Reset", "").strip()
    if reset:
        try:
            return max(0.0, float(reset) - (now if now is not None else time.time()))
        except ValueError:
            return None
    return None


def _is_date(value: str) -> bool:
    try:
        return email.utils.parsedate_to_datetime(value) is not None
    except (TypeError, ValueError, IndexError):
        return False


def redirect_target(response: httpx2.Response, instance: Instance) -> str | None:
    """The absolute redirect URL if it stays on the instance (scheme, host, port), else None."""
    location = response.headers.get("Location")
    if not location:
        return None
    target = urljoin(str(response.url), location)
    here, there = urlsplit(instance.base_url), urlsplit(target)
    same = (here.scheme, here.hostname, here.port) == (there.scheme, there.hostname, there.port)
    if not same or _is_login(there.path + "?" + there.query):
        return None
    return target


def _is_login(text: str) -> bool:
    text = text.lower()
    return any(word in text for word in _LOGIN_WORDS)


def _redirect_error(response: httpx2.Response, instance: Instance) -> ServiceNowError:
    location = response.headers.get("Location", "")
    target = urlsplit(urljoin(str(response.url), location))
    host = target.hostname or "an unknown place"
    if _is_login(target.path + "?" + target.query) or _is_login(host):
        e = error(
            "not_servicenow",
            instance=instance,
            detail=f"it redirects to a sign-in page at {host}",
        )
        e.hint = (
            "The REST API should answer with JSON, not send you to a sign-in page. Check the "
            "instance URL. If your company signs in through SSO, Basic authentication cannot "
            "work for SSO-only users: use OAuth instead."
        )
        return e
    return error("not_servicenow", instance=instance, detail=f"it redirects to {host}")


def _rate_limited(response: httpx2.Response) -> ServiceNowError:
    """429: the instance's message, how long to wait and the rule, when it says them."""
    wait = retry_after_seconds(response)
    rule = response.headers.get("X-RateLimit-Rule", "")
    message = error_envelope_message(response)
    return error(
        "rate_limited",
        detail=f": {message}" if message else "",
        retry_after=int(wait + 0.999) if wait is not None else "a few",
        rule=f" ({rule})" if rule else "",
    )


def diagnose_response(
    response: httpx2.Response,
    instance: Instance,
    *,
    auth_kind: str = "basic",
    profile: str | None = None,
) -> ServiceNowError | None:
    """None when the response is a usable ServiceNow JSON answer; else the error to raise.

    404 is left to the caller (current_user falls back to the Table API).
    """
    status = response.status_code
    if is_hibernating(response):
        return error("hibernating", instance=instance, wake_url=WAKE_URL)
    if response.is_redirect:
        return _redirect_error(response, instance)
    if status == 401:
        if auth_kind == "oauth":
            return error("token_rejected", profile=profile or "<profile>")
        return error("unauthorized", instance=instance)
    if status == 403:
        message = error_envelope_message(response)
        return error("forbidden", detail=f": {message}" if message else "", instance=instance)
    if status == 429:
        return _rate_limited(response)
    if status >= 500:
        return error("server_error", status=status, instance=instance)
    if status == 404:
        return None
    if status >= 400:
        if _looks_html(response):
            return error("not_servicenow", instance=instance, detail=_not_json_detail(response))
        return error("server_error", status=status, instance=instance)
    if 200 <= status < 300:
        try:
            _json(response)
        except ValueError:
            return error("not_servicenow", instance=instance, detail=_not_json_detail(response))
        return None
    return error("not_servicenow", instance=instance, detail=f"HTTP {status}")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def tls_detail(exc: BaseException) -> str:
    """What a certificate failure means, from OpenSSL's verify code when it is known."""
    for item in _chain(exc):
        if isinstance(item, ssl.SSLCertVerificationError):
            code = getattr(item, "verify_code", None)
            if code in _TLS_DETAILS:
                return ": " + _TLS_DETAILS[code]
            message = getattr(item, "verify_message", None) or item.reason or ""
            return f": {message}" if message else ""
    return ""


def diagnose_exception(
    exc: BaseException, instance: Instance, *, timeout: float
) -> ServiceNowError:
    """The diagnosis for a failed request (no response at all)."""
    chain = _chain(exc)
    if any(isinstance(e, httpx2.TimeoutException) for e in chain):
        return error("timeout", instance=instance, timeout=f"{timeout:g}")
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain):
        return error("tls", host=instance.host, tls_detail=tls_detail(exc))
    if any(isinstance(e, ssl.SSLError) for e in chain):
        reason = (
            next(e for e in chain if isinstance(e, ssl.SSLError)).reason or "TLS handshake failed"
        )
        return error("tls", host=instance.host, tls_detail=f": {reason}")
    if any(isinstance(e, socket.gaierror) for e in chain):
        return error("dns", host=instance.host, instance=instance)
    if isinstance(exc, httpx2.RemoteProtocolError | httpx2.ReadError | httpx2.WriteError):
        e = error("connection", instance=instance)
        e.message = f"The connection to {instance} was dropped before the answer was complete."
        return e
    return error("connection", instance=instance)
