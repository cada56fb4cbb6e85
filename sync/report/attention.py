"""What needs a person: identity ambiguities and parked operations, as report tables.

Both are listed whole, whatever the period: they are open work, not history.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sync.report.model import Cell, Col, ReportTable


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M") if ms >= 0 else ""


def issues_table(issues: list[dict[str, Any]]) -> ReportTable:
    """Ambiguous identity matches (one email, two live records...) and what was chosen."""
    rows: list[tuple[Cell, ...]] = [
        (_when(i["detected_at"]), i["kind"], i["email"], i["chosen"], i["records"], i["detail"])
        for i in issues
    ]
    return ReportTable(
        "identity_issues",
        "Identity ambiguities to review",
        (
            Col("detected_at", "Detected (UTC)", "text"),
            Col("kind", "Kind", "text"),
            Col("email", "Email", "text"),
            Col("chosen", "Linked to", "text"),
            Col("records", "Records", "text"),
            Col("detail", "Detail", "text"),
        ),
        tuple(rows),
        note=None if rows else "None.",
    )


def parked_table(parked: list[dict[str, Any]]) -> ReportTable:
    """Operations the applier parked (it will not retry them alone) with the platform's error."""
    rows: list[tuple[Cell, ...]] = [
        (
            _when(o["updated_at"]),
            o["platform"],
            o["op"],
            f"{o['record_type']}:{o['record_id']}".strip(":"),
            o["target"],
            o["person_id"] if o["person_id"] >= 0 else None,
            o["attempts"],
            ": ".join(x for x in (o["error_code"], o["error_message"]) if x),
        )
        for o in parked
    ]
    return ReportTable(
        "parked_operations",
        "Parked operations that need a person",
        (
            Col("updated_at", "Parked (UTC)", "text"),
            Col("platform", "Platform", "text"),
            Col("op", "Operation", "text"),
            Col("record", "Record", "text"),
            Col("target", "Target", "text"),
            Col("person_id", "Person", "int"),
            Col("attempts", "Attempts", "int"),
            Col("error", "Error", "text"),
        ),
        tuple(rows),
        note=None if rows else "None.",
    )
