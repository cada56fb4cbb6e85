"""Identity resolution: which HubSpot contacts, Salesforce leads and contacts are one person.

SPEC §3's rules, strongest first (the machinery is in :mod:`sync.identity.rules`):

1. **Explicit links**: a HubSpot contact's ``salesforceleadid`` /
   ``salesforcecontactid`` (``sf_lead_id`` / ``sf_contact_id``). A link to a
   deleted or unknown record is reported (``link_to_deleted`` /
   ``link_to_missing``) and the contact falls back to the email rule. A lead
   link and a contact link that are not already one person through a
   conversion or merge keep the contact link only and are reported
   (``conflicting_links``).
2. **Converted leads**: a lead and its ``converted_contact_id`` are one person.
3. **Merges**: a HubSpot survivor's ``merged_ids`` and a Salesforce record's
   ``master_record_id`` make the old id an *alias* of the survivor (chains are
   followed). Links and activities that name the old id land on the survivor.
4. **Normalised email** (trimmed, lower-cased; empty never matches): records
   with one email are one person, with one exception, the *ambiguity rule*.

**The ambiguity rule.** SPEC §3: "one email, two live SF records: link to the
most recently active and report, never guess silently". We read it as: when
two or more live Salesforce records **of the same type** (two leads, or two
contacts) share an email and are not linked otherwise, nothing proves they are
one human (shared inboxes, recycled addresses), and merging them would be a
silent guess. So those Salesforce records stay separate persons; the records
with that email whose component holds no live Salesforce record (the HubSpot
side) join the most recently active candidate (``last_activity``, then
``created_at``, the larger id: never ``modified_at``, which reengage's own
writes move), and a ``shared_email``
ambiguity names every candidate and the one chosen. A lead and a contact with
one email are not ambiguous: a lead created for an existing contact is the
everyday duplicate, and the email rule joins them.

**Deleted and merged-away records** neither make nor keep a person: a person
whose records are all gone disappears, a live record keeps its person without
them. Merged-away ids still resolve through :attr:`IdentityResult.aliases` and
:meth:`IdentityResult.person_key`.

**Stability.** A person's primary record is the first in precedence order
(Salesforce contact > lead > HubSpot contact, oldest first, then id). Its key is
an *anchor* that survives conversions, new links and merges
(:mod:`sync.identity.anchors`): given the records' anchors from the last
resolution, each person keeps the anchor of its earliest-created record that has
one; a person with none takes its primary record's ref, ``"<record_type>:<id>"``.
Each rule decides on a snapshot of the components the earlier rules made and
only then unions, so the result never depends on the input order.

Everything here is pure: no store, no clock, no I/O. Cost is linear in the
records (a union-find and a few dictionary passes).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import reduce
from typing import NamedTuple

from connectors.base import Platform, PlatformRecord, RecordRef, RecordType
from sync.identity.anchors import AnchorGroup, choose_keys, type_rank
from sync.identity.rules import (
    LinkIssue,
    RecordIndex,
    UnionFind,
    activity_key_for,
    link_conversions,
    link_emails,
    link_explicit,
    normalise_email,
    ref_sort_key,
)

__all__ = [
    "Ambiguity",
    "AmbiguityKind",
    "IdentityResult",
    "Person",
    "normalise_email",
    "person_key_for",
    "resolve_identities",
]


class AmbiguityKind(enum.StrEnum):
    """Why a link was chosen or dropped rather than simply followed."""

    SHARED_EMAIL = "shared_email"
    LINK_TO_DELETED = "link_to_deleted"
    LINK_TO_MISSING = "link_to_missing"
    CONFLICTING_LINKS = "conflicting_links"


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """One decision ``reengage report`` lists so that an admin can fix the data at its source.

    ``records`` are the records involved (for a link: the HubSpot contact first);
    ``chosen`` is the record the rule picked, None when nothing was linked.
    """

    kind: AmbiguityKind
    email: str | None
    records: tuple[RecordRef, ...]
    chosen: RecordRef | None
    detail: str


@dataclass(frozen=True, slots=True)
class Person:
    """One human and the merged view of their live records (SPEC §3).

    Scalar attributes come from the first record that has them, in primary
    order; ``created_at`` is the earliest; consent and reachability flags are
    OR-ed over every live record of both platforms (an opt-out anywhere wins);
    ``hubspot_score`` is the highest HubSpot score.
    """

    key: str
    primary: RecordRef
    records: tuple[RecordRef, ...]
    email: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    hubspot_owner_id: str | None
    salesforce_owner_id: str | None
    lifecycle_stage: str | None
    lead_status: str | None
    created_at: datetime | None
    email_opt_out: bool
    hard_bounce: bool
    do_not_call: bool
    hubspot_score: float | None

    def records_on(self, platform: Platform) -> tuple[RecordRef, ...]:
        return tuple(ref for ref in self.records if ref.platform is platform)


@dataclass(frozen=True, slots=True)
class IdentityResult:
    """Persons (sorted by key), merge aliases, the ref → person map, and the ambiguities.

    ``person_of`` covers every live record and every merged-away id whose survivor is live.
    """

    persons: tuple[Person, ...]
    aliases: Mapping[RecordRef, RecordRef]
    person_of: Mapping[RecordRef, str]
    ambiguities: tuple[Ambiguity, ...]

    def person_key(self, ref: RecordRef) -> str | None:
        """The person an activity or deal recorded under ``ref`` belongs to, if any."""
        return self.person_of.get(ref)


def person_key_for(ref: RecordRef) -> str:
    """A person's fresh key (its primary record's ref), when none of its records has an anchor."""
    return f"{ref.record_type.value}:{ref.record_id}"


def resolve_identities(
    records: Iterable[PlatformRecord],
    last_activity: Mapping[RecordRef, datetime] | None = None,
    anchors: Mapping[RecordRef, str] | None = None,
) -> IdentityResult:
    """Groups platform records into persons by SPEC §3's rules (see the module docstring).

    Args:
        records: every known record, deleted and merged-away ones included (they
            supply aliases and explain dead links). Each ref at most once.
        last_activity: each record's latest engagement, for the ambiguity rule.
        anchors: each record's person key as last resolved (merged-away ids included),
            so that persons keep their keys across identity changes.

    Raises:
        ValueError: a record ref appears twice.
    """
    index = RecordIndex.build(list(records))
    uf = UnionFind(len(index.records))
    issues: list[LinkIssue] = []
    link_conversions(index, uf)
    link_explicit(index, uf, issues)
    link_emails(index, uf, activity_key_for(index, last_activity or {}), issues)

    members: dict[int, list[PlatformRecord]] = defaultdict(list)
    for i in index.live_positions():
        members[uf.find(i)].append(index.records[i])
    persons = _anchored([_person(group) for group in members.values()], index, anchors or {})

    person_of: dict[RecordRef, str] = {ref: p.key for p in persons for ref in p.records}
    for old, survivor in index.aliases.items():
        key = person_of.get(survivor)
        if key is not None:
            person_of.setdefault(old, key)
    return IdentityResult(
        persons=tuple(persons),
        aliases=dict(index.aliases),
        person_of=person_of,
        ambiguities=_ambiguities(issues),
    )


def _precedence(rec: PlatformRecord) -> tuple[int, bool, datetime | None, str]:
    created = rec.created_at
    return (type_rank(rec.ref.record_type), created is None, created, rec.ref.record_id)


class _Attrs(NamedTuple):
    """A person's merged attributes, in :class:`Person`'s field order (cheap to build and fold)."""

    email: str | None
    first_name: str | None
    last_name: str | None
    company: str | None
    hubspot_owner_id: str | None
    salesforce_owner_id: str | None
    lifecycle_stage: str | None
    lead_status: str | None
    created_at: datetime | None
    email_opt_out: bool
    hard_bounce: bool
    do_not_call: bool
    hubspot_score: float | None


def _attrs(rec: PlatformRecord) -> _Attrs:
    on_hubspot = rec.ref.record_type is RecordType.HUBSPOT_CONTACT
    on_salesforce = rec.ref.platform is Platform.SALESFORCE  # a plug-in's owner is neither
    owner = rec.owner_id or None
    return _Attrs(
        normalise_email(rec.email),
        rec.first_name or None,
        rec.last_name or None,
        rec.company or None,
        owner if on_hubspot else None,
        owner if on_salesforce else None,
        rec.lifecycle_stage or None,
        rec.lead_status or None,
        rec.created_at,
        rec.email_opt_out,
        rec.hard_bounce,
        rec.do_not_call,
        rec.score if on_hubspot else None,
    )


def _fold(first: _Attrs, then: _Attrs) -> _Attrs:
    """``first`` comes earlier in primary order: its values win, flags OR, dates min, score max."""
    created = [d for d in (first.created_at, then.created_at) if d is not None]
    scores = [s for s in (first.hubspot_score, then.hubspot_score) if s is not None]
    return _Attrs(
        first.email or then.email,
        first.first_name or then.first_name,
        first.last_name or then.last_name,
        first.company or then.company,
        first.hubspot_owner_id or then.hubspot_owner_id,
        first.salesforce_owner_id or then.salesforce_owner_id,
        first.lifecycle_stage or then.lifecycle_stage,
        first.lead_status or then.lead_status,
        min(created) if created else None,
        first.email_opt_out or then.email_opt_out,
        first.hard_bounce or then.hard_bounce,
        first.do_not_call or then.do_not_call,
        max(scores) if scores else None,
    )


def _person(group: Sequence[PlatformRecord]) -> Person:
    ordered = sorted(group, key=_precedence) if len(group) > 1 else group
    primary = ordered[0].ref
    attrs = reduce(_fold, map(_attrs, ordered))
    return Person(person_key_for(primary), primary, tuple(r.ref for r in ordered), *attrs)


def _anchored(
    found: Sequence[Person], index: RecordIndex, anchors: Mapping[RecordRef, str]
) -> list[Person]:
    """The persons under their anchored keys (:mod:`sync.identity.anchors`), sorted by key.

    A merged-away id counts as a member of its survivor's person: the anchor it carried
    (a merged-in person's) is one the survivor's person can inherit.
    """
    if not anchors:
        return sorted(found, key=lambda p: p.key)
    merged: dict[RecordRef, list[RecordRef]] = defaultdict(list)
    for old, survivor in index.aliases.items():
        merged[survivor].append(old)

    def created(ref: RecordRef) -> datetime | None:
        i = index.position.get(ref)
        return index.records[i].created_at if i is not None else None

    groups = [
        AnchorGroup(
            p.key,
            [(ref, created(ref)) for live in p.records for ref in (live, *merged.get(live, ()))],
        )
        for p in found
    ]
    keys = choose_keys(groups, anchors)
    return sorted(
        (replace(p, key=k) for p, k in zip(found, keys, strict=True)), key=lambda p: p.key
    )


def _ambiguities(issues: Iterable[LinkIssue]) -> tuple[Ambiguity, ...]:
    found = [
        Ambiguity(AmbiguityKind(i.kind), i.email, i.records, i.chosen, i.detail) for i in issues
    ]
    found.sort(key=lambda a: (a.kind.value, a.email or "", [ref_sort_key(r) for r in a.records]))
    return tuple(found)
