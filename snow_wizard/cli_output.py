"""How the command line shows things: test verdicts, errors, profile listings, doctor rows.

Pure formatting (strings in, strings out) so the formats are easy to test and keep stable.
Nothing here ever receives a secret.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from snow_wizard.errors import SnowWizardError

if TYPE_CHECKING:  # pragma: no cover
    from snow_wizard.core.profiles import Profile, TestRecord
    from snow_wizard.core.servicenow import TestResult


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False)


def ok_line(result: TestResult) -> str:
    """``OK  admin @ http://127.0.0.1:8080  (basic, 12 ms)``"""
    return (
        f"OK  {result.user_name} @ {result.instance}  ({result.auth}, {result.latency_ms:.0f} ms)"
    )


def _detail_lines(error: SnowWizardError) -> list[str]:
    lines = []
    if error.hint:
        lines.append(f"  hint: {error.hint}")
    if error.causes:
        lines.append("  likely causes, most likely first:")
        lines.extend(f"    {i}. {cause}" for i, cause in enumerate(error.causes, 1))
    return lines


def failed_block(error: SnowWizardError) -> str:
    """``FAILED  <message>`` then the hint and the ranked causes."""
    return "\n".join([f"FAILED  {error.message}", *_detail_lines(error)])


def error_block(error: SnowWizardError) -> str:
    """Any other error, for stderr: ``snow-wizard: <message>`` then hint and causes."""
    return "\n".join([f"snow-wizard: {error.message}", *_detail_lines(error)])


def when(at: float | None) -> str:
    if not at:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def last_test_text(record: TestRecord | None) -> str:
    if record is None:
        return "never"
    if record.ok:
        latency = f", {record.latency_ms:.0f} ms" if record.latency_ms is not None else ""
        return f"ok ({record.user_name or '?'}{latency}) {when(record.at)}"
    return f"failed: {record.error or 'error'} {when(record.at)}"


def profile_table(profiles: Sequence[Profile]) -> str:
    if not profiles:
        return (
            "No profiles yet. Add one with `snow-wizard add NAME --instance ... --auth basic|oauth`"
            " or open the wizard with `snow-wizard`."
        )
    header = ("NAME", "AUTH", "MODE", "INSTANCE", "LAST TEST")
    rows = [
        (p.name, p.auth.value, p.mode.value, p.instance, last_test_text(p.last_test))
        for p in profiles
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    out = []
    for row in [header, *rows]:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        out.append("  ".join([*cells, row[-1]]))
    return "\n".join(out)


def profile_json(profile: Profile) -> dict[str, Any]:
    data = profile.to_dict()
    if profile.oauth is not None:
        data["oauth"]["redirect_url"] = profile.oauth.redirect_url
    return data


def profile_details(profile: Profile) -> str:
    rows: list[tuple[str, str]] = [
        ("name", profile.name),
        ("instance", profile.instance),
        ("auth", profile.auth.value),
        ("mode", profile.mode.value),
    ]
    if profile.username:
        rows.append(("user name", profile.username))
    if profile.oauth is not None:
        o = profile.oauth
        rows += [
            ("client id", o.client_id),
            ("redirect URL", o.redirect_url),
            ("authorize URL", o.authorize_url),
            ("token URL", o.token_url),
            ("refresh URL", o.refresh_url),
            ("revoke URL", o.revoke_url),
            ("client auth", o.client_auth.value),
            ("token expires", when(profile.token_expires_at)),
        ]
    rows += [
        ("secrets", "in the OS keychain (service snow-wizard); never shown"),
        ("created", when(profile.created_at)),
        ("last test", last_test_text(profile.last_test)),
    ]
    width = max(len(label) for label, _ in rows) + 1
    return "\n".join(f"{label + ':':<{width}} {value}" for label, value in rows)


def doctor_rows(rows: Sequence[tuple[str, str, str]]) -> str:
    if not rows:
        return ""
    width = max(len(label) for label, _, _ in rows)
    return "\n".join(
        f"{'ok' if status == 'ok' else status.upper():<4}  {label:<{width}}  {value}"
        for label, value, status in rows
    )
