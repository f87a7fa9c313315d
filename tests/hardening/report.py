"""docs/reliability.md: what the hardening suite tests, and how much (filled from the figures)."""

from __future__ import annotations

from hardening.figures import Recorder


def render_reliability(recorder: Recorder) -> str:
    lines = ["# Reliability", ""]
    for area, what, count, result in recorder.table():
        lines.append(f"| {area} | {what} | {count} | {result} |")
    return "\n".join(lines) + "\n"
