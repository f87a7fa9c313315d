"""``python -m snow_wizard.gui``: open the wizard (same as ``snow-wizard-gui``)."""

from snow_wizard.gui.app import main

raise SystemExit(main())
