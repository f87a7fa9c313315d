"""Frozen entry point of the command-line tool (``snow-wizard``)."""

import sys

# A frozen interpreter ignores PYTHONUNBUFFERED: keep long-running output (the sandbox's
# banner, progress lines) visible through pipes by flushing at every line.
for stream in (sys.stdout, sys.stderr):
    if stream is not None and hasattr(stream, "reconfigure"):
        stream.reconfigure(line_buffering=True)

from snow_wizard.cli import main  # noqa: E402

raise SystemExit(main())
