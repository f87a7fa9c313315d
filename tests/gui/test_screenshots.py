"""scripts/screenshots.py drives the real app on a real X server (Xvfb) through every page."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = [
    "auth-type", "instance-validation", "instance-sandbox", "basic-credentials", "test", "save",
    "done-basic", "auth-type-oauth", "oauth-app", "oauth-app-advanced", "authorize-waiting",
    "authorize-done", "save-oauth", "done-oauth", "profiles",
]


@pytest.mark.slow
def test_screenshot_script_pictures_every_page(tmp_path: Path) -> None:
    has_x = bool(os.environ.get("DISPLAY")) and os.environ.get("QT_QPA_PLATFORM") != "offscreen"
    if not has_x and shutil.which("xvfb-run") is None:
        pytest.skip("needs an X server or xvfb-run")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    if not has_x:
        env.pop("DISPLAY", None)  # the script starts Xvfb itself
    env["QT_QPA_PLATFORM"] = "xcb"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "screenshots.py"),
                           "--out", str(tmp_path)], env=env, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == [f"{i:02d}-{n}.png" for i, n in enumerate(EXPECTED, 1)]
    from PySide6.QtGui import QImage

    for path in tmp_path.glob("*.png"):
        image = QImage(str(path))
        assert image.width() >= 700 and image.height() >= 500, path.name
