"""Build the snow-wizard bundle and the installer for the system this runs on.

    python packaging/build.py                 # bundle + installer, artefacts in dist/
    python packaging/build.py --bundle-only   # just the PyInstaller onedir bundle

Windows: dist/snow-wizard/ and dist/snow-wizard-<version>-setup.exe (Inno Setup's ISCC).
macOS:   dist/Snow Wizard.app and dist/snow-wizard-<version>.dmg (dmgbuild); signed and
         notarised by packaging/macos/sign_and_notarize.sh when identities are configured.
Linux:   dist/snow-wizard/ and dist/snow-wizard-<version>-linux-<arch>.tar.gz (the bundle, a
         .desktop entry, the icon and install.sh).
Prints one "artefact: PATH" line per artefact (last lines of the output).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGING = REPO / "packaging"
SPEC = PACKAGING / "snow_wizard.spec"
RESOURCES = REPO / "resources"


def version() -> str:
    text = (REPO / "snow_wizard" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if not match:
        raise SystemExit("snow_wizard/__init__.py has no __version__")
    return match.group(1)


def log(message: str) -> None:
    print(f"build: {message}", flush=True)


def run(command: list[str], **kwargs: object) -> None:
    log("$ " + " ".join(str(part) for part in command))
    subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]


def build_bundle(dist: Path, work: Path) -> Path:
    """PyInstaller onedir bundle: dist/snow-wizard (and dist/Snow Wizard.app on macOS)."""
    started = time.monotonic()
    run([
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work), str(SPEC),
    ])
    log(f"bundle built in {time.monotonic() - started:.0f} s")
    if sys.platform == "darwin":
        return dist / "Snow Wizard.app"
    return dist / "snow-wizard"


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def icon_png() -> Path | None:
    for candidate in (RESOURCES / "snow-wizard.png", RESOURCES / "icons" / "snow-wizard-256.png",
                      RESOURCES / "icons" / "snow-wizard-512.png"):
        if candidate.is_file():
            return candidate
    return None


INSTALL_SH = """#!/bin/sh
# Install snow-wizard for the current user: the bundle stays where this script is;
# a menu entry and the snow-wizard command (in ~/.local/bin) point at it.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps"
mkdir -p "$apps" "$HOME/.local/bin"
sed "s|^Exec=.*|Exec=\\"$here/snow-wizard/snow-wizard-gui\\"|" \\
  "$here/snow-wizard.desktop" > "$apps/snow-wizard.desktop"
if [ -f "$here/snow-wizard.png" ]; then
  mkdir -p "$icons" && cp "$here/snow-wizard.png" "$icons/snow-wizard.png"
fi
ln -sf "$here/snow-wizard/snow-wizard" "$HOME/.local/bin/snow-wizard"
echo "Installed: menu entry 'Snow Wizard', command $HOME/.local/bin/snow-wizard"
"""


def linux_tarball(bundle: Path, dist: Path, ver: str) -> Path:
    arch = platform.machine().lower() or "x86_64"
    top = f"snow-wizard-{ver}"
    out = dist / f"snow-wizard-{ver}-linux-{arch}.tar.gz"
    staging = dist / "tarball-staging"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / top).mkdir(parents=True)
    shutil.copy2(PACKAGING / "linux" / "snow-wizard.desktop", staging / top / "snow-wizard.desktop")
    icon = icon_png()
    if icon is not None:
        shutil.copy2(icon, staging / top / "snow-wizard.png")
    else:
        log("WARNING: no resources/snow-wizard.png: the tarball has no icon")
    script = staging / top / "install.sh"
    script.write_text(INSTALL_SH, encoding="utf-8")
    script.chmod(0o755)
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=f"{top}/snow-wizard")
        for extra in sorted((staging / top).iterdir()):
            tar.add(extra, arcname=f"{top}/{extra.name}")
    shutil.rmtree(staging, ignore_errors=True)
    return out


def find_iscc() -> str | None:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        if base and (Path(base) / "Inno Setup 6" / "ISCC.exe").is_file():
            return str(Path(base) / "Inno Setup 6" / "ISCC.exe")
    return None


def windows_installer(bundle: Path, dist: Path, ver: str) -> Path:
    iscc = find_iscc()
    if iscc is None:
        raise SystemExit("Inno Setup 6 (ISCC.exe) not found: choco install innosetup")
    run([iscc, f"/DAppVersion={ver}", f"/DSourceDir={bundle}", f"/DOutputDir={dist}",
         f"/DRepoDir={REPO}", str(PACKAGING / "windows" / "snow-wizard.iss")])
    return dist / f"snow-wizard-{ver}-setup.exe"


def macos_dmg(app: Path, dist: Path, ver: str) -> Path:
    sign = PACKAGING / "macos" / "sign_and_notarize.sh"
    run(["bash", str(sign), "app", str(app)])
    out = dist / f"snow-wizard-{ver}.dmg"
    out.unlink(missing_ok=True)
    run([sys.executable, "-m", "dmgbuild", "-s", str(PACKAGING / "macos" / "dmg_settings.py"),
         "-D", f"app={app}", "-D", f"version={ver}", "Snow Wizard", str(out)])
    run(["bash", str(sign), "dmg", str(out)])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle-only", action="store_true", help="skip the installer")
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="output directory")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "pyinstaller",
                        help="PyInstaller's work directory")
    args = parser.parse_args(argv)
    ver = version()
    dist = args.dist.resolve()
    bundle = build_bundle(dist, args.work.resolve())
    artefacts = [bundle]
    if not args.bundle_only:
        if sys.platform == "win32":
            artefacts.append(windows_installer(bundle, dist, ver))
        elif sys.platform == "darwin":
            artefacts.append(macos_dmg(bundle, dist, ver))
        else:
            artefacts.append(linux_tarball(bundle, dist, ver))
    for path in artefacts:
        log(f"{path.name}: {tree_size(path) / 1e6:.1f} MB")
    for path in artefacts:
        print(f"artefact: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
