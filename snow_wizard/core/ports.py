"""Who holds a local TCP port: the name and pid Linux's /proc gives, for ``port_in_use``.

Walking /proc is blocking file I/O over every process: async callers run it in a worker thread.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def describe_port_holder(port: int) -> str | None:
    """'python3 (pid 1234)' for the process listening on 127.0.0.1/0.0.0.0:port, when Linux's
    /proc says so (only our own user's processes are visible); None elsewhere."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    with contextlib.suppress(OSError):
        for pid in filter(str.isdigit, os.listdir("/proc")):
            fd_dir = f"/proc/{pid}/fd"
            with contextlib.suppress(OSError):
                for fd in os.listdir(fd_dir):
                    with contextlib.suppress(OSError):
                        link = os.readlink(f"{fd_dir}/{fd}")
                        if link.startswith("socket:[") and link[8:-1] in inodes:
                            comm = Path(f"/proc/{pid}/comm").read_text().strip()
                            return f"{comm} (pid {pid})"
    return None


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                if len(cols) > 9 and cols[3] == "0A" and cols[1].endswith(f":{port:04X}"):
                    inodes.add(cols[9])
    return inodes
