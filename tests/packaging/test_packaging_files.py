"""The installer definitions that cannot run here, validated as far as this machine allows.

The release workflow against GitHub's workflow schema (check-jsonschema's vendored copy), the
Inno Setup script's settings, the dmgbuild settings, the Info.plist values in the spec, the
Linux desktop entry, the signing script's skip path, and build.py's Linux tarball (built from
the cached test bundle and installed into a temporary home).
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

from snow_wizard import __version__

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
WORKFLOW = REPO / ".github" / "workflows" / "release.yml"


def _check_jsonschema() -> list[str]:
    exe = shutil.which("check-jsonschema")
    if exe:
        return [exe]
    if importlib.util.find_spec("check_jsonschema") is None:
        if os.environ.get("CI"):
            pytest.fail("check-jsonschema is missing under CI (it is in the test extra)")
        pytest.skip("check-jsonschema is not installed")
    return [sys.executable, "-m", "check_jsonschema"]


def test_release_workflow_matches_the_github_schema() -> None:
    result = subprocess.run(
        [*_check_jsonschema(), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:", 1))
    result = subprocess.run(
        [*_check_jsonschema(), "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0


def test_release_workflow_builds_every_system() -> None:
    text = WORKFLOW.read_text()
    for os_name in ("windows-latest", "macos-latest", "ubuntu-latest"):
        assert os_name in text
    assert "bash scripts/test" in text  # Linux runs the project's own test command
    assert text.count("python packaging/build.py") >= 2
    assert text.count("actions/upload-artifact@") >= 2
    for artefact in ("-setup.exe", ".dmg", "-linux-*.tar.gz"):
        assert artefact in text
    assert "--exit-when-shown" in text


def _iss() -> str:
    return (PACKAGING / "windows" / "snow-wizard.iss").read_text(encoding="utf-8")


def _iss_setup() -> dict[str, str]:
    section = _iss().split("[Setup]", 1)[1].split("\n[", 1)[0]
    values = {}
    for line in section.splitlines():
        if "=" in line and not line.lstrip().startswith((";", "#")):
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def test_inno_setup_installs_per_user_with_metadata() -> None:
    setup = _iss_setup()
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["DefaultDirName"].startswith("{autopf}")  # per-user Programs folder
    assert setup["OutputBaseFilename"] == "snow-wizard-{#AppVersion}-setup"
    for key in ("AppId", "AppName", "AppVersion", "AppPublisher", "VersionInfoVersion",
                "UninstallDisplayIcon", "UninstallDisplayName"):
        assert setup.get(key), key
    text = _iss()
    assert "SetupIconFile={#IconFile}" in text and "resources\\snow-wizard.ico" in text


def test_inno_setup_shortcut_cli_path_and_uninstaller() -> None:
    text = _iss()
    spec = (PACKAGING / "snow_wizard.spec").read_text(encoding="utf-8")
    gui = re.search(r'#define GuiExe "([^"]+)"', text)
    cli = re.search(r'#define CliExe "([^"]+)"', text)
    assert gui and cli
    # The installer's executables are the ones the spec builds.
    assert f'name="{gui.group(1).removesuffix(".exe")}"' in spec
    assert f'name="{cli.group(1).removesuffix(".exe")}"' in spec
    icons = text.split("[Icons]", 1)[1].split("\n[", 1)[0]
    assert re.search(r'Name: "\{group\}\\\{#AppName\}"; Filename: "\{app\}\\\{#GuiExe\}"', icons)
    assert "{uninstallexe}" in icons
    assert 'Source: "{#SourceDir}\\*"' in text and "recursesubdirs" in text
    assert 'Name: "addtopath"' in text and "HKCU" in text and "RemovePath" in text


def test_dmgbuild_settings() -> None:
    namespace: dict[str, object] = {
        "defines": {"app": "/tmp/dist/Snow Wizard.app", "version": __version__}
    }
    code = (PACKAGING / "macos" / "dmg_settings.py").read_text(encoding="utf-8")
    exec(compile(code, "dmg_settings.py", "exec"), namespace)
    assert namespace["files"] == ["/tmp/dist/Snow Wizard.app"]
    assert namespace["symlinks"] == {"Applications": "/Applications"}
    assert namespace["format"] == "UDZO"
    locations = namespace["icon_locations"]
    assert isinstance(locations, dict) and set(locations) == {"Snow Wizard.app", "Applications"}


def test_macos_bundle_info_plist_in_the_spec() -> None:
    spec = (PACKAGING / "snow_wizard.spec").read_text(encoding="utf-8")
    bundle = spec.split("BUNDLE(", 1)[1]
    assert 'name="Snow Wizard.app"' in bundle
    assert 'bundle_identifier="io.github.snow-wizard"' in bundle
    assert '"NSHighResolutionCapable": True' in bundle
    assert '"LSUIElement": False' in bundle
    assert '"CFBundleShortVersionString": VERSION' in bundle


@pytest.mark.skipif(sys.platform == "win32", reason="a bash script (macOS and Linux)")
def test_sign_script_skips_clearly_without_identities(tmp_path: Path) -> None:
    script = PACKAGING / "macos" / "sign_and_notarize.sh"
    assert subprocess.run(["bash", "-n", str(script)], timeout=30).returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MACOS_", "APPLE_"))}
    result = subprocess.run(["bash", str(script), "app", str(tmp_path)], env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "skipped" in result.stdout
    usage = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=30)
    assert usage.returncode == 2 and "usage" in usage.stderr


def test_linux_desktop_entry() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(PACKAGING / "linux" / "snow-wizard.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "snow-wizard-gui" and entry["Terminal"] == "false"
    assert entry["Icon"] == "snow-wizard" and entry["Categories"].endswith(";")
    validator = shutil.which("desktop-file-validate")
    if validator:
        result = subprocess.run([validator, str(PACKAGING / "linux" / "snow-wizard.desktop")],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stdout + result.stderr


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("snow_wizard_build", PACKAGING / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_reads_the_package_version() -> None:
    assert _build_module().version() == __version__


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux tarball")
def test_linux_tarball_installs_for_the_user(bundle: Path, tmp_path: Path) -> None:
    build = _build_module()
    tarball = build.linux_tarball(bundle, tmp_path, __version__)
    assert tarball.name.startswith(f"snow-wizard-{__version__}-linux-")
    top = f"snow-wizard-{__version__}"
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
        assert f"{top}/snow-wizard/snow-wizard" in names
        assert f"{top}/snow-wizard/snow-wizard-gui" in names
        assert f"{top}/snow-wizard.desktop" in names and f"{top}/install.sh" in names
        tar.extractall(tmp_path / "unpacked", filter="tar")
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    install = tmp_path / "unpacked" / top / "install.sh"
    assert os.access(install, os.X_OK)
    result = subprocess.run([str(install)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    desktop = (home / ".local/share/applications/snow-wizard.desktop").read_text()
    gui = tmp_path / "unpacked" / top / "snow-wizard" / "snow-wizard-gui"
    assert f'Exec="{gui}"' in desktop
    cli = home / ".local" / "bin" / "snow-wizard"
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == f"snow-wizard {__version__}"
