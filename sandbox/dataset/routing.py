"""Which platform record each activity lands on, shared by both renders.

Marketing email, web, forms and replies live in HubSpot; campaign membership,
and (for most people in Salesforce) calls, meetings, notes and tasks, live in
Salesforce. A deleted or archived record keeps only what happened before its
deletion. A converted lead keeps its activities from before the conversion;
later ones go to the contact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from sandbox.dataset.acts import Act
from sandbox.dataset.presence import SfKind
from sandbox.dataset.world import World

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
SALES_ACTS = (
    Act.SALES_EMAIL,
    Act.MEETING_HELD,
    Act.MEETING_FUTURE,
    Act.CALL_CONNECTED,
    Act.CALL_ATTEMPT,
    Act.NOTE,
    Act.TASK_DONE,
    Act.TASK_OPEN,
)


def kinds(world: World, *acts: Act) -> Bools:
    return np.isin(world.activities.kind, np.array(acts, dtype=np.int8))


def hubspot_mask(world: World) -> Bools:
    """Activities recorded in HubSpot (as objects, email events or behavioural events)."""
    a, pr = world.activities, world.presence
    in_hs = pr.in_hs[a.person]
    sales = kinds(world, *SALES_ACTS) & pr.sales_in_sf[a.person]
    hs_kinds = ~kinds(world, Act.EVENT_INVITE, Act.EVENT_ATTEND)
    archived = world.edges.hs_archived_at[a.person]
    alive = (archived < 0) | (a.at < archived)
    return in_hs & hs_kinds & ~sales & alive


def salesforce_mask(world: World) -> Bools:
    a, pr = world.activities, world.presence
    in_sf = pr.in_sf[a.person]
    sales = kinds(world, *SALES_ACTS) & pr.sales_in_sf[a.person]
    campaign = kinds(world, Act.EVENT_INVITE, Act.EVENT_REGISTER, Act.EVENT_ATTEND, Act.DOWNLOAD)
    deleted = world.edges.sf_deleted_at[a.person]
    alive = (deleted < 0) | (a.at < deleted)
    return in_sf & (sales | campaign) & alive


def on_contact(world: World, person: I64, at: I64) -> Bools:
    """Whether a Salesforce activity of ``person`` at ``at`` belongs to their Contact."""
    kind = world.presence.sf_kind[person]
    conv = world.presence.converted_at[person]
    out: Bools = (kind == SfKind.CONTACT) | ((kind == SfKind.CONVERTED) & (at >= conv))
    return out


def rows(columns: dict[str, Sequence[Any] | Any], count: int) -> list[dict[str, Any]]:
    """Row dicts from columns (sequences of length ``count``) and constants."""
    keys = list(columns)
    iters: list[Iterable[Any]] = []
    for value in columns.values():
        is_seq = isinstance(value, list)
        iters.append(value if is_seq else repeat(value, count))
    return [dict(zip(keys, vals, strict=False)) for vals in zip(*iters, strict=False)]


def pick(table: Sequence[str], idx: I64) -> list[str]:
    return [table[i] for i in idx.tolist()]
