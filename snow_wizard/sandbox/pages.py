"""The HTML pages the sandbox serves (escaped; never a secret on a page)."""

from __future__ import annotations

from html import escape

from snow_wizard.sandbox.wire import Response

HTML_TYPE = "text/html;charset=UTF-8"
WAKE_URL = "https://developer.servicenow.com/dev.do"


def html_response(status: int, title: str, body: str, *, css_class: str = "") -> Response:
    cls = f' class="{escape(css_class)}"' if css_class else ""
    page = (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title></head>\n<body{cls}>\n{body}\n</body></html>\n"
    )
    return Response(status, page.encode("utf-8"), {"Content-Type": HTML_TYPE})


def hibernating_page() -> Response:
    body = (
        '<div class="instance-hibernating-page">\n'
        "<h1>Your instance is hibernating</h1>\n"
        "<p>Instances hibernate when they are not used. Sign in to the developer portal "
        "to wake it up.</p>\n"
        f'<a class="wake-instance" href="{WAKE_URL}">Wake your instance</a>\n</div>'
    )
    return html_response(200, "Instance Hibernating page", body,
                         css_class="instance-hibernating-page")


def not_servicenow_page() -> Response:
    body = (
        "<h1>Welcome to the Example Corp intranet</h1>\n"
        "<p>Please sign in with your corporate account.</p>\n"
        '<a href="/sso/login">Sign in</a>'
    )
    return html_response(200, "Example Corp portal", body)


def home_page(base_url: str) -> Response:
    body = (
        "<h1>ServiceNow sandbox</h1>\n"
        "<p>A local ServiceNow-compatible instance for trying snow-wizard.</p>\n<ul>\n"
        f'<li><a href="{escape(base_url)}/oauth_entity_list.do">Application Registry</a></li>\n'
        "<li>REST: /api/now/ui/user/current_user, /api/now/table/{table}</li>\n</ul>"
    )
    return html_response(200, "ServiceNow", body)


def app_registry_page(rows: list[tuple[str, str, str, bool]]) -> Response:
    """Rows of (name, client_id, first redirect URL, active); secrets are never listed."""
    cells = "\n".join(
        f"<tr><td>{escape(name)}</td><td>{escape(cid)}</td><td>{escape(url)}</td>"
        f"<td>{'true' if active else 'false'}</td></tr>"
        for name, cid, url, active in rows
    )
    body = (
        "<h1>Application Registries</h1>\n<table id=\"oauth_entity_table\">\n"
        "<tr><th>Name</th><th>Client ID</th><th>Redirect URL</th><th>Active</th></tr>\n"
        f"{cells}\n</table>"
    )
    return html_response(200, "Application Registries | ServiceNow", body)


def oauth_error_page(message: str, status: int = 400) -> Response:
    body = f'<h1>OAuth error</h1>\n<p id="oauth_error">{escape(message)}</p>'
    return html_response(status, "OAuth error | ServiceNow", body)


def login_page(pending_id: str, app_name: str, error: str = "") -> Response:
    err = f'<p id="login_error" class="error">{escape(error)}</p>\n' if error else ""
    body = (
        f"<h1>Log in</h1>\n<p>to authorize {escape(app_name)}</p>\n{err}"
        '<form id="loginForm" method="post" action="/oauth_login.do">\n'
        f'<input type="hidden" name="sysparm_pending" value="{escape(pending_id)}">\n'
        '<label>User name <input type="text" id="user_name" name="user_name"></label>\n'
        '<label>Password <input type="password" id="user_password" name="user_password">'
        "</label>\n"
        '<button type="submit" id="sysverb_login" name="sysverb_login">Log in</button>\n'
        "</form>"
    )
    return html_response(200, "Log in | ServiceNow", body)


def consent_page(pending_id: str, app_name: str, user_name: str) -> Response:
    body = (
        f'<h1>Connect to <span id="app_name">{escape(app_name)}</span></h1>\n'
        f"<p>{escape(app_name)} would like to connect to your account "
        f"({escape(user_name)}) and act on your behalf.</p>\n"
        '<form id="consentForm" method="post" action="/oauth_consent.do">\n'
        f'<input type="hidden" name="sysparm_pending" value="{escape(pending_id)}">\n'
        '<button type="submit" id="allow" name="action" value="allow">Allow</button>\n'
        '<button type="submit" id="deny" name="action" value="deny">Deny</button>\n'
        "</form>"
    )
    return html_response(200, "Authorize | ServiceNow", body)
