"""Start-up cost: the fast commands load no HTTP client, keychain library or Qt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("PySide6", "shiboken6", "qasync", "httpx2", "httpx", "httpcore2", "httpcore", "keyring",
         "secretstorage", "jeepney", "truststore", "authlib")

PROBE = """
import json, sys
from snow_wizard.cli import main
rc = main({argv!r})
loaded = sorted({{m.split(".")[0] for m in sys.modules}})
print("\\nMODULES=" + json.dumps(loaded))
sys.exit(rc)
"""


def modules_after(argv: list[str], config_dir: Path) -> tuple[int, set[str], str]:
    env = dict(os.environ, SNOW_WIZARD_CONFIG_DIR=str(config_dir))
    proc = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True,
                          text=True, env=env, timeout=60)
    marker = proc.stdout.rsplit("MODULES=", 1)
    assert len(marker) == 2, (proc.stdout, proc.stderr)
    return proc.returncode, set(json.loads(marker[1])), proc.stdout


@pytest.fixture
def with_profile(config_dir: Path) -> Path:
    from snow_wizard.core.profiles import AuthType, Profile, ProfileStore

    ProfileStore(config_dir).add(Profile(name="demo", instance="https://acme.service-now.com",
                                         auth=AuthType.BASIC, username="admin"))
    return config_dir


@pytest.mark.parametrize(
    "argv", [["list"], ["list", "--json"], ["show", "demo"], ["show", "demo", "--json"]]
)
def test_list_and_show_load_no_heavy_module(with_profile: Path, argv: list[str]) -> None:
    rc, loaded, out = modules_after(argv, with_profile)
    assert rc == 0 and "demo" in out
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_version_loads_no_heavy_module(config_dir: Path) -> None:
    rc, loaded, out = modules_after(["--version"], config_dir)
    assert rc == 0 and "snow-wizard" in out
    assert loaded.isdisjoint(HEAVY)
    assert "asyncio" not in loaded


def test_core_imports_no_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, snow_wizard.core as core\n"
        "for m in pkgutil.iter_modules(core.__path__):\n"
        "    importlib.import_module('snow_wizard.core.' + m.name)\n"
        "import snow_wizard.cli, snow_wizard.cli_commands, snow_wizard.cli_output\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'qasync')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
