"""Identity edge cases: merged, deleted, archived and duplicate records.

Each case picks a few persons (``Knobs.edge_count``) and adds or flags
records: HubSpot merges (the loser's id survives only in the survivor's
``hs_merged_object_ids`` and the seed's ``merged`` map), Salesforce merges (a
deleted loser lead with ``MasterRecordId``; some HubSpot contacts still point
at the loser), HubSpot archived contacts, Salesforce deleted leads (some
within ``getDeleted``'s 15 days, some older; a linked HubSpot contact then
points at a deleted lead), and duplicate live leads sharing one email.
Extra lead / contact ids are numbered after the persons' own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sandbox.dataset.knobs import Knobs
from sandbox.dataset.population import Persons
from sandbox.dataset.presence import Presence, SfKind
from sandbox.dataset.timecols import DAY

I64 = npt.NDArray[np.int64]


@dataclass(slots=True)
class EdgeCases:
    hs_merged: I64  # persons whose HubSpot contact absorbed a duplicate
    hs_merged_at: I64
    sf_merged: I64  # persons whose lead absorbed a duplicate lead
    sf_merged_at: I64
    sf_merged_linked: npt.NDArray[np.bool_]  # HubSpot still points at the merged-away lead
    dup_lead: I64  # persons with a second, live lead
    dup_created: I64
    hs_archived_at: I64  # per person, -1 = not archived
    sf_deleted_at: I64  # per person, -1 = not deleted
    persons: int

    def hs_merged_seq(self) -> I64:
        """Contact sequence numbers of the merged-away HubSpot contacts."""
        return self.persons + np.arange(self.hs_merged.size, dtype=np.int64)

    def sf_merged_seq(self) -> I64:
        return self.persons + np.arange(self.sf_merged.size, dtype=np.int64)

    def dup_seq(self) -> I64:
        return self.persons + self.sf_merged.size + np.arange(self.dup_lead.size, dtype=np.int64)


def _take(rng: np.random.Generator, pool: npt.NDArray[np.bool_], count: int) -> I64:
    idx = np.flatnonzero(pool)
    return np.sort(rng.choice(idx, min(count, idx.size), replace=False)).astype(np.int64)


def _between(rng: np.random.Generator, lo: I64, hi: I64) -> I64:
    out: I64 = lo + (rng.random(lo.size) * np.maximum(hi - lo, 1)).astype(np.int64)
    return out


def make_edge_cases(
    rng: np.random.Generator, p: Persons, pr: Presence, now: int, knobs: Knobs
) -> EdgeCases:
    n = p.count
    free = ~p.customer & ~p.open_deal & ~p.lost_deal
    lead = pr.sf_kind == SfKind.LEAD
    old = p.created < now - 30 * DAY
    hs_merged = _take(rng, pr.in_hs & old, knobs.edge_count(knobs.hubspot_merged_share, n))
    taken = np.zeros(n, dtype=np.bool_)
    taken[hs_merged] = True
    sf_merged = _take(rng, lead & old & ~taken, knobs.edge_count(knobs.salesforce_merged_share, n))
    taken[sf_merged] = True
    dup = _take(rng, lead & old & ~taken, knobs.edge_count(knobs.duplicate_lead_share, n))
    taken[dup] = True
    archived = _take(
        rng, pr.in_hs & free & old & ~taken, knobs.edge_count(knobs.hubspot_archived_share, n)
    )
    taken[archived] = True
    n_del = knobs.edge_count(knobs.salesforce_deleted_share, n)
    deleted = np.concatenate(
        [
            _take(rng, lead & free & old & ~taken & pr.id_linked, n_del // 2),
            _take(rng, lead & free & old & ~taken & ~pr.in_hs, n_del - n_del // 2),
        ]
    )
    hs_archived_at = np.full(n, -1, dtype=np.int64)
    hs_archived_at[archived] = _between(
        rng, p.created[archived] + DAY, np.full(archived.size, now - DAY)
    )
    sf_deleted_at = np.full(n, -1, dtype=np.int64)
    recent = rng.random(deleted.size) < 0.5
    sf_deleted_at[deleted] = np.where(
        recent,
        now - rng.integers(DAY, 14 * DAY, deleted.size),
        np.maximum(now - rng.integers(20 * DAY, 400 * DAY, deleted.size), p.created[deleted] + DAY),
    )
    return EdgeCases(
        hs_merged=hs_merged,
        hs_merged_at=_between(rng, p.created[hs_merged] + DAY, np.full(hs_merged.size, now - DAY)),
        sf_merged=sf_merged,
        sf_merged_at=_between(rng, p.created[sf_merged] + DAY, np.full(sf_merged.size, now - DAY)),
        sf_merged_linked=pr.id_linked[sf_merged] & (rng.random(sf_merged.size) < 0.6),
        dup_lead=dup,
        dup_created=_between(rng, p.created[dup] + DAY, np.full(dup.size, now - DAY)),
        hs_archived_at=hs_archived_at,
        sf_deleted_at=sf_deleted_at,
        persons=n,
    )
