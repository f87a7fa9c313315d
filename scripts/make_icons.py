"""Render resources/snow-wizard.svg into the PNG sizes, .ico and .icns (Qt only, no network).

    QT_QPA_PLATFORM=offscreen python scripts/make_icons.py
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
RES = ROOT / "resources"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09",
              1024: b"ic10"}


def render(renderer: QSvgRenderer, size: int, path: Path) -> None:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(path)):
        raise SystemExit(f"cannot write {path}")


def write_icns(pngs: dict[int, Path], out: Path) -> None:
    """Apple icon format: 'icns' + length, then (type, length, PNG bytes) chunks."""
    chunks = b""
    for size, kind in ICNS_TYPES.items():
        data = pngs[size].read_bytes()
        chunks += kind + struct.pack(">I", len(data) + 8) + data
    out.write_bytes(b"icns" + struct.pack(">I", len(chunks) + 8) + chunks)


def main() -> int:
    QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(RES / "snow-wizard.svg"))
    if not renderer.isValid():
        raise SystemExit("invalid SVG")
    icons = RES / "icons"
    icons.mkdir(exist_ok=True)
    pngs: dict[int, Path] = {}
    tmp = RES / "icons" / ".build"
    tmp.mkdir(exist_ok=True)
    for size in SIZES:
        path = (icons if size <= 512 else tmp) / f"snow-wizard-{size}.png"
        render(renderer, size, path)
        pngs[size] = path
    (RES / "snow-wizard.png").write_bytes(pngs[512].read_bytes())
    write_icns(pngs, RES / "snow-wizard.icns")
    ico_sizes = [pngs[s] for s in (16, 24, 32, 48, 64, 128, 256)]
    subprocess.run(["convert", *map(str, ico_sizes), str(RES / "snow-wizard.ico")], check=True)
    for leftover in tmp.iterdir():
        leftover.unlink()
    tmp.rmdir()
    print("wrote", ", ".join(sorted(p.name for p in icons.iterdir())),
          "snow-wizard.png, .ico, .icns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
