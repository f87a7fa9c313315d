"""The sandbox in a process of its own, for ``benchmarks/run.py``.

Reads one JSON line on stdin (password, client_id, client_secret, redirect_port), starts
``snow_wizard.sandbox.Sandbox`` on 127.0.0.1 port 0, prints ``{"url", "user_name"}`` and serves
until stdin closes.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    spec = json.loads(sys.stdin.readline())
    from snow_wizard.sandbox import Sandbox

    box = Sandbox(
        port=0,
        demo_password=spec["password"],
        demo_client_id=spec["client_id"],
        demo_client_secret=spec["client_secret"],
        redirect_urls=[f"http://127.0.0.1:{spec['redirect_port']}/callback"],
    )
    box.start()
    try:
        print(json.dumps({"url": box.url, "user_name": box.demo_user.user_name}), flush=True)
        sys.stdin.read()  # until the parent closes it
    finally:
        box.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
