"""Desired state minus applied state: the field and membership operations.

* Fields: for each linked record of a person with a status, the values of
  :func:`~sync.plan.desired.wanted_values` whose string (:func:`field_string`) differs
  from the last applied one; for a person whose status is gone, ``status`` emptied
  on the records where one was applied. One ``update_fields`` per record, with only
  its changed fields; a hand-off adds the configured hand-off values once per
  record (keyed, see :func:`~sync.plan.model.stable_key`).
* Lists: every reengage list (:meth:`Rules.list_names`) on each platform, desired
  members minus applied members (added) and applied minus desired (removed, also
  for records whose person is gone). Lists reengage does not own are never named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

from config.rules import Rules
from connectors.base import LIST_PLATFORMS, Platform, RecordRef
from sync.engine.codes import Status

from .desired import PersonState, field_names, handoff_values, wanted_lists, wanted_values
from .inputs import PlanInput
from .model import FieldValue, Operation, OpKind, Trigger, field_string, made, stable_key


def changed_values(
    wanted: Mapping[str, FieldValue], names: Mapping[str, str], applied: Mapping[str, str | None]
) -> dict[str, FieldValue]:
    """Field name -> value, for the wanted values that differ from the applied strings."""
    out: dict[str, FieldValue] = {}
    for key, value in wanted.items():
        name = names[key]
        if field_string(value) != field_string(applied.get(name)):
            out[name] = value
    return out


def _fields_op(
    inp: PlanInput, rules: Rules, state: PersonState, ref: RecordRef
) -> Operation | None:
    platform = ref.platform
    assert platform is not None
    applied = inp.applied_fields.get(ref, {})
    names = field_names(rules, platform)
    if state.status is Status.NONE and field_string(applied.get(names["status"])) is None:
        return None  # never in an episode, or already emptied: nothing to write
    wanted = wanted_values(state, platform, rules.fields.formula_mode)
    values = changed_values(wanted, names, applied)
    handoff_key = stable_key(
        state.key, state.episode_start_ms, Trigger.HANDOFF, ref.record_type, ref.record_id
    )
    extra = handoff_values(rules, ref) if state.status is Status.HANDED_OFF else {}
    done = made(
        inp.created, inp.keys_of(state.key), state.episode_start_ms, Trigger.HANDOFF,
        ref.record_type, ref.record_id,
    )  # fmt: skip
    with_handoff = bool(extra) and not done
    if with_handoff:
        values.update(extra)
    if not values:
        return None
    content = sorted((n, str(field_string(v))) for n, v in values.items())
    return Operation(
        op=OpKind.UPDATE_FIELDS,
        platform=platform,
        record=ref,
        target=Trigger.HANDOFF.value if with_handoff else None,
        payload={"values": values},
        idempotency_key=handoff_key
        if with_handoff
        else stable_key("fields", inp.as_of.isoformat(), ref.record_type, ref.record_id, content),
        person_id=int(inp.person_ids[state.index]),
        segment=state.label,
    )


def field_ops(inp: PlanInput, rules: Rules, states: Sequence[PersonState]) -> Iterator[Operation]:
    """``update_fields`` operations for every record of ``states`` (each record once)."""
    seen: set[RecordRef] = set()
    for state in states:
        for record in inp.records[state.index]:
            if record.ref in seen or record.ref.platform is None:
                continue
            seen.add(record.ref)
            op = _fields_op(inp, rules, state, record.ref)
            if op is not None:
                yield op


def desired_members(
    inp: PlanInput, rules: Rules, states: Sequence[PersonState]
) -> dict[tuple[Platform, str], dict[RecordRef, PersonState]]:
    """(platform, list name) -> member record -> its person, as SPEC §4 wants them."""
    out: dict[tuple[Platform, str], dict[RecordRef, PersonState]] = defaultdict(dict)
    for state in states:
        i = state.index
        no_email = bool(inp.email_opt_out[i] or inp.hard_bounce[i])
        for name in wanted_lists(state, no_email, rules):
            for record in inp.records[i]:
                platform = record.ref.platform
                if platform in LIST_PLATFORMS:  # a plug-in's platform takes fields only
                    assert platform is not None
                    out[(platform, name)].setdefault(record.ref, state)
    return out


def _member_op(
    inp: PlanInput,
    kind: OpKind,
    where: tuple[Platform, str],
    ref: RecordRef,
    person: int | None,
    label: str | None,
) -> Operation:
    platform, name = where
    return Operation(
        op=kind,
        platform=platform,
        record=ref,
        target=name,
        payload={"list_name": name},
        idempotency_key=stable_key(
            kind, inp.as_of.isoformat(), platform, name, ref.record_type, ref.record_id
        ),
        person_id=int(inp.person_ids[person]) if person is not None else None,
        segment=label,
    )


def list_ops(inp: PlanInput, rules: Rules, states: Sequence[PersonState]) -> Iterator[Operation]:
    """Membership adds and removes on reengage's own lists (a removed record whose person
    is gone has ``person_id`` None)."""
    desired = desired_members(inp, rules, states)
    owned = set(rules.list_names())
    applied = {k: v for k, v in inp.applied_members.items() if k[1] in owned}
    person_of: dict[RecordRef, int] | None = None
    labels = {s.index: s.label for s in states}
    for where in sorted(set(desired) | set(applied)):
        want = desired.get(where, {})
        have = applied.get(where, frozenset())
        for ref in want.keys() - have:
            who = want[ref]
            yield _member_op(inp, OpKind.ADD_MEMBER, where, ref, who.index, who.label)
        gone = have - want.keys()
        if gone and person_of is None:
            person_of = _person_of(inp)
        for ref in gone:
            assert person_of is not None
            p = person_of.get(ref)
            label = labels.get(p) if p is not None else None
            yield _member_op(inp, OpKind.REMOVE_MEMBER, where, ref, p, label)


def _person_of(inp: PlanInput) -> dict[RecordRef, int]:
    """Each linked record's person (the first, should a record be listed twice)."""
    out: dict[RecordRef, int] = {}
    for i, records in enumerate(inp.records):
        for r in records:
            out.setdefault(r.ref, i)
    return out
