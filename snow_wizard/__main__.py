"""``python -m snow_wizard``: the same as the ``snow-wizard`` command."""

from snow_wizard.cli import main

raise SystemExit(main())
