"""A profiles-file writer run as a separate process by test_config_faults.

    python config_writer.py CONFIG_DIR PREFIX COUNT [update]

Adds profiles PREFIX-0 .. PREFIX-{COUNT-1} (0 = forever), printing ``saving NAME`` before each
write and ``NAME`` once it has returned (acknowledged); with ``update`` every add is followed
by an update of a profile that all writers share, so writers contend for the lock.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from snow_wizard.core.profiles import AuthType, Profile, ProfileStore, TestRecord


def main() -> int:
    config_dir, prefix, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    update = "update" in sys.argv[4:]
    store = ProfileStore(config_dir)
    print("ready", flush=True)
    i = 0
    while count == 0 or i < count:
        name = f"{prefix}-{i}"
        print(f"saving {name}", flush=True)
        store.add(Profile(name, "https://acme.service-now.com", AuthType.BASIC,
                          username="u" * 200, created_at=time.time()))
        print(name, flush=True)
        if update:
            record = TestRecord(ok=True, at=time.time(), user_name=name)
            store.update("shared", lambda p, r=record: p.with_changes(last_test=r))
        i += 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
