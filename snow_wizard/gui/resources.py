"""Icons and other files from resources/ (shipped as the snow_wizard.resources package)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# On X11 Qt copies every size of the window icon into _NET_WM_ICON as raw ARGB at start-up:
# 256 and 512 px cost ~5 MiB and the time to decode them (benchmarks/run.py, Xvfb rows).
# Launchers and docks take the large icon from the .desktop entry instead.
X11_MAX_ICON_SIZE = 128


def resources_dir() -> Path:
    """resources/ installed (snow_wizard.resources), frozen (PyInstaller) or in a checkout."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidate = Path(frozen) / "snow_wizard" / "resources"
        if candidate.is_dir():
            return candidate
    try:
        from importlib.resources import files

        path = Path(str(files("snow_wizard.resources")))
        if path.is_dir():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parents[2] / "resources"


def app_icon() -> QIcon:
    """The application icon with every PNG size (crisp at any DPI), SVG as a fallback."""
    from PySide6.QtGui import QIcon

    icon = QIcon()
    base = resources_dir()
    linux = sys.platform.startswith("linux")
    for size in ICON_SIZES:
        if linux and size > X11_MAX_ICON_SIZE:
            continue
        png = base / "icons" / f"snow-wizard-{size}.png"
        if png.is_file():
            icon.addFile(str(png))
    if icon.isNull():
        svg = base / "snow-wizard.svg"
        if svg.is_file():
            icon.addFile(str(svg))
    return icon
