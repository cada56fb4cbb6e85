"""Where a person's task goes (platform and record) and who owns it (SPEC §4 "Owner fallback").

* Record: Salesforce when the person has a Salesforce record — a contact before a
  lead — else their HubSpot contact; among records of one type, one with an active
  owner first, then the smallest id (deterministic).
* Owner: the record's owner if active (an owner unknown to ``owners_active`` counts
  as inactive); else the platform's ``rules.owners.<platform>_fallback_user``; else
  one of ``rules.owners.<platform>_team`` picked by a hash of the person's key (the
  same person always lands on the same teammate, whatever else is in the plan);
  else nobody, and the operation says ``owner_source = "unassigned"``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from config.rules import Rules
from connectors.base import Platform, RecordType

from .inputs import PersonRecord

_TYPE_ORDER = {
    RecordType.SALESFORCE_CONTACT: 0,
    RecordType.SALESFORCE_LEAD: 1,
    RecordType.HUBSPOT_CONTACT: 2,
}


@dataclass(frozen=True, slots=True)
class OwnerChoice:
    """The task owner and why: ``record``, ``fallback``, ``team`` or ``unassigned``."""

    owner_id: str | None
    source: str


def is_active(
    active: Mapping[tuple[Platform, str], bool], platform: Platform, owner_id: str | None
) -> bool:
    return bool(owner_id) and active.get((platform, owner_id or ""), False)


def task_record(
    records: Sequence[PersonRecord], active: Mapping[tuple[Platform, str], bool]
) -> PersonRecord | None:
    """The record a person's task is created on (None: no record a task can go on)."""
    usable = [r for r in records if r.ref.record_type in _TYPE_ORDER]
    if not usable:
        return None

    def rank(r: PersonRecord) -> tuple[int, bool, str]:
        platform = r.ref.platform
        assert platform is not None
        inactive = not is_active(active, platform, r.owner_id)
        return (_TYPE_ORDER[r.ref.record_type], inactive, r.ref.record_id)

    return min(usable, key=rank)


def team_member(team: Sequence[str], person_key: str) -> str:
    """A teammate fixed by the person's key (uniform over the team)."""
    digest = hashlib.sha256(person_key.encode()).digest()
    return team[int.from_bytes(digest[:8], "big") % len(team)]


def choose_owner(
    rules: Rules,
    active: Mapping[tuple[Platform, str], bool],
    record: PersonRecord,
    person_key: str,
) -> OwnerChoice:
    """The owner of a task on ``record`` (see the module docstring)."""
    platform = record.ref.platform
    assert platform is not None
    if is_active(active, platform, record.owner_id):
        return OwnerChoice(record.owner_id, "record")
    owners = rules.owners
    hubspot = platform is Platform.HUBSPOT
    fallback = owners.hubspot_fallback_user if hubspot else owners.salesforce_fallback_user
    if fallback:
        return OwnerChoice(fallback, "fallback")
    team = [m for m in (owners.hubspot_team if hubspot else owners.salesforce_team) if m]
    if team:
        return OwnerChoice(team_member(team, person_key), "team")
    return OwnerChoice(None, "unassigned")
