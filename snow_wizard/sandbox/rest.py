"""The REST side: who-am-I and the Table API, with ServiceNow's auth, ACL and error shapes."""

from __future__ import annotations

from snow_wizard.sandbox.state import SandboxUser, State
from snow_wizard.sandbox.wire import Request, Response, envelope, json_response

UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Basic realm="Service-now"', "X-Is-Logged-In": "false"}
DEFAULT_LIMIT = 10000

INCIDENTS: list[dict[str, str]] = [
    {
        "sys_id": "9d385017c611228701d22104cc95c371", "number": "INC0010001",
        "short_description": "Email server is down", "state": "1", "priority": "1",
        "active": "true", "sys_class_name": "incident",
    },
    {
        "sys_id": "e8caedcbc0a80164017df472f39eaed1", "number": "INC0010002",
        "short_description": "Cannot print from my laptop", "state": "2", "priority": "3",
        "active": "true", "sys_class_name": "incident",
    },
    {
        "sys_id": "46f09e75a9fe198100f4ffd8d366d17b", "number": "INC0010003",
        "short_description": "VPN disconnects every hour", "state": "6", "priority": "2",
        "active": "false", "sys_class_name": "incident",
    },
]


def unauthorized() -> Response:
    return envelope(401, "User Not Authenticated", "Required to provide Auth information",
                    UNAUTHORIZED_HEADERS)


def authenticate(state: State, req: Request) -> SandboxUser | None:
    token = req.bearer_token()
    if token is not None:
        return state.bearer_user(token)
    creds = req.basic_credentials()
    if creds is None:
        return None
    return state.basic_user(*creds)


def handle(state: State, req: Request) -> Response:
    """An /api/ request (faults other than forbidden and current_user_404 already applied)."""
    user = authenticate(state, req)
    if user is None:
        return unauthorized()
    faults = state.faults
    if faults.forbidden:
        return envelope(403, "Insufficient rights to query records",
                        "Field(s) present in the query do not have permission to be read")
    parts = [p for p in req.path.split("/") if p]
    if parts == ["api", "now", "ui", "user", "current_user"]:
        if faults.current_user_404:
            return envelope(404, "Requested URI does not represent any resource", None)
        return _method_guard(req) or current_user(user)
    if parts[:3] == ["api", "now", "table"] and len(parts) in (4, 5):
        return _method_guard(req) or table(state, user, req, parts[3], parts[4:])
    return envelope(400, "Requested URI does not represent any resource", None)


def _method_guard(req: Request) -> Response | None:
    if req.method in ("GET", "HEAD"):
        return None
    return envelope(405, "Method not Supported", f"{req.method} is not supported by the sandbox")


def current_user(user: SandboxUser) -> Response:
    initials = "".join(p[0] for p in (user.first_name, user.last_name) if p).upper()
    result = {
        "user_name": user.user_name,
        "user_sys_id": user.sys_id,
        "user_display_name": user.name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "user_initials": initials or user.user_name[:2].upper(),
        "user_avatar": "",
        "user_preferences": {},
    }
    return json_response(200, {"result": result})


def _rows(state: State, table_name: str) -> list[dict[str, str]] | None:
    if table_name == "sys_user":
        with state.lock:
            return [u.record() for u in state.users.values()]
    if table_name == "incident":
        return [dict(r) for r in INCIDENTS]
    return None


def table(state: State, user: SandboxUser, req: Request, name: str, rest: list[str]) -> Response:
    rows = _rows(state, name)
    if rows is None:
        return envelope(400, f"Invalid table {name}", None)
    readable = name != "sys_user" or user.can_read_users
    fields = [f for f in req.query.get("sysparm_fields", "").split(",") if f.strip()]
    if rest:  # a single record by sys_id
        found = [r for r in rows if r["sys_id"] == rest[0]]
        if not found or not readable:
            return envelope(404, "No Record found",
                            "Record doesn't exist or ACL restricts the record retrieval")
        return json_response(200, {"result": _select(found[0], fields)})
    try:
        matches = [r for r in rows if _matches(r, req.query.get("sysparm_query", ""))]
        offset = max(int(req.query.get("sysparm_offset", "0") or 0), 0)
        limit = max(int(req.query.get("sysparm_limit", str(DEFAULT_LIMIT)) or DEFAULT_LIMIT), 0)
    except ValueError:
        return envelope(400, "Invalid query", "Check sysparm_query, sysparm_limit, sysparm_offset")
    page = matches[offset:offset + limit]  # the limit applies before the ACL filter
    result = [_select(r, fields) for r in page] if readable else []
    return json_response(200, {"result": result}, {"X-Total-Count": str(len(matches))})


def _select(row: dict[str, str], fields: list[str]) -> dict[str, str]:
    if not fields:
        return row
    return {f.strip(): row.get(f.strip(), "") for f in fields}


def _matches(row: dict[str, str], query: str) -> bool:
    """``field=value^field2!=value2`` (encoded query, AND only; ORDERBY terms ignored)."""
    for term in query.split("^"):
        term = term.strip()
        if not term or term.startswith(("ORDERBY", "ORDERBYDESC")):
            continue
        if "!=" in term:
            name, _, value = term.partition("!=")
            if row.get(name, "") == value:
                return False
        elif "=" in term:
            name, _, value = term.partition("=")
            if row.get(name, "") != value:
                return False
        else:
            raise ValueError(term)
    return True
