"""Person keys that survive identity changes: each person keeps the anchor it was first given.

Call tasks, alerts and hand-off writes are keyed by ``(person key, episode start,
trigger)``. If the key were the person's primary record, a lead converted to a
new contact, a HubSpot contact linked to a new Salesforce lead, or a merge that
makes another record primary would give the same human and episode a new key,
and reengage a second "reactivated, call now" task and alert.

**The anchor.** A person's key is an *anchor*, chosen once and remembered: the
store keeps, for every platform record (merged-away ids included), the anchor of
the person it last belonged to. When identities are resolved again, each person
takes the anchor of its **earliest-created member record that already has one**
(then the record type's rank, then the id), so that a conversion or a new link
keeps the old person's key, and a merge keeps the older person's. An anchor goes
to one person only: when a person splits, the part holding the earliest-created
record with that anchor keeps it, and the other part takes its next anchor or a
fresh one. A person none of whose records has an anchor gets a fresh one, its
primary record's ref (``"<record_type>:<id>"``, the form every key had before
anchors existed, so that the anchors a store upgrade seeds from the old keys are
the keys its tasks already carry). A fresh key another person already holds is
suffixed (``#2``...).

The other anchors a person's records ever had (a merged-in person's) are kept
too: the planner treats a task or alert made under any of them as made.

Pure: no store, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.base import RecordRef, RecordType

TYPE_RANK: dict[RecordType, int] = {
    RecordType.SALESFORCE_CONTACT: 0,
    RecordType.SALESFORCE_LEAD: 1,
    RecordType.HUBSPOT_CONTACT: 2,
}
PLUGIN_RANK = len(TYPE_RANK)
"""A plug-in platform's record ranks after the built-in ones (then by creation, id)."""


def type_rank(record_type: RecordType) -> int:
    return TYPE_RANK.get(record_type, PLUGIN_RANK)


_NEVER = datetime.max.replace(tzinfo=UTC)

ClaimRank = tuple[datetime, int, str]


@dataclass(frozen=True, slots=True)
class AnchorGroup:
    """One resolved person: its fresh key and its members (live records and merged-away ids)
    with their creation dates (None when unknown: such a record ranks last)."""

    fresh: str
    members: Sequence[tuple[RecordRef, datetime | None]]


def _rank(ref: RecordRef, created: datetime | None) -> ClaimRank:
    return (created or _NEVER, type_rank(ref.record_type), ref.record_id)


def choose_keys(groups: Sequence[AnchorGroup], anchors: Mapping[RecordRef, str]) -> list[str]:
    """Each group's key, in ``groups``' order (see the module docstring); all distinct.

    Claims are served earliest-created record first, so an anchor goes to the group
    holding its earliest-created record, and each group gets its earliest available one.
    """
    claims: list[tuple[ClaimRank, str, int]] = []
    for position, group in enumerate(groups):
        for ref, created in group.members:
            anchor = anchors.get(ref)
            if anchor:
                claims.append((_rank(ref, created), anchor, position))
    keys: list[str | None] = [None] * len(groups)
    taken: set[str] = set()
    for _, anchor, position in sorted(claims):
        if keys[position] is None and anchor not in taken:
            keys[position] = anchor
            taken.add(anchor)
    out: list[str] = []
    for position, group in enumerate(groups):
        key = keys[position]
        if key is None:
            key, n = group.fresh, 1
            while key in taken:
                n += 1
                key = f"{group.fresh}#{n}"
            taken.add(key)
        out.append(key)
    return out
