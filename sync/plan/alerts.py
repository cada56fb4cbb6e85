"""Alerts: one per person and episode for a reactivation, and one for a hand-off.

Keys are ``stable_key(person key, episode start ms, "alert:reactivation" |
"alert:handoff")`` and, like task keys, are stored by the applier in the created
set once sent; an alert sent under a key the person was known by before (a
merged-in person's anchor) counts as sent. A person handed off at the very instant
they were reactivated (a meeting, or one big engagement) gets the hand-off alert
only: one event, one message. Alerts are not call tasks: do-not-call and consent do not stop them; a
holdout person's alert says ``holdout: true`` so that whoever reads it knows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from config.rules import Rules
from connectors.base import ActivityKind
from sync.engine.codes import Status

from .desired import ENDED, PersonState, iso_ms
from .inputs import Engagements, PlanInput
from .model import Operation, OpKind, made, stable_key
from .texts import alert_text
from .triggers import describe


def alert_key(person_key: str, episode_start_ms: int, event: str) -> str:
    return stable_key(person_key, episode_start_ms, f"alert:{event}")


def _alert(
    inp: PlanInput, rules: Rules, state: PersonState, event: str, eng: Engagements, at_ms: int
) -> Operation | None:
    i = state.index
    key = alert_key(state.key, state.episode_start_ms, event)
    if made(inp.created, inp.keys_of(state.key), state.episode_start_ms, f"alert:{event}"):
        return None
    kind, detail_ix = int(eng.kind[i]), int(eng.detail[i])
    at = int(eng.at_ms[i]) if eng.at_ms[i] >= 0 else at_ms
    detail = inp.details[detail_ix] if detail_ix >= 0 else None
    what = describe(kind, detail, at, rules.dormancy.business_timezone)
    payload = {
        "event": event,
        "text": alert_text(state, event, what, inp.emails[i]),
        "person_key": state.key,
        "email": inp.emails[i],
        "status": state.status_name,
        "score": state.score,
        "what": what,
        "kind": ActivityKind.from_code(kind).value if kind >= 0 else None,
        "detail": detail,
        "at": iso_ms(at),
        "dormant_days": state.dormant_days,
        "holdout": state.holdout,
        "records": [
            {"record_type": r.ref.record_type.value, "record_id": r.ref.record_id}
            for r in sorted(inp.records[i], key=lambda r: (r.ref.record_type, r.ref.record_id))
        ],
    }
    return Operation(
        op=OpKind.SEND_ALERT,
        platform=None,
        record=None,
        target=event,
        payload=payload,
        idempotency_key=key,
        person_id=int(inp.person_ids[i]),
        segment=state.label,
        priority="HIGH",
    )


def alert_ops(inp: PlanInput, rules: Rules, states: Sequence[PersonState]) -> Iterator[Operation]:
    """The reactivation and hand-off alerts the states call for, not yet sent."""
    d = inp.decisions
    for state in states:
        if state.status not in ENDED:
            continue
        i = state.index
        react_ms, handoff_ms = int(d.reactivated_ms[i]), int(d.handed_off_ms[i])
        handed = state.status is Status.HANDED_OFF
        if not (handed and handoff_ms == react_ms):
            op = _alert(inp, rules, state, "reactivation", inp.reactivation, react_ms)
            if op is not None:
                yield op
        if handed:
            op = _alert(inp, rules, state, "handoff", inp.handoff, handoff_ms)
            if op is not None:
                yield op
