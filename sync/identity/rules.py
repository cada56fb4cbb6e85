"""The four linking rules of SPEC §3 as union-find passes over an index of platform records.

:mod:`sync.identity.resolve` owns the public types and the decisions a reader needs to
know about; this module is the machinery: an integer index of the records,
the merge alias chains, and one function per rule that unions record
positions. Every rule decides on a snapshot of the components as the earlier
rules left them and applies its unions afterwards, so that no decision depends
on the order in which records (or email groups) happen to be visited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from connectors.base import PlatformRecord, RecordRef, RecordType

SF_TYPES: frozenset[RecordType] = frozenset(
    {RecordType.SALESFORCE_LEAD, RecordType.SALESFORCE_CONTACT}
)


def normalise_email(email: str | None) -> str | None:
    """SPEC §3's normalised email: trimmed and lower-cased; empty means no email (never matches)."""
    if email is None:
        return None
    cleaned = email.strip().lower()
    return cleaned or None


def ref_sort_key(ref: RecordRef) -> tuple[str, str]:
    return (ref.record_type.value, ref.record_id)


class UnionFind:
    """Disjoint sets over ``0..n-1`` with path halving; the smaller index becomes the root."""

    __slots__ = ("parent",)

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra < rb:
            self.parent[rb] = ra
        elif rb < ra:
            self.parent[ra] = rb

    def union_all(self, pairs: Iterable[tuple[int, int]]) -> None:
        for a, b in pairs:
            self.union(a, b)


# ---------------------------------------------------------------------------- merges (rule 3)


def _merge_claims(records: Sequence[PlatformRecord]) -> dict[RecordRef, list[RecordRef]]:
    """Who says which id was merged into whom: HubSpot survivors, Salesforce merged-away records."""
    claims: dict[RecordRef, list[RecordRef]] = defaultdict(list)
    for rec in records:
        if rec.ref.record_type is RecordType.HUBSPOT_CONTACT:
            for merged_id in rec.merged_ids:
                if merged_id and merged_id != rec.ref.record_id:
                    claims[RecordRef(RecordType.HUBSPOT_CONTACT, merged_id)].append(rec.ref)
        if rec.master_record_id and rec.master_record_id != rec.ref.record_id:
            claims[rec.ref].append(RecordRef(rec.ref.record_type, rec.master_record_id))
    return claims


def _direct_aliases(
    records: Sequence[PlatformRecord], position: Mapping[RecordRef, int]
) -> dict[RecordRef, RecordRef]:
    """One target per merged-away id. Two claims for one id prefer a live final survivor."""
    claims = _merge_claims(records)

    def preference(target: RecordRef) -> tuple[bool, bool, tuple[str, str]]:
        i = position.get(target)
        dead = i is None or records[i].deleted
        return (target in claims, dead, ref_sort_key(target))

    return {src: min(targets, key=preference) for src, targets in claims.items()}


def _final_target(
    start: RecordRef, direct: Mapping[RecordRef, RecordRef], final: dict[RecordRef, RecordRef]
) -> None:
    """Follows one alias chain to its end, memoised in ``final``; a cycle's smallest id survives."""
    path: list[RecordRef] = []
    on_path: set[RecordRef] = set()
    node = start
    while node in direct and node not in final and node not in on_path:
        on_path.add(node)
        path.append(node)
        node = direct[node]
    if node in on_path:
        cycle = path[path.index(node) :]
        node = min(cycle, key=ref_sort_key)
        final[node] = node
    target = final.get(node, node)
    for ref in path:
        final[ref] = target


def resolve_aliases(
    records: Sequence[PlatformRecord], position: Mapping[RecordRef, int]
) -> dict[RecordRef, RecordRef]:
    """Maps every merged-away id to the record it finally lives on (chains followed)."""
    direct = _direct_aliases(records, position)
    final: dict[RecordRef, RecordRef] = {}
    for start in direct:
        _final_target(start, direct, final)
    return {src: dst for src, dst in final.items() if src != dst}


# ---------------------------------------------------------------------------- the index


@dataclass(slots=True)
class RecordIndex:
    """Records by position, which of them are live, and how any id resolves to a live one."""

    records: Sequence[PlatformRecord]
    position: Mapping[RecordRef, int]
    aliases: Mapping[RecordRef, RecordRef]
    live: list[bool]

    @classmethod
    def build(cls, records: Sequence[PlatformRecord]) -> RecordIndex:
        position: dict[RecordRef, int] = {}
        for i, rec in enumerate(records):
            if position.setdefault(rec.ref, i) != i:
                raise ValueError(f"record {rec.ref} appears twice in the input")
        aliases = resolve_aliases(records, position)
        live = [not rec.deleted and rec.ref not in aliases for rec in records]
        return cls(records, position, aliases, live)

    def resolve(self, ref: RecordRef) -> int | None:
        """The position of the live record ``ref`` now means, or None if there is none."""
        i = self.position.get(self.aliases.get(ref, ref))
        return i if i is not None and self.live[i] else None

    def is_known(self, ref: RecordRef) -> bool:
        return self.aliases.get(ref, ref) in self.position

    def live_positions(self) -> list[int]:
        return [i for i, ok in enumerate(self.live) if ok]


# ---------------------------------------------------------------------------- rules 1, 2, 4


@dataclass(frozen=True, slots=True)
class LinkIssue:
    """What a rule noticed; :mod:`sync.identity.resolve` turns it into a reported ambiguity."""

    kind: str
    email: str | None
    records: tuple[RecordRef, ...]
    chosen: RecordRef | None
    detail: str


def link_conversions(index: RecordIndex, uf: UnionFind) -> None:
    """Rule 2: a converted lead and its contact are one person (when both are live)."""
    for i in index.live_positions():
        rec = index.records[i]
        if rec.ref.record_type is RecordType.SALESFORCE_LEAD and rec.converted_contact_id:
            j = index.resolve(RecordRef(RecordType.SALESFORCE_CONTACT, rec.converted_contact_id))
            if j is not None:
                uf.union(i, j)


def _explicit_targets(
    index: RecordIndex, rec: PlatformRecord, issues: list[LinkIssue]
) -> list[tuple[RecordRef, int]]:
    """The live Salesforce records a HubSpot contact's integration ids name; dead links reported."""
    found: list[tuple[RecordRef, int]] = []
    for sf_id, sf_type in (
        (rec.sf_lead_id, RecordType.SALESFORCE_LEAD),
        (rec.sf_contact_id, RecordType.SALESFORCE_CONTACT),
    ):
        if not sf_id:
            continue
        ref = RecordRef(sf_type, sf_id)
        j = index.resolve(ref)
        if j is not None:
            found.append((ref, j))
            continue
        kind = "link_to_deleted" if index.is_known(ref) else "link_to_missing"
        state = "deleted" if kind == "link_to_deleted" else "not among the records read"
        detail = f"{rec.ref.record_id} links to {sf_type.value} {sf_id}, which is {state}; "
        detail += "the email rule applies instead"
        issues.append(LinkIssue(kind, normalise_email(rec.email), (rec.ref, ref), None, detail))
    return found


def link_explicit(index: RecordIndex, uf: UnionFind, issues: list[LinkIssue]) -> None:
    """Rule 1: the integration's Salesforce ids on a HubSpot contact.

    Conflicts are judged on the components that conversions and merges made: a
    lead link and a contact link that are not one person there keep the contact
    link only (the integration fills ``salesforcecontactid`` later in the
    funnel, so the lead id is the stale one), and the conflict is reported.
    """
    pairs: list[tuple[int, int]] = []
    for i in index.live_positions():
        rec = index.records[i]
        if rec.ref.record_type is not RecordType.HUBSPOT_CONTACT:
            continue
        targets = _explicit_targets(index, rec, issues)
        if len(targets) == 2 and uf.find(targets[0][1]) != uf.find(targets[1][1]):
            (lead_ref, _), (contact_ref, _) = targets
            detail = f"{rec.ref.record_id} links to a lead and a contact of different persons; "
            detail += "the contact link is kept"
            records = (rec.ref, lead_ref, contact_ref)
            email = normalise_email(rec.email)
            issues.append(LinkIssue("conflicting_links", email, records, contact_ref, detail))
            targets = targets[1:]
        pairs.extend((i, j) for _, j in targets)
    uf.union_all(pairs)


ActivityKey = Callable[[int], tuple[object, ...]]


def _email_groups(index: RecordIndex) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i in index.live_positions():
        email = normalise_email(index.records[i].email)
        if email is not None:
            groups[email].append(i)
    return groups


def _has_clash(index: RecordIndex, members: Sequence[int], root: Sequence[int]) -> bool:
    """Two components each holding a live Salesforce record of one type with this email."""
    roots_by_type: dict[RecordType, set[int]] = defaultdict(set)
    for i in members:
        record_type = index.records[i].ref.record_type
        if record_type in SF_TYPES:
            roots_by_type[record_type].add(root[i])
    return any(len(roots) > 1 for roots in roots_by_type.values())


def link_emails(
    index: RecordIndex, uf: UnionFind, activity_key: ActivityKey, issues: list[LinkIssue]
) -> None:
    """Rule 4: one normalised email, one person, unless that would merge two Salesforce records.

    When live Salesforce records of one type with this email sit in different
    components, those components stay apart; the components without any live
    Salesforce record (the HubSpot side) join the one holding the most recently
    active of them, and the choice is reported.
    """
    root = list(range(len(index.records)))
    for i in index.live_positions():
        root[i] = uf.find(i)
    sf_roots = {
        root[i] for i in index.live_positions() if index.records[i].ref.record_type in SF_TYPES
    }
    pairs: list[tuple[int, int]] = []
    for email, members in _email_groups(index).items():
        if len({root[i] for i in members}) < 2:
            continue  # one record, or already one person
        if not _has_clash(index, members, root):
            pairs.extend((members[0], j) for j in members[1:])
            continue
        candidates = [i for i in members if index.records[i].ref.record_type in SF_TYPES]
        chosen = max(candidates, key=activity_key)
        pairs.extend((chosen, j) for j in members if root[j] not in sf_roots)
        refs = tuple(sorted((index.records[i].ref for i in candidates), key=ref_sort_key))
        detail = f"{len(candidates)} live Salesforce records share this email and are not linked "
        detail += "otherwise; the HubSpot side goes to the most recently active, the others stay "
        detail += "separate persons"
        issues.append(LinkIssue("shared_email", email, refs, index.records[chosen].ref, detail))
    uf.union_all(pairs)


def activity_key_for(
    index: RecordIndex, last_activity: Mapping[RecordRef, datetime]
) -> ActivityKey:
    """Recency order for the ambiguity rule: last engagement, then creation, then id.

    Only what reengage's own writes cannot move: the person's engagement on the
    platforms (never reengage's tasks or field updates) and the creation date. A
    record's modification stamp (``LastModifiedDate`` / ``SystemModstamp``) is left
    out on purpose: reengage's field update on one lead would make it the newest and
    move the HubSpot contact to it, and the next sync would call it a new person.
    A missing date sorts before any date, so a record we know nothing about never wins.
    """

    def key(i: int) -> tuple[object, ...]:
        rec = index.records[i]
        last = last_activity.get(rec.ref)
        return (
            (last is not None, last),
            (rec.created_at is not None, rec.created_at),
            rec.ref.record_id,
        )

    return key
