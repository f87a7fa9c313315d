"""``serve()``, what ``snow-wizard sandbox`` runs: banner, Ctrl-C, port in use."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

from sandbox_helpers import new_client

from snow_wizard.sandbox import serve

SERVE = (
    "import sys; from snow_wizard.sandbox import serve; "
    "sys.exit(serve(0, demo_password='Banner-pass-1', demo_client_secret='Banner-secret-1'))"
)


def test_serve_prints_the_banner_serves_and_stops_on_ctrl_c() -> None:
    # Buffered stdout on purpose: the banner must reach a pipe before the sandbox is stopped.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen([sys.executable, "-c", SERVE], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(8)]
        found = re.search(r"http://127\.0\.0\.1:(\d+)", lines[0])
        assert found is not None, lines
        url = found.group(0)
        text = "".join(lines)
        for expected in ("admin", "Banner-pass-1", "Banner-secret-1",
                         "http://127.0.0.1:8765/callback",
                         f"try: snow-wizard add demo --instance {url} --auth basic "
                         "--username admin --password-stdin"):
            assert expected in text
        client_id = re.search(r"client id:\s+([0-9a-f]{32})", text)
        assert client_id is not None
        with new_client(timeout=5) as client:
            me = client.get(url + "/api/now/ui/user/current_user",
                            auth=("admin", "Banner-pass-1"))
            assert me.json()["result"]["user_name"] == "admin"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "stopped" in out.lower()


def test_serve_on_a_busy_port_says_so_in_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        lines: list[str] = []
        assert serve(port, out=lines.append) == 1
    assert len(lines) == 1
    assert str(port) in lines[0] and "already in use" in lines[0] and "\n" not in lines[0]
