"""``reengage explain``: why one person is (or is not) dormant, in which segment, with which score.

Finds the person by email or by any platform record id, replays their timeline
with the engine's explainer, and shows where their records live, their
consent flags, the last engagement with the platform it came from, and each
Salesforce task taken as the integration's copy of a HubSpot email event, with
that event (its twin): those count once, so an operator can check the pairing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, or_, select

from config.rules import Rules
from connectors.base import ENGAGEMENT_KINDS, ActivityKind
from sync.engine.explain import Explanation, explain
from sync.identity import normalise_email
from sync.store.schema import activities, persons, platform_records
from sync.store.snapshot import MirrorPair, load_snapshot, person_mirrors

console = Console()


def find_person(engine: Engine, query: str) -> dict[str, Any] | None:
    """The person whose email or one of whose record ids is ``query``."""
    email = normalise_email(query)
    with engine.connect() as conn:
        by_record = select(platform_records.c.person_id).where(
            platform_records.c.record_id == query.strip()
        )
        row = conn.execute(
            select(persons).where(or_(persons.c.email == email, persons.c.id.in_(by_record)))
        ).first()
        return dict(row._mapping) if row else None


def _records(engine: Engine, person_id: int) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(
                    platform_records.c.record_type,
                    platform_records.c.record_id,
                    platform_records.c.owner_id,
                    platform_records.c.email_opt_out,
                    platform_records.c.hard_bounce,
                    platform_records.c.do_not_call,
                ).where(platform_records.c.person_id == person_id, ~platform_records.c.deleted)
            ).all()
        )


def _last_engagement(engine: Engine, person: dict[str, Any], as_of: datetime) -> str:
    """The latest engagement and the platform it came from (straight from the store)."""
    codes = [k.code for k in ENGAGEMENT_KINDS]
    refs = select(platform_records.c.record_id).where(platform_records.c.person_id == person["id"])
    query = (
        select(
            activities.c.platform, activities.c.kind, activities.c.occurred_ms, activities.c.detail
        )
        .where(
            activities.c.kind.in_(codes),
            ~activities.c.deleted,
            activities.c.occurred_ms <= int(as_of.timestamp() * 1000),
            or_(activities.c.record_id.in_(refs), activities.c.record_id == person["email"]),
        )
        .order_by(activities.c.occurred_ms.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return "never engaged"
    at = _when(row.occurred_ms)
    detail = f" ({row.detail})" if row.detail else ""
    return f"{ActivityKind.from_code(row.kind).value}{detail} in {row.platform} on {at}"


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _show_mirrors(pairs: list[MirrorPair]) -> None:
    """Each Salesforce copy and the HubSpot event it was paired with (counted once)."""
    if not pairs:
        console.print("  no Salesforce task taken as a copy of a HubSpot email event")
        return
    console.print(f"  {len(pairs)} Salesforce task(s) taken as copies of HubSpot email events:")
    for m in pairs:
        minutes = (m.copy_ms - m.twin_ms) / 60_000
        console.print(
            f"  - salesforce {m.copy_id} {m.copy_detail or ''!r} on {_when(m.copy_ms)}"
            f" = hubspot {m.twin_id} {ActivityKind.from_code(m.twin_kind).value}"
            f" {m.twin_detail or ''!r} on {_when(m.twin_ms)} ({minutes:+.0f} min)",
            markup=False,
            highlight=False,
        )


def _show(person: dict[str, Any], records: list[Any], where: str, exp: Explanation) -> None:
    console.print(f"[bold]{person['email'] or '(no email)'}[/]  person {person['person_key']}")
    for r in records:
        flags = [n for n in ("email_opt_out", "hard_bounce", "do_not_call") if getattr(r, n)]
        console.print(
            f"  {r.record_type} {r.record_id} owner {r.owner_id or '-'} {' '.join(flags)}"
        )
    console.print(f"as of {exp.as_of:%Y-%m-%d %H:%M} UTC: status [bold]{exp.status or 'none'}[/]")
    console.print(
        f"  segment {exp.segment or '-'} ({exp.segment_rule}); approach {exp.approach or '-'}"
    )
    console.print(f"  last engagement: {where}")
    console.print(f"  dormant days {exp.dormant_days} (quiet since {exp.quiet_since:%Y-%m-%d})")
    if exp.rfm:
        console.print(f"  RFM {exp.rfm[0]}/{exp.rfm[1]}/{exp.rfm[2]}")
    for reason in exp.reasons:
        console.print(f"  - {reason}")
    if exp.contributions:
        table = Table(title=f"reactivation score {exp.score:.1f}")
        for col in ("when", "what", "weight", "age (days)", "decay", "points"):
            table.add_column(col)
        for c in exp.contributions:
            table.add_row(
                f"{c.at:%Y-%m-%d}",
                f"{c.kind} {c.detail or ''}".strip(),
                f"{c.weight:g}",
                f"{c.age_days:.1f}",
                f"{c.decay:.3f}",
                f"{c.points:.1f}",
            )
        console.print(table)


def explain_command(engine: Engine, rules: Rules, query: str, as_of: datetime) -> bool:
    """Prints the explanation; False when no person matches ``query``."""
    person = find_person(engine, query)
    if person is None:
        return False
    snap = load_snapshot(engine, rules)
    index = snap.index_of(int(person["id"]))
    if index is None:  # pragma: no cover - the person was just read from the same store
        return False
    exp = explain(snap.input, rules, as_of, index)
    _show(person, _records(engine, int(person["id"])), _last_engagement(engine, person, as_of), exp)
    _show_mirrors(person_mirrors(engine, rules, int(person["id"])))
    return True
