"""Person-by-person comparison of what the platforms hold with what SPEC §4 wants.

Each function answers a list of differences, one line per person and record,
so that a failure names who is wrong and how, not only how many.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from config.rules import Rules
from sync.plan import Operation, OpKind
from tests.e2e.expected import OPEN_EPISODE, ExpectedTask, Truth
from tests.e2e.readback import PlatformState, Readback, TaskSeen

PLATFORMS = ("hubspot", "salesforce")
INSTANTS = ("quiet_since", "last_engagement_at")
SHOWN = 25


def assert_none(differences: list[str], what: str) -> None:
    """Fails with the first differences and their count."""
    if differences:
        shown = "\n".join(differences[:SHOWN])
        more = f"\n... and {len(differences) - SHOWN} more" if len(differences) > SHOWN else ""
        raise AssertionError(f"{len(differences)} {what} differ from SPEC §4:\n{shown}{more}")


def _who(t: Truth) -> str:
    return f"person {t.person_id} <{t.email}> ({t.status or 'no status'})"


def _platform(seen: Readback, name: str) -> PlatformState:
    return seen.hubspot if name == "hubspot" else seen.salesforce


# ------------------------------------------------------------------------------------ lists


def list_differences(truths: Iterable[Truth], seen: Readback) -> list[str]:
    """Every reengage list / campaign holds exactly the records SPEC §4 puts on it."""
    out: list[str] = []
    for platform in PLATFORMS:
        state = _platform(seen, platform)
        owner: dict[str, Truth] = {}
        want: dict[str, set[str]] = {}
        for t in truths:
            for rid in t.record_ids(platform):
                owner[rid] = t
                for name in t.lists:
                    want.setdefault(name, set()).add(rid)
        for name in sorted(set(want) | set(state.members)):
            have, wanted = state.members.get(name, frozenset()), want.get(name, set())
            for rid in sorted(wanted - have):
                out.append(f"{_who(owner[rid])}: {platform} {rid} missing from {name!r}")
            for rid in sorted(have - wanted):
                who = _who(owner[rid]) if rid in owner else "no person"
                out.append(f"{who}: {platform} {rid} is on {name!r}, SPEC wants it off")
    return out


# ------------------------------------------------------------------------------------ fields


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    return {"true": True, "false": False}.get(str(value).lower())


def _instant(value: Any) -> datetime | None:
    """A stored instant (a datetime, or an ISO-8601 string as HubSpot keeps it)."""
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def same_value(key: str, want: Any, have: Any) -> bool:
    """Whether a platform's stored value is the wanted one (numbers, booleans and instants
    compared as such: Salesforce stores typed values, HubSpot strings)."""
    if have in (None, ""):
        return want in (None, "")
    if want in (None, ""):
        return False
    if key in INSTANTS or isinstance(want, datetime) or isinstance(have, datetime):
        return _instant(have) == _instant(want)
    if key == "dormant_days":
        return float(have) == float(want)
    if key == "score":
        return abs(float(have) - float(want)) < 1e-6
    if key == "holdout":
        return _as_bool(have) is want
    return bool(str(have) == str(want))


def _from_ms(ms: int) -> datetime | None:
    if ms < 0:
        return None
    return datetime.fromtimestamp(ms // 1000, UTC) + timedelta(milliseconds=ms % 1000)


def wanted_fields(t: Truth) -> dict[str, Any]:
    """Field key -> the value SPEC §4 wants on each of the person's records."""
    values: dict[str, Any] = {
        "status": t.status,
        "quiet_since": _from_ms(t.quiet_since_ms),
        "last_engagement_at": _from_ms(t.last_engagement_ms),
        "dormant_days": t.dormant_days,
        "score": t.score,
        "holdout": t.holdout,
    }
    if t.status in OPEN_EPISODE:
        values.update(segment=t.segment, period_segment=t.period_segment, approach=t.approach)
    return values


def _handoff_wanted(rules: Rules, platform: str, rid: str) -> Any:
    if platform == "hubspot":
        return rules.handoff.hubspot.get("hs_lead_status")
    return rules.handoff.salesforce.get("Lead", {}).get("Status") if rid.startswith("00Q") else None


def field_differences(
    truths: Iterable[Truth], seen: Readback, rules: Rules, *, never_written: bool
) -> list[str]:
    """Reengage fields on each linked record: the decision's values for persons in or just out
    of an episode; for the others nothing at all (``never_written``) or an empty status."""
    out: list[str] = []
    for t in truths:
        for platform in PLATFORMS:
            names: Mapping[str, str] = getattr(rules.fields, platform).model_dump()
            state = _platform(seen, platform)
            for rid in t.record_ids(platform):
                have = state.fields.get(rid, {})
                out += _record_differences(t, platform, rid, have, names, never_written)
                handoff = _handoff_wanted(rules, platform, rid)
                if t.status == "handed_off" and handoff and state.handoff.get(rid) != handoff:
                    out.append(
                        f"{_who(t)}: {platform} {rid} hand-off field is "
                        f"{state.handoff.get(rid)!r}, SPEC wants {handoff!r}"
                    )
    return out


def _record_differences(
    t: Truth,
    platform: str,
    rid: str,
    have: Mapping[str, Any],
    names: Mapping[str, str],
    never_written: bool,
) -> list[str]:
    where = f"{_who(t)}: {platform} {rid}"
    if not t.status:
        if never_written and have:
            return [f"{where} holds reengage fields {dict(have)}, SPEC wants them untouched"]
        if have.get(names["status"]) not in (None, ""):
            return [f"{where} status is {have[names['status']]!r}, SPEC wants it emptied"]
        return []
    return [
        f"{where} {names[key]} = {have.get(names[key])!r}, SPEC wants {want!r}"
        for key, want in wanted_fields(t).items()
        if not same_value(key, want, have.get(names[key]))
    ]


# ------------------------------------------------------------------------------------ tasks


def expected_tasks(*runs: Iterable[Truth]) -> dict[str, tuple[Truth, ExpectedTask]]:
    """Task key -> (person, task) over several runs; the earliest run's task wins (it made it)."""
    out: dict[str, tuple[Truth, ExpectedTask]] = {}
    for truths in runs:
        for t in truths:
            if t.task is not None:
                out.setdefault(t.task.key, (t, t.task))
    return out


def task_differences(
    expected: Mapping[str, tuple[Truth, ExpectedTask]],
    seen: Readback,
    fallback: Mapping[str, str] | None = None,
) -> list[str]:
    """Exactly the expected tasks, once each, on the right platform, record, due date and
    priority; no other reengage task anywhere. With ``fallback`` (platform -> user), each
    task's owner is also checked: its record's owner if active, else the fallback user."""
    out: list[str] = []
    by_key: dict[str, list[TaskSeen]] = {}
    for task in seen.hubspot.tasks + seen.salesforce.tasks:
        by_key.setdefault(task.key, []).append(task)
    for key, same in sorted(by_key.items()):
        if key not in expected:
            out.append(f"unexpected task {key} on {same[0].platform} {same[0].record_id}")
        elif len(same) > 1:
            out.append(f"{_who(expected[key][0])}: task {key} exists {len(same)} times")
    for key, (t, want) in sorted(expected.items()):
        if key not in by_key:
            out.append(f"{_who(t)}: no {want.trigger} task on {want.platform} (key {key})")
            continue
        task = by_key[key][0]
        got = (task.platform, task.due, task.priority)
        if got != (want.platform, want.due, want.priority):
            out.append(
                f"{_who(t)}: {want.trigger} task is {got}, SPEC wants "
                f"{(want.platform, want.due, want.priority)}"
            )
        if task.record_id not in t.record_ids(want.platform):
            out.append(f"{_who(t)}: task {key} is on {task.record_id}, not one of their records")
        if fallback is not None:
            out += _owner_differences(t, task, _platform(seen, task.platform), fallback)
    return out


def _owner_differences(
    t: Truth, task: TaskSeen, state: PlatformState, fallback: Mapping[str, str]
) -> list[str]:
    """SPEC §4 "Owner fallback": the record's owner if active, else the fallback user."""
    record_owner = state.owners.get(task.record_id or "")
    active = record_owner is not None and record_owner in state.active_owners
    want = record_owner if active else fallback[task.platform]
    if task.owner == want:
        return []
    why = "active record owner" if active else f"fallback (record owner {record_owner} inactive)"
    return [f"{_who(t)}: task {task.key} owner {task.owner}, SPEC wants {want} ({why})"]


# ------------------------------------------------------------------------------ re-plans


def needless_field_writes(ops: Iterable[Operation], before: Readback, rules: Rules) -> list[str]:
    """Values in ``update_fields`` operations that the record already held before the run."""
    out: list[str] = []
    for op in ops:
        if op.op is not OpKind.UPDATE_FIELDS or op.platform is None or op.record is None:
            continue
        platform, rid = op.platform.value, op.record.record_id
        key_of = {v: k for k, v in getattr(rules.fields, platform).model_dump().items()}
        state = _platform(before, platform)
        for name, value in op.payload["values"].items():
            key = key_of.get(name)
            have = state.fields.get(rid, {}).get(name) if key else state.handoff.get(rid)
            if same_value(key or name, value, have):
                out.append(f"person {op.person_id}: {platform} {rid} {name} already {have!r}")
    return out
