"""Fixtures for the packaging tests.

    bundle   the Linux onedir bundle (dist/snow-wizard) built from this checkout by
             packaging/build.py --bundle-only, cached in build/test-bundle/<hash of the
             sources, the spec and the tool versions>: rebuilt only when something changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "build" / "test-bundle"


def _source_hash() -> str:
    digest = hashlib.sha256()
    roots = [REPO / "snow_wizard", REPO / "resources", REPO / "packaging"]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(str(path.relative_to(REPO)).encode())
                digest.update(path.read_bytes())
    from importlib import metadata

    for dist in ("pyinstaller", "pyinstaller-hooks-contrib", "PySide6-Essentials", "keyring"):
        try:
            digest.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(dist.encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def bundle() -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("PyInstaller is missing under CI (scripts/test installs '.[packaging]')")
        pytest.skip("PyInstaller is not installed: pip install -e '.[packaging]'")
    from filelock import FileLock

    key = _source_hash()
    root = CACHE / key
    bundle_dir = root / "dist" / "snow-wizard"
    marker = root / "built.json"
    CACHE.mkdir(parents=True, exist_ok=True)
    with FileLock(str(CACHE / ".lock"), timeout=900):  # test runs in parallel build once
        if not marker.is_file() or not (bundle_dir / "snow-wizard").is_file():
            for old in CACHE.iterdir():  # one cached build at a time
                if old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
            started = time.monotonic()
            result = subprocess.run(
                [sys.executable, str(REPO / "packaging" / "build.py"), "--bundle-only",
                 "--dist", str(root / "dist"), "--work", str(root / "work")],
                capture_output=True, text=True, timeout=900, cwd=str(REPO),
            )
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            seconds = round(time.monotonic() - started, 1)
            marker.write_text(json.dumps({"build_seconds": seconds}))
            shutil.rmtree(root / "work", ignore_errors=True)
    return bundle_dir
