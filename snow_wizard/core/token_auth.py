"""``httpx2.Auth`` for a saved OAuth profile: bearer token from the keychain, refreshed when it
is about to expire or when the API answers 401 once, with the new token stored.

Both flows share ``token_refresh.access_token_sync`` (a file lock makes the refresh happen once
across threads and processes); the async flow runs it in a worker thread.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING

import httpx2

from snow_wizard.core.token_refresh import access_token_sync

if TYPE_CHECKING:  # pragma: no cover
    from snow_wizard.core.context import Context


class ProfileTokenAuth(httpx2.Auth):
    """Bearer auth for profile ``name``. ``repr`` shows the profile, never a token."""

    requires_request_body = True  # a request may be sent twice (after a 401 and a refresh)

    def __init__(self, ctx: Context, name: str, *, min_validity: float = 60.0) -> None:
        self._ctx = ctx
        self.profile = name
        self.min_validity = min_validity

    def __repr__(self) -> str:
        return f"ProfileTokenAuth(profile={self.profile!r})"

    def _token(self, rejected: str | None = None) -> str:
        return access_token_sync(
            self._ctx, self.profile, min_validity=self.min_validity, rejected=rejected
        )

    def sync_auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        token = self._token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self._token(rejected=token)}"
            yield request

    async def async_auth_flow(
        self, request: httpx2.Request
    ) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
        import anyio.to_thread

        token = await anyio.to_thread.run_sync(self._token)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            fresh = await anyio.to_thread.run_sync(lambda: self._token(rejected=token))
            request.headers["Authorization"] = f"Bearer {fresh}"
            yield request
