"""The sandbox's data: users, OAuth apps, tokens, codes, pending consents and faults.

One lock guards everything; the HTTP handlers run on many threads. The sandbox *is* the
server, so it holds the secrets it issues (in memory only; ``repr()`` masks them).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

CODE_LIFESPAN = 60.0
PENDING_LIFESPAN = 600.0


def new_sys_id() -> str:
    return secrets.token_hex(16)


def same(a: str, b: str) -> bool:
    """Constant-time comparison that also accepts non-ASCII text."""
    return secrets.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def new_token() -> str:
    return secrets.token_urlsafe(64)  # 86 characters, like ServiceNow's opaque tokens


@dataclass(eq=False)
class SandboxUser:
    user_name: str
    password: str = field(repr=False)
    sys_id: str = field(default_factory=new_sys_id)
    first_name: str = ""
    last_name: str = ""
    basic_auth_restricted: bool = False
    sso_only: bool = False
    can_read_users: bool = True

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.user_name

    def record(self) -> dict[str, str]:
        """The sys_user row as the Table API shows it (every value a string)."""
        return {
            "sys_id": self.sys_id,
            "user_name": self.user_name,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "name": self.name,
            "email": f"{self.user_name}@example.com",
            "active": "true",
            "web_service_access_only": "false",
            "sys_class_name": "sys_user",
        }


@dataclass(eq=False)
class OAuthApp:
    name: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_urls: list[str] = field(default_factory=list)
    access_token_lifespan: int = 1800
    refresh_token_lifespan: int = 8640000
    active: bool = True
    sys_id: str = field(default_factory=new_sys_id)


@dataclass
class FaultSettings:
    """Faults a test (or a person) switches on at any time; see ``Sandbox.faults``."""

    hibernating: bool = False
    not_servicenow: bool = False
    delay: float = 0.0
    rate_limit_after: int | None = None
    retry_after: int = 1
    server_errors: int = 0
    reset_connections: int = 0
    current_user_404: bool = False
    forbidden: bool = False
    api_calls: int = field(default=0, repr=False)  # counted since rate_limit_after was set

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        if name == "rate_limit_after":
            super().__setattr__("api_calls", 0)


@dataclass(eq=False)
class Grant:
    """One consent or password grant: its refresh token and the access tokens it produced."""

    refresh_token: str = field(repr=False)
    client_id: str
    user: SandboxUser
    expires_at: float
    revoked: bool = False


@dataclass(eq=False)
class AccessToken:
    token: str = field(repr=False)
    grant: Grant
    expires_at: float
    revoked: bool = False


@dataclass(eq=False)
class Pending:
    """An authorization request between the login page and the Allow/Deny decision."""

    client_id: str
    redirect_uri: str  # the one the instance will use (after the redirect trap)
    state: str
    challenge: str | None
    method: str | None
    created: float
    user: SandboxUser | None = None


@dataclass(eq=False)
class AuthCode:
    client_id: str
    redirect_uri: str
    challenge: str | None
    method: str | None
    user: SandboxUser
    expires_at: float
    used: bool = False


class State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.users: dict[str, SandboxUser] = {}
        self.apps: dict[str, OAuthApp] = {}
        self.grants: dict[str, Grant] = {}
        self.access: dict[str, AccessToken] = {}
        self.pending: dict[str, Pending] = {}
        self.codes: dict[str, AuthCode] = {}
        self.requests: list[tuple[str, str]] = []
        self.faults = FaultSettings()
        self.clock_offset = 0.0

    def now(self) -> float:
        return time.time() + self.clock_offset

    # --- REST authentication -------------------------------------------------------------
    def basic_user(self, user_name: str, password: str) -> SandboxUser | None:
        """The user Basic auth lets in; None also for restricted and SSO-only accounts."""
        with self.lock:
            user = self.users.get(user_name)
        if user is None or user.sso_only or user.basic_auth_restricted:
            return None
        return user if same(user.password, password) else None

    def bearer_user(self, token: str) -> SandboxUser | None:
        with self.lock:
            access = self.access.get(token)
            if access is None or not self._access_valid(access):
                return None
            return access.grant.user

    def _access_valid(self, access: AccessToken) -> bool:
        app = self.apps.get(access.grant.client_id)
        return (
            app is not None
            and app.active
            and not access.revoked
            and not access.grant.revoked
            and access.expires_at > self.now()
        )

    # --- tokens ----------------------------------------------------------------------------
    def issue(self, app: OAuthApp, user: SandboxUser) -> dict[str, object]:
        with self.lock:
            grant = Grant(new_token(), app.client_id, user, self.now() + app.refresh_token_lifespan)
            self.grants[grant.refresh_token] = grant
            return self._new_access(app, grant)

    def refresh(self, app: OAuthApp, refresh_token: str) -> dict[str, object] | None:
        with self.lock:
            grant = self.grants.get(refresh_token)
            if grant is None or grant.revoked or grant.client_id != app.client_id:
                return None
            if grant.expires_at <= self.now():
                return None
            return self._new_access(app, grant)

    def _new_access(self, app: OAuthApp, grant: Grant) -> dict[str, object]:
        access = AccessToken(new_token(), grant, self.now() + app.access_token_lifespan)
        self.access[access.token] = access
        return {
            "access_token": access.token,
            "refresh_token": grant.refresh_token,
            "scope": "useraccount",
            "token_type": "Bearer",
            "expires_in": max(app.access_token_lifespan - 1, 0),
        }

    def revoke(self, token: str) -> bool:
        """Mark an access or refresh token, and its pair, expired. False when unknown."""
        with self.lock:
            access = self.access.get(token)
            if access is not None:
                access.revoked = True
                access.grant.revoked = True
                return True
            grant = self.grants.get(token)
            if grant is None:
                return False
            grant.revoked = True
            for other in self.access.values():
                if other.grant is grant:
                    other.revoked = True
            return True

    def is_revoked(self, token: str) -> bool:
        with self.lock:
            access = self.access.get(token)
            if access is not None:
                return access.revoked or access.grant.revoked
            grant = self.grants.get(token)
            return grant is not None and grant.revoked

    def expire_access_tokens(self) -> None:
        with self.lock:
            for access in self.access.values():
                access.expires_at = min(access.expires_at, self.now() - 1)

    # --- authorization codes ---------------------------------------------------------------
    def new_code(self, pending: Pending) -> str:
        assert pending.user is not None
        code = secrets.token_urlsafe(32)
        with self.lock:
            self.codes[code] = AuthCode(
                pending.client_id, pending.redirect_uri, pending.challenge, pending.method,
                pending.user, self.now() + CODE_LIFESPAN,
            )
        return code

    def take_pending(self, pending_id: str, *, remove: bool = False) -> Pending | None:
        with self.lock:
            pending = self.pending.get(pending_id)
            if pending is None or pending.created + PENDING_LIFESPAN < self.now():
                self.pending.pop(pending_id, None)
                return None
            if remove:
                del self.pending[pending_id]
            return pending

    def add_pending(self, pending: Pending) -> str:
        pending_id = secrets.token_hex(16)
        with self.lock:
            self.pending[pending_id] = pending
        return pending_id
