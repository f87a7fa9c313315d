"""Turn what a user typed into an instance base URL, and derive the instance's endpoints.

Accepted: a tenant name (``acme``), a host name (``acme.service-now.com``, ``snow.example.com``)
or a URL (``https://acme.service-now.com/now/nav/ui``); surrounding whitespace, a trailing slash,
a path, a query and a fragment are tolerated and dropped. ``http://`` is accepted only for
loopback hosts (the sandbox). Every rejection says what is wrong in words a user can act on.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from snow_wizard.errors import InstanceError

SERVICE_NOW_DOMAIN = "service-now.com"
LOOPBACK_NAMES = frozenset({"localhost"})
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_MAX_INPUT = 2048


@dataclass(frozen=True)
class Instance:
    """A normalised instance: scheme, host and port only, never a path."""

    scheme: str
    host: str
    port: int | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        port = f":{self.port}" if self.port is not None and self.port != default else ""
        return f"{self.scheme}://{host}{port}"

    @property
    def tenant(self) -> str | None:
        """``acme`` for ``acme.service-now.com``; None for custom domains and loopback."""
        suffix = "." + SERVICE_NOW_DOMAIN
        if self.host.endswith(suffix):
            return self.host[: -len(suffix)]
        return None

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)

    def url(self, path: str) -> str:
        return self.base_url + "/" + path.lstrip("/")

    # Derived endpoints (SERVICENOW.md): token and refresh share one endpoint.
    @property
    def authorize_url(self) -> str:
        return self.url("oauth_auth.do")

    @property
    def token_url(self) -> str:
        return self.url("oauth_token.do")

    @property
    def revoke_url(self) -> str:
        return self.url("oauth_revoke_token.do")

    @property
    def app_registry_url(self) -> str:
        return self.url("oauth_entity_list.do")

    def __str__(self) -> str:
        return self.base_url


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_instance(text: str) -> Instance:
    """Parse an instance as typed by a user; raise InstanceError saying what is wrong."""
    scheme, host, port, _path = _split(text, what="instance")
    return Instance(scheme=scheme, host=host, port=port)


def parse_endpoint_url(text: str, *, what: str = "URL") -> str:
    """Validate a full endpoint URL (custom OAuth URLs): same scheme rule, path kept.

    Unlike an instance, an endpoint must be a full URL (a bare host has no path to call).
    """
    stripped = text.strip()
    if "://" not in stripped:
        raise InstanceError(
            f"The {what} must be a full URL starting with https://.",
            hint="For example https://acme.service-now.com/oauth_token.do",
        )
    scheme, host, port, path = _split(text, what=what, keep_path=True)
    instance = Instance(scheme=scheme, host=host, port=port)
    return instance.base_url + (path or "/")


def _checked_text(text: str, *, what: str) -> str:
    """The input stripped, if it can be a URL at all: text, not empty, short, no spaces or
    control characters."""
    if not isinstance(text, str):
        raise InstanceError(f"The {what} must be text.")
    value = text.strip()
    if not value:
        raise InstanceError(
            f"Enter the {what}: a name like acme, a host like acme.service-now.com, or a URL."
        )
    if len(value) > _MAX_INPUT:
        raise InstanceError(f"The {what} is too long ({len(value)} characters).")
    if any(ch.isspace() for ch in value):
        raise InstanceError(f"'{_show(value)}' contains a space.", hint="Remove the spaces.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InstanceError(f"The {what} contains a control character.")
    return value


def _split(text: str, *, what: str, keep_path: bool = False) -> tuple[str, str, int | None, str]:
    value = _checked_text(text, what=what)
    had_scheme = "://" in value
    if not had_scheme:
        if value.startswith("//") or ":/" in value.split("/", 1)[0]:
            raise InstanceError(f"'{_show(value)}' is not a valid URL.")
        value = "//" + value
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as e:
        raise InstanceError(
            f"'{_show(text.strip())}' is not a valid URL: {_port_problem(e)}."
        ) from e
    scheme = parts.scheme.lower()
    if had_scheme and scheme not in ("http", "https"):
        raise InstanceError(f"The {what} must start with https:// (not {_show(scheme)}://).")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InstanceError(
            f"Don't put a user name or password in the {what}.",
            hint="Enter the credentials in their own fields.",
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise InstanceError(f"'{_show(text.strip())}' has no host name.")
    if port == 0:
        raise InstanceError("Port 0 is not a valid port.")
    host = _check_host(host, what=what)
    scheme, host = _scheme_and_host(scheme if had_scheme else None, host, port)
    path = parts.path if keep_path else ""
    if keep_path and parts.query:
        raise InstanceError(f"The {what} must not contain a query string ('?…').")
    return scheme, host, port, path


def _scheme_and_host(scheme: str | None, host: str, port: int | None) -> tuple[str, str]:
    """The scheme rule (https, or http on loopback only; none typed: http for loopback, else
    https) and the tenant rule (a bare name without a dot is ``<name>.service-now.com``)."""
    loopback = is_loopback_host(host)
    typed = scheme is not None
    if scheme is None:
        # A bare loopback host is the sandbox, which speaks plain http.
        scheme = "http" if loopback else "https"
    if scheme == "http" and not loopback:
        raise InstanceError(
            "http:// is allowed only for 127.0.0.1 / localhost.",
            hint=f"Use https://{host}" + (f":{port}" if port else "") + " instead.",
        )
    if not typed and "." not in host and not loopback:
        if port is not None:
            raise InstanceError(
                f"'{_show(host)}' looks like a tenant name: tenant names take no port.",
                hint="Enter the full host name, e.g. snow.example.com:8443.",
            )
        host = f"{host}.{SERVICE_NOW_DOMAIN}"
    return scheme, host


def _check_host(host: str, *, what: str) -> str:
    bare = host.strip("[]")
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError:
        ip = None
    if ip is not None:
        return str(ip)
    if any(not label for label in host.rstrip(".").split(".")):
        raise InstanceError(f"'{_show(host)}' has an empty part between dots.")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as e:
        raise InstanceError(f"'{_show(host)}' is not a valid host name.") from e
    ascii_host = ascii_host.rstrip(".")
    if len(ascii_host) > 253:
        raise InstanceError(f"The host name in the {what} is too long.")
    for label in ascii_host.split("."):
        if not label:
            raise InstanceError(f"'{_show(host)}' has an empty part between dots.")
        if not _LABEL.fullmatch(label):
            bad = next((c for c in label if not (c.isalnum() or c == "-")), None)
            if bad is not None:
                raise InstanceError(
                    f"'{_show(host)}' contains '{_show(bad)}', not allowed in a host name."
                )
            raise InstanceError(
                f"'{_show(label)}' is not a valid part of a host name "
                "(letters, digits and inner hyphens, at most 63)."
            )
    if ascii_host.replace(".", "").isdigit():
        raise InstanceError(f"'{_show(host)}' is not a valid IP address.")
    return ascii_host


def _port_problem(e: ValueError) -> str:
    text = str(e)
    return "the port must be a number from 1 to 65535" if "ort" in text else "it cannot be parsed"


def _hide_userinfo(text: str) -> str:
    """``https://user:pw@host`` -> ``https://***@host``: a password typed into the URL field
    must not come back in an error message. Everything up to the last ``@`` goes (a password
    may itself hold ``/``, ``?`` or ``#``), also without a scheme or after a bare ``//``."""
    start = text.find("://")
    start = start + 3 if start >= 0 else (2 if text.startswith("//") else 0)
    at = text.rfind("@", start)
    return text if at < 0 else text[:start] + "***" + text[at:]


def _show(text: str, limit: int = 60) -> str:
    """Echo user input back safely: no user info, printable, short."""
    shown = "".join(ch if ch.isprintable() else "?" for ch in _hide_userinfo(text))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def suggest_profile_name(instance: Instance) -> str:
    """A profile name from the instance: the tenant, else the first host label."""
    if instance.tenant:
        base = instance.tenant
    elif instance.is_loopback:
        base = "sandbox"
    else:
        base = instance.host.split(".")[0]
    name = re.sub(r"[^a-z0-9_-]+", "-", base.lower()).strip("-")
    return name[:40] or "servicenow"
