"""A local ServiceNow-compatible instance (REST side and OAuth side) for tests and people.

::

    from snow_wizard.sandbox import Sandbox
    with Sandbox() as sb:                      # 127.0.0.1, a free port, a background thread
        sb.url, sb.demo_user.password, sb.demo_app.client_id
        sb.faults.hibernating = True           # fault injection, any time

``serve()`` runs it in the foreground for ``snow-wizard sandbox``. Behaviour follows
``SERVICENOW.md`` (error envelopes, opaque token failures, the redirect trap, ACL filtering).
Standard library only.
"""

from __future__ import annotations

from snow_wizard.sandbox.control import DEFAULT_REDIRECT_URL, Sandbox, serve
from snow_wizard.sandbox.state import FaultSettings, OAuthApp, SandboxUser

__all__ = ["DEFAULT_REDIRECT_URL", "FaultSettings", "OAuthApp", "Sandbox", "SandboxUser", "serve"]
