"""A person at the instance's consent page, played by Debian's chromium (headless, Playwright).

Used as the browser of the CLI under test::

    BROWSER="python /abs/tests/e2e/consent_bot.py --user admin --password-env SANDBOX_PW \
--click allow %s"

It opens the URL, signs in (form fields user_name / user_password, button #sysverb_login),
clicks #allow or #deny, waits until the browser lands on the loopback callback page, then exits
(0: the callback page was shown; 1: anything else). The password comes from an environment
variable, never from argv. Nothing is printed to stdout (it belongs to the CLI under test);
``--log FILE`` records what happened.

Never downloads a browser: it drives /usr/bin/chromium with a fresh profile directory.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

CHROMIUM = os.environ.get("SNOW_WIZARD_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--user", required=True)
    p.add_argument("--password-env", required=True, help="environment variable with the password")
    p.add_argument("--click", choices=("allow", "deny"), default="allow")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds for the whole visit")
    p.add_argument("--log", help="append what happened to this file")
    p.add_argument("url")
    return p.parse_args(argv)


class Log:
    def __init__(self, path: str | None) -> None:
        self.path = path
        self.started = time.monotonic()

    def __call__(self, text: str) -> None:
        line = f"[consent_bot {time.monotonic() - self.started:6.2f}s] {text}\n"
        if self.path:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line)
        else:
            sys.stderr.write(line)


def visit(args: argparse.Namespace, password: str, log: Log) -> bool:
    from playwright.sync_api import Error, sync_playwright

    deadline_ms = args.timeout * 1000
    with tempfile.TemporaryDirectory(prefix="consent-bot-") as profile_dir, \
            sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile_dir, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(deadline_ms)
            log(f"open {args.url.split('?')[0]}")
            page.goto(args.url)
            page.fill("[name=user_name]", args.user)
            page.fill("[name=user_password]", password)
            page.click("#sysverb_login")
            log("signed in")
            page.click(f"#{args.click}")
            log(f"clicked {args.click}")
            page.wait_for_url("**/callback?**", wait_until="load")
            result = page.locator("#snow-wizard-callback").get_attribute("data-result")
            log(f"callback page shown: {result}")
            return result is not None
        except Error as e:
            log(f"failed: {str(e).splitlines()[0]}")
            return False
        finally:
            context.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    log = Log(args.log)
    password = os.environ.get(args.password_env)
    if not password:
        log(f"no password in ${args.password_env}")
        return 2
    return 0 if visit(args, password, log) else 1


if __name__ == "__main__":
    sys.exit(main())
