"""The OAuth side: authorize (login + consent pages), token, revoke, as SERVICENOW.md describes.

Every token-endpoint failure is the same opaque 401, like a real instance; the redirect trap
is reproduced (an unregistered ``redirect_uri`` silently becomes the first registered one).
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote, urlencode

from snow_wizard.sandbox import pages
from snow_wizard.sandbox.state import OAuthApp, Pending, State, same
from snow_wizard.sandbox.wire import Request, Response, json_response, redirect

TOKEN_FAILURE = {"error_description": "access_denied", "error": "server_error"}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PATHS = frozenset({
    "/oauth_auth.do", "/oauth_login.do", "/oauth_consent.do",
    "/oauth_token.do", "/oauth_revoke_token.do",
})


def handle(state: State, req: Request) -> Response:
    if req.path == "/oauth_token.do":
        return token(state, req)
    if req.path == "/oauth_revoke_token.do":
        return revoke(state, req)
    if req.path == "/oauth_auth.do":
        return authorize(state, req)
    if req.path == "/oauth_login.do":
        return login(state, req)
    return consent(state, req)


def failure() -> Response:
    return json_response(401, TOKEN_FAILURE, NO_STORE)


# --- authorize ------------------------------------------------------------------------------
def authorize(state: State, req: Request) -> Response:
    q = req.query
    with state.lock:
        app = state.apps.get(q.get("client_id", ""))
    if app is None or not app.active or not app.redirect_urls:
        return pages.oauth_error_page("Invalid client_id: no active OAuth application matches")
    if q.get("response_type") != "code":
        return pages.oauth_error_page("Unsupported response_type: only 'code' is supported")
    if not q.get("state"):
        return pages.oauth_error_page("Missing State parameter in request")
    challenge = q.get("code_challenge") or None
    method = (q.get("code_challenge_method") or "plain") if challenge else None
    if method not in (None, "plain", "S256"):
        return pages.oauth_error_page("Unsupported code_challenge_method")
    requested = q.get("redirect_uri", "")
    # The redirect trap: an unregistered redirect_uri silently becomes the first registered one.
    used = requested if requested in app.redirect_urls else app.redirect_urls[0]
    pending = Pending(app.client_id, used, q["state"], challenge, method, state.now())
    return pages.login_page(state.add_pending(pending), app.name)


def _pending_app(state: State, pending_id: str) -> tuple[Pending, OAuthApp] | None:
    pending = state.take_pending(pending_id)
    if pending is None:
        return None
    with state.lock:
        app = state.apps.get(pending.client_id)
    return (pending, app) if app is not None and app.active else None


def login(state: State, req: Request) -> Response:
    form = req.form() or {}
    found = _pending_app(state, form.get("sysparm_pending", ""))
    if req.method != "POST" or found is None:
        return pages.oauth_error_page("Your authorization request expired: start again")
    pending, app = found
    with state.lock:
        user = state.users.get(form.get("user_name", ""))
    password = form.get("user_password", "")
    if user is None or not same(user.password, password):
        return pages.login_page(form["sysparm_pending"], app.name, "User name or password invalid")
    pending.user = user  # interactive login: Basic Auth Restriction and SSO do not apply
    return redirect("/oauth_consent.do?sysparm_pending=" + quote(form["sysparm_pending"]), 303)


def consent(state: State, req: Request) -> Response:
    params = req.form() if req.method == "POST" else req.query
    pending_id = (params or {}).get("sysparm_pending", "")
    found = _pending_app(state, pending_id)
    if found is None:
        return pages.oauth_error_page("Your authorization request expired: start again")
    pending, app = found
    if pending.user is None:
        return pages.login_page(pending_id, app.name)
    if req.method != "POST":
        return pages.consent_page(pending_id, app.name, pending.user.user_name)
    action = (params or {}).get("action")
    if action not in ("allow", "deny"):
        return pages.consent_page(pending_id, app.name, pending.user.user_name)
    state.take_pending(pending_id, remove=True)
    if action == "allow":
        result = {"code": state.new_code(pending), "state": pending.state}
    else:
        result = {"error": "access_denied", "state": pending.state}
    sep = "&" if "?" in pending.redirect_uri else "?"
    return redirect(pending.redirect_uri + sep + urlencode(result))


# --- token ----------------------------------------------------------------------------------
def token(state: State, req: Request) -> Response:
    form = req.form()
    if req.method != "POST" or req.raw_query or form is None:
        return failure()  # form-encoded body only: JSON bodies and query parameters fail
    app = _client(state, req, form)
    if app is None:
        return failure()
    grant = form.get("grant_type", "")
    if grant == "authorization_code":
        result = _code_grant(state, app, form)
    elif grant == "refresh_token":
        result = state.refresh(app, form.get("refresh_token", ""))
    elif grant == "password":
        result = _password_grant(state, app, form)
    else:  # client_credentials and anything else: disabled on this instance
        result = None
    return failure() if result is None else json_response(200, result, NO_STORE)


def _client(state: State, req: Request, form: dict[str, str]) -> OAuthApp | None:
    if "client_id" in form:
        client_id, client_secret = form["client_id"], form.get("client_secret", "")
    else:
        creds = req.basic_credentials()
        if creds is None:
            return None
        client_id, client_secret = creds
    with state.lock:
        app = state.apps.get(client_id)
    if app is None or not app.active:
        return None
    return app if same(app.client_secret, client_secret) else None


def _code_grant(state: State, app: OAuthApp, form: dict[str, str]) -> dict[str, object] | None:
    with state.lock:
        code = state.codes.get(form.get("code", ""))
        if code is None or code.used or code.expires_at <= state.now():
            return None
        if code.client_id != app.client_id:
            return None
        if "redirect_uri" in form and form["redirect_uri"] != code.redirect_uri:
            return None
        if code.challenge is not None and not pkce_ok(
            form.get("code_verifier", ""), code.challenge, code.method or "plain"
        ):
            return None
        code.used = True
        user = code.user
    return state.issue(app, user)


def pkce_ok(verifier: str, challenge: str, method: str) -> bool:
    if not 43 <= len(verifier) <= 128:
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        expected = verifier
    return same(expected, challenge)


def _password_grant(state: State, app: OAuthApp, form: dict[str, str]) -> dict[str, object] | None:
    with state.lock:
        user = state.users.get(form.get("username", ""))
    if user is None or user.sso_only:
        return None
    if not same(user.password, form.get("password", "")):
        return None
    return state.issue(app, user)


# --- revoke ---------------------------------------------------------------------------------
def revoke(state: State, req: Request) -> Response:
    form = req.form() if req.method == "POST" else None
    value = (form or {}).get("token") or req.query.get("token", "")
    if value:
        state.revoke(value)
    return Response(200, b"", {"Content-Type": "text/plain;charset=UTF-8"})
