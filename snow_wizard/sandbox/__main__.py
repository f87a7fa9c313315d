"""``python -m snow_wizard.sandbox [PORT]``: the sandbox without the CLI."""

from __future__ import annotations

import sys

from snow_wizard.sandbox.control import serve

if __name__ == "__main__":
    sys.exit(serve(int(sys.argv[1]) if len(sys.argv) > 1 else 8080))
