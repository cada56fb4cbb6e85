"""One timeline across both platforms: the HubSpot email events Salesforce mirrors count once.

The HubSpot–Salesforce integration copies HubSpot email events (sent, open,
click) into Salesforce as closed email Tasks, a few minutes after the event.
HubSpot documents *that* it does, not the wording: the subject may read
``Email Sent: <name>``, ``Marketing Email: <name>``, ``Email: <name>`` or just
the email's name. So a copy is recognised by what it is, never by its subject
alone (SPEC §3).

**Matching rule** (:func:`mirror_twins`). A *mirror candidate* is any
Salesforce row of an email kind (sent, open, click: the connector maps every
closed email Task, by ``TaskSubtype`` or ``Type``, to one of them), or one
flagged as a copy (``mirror_of``, the subject pattern: further evidence). Its
possible *twins* are the same person's HubSpot rows of an email kind within
± ``window_ms`` (the task's completion time, else its creation time, against
the event's). The kinds are not compared: a subject like ``Email: X`` does not
say whether it copies a send, an open or a click. Pairing is one to one and
nearest first: of all possible pairs, the closest in time is taken first, then
the closest among those left, and so on (ties: the twin before the copy, since
the integration copies after the event; then the earlier rows). A paired
candidate is dropped; an unpaired one is real and stays: a sales rep's own
email logged in Salesforce, or a copy whose HubSpot original was not read,
counts once.

**Vectorised.** Rows are sorted by (person, time) and cut into clusters
wherever two neighbours are more than a window apart, with a monotone key that
puts clusters more than a window apart (nothing can pair across a gap). Each
round finds, with ``np.searchsorted``, every free candidate's nearest free
twin and every free twin's nearest free candidate, and pairs those that chose
each other. Such a mutually nearest pair is the closest pair left for both its
rows, so the rounds take exactly the pairs the nearest-first order takes (the
"locally dominant edge" form of the greedy matching); every round pairs at
least the closest pair left, and a candidate with no twin in its window leaves
the rounds at once. Rounds are few: as many as the longest chain of
overlapping windows inside one person's hour, never the number of rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from config.rules_platform import SalesforceSources
from connectors.base import Activity, ActivityKind, Platform, RecordRef

__all__ = [
    "EMAIL_KINDS",
    "OTHER_PLATFORM",
    "PLATFORM_CODES",
    "dedupe_activities",
    "drop_mirrored",
    "mirror_flags",
    "mirror_pairs",
    "mirror_twins",
]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

PLATFORM_CODES: Mapping[Platform, int] = {Platform.HUBSPOT: 0, Platform.SALESFORCE: 1}
"""The integer codes :func:`drop_mirrored` reads in its ``platform`` column."""
OTHER_PLATFORM = 2
"""The code of a plug-in platform's rows: never a copy, never a twin."""

EMAIL_KINDS = (ActivityKind.EMAIL_SENT, ActivityKind.EMAIL_OPEN, ActivityKind.EMAIL_CLICK)
"""The kinds an integration copy and its HubSpot twin may have (the kinds are not compared)."""

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


def _email_rows(kind: npt.NDArray[Any]) -> BoolArray:
    """Rows of an email kind (sent, open, click), from kind codes or names."""
    if np.issubdtype(kind.dtype, np.integer):
        return np.isin(kind, [k.code for k in EMAIL_KINDS])
    return np.isin(kind.astype(str), [k.value for k in EMAIL_KINDS])


def mirror_twins(
    person: npt.NDArray[Any],
    platform: npt.NDArray[Any],
    kind: npt.NDArray[Any],
    at_ms: npt.NDArray[Any],
    is_mirror: npt.NDArray[Any],
    window_ms: int,
) -> IntArray:
    """For each row, the row of the HubSpot event it copies, or -1 (module docstring).

    Args:
        person: the person of each row (integer codes or keys).
        platform: :data:`PLATFORM_CODES` values, or platform names.
        kind: activity kind codes (``ActivityKind.code``) or names.
        at_ms: occurrence time, epoch milliseconds.
        is_mirror: further evidence that a row is a copy (:func:`mirror_flags`);
            Salesforce rows of an email kind are candidates without it.
        window_ms: how far apart a copy and its HubSpot twin may be.

    Returns:
        -1 for every row except the Salesforce copies paired with a twin, which
        hold the index of that twin.
    """
    n = len(person)
    if not all(len(col) == n for col in (platform, kind, at_ms, is_mirror)):
        raise ValueError("mirror_twins: every column must have the same length")
    if window_ms < 0:
        raise ValueError("mirror_twins: window_ms must not be negative")
    twin_of: IntArray = np.full(n, -1, dtype=np.int64)
    email = _email_rows(np.asarray(kind))
    twin = _is_platform(platform, Platform.HUBSPOT) & email
    mirror = _is_platform(platform, Platform.SALESFORCE) & (email | np.asarray(is_mirror, bool))
    if not mirror.any() or not twin.any():
        return twin_of
    rows = np.flatnonzero(twin | mirror)
    # a flagged row of another kind pairs only with its own kind: its family is its kind
    family = np.where(email[rows], -1, _codes(np.asarray(kind)[rows]))
    p, k = _codes(np.asarray(person)[rows]), _codes(np.asarray(kind)[rows])
    t = np.asarray(at_ms[rows], dtype=np.int64)
    flagged = np.asarray(is_mirror, bool)[rows]  # ties: flagged copies pair first
    order = np.lexsort((~flagged, k, t, family, p))
    rows, p, family, t = rows[order], p[order], family[order], t[order]
    key = _cluster_key(p, family, t, window_ms)
    mirrors, twins = _pair(key, np.flatnonzero(mirror[rows]), np.flatnonzero(twin[rows]), window_ms)
    twin_of[rows[mirrors]] = rows[twins]
    return twin_of


def drop_mirrored(
    person: npt.NDArray[Any],
    platform: npt.NDArray[Any],
    kind: npt.NDArray[Any],
    at_ms: npt.NDArray[Any],
    is_mirror: npt.NDArray[Any],
    window_ms: int,
) -> BoolArray:
    """The keep-mask of a timeline: False only for the copies :func:`mirror_twins` pairs."""
    keep: BoolArray = mirror_twins(person, platform, kind, at_ms, is_mirror, window_ms) < 0
    return keep


def _cluster_key(p: IntArray, f: IntArray, t: IntArray, window: int) -> IntArray:
    """A key monotone over the sorted rows that keeps in-cluster gaps and puts clusters
    (same person and family, no gap over ``window``) more than ``window`` apart."""
    gap = np.diff(t)
    new = np.ones(len(t), dtype=bool)
    new[1:] = (p[1:] != p[:-1]) | (f[1:] != f[:-1]) | (gap > window)
    step = np.zeros(len(t), dtype=np.int64)
    step[1:] = np.where(new[1:], window + 1, gap)
    return np.cumsum(step)


def _nearest(src: IntArray, dst: IntArray, window: int) -> IntArray:
    """For each key in ``src``, the index of the nearest key in sorted ``dst`` within
    ``window`` (-1 if none); ties go to the earlier side, then the first equal key."""
    after = np.searchsorted(dst, src, side="left")  # first dst key >= src key
    before = after - 1  # last dst key < src key...
    has_before, has_after = before >= 0, after < len(dst)
    d_before = np.where(has_before, src - dst[np.maximum(before, 0)], window + 1)
    d_after = np.where(has_after, dst[np.minimum(after, len(dst) - 1)] - src, window + 1)
    # ...and the first of the keys equal to it, so that both sides break ties alike
    first_before = np.searchsorted(dst, dst[np.maximum(before, 0)], side="left")
    pick = np.where(d_before <= d_after, first_before, after)
    return np.where(np.minimum(d_before, d_after) <= window, pick, -1)


def _pair(
    key: IntArray, mirrors: IntArray, twins: IntArray, window: int
) -> tuple[IntArray, IntArray]:
    """Nearest-first one-to-one pairs (positions into ``key``), by mutually nearest rounds."""
    got_m: list[IntArray] = []
    got_t: list[IntArray] = []
    while len(mirrors) and len(twins):
        choice = _nearest(key[mirrors], key[twins], window)
        mirrors, choice = mirrors[choice >= 0], choice[choice >= 0]  # no twin: never will be
        if not len(mirrors):
            break
        back = _nearest(key[twins], key[mirrors], window)
        mutual = back[choice] == np.arange(len(mirrors))
        got_m.append(mirrors[mutual])
        got_t.append(twins[choice[mutual]])
        mirrors = mirrors[~mutual]
        twins = np.delete(twins, choice[mutual])
    if not got_m:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(got_m), np.concatenate(got_t)


def _columns(
    activities: Sequence[Activity], person_of: Mapping[RecordRef, str], sources: SalesforceSources
) -> IntArray:
    """:func:`mirror_twins` over activity objects; activities whose record has no person
    cannot have a twin (each gets a person of its own)."""
    keys = [person_of.get(a.record) for a in activities]
    person = np.array([key if key is not None else f"\0{i}" for i, key in enumerate(keys)])
    codes = [PLATFORM_CODES.get(a.platform, OTHER_PLATFORM) for a in activities]
    platform = np.array(codes, dtype=np.int64)
    kind = np.array([a.kind.code for a in activities], dtype=np.int64)
    at_ms = np.array([(a.occurred_at - _EPOCH) // _MS for a in activities], dtype=np.int64)
    flags = mirror_flags(
        [a.detail for a in activities],
        sources.hubspot_mirror_subject_pattern,
        [a.mirror_of for a in activities],
    )
    window_ms = sources.mirror_window_minutes * 60_000
    return mirror_twins(person, platform, kind, at_ms, flags, window_ms)


def mirror_pairs(
    activities: Sequence[Activity],
    person_of: Mapping[RecordRef, str],
    sources: SalesforceSources,
) -> list[tuple[Activity, Activity]]:
    """(Salesforce copy, the HubSpot event it copies) for every copy recognised (``explain``)."""
    if not activities:
        return []
    twin_of = _columns(activities, person_of, sources)
    return [(activities[i], activities[j]) for i, j in enumerate(twin_of.tolist()) if j >= 0]


def dedupe_activities(
    activities: Sequence[Activity],
    person_of: Mapping[RecordRef, str],
    sources: SalesforceSources,
) -> list[Activity]:
    """:func:`drop_mirrored` for activity objects (tests, small runs, ``explain``)."""
    if not activities:
        return []
    twin_of = _columns(activities, person_of, sources)
    return [a for a, twin in zip(activities, twin_of.tolist(), strict=True) if twin < 0]
