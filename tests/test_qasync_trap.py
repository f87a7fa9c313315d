"""DESIGN.md's first known trap: PySide6 6.12.0 on Python < 3.12 aborts the interpreter after
~1,000 ``SignalInstance.disconnect()`` calls (``Fatal Python error: bool_dealloc``), and qasync
disconnects on every socket read/write. Both are exercised in a subprocess, which must exit 0.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("qasync")

SIGNAL_CYCLES = 3000
REQUESTS = 400

SCRIPT = r"""
import asyncio, os, sys
os.environ.setdefault("QT_API", "pyside6")
import PySide6  # before qasync, so qasync picks PySide6
from PySide6.QtCore import QCoreApplication, QObject, Signal
import qasync
import httpx2
from snow_wizard.sandbox import Sandbox

CYCLES, REQUESTS = int(sys.argv[1]), int(sys.argv[2])

class Emitter(QObject):
    fired = Signal(int)

def slot(value):
    pass

emitter = Emitter()
before = sys.getrefcount(True)
for _ in range(CYCLES):
    emitter.fired.connect(slot)
    emitter.fired.disconnect(slot)
print("signal cycles", CYCLES, "True refcount drift", sys.getrefcount(True) - before, flush=True)

app = QCoreApplication.instance() or QCoreApplication(sys.argv)

async def fetch_all(url):
    done = 0
    async with httpx2.AsyncClient(timeout=10) as client:
        for i in range(REQUESTS):
            # every 4th request on a new connection: connects, reads and writes all toggle
            # qasync's socket notifiers
            headers = {"Connection": "close"} if i % 4 == 0 else {}
            response = await client.get(url + "/", headers=headers)
            assert response.status_code == 200, response.status_code
            done += 1
    return done

with Sandbox() as sandbox:
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        done = loop.run_until_complete(fetch_all(sandbox.url))
print("requests", done, flush=True)
"""


@pytest.mark.slow
def test_signal_disconnects_and_requests_through_qasync_do_not_abort() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_API="pyside6")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(SIGNAL_CYCLES), str(REQUESTS)],
        capture_output=True, text=True, env=env, timeout=180,
    )
    assert proc.returncode == 0, (
        f"exit {proc.returncode} (134 = the bool_dealloc abort)\n"
        f"{proc.stdout}\n{proc.stderr[-3000:]}"
    )
    assert f"signal cycles {SIGNAL_CYCLES}" in proc.stdout
    drift = int(proc.stdout.split("True refcount drift", 1)[1].split()[0])
    assert abs(drift) < 100  # each faulty disconnect drops one reference to True
    assert f"requests {REQUESTS}" in proc.stdout
