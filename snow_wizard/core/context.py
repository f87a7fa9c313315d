"""The side effects the CLI and the wizard need, in one small object.

Tests pass real-but-local parts (a temporary config dir, the sandbox, the real keychain in CI)
or in-memory ones; production code calls ``Context.default()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from snow_wizard.core.profiles import ProfileStore
from snow_wizard.core.secret_store import SecretStore


def open_in_browser(url: str) -> bool:
    """Open ``url`` in the user's browser through ``webbrowser`` (so ``BROWSER`` works).

    False when no browser could be started: callers then show the URL to copy and keep waiting.
    """
    import webbrowser  # ~9 ms (shlex, subprocess): only when a browser is opened

    try:
        return bool(webbrowser.open(url, new=2))
    except Exception:  # webbrowser raises assorted errors on broken setups: never fatal
        return False


@dataclass
class Context:
    store: ProfileStore
    secrets: SecretStore
    open_browser: Callable[[str], bool] = open_in_browser
    clock: Callable[[], float] = time.time
    http_timeout: float = 15.0
    extra: dict[str, object] = field(default_factory=dict)

    @classmethod
    def default(cls, config_dir: Path | None = None) -> Context:
        return cls(store=ProfileStore(config_dir), secrets=SecretStore())
