"""A person at a browser, as a ``BROWSER`` command: ``python http_consent.py URL``.

Signs in to the sandbox as ``SANDBOX_USER`` (password from ``SANDBOX_PW``), presses Allow (or
Deny with ``SANDBOX_CLICK=deny``) and follows the redirect to the loopback callback, over plain
HTTP, the way tests/e2e's chromium bot does with a real browser.
"""

from __future__ import annotations

import os
import sys

from snow_wizard.sandbox.browser import complete_consent


def main() -> int:
    url = sys.argv[1]
    if "oauth_auth.do" not in url:
        return 1
    complete_consent(url, os.environ.get("SANDBOX_USER", "admin"), os.environ["SANDBOX_PW"],
                     allow=os.environ.get("SANDBOX_CLICK", "allow") == "allow", follow=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
