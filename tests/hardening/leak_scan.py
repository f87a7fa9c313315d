"""Searching text for secrets, in the forms they could leak in (raw, URL-encoded, in a Basic
header), and collecting the places to search (every file under a directory)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote, quote_plus

from hardening.figures import SECRETS, record


def forms(secret: str, *, user: str | None = None) -> set[str]:
    out = {secret, quote(secret, safe=""), quote_plus(secret)}
    if user is not None:
        out.add(base64.b64encode(f"{user}:{secret}".encode()).decode())
    return {f for f in out if len(f) >= 6}


def files_under(root: Path) -> dict[str, str]:
    """Every file under ``root`` (hidden ones, lock files and leftovers included) as text."""
    places: dict[str, str] = {}
    if root.exists():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                places[f"file {path.relative_to(root.parent)}"] = path.read_bytes().decode(
                    "utf-8", "replace")
    return places


def assert_no_secret(places: Mapping[str, str], secrets: Mapping[str, Iterable[str]],
                     what: str) -> None:
    """No form of any secret in any place. Counts (secret x place) pairs into the figures."""
    found = []
    for label, variants in secrets.items():
        for place, text in places.items():
            if any(v in text for v in variants):
                found.append(f"{label} in {place}")
    pairs = len(secrets) * len(places)
    record(SECRETS, what, pairs)
    assert not found, found
    assert pairs > 0
