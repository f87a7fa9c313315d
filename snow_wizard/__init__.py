"""snow-wizard: connect an integration to a ServiceNow instance.

The small public Python API, for scripts that use the profiles the wizard made::

    import snow_wizard
    with snow_wizard.connect("acme") as client:      # an httpx2.Client, base_url and auth set
        client.get("/api/now/table/incident", params={"sysparm_limit": 1})

Everything is imported lazily: ``import snow_wizard`` costs nothing beyond this file,
so the CLI can start without loading httpx2, keyring or Qt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "aconnect", "connect", "load_profile"]

if TYPE_CHECKING:  # pragma: no cover
    from snow_wizard.api import aconnect, connect, load_profile


def __getattr__(name: str) -> Any:
    if name in ("load_profile", "connect", "aconnect"):
        from snow_wizard import api

        return getattr(api, name)
    raise AttributeError(f"module 'snow_wizard' has no attribute {name!r}")
