"""PyInstaller runtime hook of the frozen benchmark builds: the paint probe, only when
benchmarks/run.py asks for it (SNOW_BENCH_T0 set); otherwise it does nothing."""

import os

if os.environ.get("SNOW_BENCH_T0"):
    import paint_probe

    paint_probe.install()
