"""``snow-wizard doctor``: rows, statuses, masking and the keychain verdict (in process, CLI)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from snow_wizard import __version__
from snow_wizard.core import doctor

RunCli = Callable[..., "subprocess.CompletedProcess[str]"]


def _rows_by_label() -> dict[str, tuple[str, str]]:
    return {label: (value, status) for label, value, status in doctor.collect()}


def test_collect_has_every_row_with_a_valid_status(config_dir: Path) -> None:
    rows = doctor.collect()
    labels = [label for label, _, _ in rows]
    for expected in ("snow-wizard", "python", "platform", "frozen", "qt", "qasync", "httpx2",
                     "keyring backend", "config dir", "browser"):
        assert expected in labels
    assert all(status in ("ok", "warn", "fail") for _, _, status in rows)
    assert all(isinstance(value, str) and value for _, value, _ in rows)
    by_label = _rows_by_label()
    assert by_label["snow-wizard"] == (__version__, "ok")
    assert by_label["frozen"][0].startswith("no")
    assert by_label["qt"][0].startswith("PySide6 6.")
    assert str(config_dir) in by_label["config dir"][0]
    assert "SNOW_WIZARD_CONFIG_DIR" in by_label["config dir"][0]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:s3cret@proxy.corp:3128", "http://***@proxy.corp:3128"),
        ("http://user:s3cret@proxy.corp:3128/path", "http://***@proxy.corp:3128/path"),
        ("socks5://only-user@10.0.0.1:1080", "socks5://***@10.0.0.1:1080"),
        ("user:p@ss@proxy:8080", "***@proxy:8080"),
        ("http://pa/ss@proxy:8080", "http://***@proxy:8080"),
        ("http://proxy.corp:3128", "http://proxy.corp:3128"),
    ],
)
def test_mask_proxy_url(url: str, shown: str) -> None:
    assert doctor.mask_proxy_url(url) == shown


def test_proxy_rows_mask_credentials(monkeypatch: pytest.MonkeyPatch, config_dir: Path) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://alice:Sup3rSecret@proxy.corp:3128")
    monkeypatch.setenv("no_proxy", "localhost,.corp")
    rows = doctor.collect()
    text = repr(rows)
    assert "Sup3rSecret" not in text and "alice" not in text
    by_label = _rows_by_label()
    assert by_label["proxy HTTPS_PROXY"] == ("http://***@proxy.corp:3128", "ok")
    assert by_label["proxy no_proxy"] == ("localhost,.corp", "ok")


def test_no_proxy_row_says_none(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    assert _rows_by_label()["proxy"][0].startswith("none set")


def test_display_row_warns_without_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("display row exists on Linux only")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    value, status = _rows_by_label()["display"]
    assert status == "warn" and "snow-wizard commands" in value
    monkeypatch.setenv("DISPLAY", ":42")
    assert _rows_by_label()["display"] == ("DISPLAY=:42", "ok")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_config_dir_that_cannot_be_created_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    blocker.chmod(0o600)
    monkeypatch.setenv("SNOW_WIZARD_CONFIG_DIR", str(blocker / "config"))
    value, status = _rows_by_label()["config dir"]
    assert status == "fail" and "cannot be created" in value


def test_config_dir_not_created_yet_is_ok(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SNOW_WIZARD_CONFIG_DIR", str(tmp_path / "new" / "config"))
    value, status = _rows_by_label()["config dir"]
    assert status == "ok" and "will be" in value


def test_a_broken_probe_becomes_a_warn_row(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> list[doctor.Row]:
        raise RuntimeError("probe exploded\nsecond line")

    monkeypatch.setattr(doctor, "_browser_rows", broken)
    rows = doctor.collect()
    assert ("browser", "RuntimeError: probe exploded", "warn") in rows


def test_cli_doctor_fail_backend_is_a_failure(run_cli: RunCli) -> None:
    fail_env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = run_cli("doctor", "--json", env=fail_env)
    assert result.returncode == 1, result.stderr
    rows = {row["label"]: row for row in json.loads(result.stdout)}
    keyring_row = rows["keyring backend"]
    assert keyring_row["status"] == "fail"
    assert "keyring.backends.fail.Keyring" in keyring_row["value"]
    assert "PYTHON_KEYRING_BACKEND" in keyring_row["value"]  # the guidance
    text = run_cli("doctor", env=fail_env)
    assert text.returncode == 1
    lines = text.stdout.splitlines()
    assert any(line.startswith("FAIL") and "keyring backend" in line for line in lines)
    assert "Traceback" not in text.stderr


def test_cli_doctor_browser_row(run_cli: RunCli) -> None:
    result = run_cli("doctor", "--json", env={"BROWSER": "/bin/true"})
    rows = {row["label"]: row for row in json.loads(result.stdout)}
    assert rows["browser"]["status"] == "ok"
    assert "/bin/true" in rows["browser"]["value"] and "from BROWSER" in rows["browser"]["value"]
    if not sys.platform.startswith("linux"):
        return  # Windows and macOS always have a default browser
    env = {"BROWSER": "", "DISPLAY": "", "WAYLAND_DISPLAY": "", "PATH": "/nonexistent"}
    result = run_cli("doctor", "--json", env=env)
    rows = {row["label"]: row for row in json.loads(result.stdout)}
    assert rows["browser"] == {
        "label": "browser", "value": "none: URLs will be shown to copy", "status": "warn"
    }


@pytest.mark.keychain
def test_cli_doctor_reports_the_real_secret_service(run_cli: RunCli, real_keychain: object) -> None:
    result = run_cli("doctor", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {row["label"]: row for row in json.loads(result.stdout)}
    assert rows["keyring backend"]["status"] == "ok"
    assert "SecretService" in rows["keyring backend"]["value"]
