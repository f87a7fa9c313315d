"""Request and response values passed between the HTTP plumbing and the handlers."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs

JSON_TYPE = "application/json;charset=UTF-8"


@dataclass
class Request:
    """``repr`` shows method and path only: query, headers and body carry passwords, client
    secrets and tokens."""

    method: str
    path: str
    query: dict[str, str] = field(repr=False)
    headers: dict[str, str] = field(repr=False)  # lower-case names
    body: bytes = field(default=b"", repr=False)
    raw_query: str = field(default="", repr=False)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def form(self) -> dict[str, str] | None:
        """The body as a form, or None when it is not form-encoded."""
        ctype = self.header("content-type").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return None
        try:
            parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return None
        return {k: v[0] for k, v in parsed.items()}

    def basic_credentials(self) -> tuple[str, str] | None:
        scheme, _, value = self.header("authorization").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        return (user, password) if sep else None

    def bearer_token(self) -> str | None:
        scheme, _, value = self.header("authorization").partition(" ")
        return value.strip() or None if scheme.lower() == "bearer" else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False  # close the socket mid-response (fault injection)


def json_response(status: int, payload: object, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload).encode("utf-8")
    return Response(status, body, {"Content-Type": JSON_TYPE, **(headers or {})})


def envelope(status: int, message: str, detail: str | None = None,
             headers: dict[str, str] | None = None) -> Response:
    """ServiceNow's one error envelope."""
    payload = {"error": {"message": message, "detail": detail}, "status": "failure"}
    return json_response(status, payload, headers)


def redirect(location: str, status: int = 302) -> Response:
    return Response(status, b"", {"Location": location})
