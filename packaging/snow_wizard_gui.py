"""Frozen entry point of the windowed wizard (``snow-wizard-gui``)."""

from snow_wizard.gui.app import main

raise SystemExit(main())
