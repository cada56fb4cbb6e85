"""The store as the engine's columnar input: persons, one de-duplicated timeline, deals.

Read as Arrow columns (``columns.read_arrow``), turned into numpy arrays without a
Python loop per row:

* activities carry their person's id (``activities.person_id``, kept by identity as its
  record's person: merged-away ids have placeholder records pointing at the survivor's
  person), so they are read with no join; a row read since the last resolution reaches
  its person through its platform record, and HubSpot marketing email events known only
  by address through the persons' emails (joined in Arrow to the cycle's persons);
* the integration's Salesforce copies of HubSpot email events (any closed
  Salesforce email task, whatever its subject) are dropped where their HubSpot
  twin is present within the window (:func:`sync.identity.timeline.drop_mirrored`); an
  unpaired one is real; :func:`person_mirrors` lists one person's pairs;
* a deal linked to several records of one person counts once for that person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, and_, select, union_all

from config.rules import Rules
from connectors.base import DealStatus, Platform, RecordType
from sync.engine import EngineInput
from sync.engine.codes import DealCode
from sync.identity.timeline import (
    OTHER_PLATFORM,
    PLATFORM_CODES,
    drop_mirrored,
    mirror_flags,
    mirror_twins,
)
from sync.store.columns import read_arrow
from sync.store.people import read_people
from sync.store.schema import activities, deal_records, deals, persons, platform_records

_DEAL_CODES = {s.value: int(DealCode[s.name]) for s in DealStatus}
HUBSPOT, SALESFORCE = PLATFORM_CODES[Platform.HUBSPOT], PLATFORM_CODES[Platform.SALESFORCE]


@dataclass(frozen=True)
class Snapshot:
    """The engine's input and how its person indexes map back to the store."""

    input: EngineInput
    person_ids: npt.NDArray[np.int64]  # store persons.id of each engine person index
    person_keys: list[str]
    activities_read: int
    mirrors_dropped: int
    people: pa.Table  # the cycle's persons as columns (sync.store.people), in person_ids order

    def index_of(self, person_id: int) -> int | None:
        i = int(np.searchsorted(self.person_ids, person_id))
        return i if i < len(self.person_ids) and self.person_ids[i] == person_id else None


def _by_record(*extra: Any) -> Any:
    a, r = activities, platform_records
    cols = (a.c.platform, a.c.kind, a.c.occurred_ms, a.c.detail, a.c.is_mirror, *extra)
    return (
        select(r.c.person_id, *cols)
        .join(r, and_(r.c.record_type == a.c.record_type, r.c.record_id == a.c.record_id))
        .where(a.c.deleted.is_(False), r.c.person_id.is_not(None))
    )


def _by_email() -> Any:
    """HubSpot marketing email events known only by address: the address as ``person_id``'s
    stand-in, joined to the cycle's persons in :func:`_activities`."""
    a = activities
    return select(
        a.c.record_id.label("email"), a.c.platform, a.c.kind, a.c.occurred_ms, a.c.detail,
        a.c.is_mirror,
    ).where(a.c.deleted.is_(False), a.c.record_type == RecordType.EMAIL_ADDRESS.value)  # fmt: skip


def _linked() -> Any:
    """Activities whose person identity has set on the row: integer columns, no join."""
    a = activities
    return select(
        a.c.person_id, a.c.platform, a.c.kind, a.c.occurred_ms, a.c.detail, a.c.is_mirror
    ).where(a.c.deleted.is_(False), a.c.person_id.is_not(None))


def _activities(engine: Engine, people: pa.Table) -> pa.Table:
    """Every live activity with its person's store id (see the module docstring): the
    person identity keeps on the row, else (a row read since the last resolution) its
    record's, else (an address) the persons' with that email."""
    linked = read_arrow(engine, _linked())
    unlinked = read_arrow(engine, _by_record().where(activities.c.person_id.is_(None)))
    by_record = pa.concat_tables([linked, unlinked.cast(linked.schema)])
    by_email = read_arrow(engine, _by_email())
    if not by_email.num_rows:
        return by_record
    emails = people.select(["id", "email"]).rename_columns(["person_id", "email"])
    live = emails.filter(pc.is_valid(emails.column("email")))
    joined = by_email.join(live, "email", join_type="inner")
    return pa.concat_tables(
        [by_record, joined.select(by_record.column_names).cast(by_record.schema)]
    )


def _of_persons(acts: pa.Table, person_ids: npt.NDArray[np.int64]) -> pa.Table:
    """The rows whose person is one of ``person_ids`` (a person id kept on an activity row
    outlives a person deleted since the last resolution)."""
    pid = acts.column("person_id").to_numpy().astype(np.int64)
    at = np.minimum(np.searchsorted(person_ids, pid), max(len(person_ids) - 1, 0))
    known = person_ids[at] == pid if len(person_ids) else np.zeros(len(pid), bool)
    return acts if bool(known.all()) else acts.filter(pa.array(known))


def _activity_query(*extra: Any) -> Any:
    """The same rows as :func:`_activities`, in SQL (one person's, or one period's)."""
    a, p = activities, persons
    cols = (a.c.platform, a.c.kind, a.c.occurred_ms, a.c.detail, a.c.is_mirror, *extra)
    by_record = _by_record(*extra)
    by_email = (
        select(p.c.id.label("person_id"), *cols)
        .join(p, p.c.email == a.c.record_id)
        .where(a.c.deleted.is_(False), a.c.record_type == RecordType.EMAIL_ADDRESS.value)
    )
    return union_all(by_record, by_email)


def _deal_query() -> Any:
    d, l, r = deals, deal_records, platform_records  # noqa: E741 - l is the link table
    return (
        select(
            r.c.person_id,
            d.c.id,
            d.c.status,
            d.c.created_ms,
            d.c.closed_ms,
            d.c.amount,
            d.c.loss_reason,
        )
        .distinct()
        .join(l, l.c.deal_pk == d.c.id)
        .join(r, and_(r.c.record_type == l.c.record_type, r.c.record_id == l.c.record_id))
        .where(d.c.deleted.is_(False), r.c.person_id.is_not(None))
    )


def _dictionary(column: pa.ChunkedArray, details: dict[str, int]) -> npt.NDArray[np.int32]:
    """Text column -> indexes into the shared ``details`` list (-1 for null)."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    words = encoded.dictionary.to_pylist()
    remap = np.array([details.setdefault(w, len(details)) for w in words] or [0], np.int32)
    idx = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(idx >= 0, remap[np.maximum(idx, 0)], -1).astype(np.int32)


def load_snapshot(engine: Engine, rules: Rules, people: pa.Table | None = None) -> Snapshot:
    """Reads the whole store into the engine's input (see the module docstring); ``people``:
    the cycle's persons as identity left them (:mod:`sync.store.people`), else read here."""
    people = read_people(engine) if people is None else people
    person_ids = people.column("id").to_numpy().astype(np.int64)
    details: dict[str, int] = {}

    acts = _activities(engine, people)
    acts = _of_persons(acts, person_ids)
    a_person = np.searchsorted(person_ids, acts.column("person_id").to_numpy().astype(np.int64))
    platform = _platform_codes(acts.column("platform"))
    kind = acts.column("kind").to_numpy().astype(np.int64)
    at_ms = acts.column("occurred_ms").to_numpy().astype(np.int64)
    flags = _mirror_flags(acts, rules) & (platform == SALESFORCE)
    window = rules.sources.salesforce.mirror_window_minutes * 60_000
    keep = drop_mirrored(a_person, platform, kind, at_ms, flags, window)
    detail = _dictionary(acts.column("detail"), details)

    dl = read_arrow(engine, select(_deal_query().subquery()))
    loss = _dictionary(dl.column("loss_reason"), details)
    inp = EngineInput(
        person_created_ms=people.column("created_ms").to_numpy().astype(np.int64),
        hubspot_score=pc.fill_null(pc.cast(people.column("hubspot_score"), pa.float64()), np.nan)
        .to_numpy()
        .astype(np.float64),
        act_person=a_person[keep].astype(np.int32),
        act_kind=kind[keep].astype(np.int8),
        act_ms=at_ms[keep],
        act_detail=detail[keep],
        details=list(details),
        deal_person=np.searchsorted(person_ids, dl.column("person_id").to_numpy()).astype(np.int32),
        deal_status=np.array([_DEAL_CODES[s] for s in dl.column("status").to_pylist()], np.int8),
        deal_created_ms=_fill(dl.column("created_ms")),
        deal_closed_ms=_fill(dl.column("closed_ms")),
        deal_amount=pc.fill_null(pc.cast(dl.column("amount"), pa.float64()), np.nan).to_numpy(),
        deal_loss_reason=loss,
    )
    return Snapshot(
        input=inp,
        person_ids=person_ids,
        person_keys=people.column("person_key").to_pylist(),
        activities_read=len(keep),
        mirrors_dropped=int((~keep).sum()),
        people=people,
    )


@dataclass(frozen=True)
class MirrorPair:
    """A Salesforce task taken as the integration's copy, and the HubSpot event it copies."""

    copy_id: str
    copy_ms: int
    copy_detail: str | None
    twin_id: str
    twin_ms: int
    twin_kind: int
    twin_detail: str | None


def person_mirrors(engine: Engine, rules: Rules, person_id: int) -> list[MirrorPair]:
    """One person's copies and their twins, paired as :func:`load_snapshot` pairs them
    (pairs never cross persons, so one person's rows give the same pairs)."""
    sub = _activity_query(activities.c.activity_id).subquery()
    acts = read_arrow(engine, select(sub).where(sub.c.person_id == person_id))
    if not acts.num_rows:
        return []
    twin_of = _twins(acts, rules)
    rows = acts.select(["activity_id", "occurred_ms", "detail", "kind"]).to_pylist()
    pairs = [
        MirrorPair(
            c["activity_id"],
            c["occurred_ms"],
            c["detail"],
            t["activity_id"],
            t["occurred_ms"],
            t["kind"],
            t["detail"],
        )
        for c, t in ((rows[i], rows[j]) for i, j in enumerate(twin_of.tolist()) if j >= 0)
    ]
    return sorted(pairs, key=lambda m: m.copy_ms)


def count_mirrors(engine: Engine, rules: Rules, start_ms: int, end_ms: int) -> int:
    """How many Salesforce tasks dated in ``[start_ms, end_ms)`` were taken as the
    integration's copies (counted once, through their HubSpot twin), for the report.

    Rows a pairing window either side of the period are read too, so that a copy
    near an edge pairs exactly as the snapshot pairs it.
    """
    window = rules.sources.salesforce.mirror_window_minutes * 60_000
    sub = _activity_query().subquery()
    near = sub.c.occurred_ms.between(start_ms - window, end_ms + window)
    acts = read_arrow(engine, select(sub).where(near))
    if not acts.num_rows:
        return 0
    paired = _twins(acts, rules) >= 0
    at = acts.column("occurred_ms").to_numpy().astype(np.int64)
    return int((paired & (at >= start_ms) & (at < end_ms)).sum())


def _twins(acts: pa.Table, rules: Rules) -> npt.NDArray[np.int64]:
    """For each activity row, the row index of the HubSpot twin it copies (-1: none)."""
    platform = _platform_codes(acts.column("platform"))
    return mirror_twins(
        acts.column("person_id").to_numpy().astype(np.int64),
        platform,
        acts.column("kind").to_numpy().astype(np.int64),
        acts.column("occurred_ms").to_numpy().astype(np.int64),
        _mirror_flags(acts, rules) & (platform == SALESFORCE),
        rules.sources.salesforce.mirror_window_minutes * 60_000,
    )


def _platform_codes(column: pa.ChunkedArray) -> npt.NDArray[np.int64]:
    """Each row's :data:`PLATFORM_CODES` code; a plug-in platform's rows are
    :data:`OTHER_PLATFORM` (never paired as a mirror copy or its twin)."""
    on_hubspot = pc.equal(column, Platform.HUBSPOT.value).to_numpy(zero_copy_only=False)
    on_salesforce = pc.equal(column, Platform.SALESFORCE.value).to_numpy(zero_copy_only=False)
    codes = np.select([on_hubspot, on_salesforce], [HUBSPOT, SALESFORCE], OTHER_PLATFORM)
    return np.asarray(codes, dtype=np.int64)


def _fill(column: pa.ChunkedArray) -> npt.NDArray[np.int64]:
    return np.asarray(pc.fill_null(pc.cast(column, pa.int64()), -1).to_numpy(), dtype=np.int64)


def _mirror_flags(acts: pa.Table, rules: Rules) -> npt.NDArray[np.bool_]:
    """The stored mirror flag, or a Salesforce subject matching the integration's pattern."""
    mirrored = pc.cast(acts.column("is_mirror"), pa.bool_())  # SQLite hands back integers
    stored = np.asarray(pc.fill_null(mirrored, False).to_numpy(), dtype=bool)
    encoded = pc.dictionary_encode(acts.column("detail")).combine_chunks()
    words = encoded.dictionary.to_numpy(zero_copy_only=False)
    pattern = rules.sources.salesforce.hubspot_mirror_subject_pattern
    per_word = mirror_flags(words, pattern) if len(words) else np.zeros(0, bool)
    idx = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    flags: npt.NDArray[np.bool_] = stored.copy()
    if len(words):
        flags |= (idx >= 0) & per_word[np.maximum(idx, 0)]
    return flags
