"""The Linux bundle, built from this checkout with PyInstaller and run for real.

The build (packaging/build.py --bundle-only) is cached in build/test-bundle/<hash of the
sources, the spec and the tool versions>, so re-runs on an unchanged tree take seconds.
The frozen executables then: print --version; report the Secret Service in doctor; run the
sandbox, add a Basic profile against it and test it, with the password landing in the real
keychain (checked with secret-tool); open the wizard offscreen (and on Xvfb) and quit.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from snow_wizard import __version__

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),  # the first test to ask for the bundle builds it (about a minute)
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle"),
]


def _env(config_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the bundle must not need the checkout
    env["SNOW_WIZARD_CONFIG_DIR"] = str(config_dir)
    env.update(extra)
    return env


def _run(bundle: Path, *args: str, config_dir: Path, input: str = "", exe: str = "snow-wizard",
         timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle / exe), *args], input=input, capture_output=True, text=True,
        timeout=timeout, env=_env(config_dir, **env), cwd=str(bundle.parent),
    )


def test_version(bundle: Path, config_dir: Path) -> None:
    result = _run(bundle, "--version", config_dir=config_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"snow-wizard {__version__}"


def test_bundle_carries_only_what_the_product_uses(bundle: Path) -> None:
    internal = bundle / "_internal"
    names = {p.name for p in internal.rglob("*")}
    for unwanted in ("libQt6Network.so.6", "libQt6Qml.so.6", "libQt6Quick.so.6",
                     "libQt6Pdf.so.6", "libQt6WebEngineCore.so.6", "libQt6OpenGL.so.6",
                     "libgtk-3.so.0", "QtNetwork.abi3.so", "_pytest", "trio", "tkinter"):
        assert unwanted not in names, unwanted
    assert not list(internal.rglob("translations/*.qm")), "Qt translations are not needed"
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for needed in ("platforms/libqxcb.so", "platforms/libqoffscreen.so",
                   "platforms/libqwayland.so", "imageformats/libqsvg.so",
                   "iconengines/libqsvgicon.so"):
        assert (plugins / needed).is_file(), needed
    assert not (plugins / "platformthemes").exists()
    dangling = [str(p) for p in internal.rglob("*") if p.is_symlink() and not p.exists()]
    assert not dangling, dangling
    metadata_dirs = [p.name for p in internal.iterdir() if p.suffix == ".dist-info"]
    assert any(n.startswith("keyring-") for n in metadata_dirs), "keyring's entry points"
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"\nbundle size: {size / 1e6:.1f} MB")
    assert size < 150e6, f"bundle grew to {size / 1e6:.0f} MB"


def test_doctor_reports_the_secret_service(
    bundle: Path, config_dir: Path, real_keychain: object
) -> None:
    result = _run(bundle, "doctor", "--json", config_dir=config_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {row["label"]: row for row in json.loads(result.stdout)}
    assert rows["frozen"]["value"].startswith("yes"), rows["frozen"]
    assert rows["keyring backend"]["status"] == "ok"
    assert "SecretService" in rows["keyring backend"]["value"]
    assert rows["qt"]["value"].startswith("PySide6 6.")
    assert rows["snow-wizard"]["value"] == __version__


@pytest.fixture
def frozen_sandbox(bundle: Path, config_dir: Path) -> Iterator[tuple[str, str, str]]:
    proc = subprocess.Popen(
        [str(bundle / "snow-wizard"), "sandbox", "--port", "0"], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, env=_env(config_dir), stdin=subprocess.DEVNULL,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("Demo password" in x for x in lines):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        text = "".join(lines)
        url = re.search(r"running at (http://127\.0\.0\.1:\d+)", text)
        user = re.search(r"Demo user:\s+(\S+)", text)
        password = re.search(r"Demo password:\s+(\S+)", text)
        assert url and user and password, text
        yield url.group(1), user.group(1), password.group(1)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def _secret_tool_lookup(profile: str) -> str | None:
    result = subprocess.run(
        ["secret-tool", "lookup", "service", "snow-wizard", "username", f"{profile}:password"],
        capture_output=True, text=True, timeout=20,
    )
    return result.stdout if result.returncode == 0 and result.stdout else None


@pytest.mark.keychain
@pytest.mark.e2e
def test_frozen_basic_round_trip_in_the_real_keychain(
    bundle: Path, config_dir: Path, frozen_sandbox: tuple[str, str, str], real_keychain: object
) -> None:
    if shutil.which("secret-tool") is None:
        pytest.fail("secret-tool (libsecret-tools) is needed to check the keychain entry")
    url, user, password = frozen_sandbox
    name = f"frozen-{uuid.uuid4().hex[:8]}"
    try:
        added = _run(bundle, "add", name, "--instance", url, "--auth", "basic",
                     "--username", user, "--password-stdin", config_dir=config_dir,
                     input=password + "\n")
        assert added.returncode == 0, added.stdout + added.stderr
        assert password not in added.stdout + added.stderr
        assert _secret_tool_lookup(name) == password
        profiles_text = "".join(p.read_text() for p in config_dir.rglob("*") if p.is_file())
        assert password not in profiles_text

        tested = _run(bundle, "test", name, "--json", config_dir=config_dir)
        assert tested.returncode == 0, tested.stdout + tested.stderr
        verdict = json.loads(tested.stdout)
        assert verdict["ok"] is True and verdict["user_name"] == user
        assert verdict["auth"] == "basic" and verdict["profile"] == name
    finally:
        removed = _run(bundle, "remove", name, config_dir=config_dir)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert _secret_tool_lookup(name) is None


def test_frozen_gui_opens_offscreen_and_quits(bundle: Path, config_dir: Path) -> None:
    started = time.monotonic()
    result = _run(bundle, "--exit-when-shown", exe="snow-wizard-gui", config_dir=config_dir,
                  QT_QPA_PLATFORM="offscreen")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    print(f"\nfrozen GUI start to first paint and exit: {time.monotonic() - started:.2f} s")


def test_frozen_gui_on_x11(bundle: Path, config_dir: Path) -> None:
    """The xcb plugin and its libraries are in the bundle: the wizard paints on Xvfb."""
    if not os.environ.get("DISPLAY"):
        if os.environ.get("CI"):
            pytest.fail("no DISPLAY under CI (scripts/test starts Xvfb)")
        pytest.skip("no X display")
    env = {"QT_QPA_PLATFORM": "xcb"}
    result = _run(bundle, "--exit-when-shown", exe="snow-wizard-gui", config_dir=config_dir, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Could not load the Qt platform plugin" not in result.stderr


def test_frozen_cli_without_a_display_points_to_the_commands(
    bundle: Path, config_dir: Path
) -> None:
    result = _run(bundle, exe="snow-wizard-gui", config_dir=config_dir,
                  DISPLAY="", WAYLAND_DISPLAY="", QT_QPA_PLATFORM="")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "snow-wizard add" in result.stderr and "Traceback" not in result.stderr
