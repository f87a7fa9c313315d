"""``repr()`` and ``str()`` of every object that holds a secret mask it (generated secrets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardening.figures import GENERATED, SECRETS, record
from snow_wizard.core import oauth
from snow_wizard.core.context import Context
from snow_wizard.core.instance import parse_instance
from snow_wizard.core.loopback import CallbackResult
from snow_wizard.core.profiles import ClientAuth, OAuthSettings, ProfileStore
from snow_wizard.core.secret_store import MemoryBackend, SecretKind, SecretStore
from snow_wizard.core.servicenow import BearerAuth, basic_auth
from snow_wizard.core.token_auth import ProfileTokenAuth

# A marker prefix keeps generated secrets from being words of a repr ("TokenRequest"...).
SECRET = st.text(alphabet="abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-_",
                 min_size=8, max_size=64).map(lambda s: "Zq9~" + s)
SETTINGS = OAuthSettings.for_instance(parse_instance("acme"), "client-id-1")


def holders(secret: str, tmp: Path) -> dict[str, Any]:
    """Every kind of object in the product that can hold ``secret``."""
    from snow_wizard.sandbox.state import AccessToken, Grant, OAuthApp, SandboxUser
    from snow_wizard.sandbox.wire import Request

    backend = MemoryBackend()
    store = SecretStore(backend)
    store.set_sync("p", SecretKind.PASSWORD, secret)
    ctx = Context(store=ProfileStore(tmp), secrets=store)
    user = SandboxUser("admin", secret)
    grant = Grant(secret, "cid", user, 0.0)
    basic_settings = OAuthSettings.for_instance(parse_instance("acme"), "cid",
                                                client_auth=ClientAuth.BASIC)
    return {
        "TokenSet": oauth.TokenSet(access_token=secret, refresh_token=secret, expires_at=1.0),
        "PkcePair": oauth.PkcePair(verifier=secret, challenge=oauth.s256_challenge(secret)),
        "CallbackResult": CallbackResult(code=secret, state="00ff"),
        "TokenRequest (body auth)": oauth.code_request(SETTINGS, secret, secret, secret),
        "TokenRequest (Basic auth)": oauth.refresh_request(basic_settings, secret, secret),
        "TokenRequest (password grant)": oauth.password_request(SETTINGS, secret, "u", secret),
        "BearerAuth": BearerAuth(secret),
        "basic_auth": basic_auth("admin", secret),
        "MemoryBackend": backend,
        "SecretStore": store,
        "Context": ctx,
        "ProfileTokenAuth": ProfileTokenAuth(ctx, "p"),
        "sandbox SandboxUser": user,
        "sandbox OAuthApp": OAuthApp("app", "cid", secret, ["http://127.0.0.1:8765/callback"]),
        "sandbox Grant": grant,
        "sandbox AccessToken": AccessToken(secret, grant, 0.0),
        "sandbox Request": Request("POST", "/oauth_token.do", {},
                                   {"authorization": f"Bearer {secret}"},
                                   f"client_secret={secret}".encode(), ""),
    }


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=SECRET)
def test_no_repr_or_str_shows_a_secret(secret: str, tmp_path: Path) -> None:
    objects = holders(secret, tmp_path)
    record(GENERATED, "repr masking: generated secrets")
    shown = {}
    for name, obj in objects.items():
        shown[name] = repr(obj) + "\n" + str(obj) + "\n" + repr([obj]) + f"\n{obj!r:}"
    record(SECRETS, "repr/str of secret-holding objects", len(objects))
    leaks = [name for name, text in shown.items() if secret in text]
    assert leaks == [], leaks


def test_the_sandbox_repr_and_a_real_client_repr_show_no_secret(sandbox: Any) -> None:
    from snow_wizard.core.servicenow import make_client

    app, user = sandbox.demo_app, sandbox.demo_user
    texts = [repr(sandbox), repr(sandbox.faults), repr(app), repr(user)]
    with make_client(base_url=sandbox.url, auth=basic_auth("admin", user.password)) as client:
        response = client.get("/api/now/ui/user/current_user")
        texts += [repr(client), repr(client.auth), repr(response), repr(response.request)]
    request = oauth.password_request(SETTINGS, app.client_secret, "admin", user.password)
    texts.append(repr(request))
    tokens = oauth.send_token_request_sync(oauth.password_request(
        OAuthSettings.for_instance(parse_instance(sandbox.url), app.client_id),
        app.client_secret, "admin", user.password))
    texts.append(repr(tokens))
    secrets = [user.password, app.client_secret, tokens.access_token, tokens.refresh_token or ""]
    record(SECRETS, "repr of sandbox, client, response, tokens", len(texts) * len(secrets))
    for text in texts:
        for secret in secrets:
            assert secret not in text
