"""One timeline across both platforms: the HubSpot email events Salesforce mirrors count once.

The HubSpot–Salesforce integration copies some HubSpot marketing email events
(sent, open, click) into Salesforce as closed Tasks (``"Email Opened: <name>"``,
completed a few minutes after the event). The Salesforce connector reports
such a task with the kind it mirrors and either ``mirror_of`` set or the
subject in ``detail``; :func:`mirror_flags` turns both into one flag.

**Matching rule** (:func:`drop_mirrored`). A *mirror candidate* is a
Salesforce activity so flagged; its *twins* are the same person's HubSpot
activities of the same kind within ± ``window_ms``. Each twin absorbs at most
one mirror and each mirror at most one twin: mirrors are taken in time order
and each takes the earliest twin still free in its window (the classic greedy
that finds the largest possible matching for windows of equal width; since the
integration copies *after* the event, the earliest twin is also the likely
original). An absorbed mirror is dropped. A mirror left without a twin stays:
its HubSpot original may simply not have been read, and the one copy we hold
still counts once. So one HubSpot open and two mirrored open tasks within the
window make two opens: the integration copies an event once, so the second
task stands for an event whose HubSpot side we do not hold.

**Vectorised.** Rows are sorted by (person, kind, time) and cut into clusters
wherever two neighbours are more than a window apart (nothing can match
across such a gap). Round ``r`` matches the ``r``-th mirror of every cluster
at once, with ``np.searchsorted`` on a monotone (cluster, time) key; the number
of rounds is the most mirrors one cluster holds (a handful), never the number
of activities.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from config.rules import SalesforceSources
from connectors.base import Activity, Platform, RecordRef

__all__ = [
    "PLATFORM_CODES",
    "dedupe_activities",
    "drop_mirrored",
    "mirror_flags",
]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

PLATFORM_CODES: Mapping[Platform, int] = {Platform.HUBSPOT: 0, Platform.SALESFORCE: 1}
"""The integer codes :func:`drop_mirrored` reads in its ``platform`` column."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_NONE = np.array(None, dtype=object)


def mirror_flags(
    details: Sequence[str | None] | npt.NDArray[Any],
    pattern: str | re.Pattern[str],
    mirror_of: Sequence[str | None] | npt.NDArray[Any] | None = None,
) -> BoolArray:
    """Which rows look like integration copies: ``mirror_of`` set, or ``detail`` matches.

    The pattern (``rules.sources.salesforce.hubspot_mirror_subject_pattern``) is
    searched once per distinct detail, not once per row. A missing detail never
    matches. The caller combines this with the platform: only Salesforce rows
    are mirror candidates (:func:`drop_mirrored` enforces it).
    """
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern
    raw = np.asarray(details, dtype=object)
    missing = np.equal(raw, _NONE)
    text = np.where(missing, "", raw).astype(str)
    distinct, inverse = np.unique(text, return_inverse=True)
    matches = np.fromiter((regex.search(d) is not None for d in distinct), bool, len(distinct))
    flags: BoolArray = matches[inverse.reshape(-1)] & ~missing
    if mirror_of is not None:
        marker = np.asarray(mirror_of, dtype=object)
        flags |= ~np.equal(marker, _NONE) & (marker != "")
    return flags


def _codes(values: npt.NDArray[Any]) -> IntArray:
    """Integer codes for any sortable column (person keys may be strings)."""
    if np.issubdtype(values.dtype, np.integer):
        return values.astype(np.int64, copy=False)
    return np.unique(values, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _is_platform(platform: npt.NDArray[Any], which: Platform) -> BoolArray:
    if np.issubdtype(platform.dtype, np.integer):
        return np.asarray(platform == PLATFORM_CODES[which], dtype=bool)
    return np.asarray(platform.astype(str) == which.value, dtype=bool)


def drop_mirrored(
    person: npt.NDArray[Any],
    platform: npt.NDArray[Any],
    kind: npt.NDArray[Any],
    at_ms: npt.NDArray[Any],
    is_mirror: npt.NDArray[Any],
    window_ms: int,
) -> BoolArray:
    """The keep-mask of a timeline once Salesforce copies of HubSpot events are matched away.

    Args:
        person: the person of each row (integer codes or keys).
        platform: :data:`PLATFORM_CODES` values, or platform names.
        kind: activity kind codes (``ActivityKind.code``) or names.
        at_ms: occurrence time, epoch milliseconds.
        is_mirror: the row is a mirror candidate (:func:`mirror_flags`); only
            Salesforce rows count.
        window_ms: how far apart a mirror and its HubSpot twin may be.

    Returns:
        True for every row to keep; False only for absorbed mirrors.
    """
    n = len(person)
    if not all(len(col) == n for col in (platform, kind, at_ms, is_mirror)):
        raise ValueError("drop_mirrored: every column must have the same length")
    if window_ms < 0:
        raise ValueError("drop_mirrored: window_ms must not be negative")
    keep: BoolArray = np.ones(n, dtype=bool)
    twin = _is_platform(platform, Platform.HUBSPOT)
    mirror = np.asarray(is_mirror, dtype=bool) & _is_platform(platform, Platform.SALESFORCE)
    rows = np.flatnonzero(twin | mirror)
    if not mirror.any() or not twin.any():
        return keep
    p, k = _codes(person[rows]), _codes(kind[rows])
    t = np.asarray(at_ms[rows], dtype=np.int64)
    order = np.lexsort((t, k, p))
    rows, p, k, t = rows[order], p[order], k[order], t[order]
    absorbed = _match(_cluster_key(p, k, t, window_ms), twin[rows], mirror[rows], window_ms)
    keep[rows[absorbed]] = False
    return keep


def _cluster_key(p: IntArray, k: IntArray, t: IntArray, window: int) -> tuple[IntArray, IntArray]:
    """Cluster ids and a key that is monotone over the sorted rows and keeps in-cluster gaps.

    Clusters are separated by more than ``window`` in the key, so a window
    around a row never reaches into a neighbouring cluster.
    """
    gap = np.diff(t)
    new = np.ones(len(t), dtype=bool)
    new[1:] = (p[1:] != p[:-1]) | (k[1:] != k[:-1]) | (gap > window)
    cluster = np.cumsum(new) - 1
    step = np.zeros(len(t), dtype=np.int64)
    step[1:] = np.where(new[1:], window + 1, gap)
    return cluster, np.cumsum(step)


def _match(
    keyed: tuple[IntArray, IntArray], twin: BoolArray, mirror: BoolArray, window: int
) -> BoolArray:
    """Greedy matching, one mirror per cluster per round, in time order (module docstring)."""
    cluster, key = keyed
    m = len(key)
    absorbed = np.zeros(m, dtype=bool)
    free = twin.copy()
    mirror_rows = np.flatnonzero(mirror)
    # rank of each mirror inside its cluster: 0 for the first, 1 for the second...
    first_of_cluster = np.searchsorted(cluster[mirror_rows], cluster[mirror_rows], side="left")
    rank = np.arange(len(mirror_rows)) - first_of_cluster
    positions = np.arange(m)
    for r in range(int(rank.max()) + 1 if len(rank) else 0):
        rows = mirror_rows[rank == r]
        next_free = np.minimum.accumulate(np.where(free, positions, m)[::-1])[::-1]
        start = np.searchsorted(key, key[rows] - window, side="left")
        cand = next_free[start]
        ok = cand < m
        cand_safe = np.where(ok, cand, 0)
        ok &= (cluster[cand_safe] == cluster[rows]) & (key[cand_safe] <= key[rows] + window)
        absorbed[rows[ok]] = True
        free[cand_safe[ok]] = False
    return absorbed


def dedupe_activities(
    activities: Sequence[Activity],
    person_of: Mapping[RecordRef, str],
    sources: SalesforceSources,
) -> list[Activity]:
    """:func:`drop_mirrored` for activity objects (tests, small runs, ``explain``).

    Activities whose record has no person cannot have a twin and are all kept.
    """
    if not activities:
        return []
    keys = [person_of.get(a.record) for a in activities]
    person = np.array([key if key is not None else f"\0{i}" for i, key in enumerate(keys)])
    platform = np.array([PLATFORM_CODES[a.platform] for a in activities], dtype=np.int64)
    kind = np.array([a.kind.code for a in activities], dtype=np.int64)
    at_ms = np.array([(a.occurred_at - _EPOCH) // _MS for a in activities], dtype=np.int64)
    flags = mirror_flags(
        [a.detail for a in activities],
        sources.hubspot_mirror_subject_pattern,
        [a.mirror_of for a in activities],
    )
    window_ms = sources.mirror_window_minutes * 60_000
    keep = drop_mirrored(person, platform, kind, at_ms, flags, window_ms)
    return [a for a, kept in zip(activities, keep, strict=True) if kept]
