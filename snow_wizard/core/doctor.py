"""``snow-wizard doctor``: what snow-wizard sees, so a user or a test can tell a healthy install.

``collect()`` returns rows ``(label, value, status)``, status ``"ok"``, ``"warn"`` or ``"fail"``.
Nothing here reveals a secret: proxy URLs have their credentials masked, and the keychain is
asked only which backend it uses, never for an entry. No Qt import at module level (core/ rule):
PySide6 is imported inside ``_qt_rows`` only, to report its version.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

Row = tuple[str, str, str]

OK, WARN, FAIL = "ok", "warn", "fail"

PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")

KEYCHAIN_GUIDANCE = (
    "no usable keychain: secrets cannot be stored. Linux: run inside a desktop session with "
    "a Secret Service (GNOME Keyring or KWallet) and D-Bus; or choose a keyring backend with "
    "PYTHON_KEYRING_BACKEND (see keyring's documentation)"
)


def collect() -> list[Row]:
    """All doctor rows, in display order. Never raises: a broken probe becomes a warn row."""
    rows: list[Row] = []
    probes: list[tuple[str, Callable[[], list[Row]]]] = [
        ("snow-wizard", _product_rows),
        ("qt", _qt_rows),
        ("libraries", _library_rows),
        ("keyring backend", _keyring_rows),
        ("config dir", _config_rows),
        ("proxy", _proxy_rows),
        ("browser", _browser_rows),
        ("display", _display_rows),
    ]
    for label, probe in probes:
        try:
            rows.extend(probe())
        except Exception as exc:  # a diagnostic tool must report, not crash
            rows.append((label, _oneline(exc), WARN))
    return rows


def _oneline(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False)) or hasattr(sys, "_MEIPASS")


def _product_rows() -> list[Row]:
    from snow_wizard import __version__

    frozen = "no (running from Python packages)"
    if is_frozen():
        bundle = getattr(sys, "_MEIPASS", None) or os.path.dirname(sys.executable)
        frozen = f"yes (PyInstaller bundle at {bundle})"
    python = f"{platform.python_version()} ({platform.python_implementation()}, {sys.executable})"
    return [
        ("snow-wizard", __version__, OK),
        ("python", python, OK),
        ("platform", f"{platform.platform()} ({platform.machine()})", OK),
        ("frozen", frozen, OK),
    ]


def package_version(distribution: str) -> str | None:
    """The installed version of ``distribution`` from its metadata, None when not installed."""
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _qt_rows() -> list[Row]:
    import importlib

    # Loaded on purpose, and only here: the row proves Qt's libraries load (in a frozen bundle
    # too). Nothing else in core/ touches Qt.
    try:
        qtcore = importlib.import_module("PySide6.QtCore")
    except ImportError as exc:
        hint = "the wizard cannot open; the snow-wizard commands work"
        return [("qt", f"not installed ({_oneline(exc)}): {hint}", WARN)]
    pyside = sys.modules["PySide6"]
    return [("qt", f"PySide6 {pyside.__version__}, Qt {qtcore.qVersion()}", OK)]


def _library_rows() -> list[Row]:
    rows: list[Row] = []
    for label, dist in (("qasync", "qasync"), ("httpx2", "httpx2"), ("truststore", "truststore")):
        version = package_version(dist)
        if version is None:
            rows.append((label, "not installed", WARN))
        else:
            rows.append((label, version, OK))
    return rows


def _keyring_rows() -> list[Row]:
    from snow_wizard.core.secret_store import backend_description, keyring_is_usable

    version = package_version("keyring") or "version unknown"
    description = backend_description()
    if keyring_is_usable():
        return [("keyring backend", f"{description} (keyring {version})", OK)]
    return [("keyring backend", f"{description} (keyring {version}): {KEYCHAIN_GUIDANCE}", FAIL)]


def _config_rows() -> list[Row]:
    from snow_wizard.core.profiles import default_config_dir

    path = default_config_dir()
    source = " (from SNOW_WIZARD_CONFIG_DIR)" if os.environ.get("SNOW_WIZARD_CONFIG_DIR") else ""
    if path.is_dir():
        if os.access(path, os.W_OK | os.X_OK):
            return [("config dir", f"{path}{source} (writable)", OK)]
        return [("config dir", f"{path}{source} (NOT writable: profiles cannot be saved)", FAIL)]
    parent = _nearest_existing(path)
    if parent is not None and os.access(parent, os.W_OK | os.X_OK):
        return [("config dir", f"{path}{source} (not created yet; will be)", OK)]
    return [("config dir", f"{path}{source} (cannot be created: {parent} is not writable)", FAIL)]


def _nearest_existing(path: Path) -> Path | None:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return None


def mask_proxy_url(value: str) -> str:
    """``http://user:secret@proxy:3128`` -> ``http://***@proxy:3128``; other values unchanged."""
    scheme, sep, rest = value.partition("://")
    if not sep:
        scheme, rest = "", value
    authority_end = len(rest)
    for mark in "/?#":
        position = rest.find(mark)
        if position != -1:
            authority_end = min(authority_end, position)
    at = rest.rfind("@", 0, authority_end)
    if at == -1:
        at = rest.rfind("@")  # an unencoded "/" in a password: mask up to the last "@"
        if at == -1:
            return value
    return f"{scheme}{sep}***@{rest[at + 1:]}"


def _proxy_rows() -> list[Row]:
    rows: list[Row] = []
    for name in PROXY_VARIABLES:
        for variant in (name, name.lower()):
            value = os.environ.get(variant)
            if value:
                shown = value if name == "NO_PROXY" else mask_proxy_url(value)
                rows.append((f"proxy {variant}", shown, OK))
    if not rows:
        rows.append(("proxy", "none set (HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY)", OK))
    return rows


def _browser_rows() -> list[Row]:
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return [("browser", "none: URLs will be shown to copy", WARN)]
    name = getattr(browser, "name", "") or type(browser).__name__
    source = " (from BROWSER)" if os.environ.get("BROWSER") else ""
    return [("browser", f"{name}{source}", OK)]


def _display_rows() -> list[Row]:
    if not sys.platform.startswith("linux"):
        return []
    platform_override = os.environ.get("QT_QPA_PLATFORM", "")
    parts = [
        f"{name}={os.environ[name]}"
        for name in ("WAYLAND_DISPLAY", "DISPLAY", "QT_QPA_PLATFORM")
        if os.environ.get(name)
    ]
    if os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY"):
        return [("display", ", ".join(parts), OK)]
    if platform_override.startswith("offscreen"):
        return [("display", ", ".join(parts) + " (no window will be visible)", OK)]
    return [("display", "none: the wizard cannot open here; use the snow-wizard commands", WARN)]
