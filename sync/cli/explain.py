"""``reengage explain``: why one person is (or is not) dormant, in which segment, with which score.

Finds the person by email or by any platform record id, replays their timeline
with the engine's explainer, and shows where their records live, their
consent flags, the last engagement with the platform it came from, and each
Salesforce task taken as the integration's copy of a HubSpot email event, with
that event (its twin): those count once, so an operator can check the pairing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine, or_, select

from config.rules import Rules
from connectors.base import ENGAGEMENT_KINDS, ActivityKind, RecordType
from sync.console import console_for
from sync.engine.explain import Explanation, explain
from sync.identity.record_ids import parse_record_query
from sync.identity.resolve import normalise_email
from sync.store.schema import activities, persons, platform_records
from sync.store.snapshot import MirrorPair, load_snapshot, person_mirrors

console = console_for()
_BATCH = 500


def find_person(engine: Engine, query: str) -> dict[str, Any] | None:
    """The person whose email, or one of whose record ids in any form reengage or the
    platforms print (see :mod:`sync.identity.record_ids`), is ``query``."""
    wanted = parse_record_query(query)
    match = []
    if wanted.email is not None:
        match.append(persons.c.email == normalise_email(wanted.email))
    if wanted.record_ids:
        by_record = select(platform_records.c.person_id).where(
            platform_records.c.record_id.in_(sorted(wanted.record_ids))
        )
        if wanted.types:
            by_record = by_record.where(platform_records.c.record_type.in_(sorted(wanted.types)))
        match.append(persons.c.id.in_(by_record))
        # a person's key is the ref of the record it was first known by, which may have
        # been merged away since: explain prints it, so it leads back to the person
        types = wanted.types or {t.value for t in RecordType.members()}
        keys = sorted(f"{t}:{i}" for t in types for i in wanted.record_ids)
        match.append(persons.c.person_key.in_(keys))
    if not match:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(persons).where(or_(*match)).order_by(persons.c.id)).first()
        return dict(row._mapping) if row else None


def full_name(person: Mapping[Any, Any]) -> str | None:
    """First and last name as one string; None when the person has neither."""
    parts = [person["first_name"], person["last_name"]]
    return " ".join(p.strip() for p in parts if p and p.strip()) or None


def people(engine: Engine, person_ids: Iterable[int]) -> dict[int, tuple[str | None, str | None]]:
    """Email and name of each person in ``person_ids`` (for plan rows: who each write is for)."""
    ids = sorted(set(person_ids))
    cols = (persons.c.id, persons.c.email, persons.c.first_name, persons.c.last_name)
    found: dict[int, tuple[str | None, str | None]] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), _BATCH):  # a database bounds the values of one query
            chunk = ids[start : start + _BATCH]
            for r in conn.execute(select(*cols).where(persons.c.id.in_(chunk))):
                found[int(r.id)] = (r.email, full_name(r._mapping))
    return found


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


def _flags(record: Any) -> list[str]:
    return [n for n in ("email_opt_out", "hard_bounce", "do_not_call") if getattr(record, n)]


def _show(person: dict[str, Any], records: list[Any], where: str, exp: Explanation) -> None:
    name = full_name(person) or "(no name)"
    console.print(
        f"[bold]{escape(person['email'] or '(no email)')}[/]  {escape(name)}"
        f"  person {escape(person['person_key'])}",
        highlight=False,
    )
    for r in records:
        console.print(
            f"  {r.record_type}:{r.record_id} owner {r.owner_id or '-'} {' '.join(_flags(r))}",
            markup=False,
            highlight=False,
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


@dataclass(frozen=True, slots=True)
class Found:
    """Everything ``explain`` shows about one person."""

    person: dict[str, Any]
    records: list[Any]
    last_engagement: str
    explanation: Explanation
    mirrors: list[MirrorPair]


def look_up(engine: Engine, rules: Rules, query: str, as_of: datetime) -> Found | None:
    """The person ``query`` names and their explanation as of ``as_of``; None if nobody."""
    person = find_person(engine, query)
    if person is None:
        return None
    snap = load_snapshot(engine, rules)
    index = snap.index_of(int(person["id"]))
    if index is None:  # pragma: no cover - the person was just read from the same store
        return None
    exp = explain(snap.input, rules, as_of, index)
    pid = int(person["id"])
    return Found(
        person,
        _records(engine, pid),
        _last_engagement(engine, person, as_of),
        exp,
        person_mirrors(engine, rules, pid),
    )


def _mirror_doc(m: MirrorPair) -> dict[str, Any]:
    return {
        "copy_id": m.copy_id,
        "copy_at": _when(m.copy_ms),
        "copy_detail": m.copy_detail,
        "twin_id": m.twin_id,
        "twin_at": _when(m.twin_ms),
        "twin_kind": ActivityKind.from_code(m.twin_kind).value,
        "twin_detail": m.twin_detail,
    }


def explain_document(found: Found) -> dict[str, Any]:
    """``explain --json``: what the text shows, as one JSON-able document."""
    person, exp = found.person, found.explanation
    return {
        "email": person["email"],
        "name": full_name(person),
        "person_key": person["person_key"],
        "records": [
            {
                "ref": f"{r.record_type}:{r.record_id}",
                "record_type": r.record_type,
                "record_id": r.record_id,
                "owner_id": r.owner_id,
                "flags": _flags(r),
            }
            for r in found.records
        ],
        "as_of": exp.as_of.isoformat(),
        "status": exp.status or None,
        "segment": exp.segment,
        "segment_rule": exp.segment_rule,
        "approach": exp.approach,
        "last_engagement": found.last_engagement,
        "dormant_days": exp.dormant_days,
        "quiet_since": exp.quiet_since.isoformat(),
        "rfm": list(exp.rfm) if exp.rfm else None,
        "reasons": list(exp.reasons),
        "score": exp.score,
        "contributions": [{**asdict(c), "points": c.points} for c in exp.contributions],
        "mirrors": [_mirror_doc(m) for m in found.mirrors],
    }


def explain_command(
    engine: Engine, rules: Rules, query: str, as_of: datetime, *, as_json: bool = False
) -> bool:
    """Prints the explanation (text, or one JSON document); False when no person matches."""
    found = look_up(engine, rules, query, as_of)
    if found is None:
        return False
    if as_json:
        sys.stdout.write(json.dumps(explain_document(found), default=str) + "\n")
        return True
    _show(found.person, found.records, found.last_engagement, found.explanation)
    _show_mirrors(found.mirrors)
    return True
