"""``writes``: the first apply's write requests against the fewest the batch sizes allow,
and an unchanged rerun's (none).

The minimum comes from the first plan's operation counts per (platform, operation,
HubSpot list), each divided by its write's batch size and rounded up: HubSpot batch
updates and task creates 100 a call, list memberships 250 ids a call and one list
per call; Salesforce sObject Collections 200 records a call (field updates, campaign
members of any campaigns, tasks, deletions). Made is what the emulators served
during the cycle (pull, plan and apply), HubSpot reads through POST left out.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from typing import Any

from benchmarks.measure import peak_rss_mb, progress, ratio
from benchmarks.world import World, open_world, stored_activities
from connectors.base import Platform
from sync.plan import OpKind, Plan
from sync.run import CycleOptions, run_cycle

DEFAULT_PERSONS = 5_000
HUBSPOT_BATCH = 100
HUBSPOT_MEMBERSHIP_IDS = 250
SALESFORCE_COLLECTION = 200


def minimum_requests(plan: Plan) -> Counter[str]:
    """The fewest write requests per platform and operation that carry the whole plan."""
    per: Counter[tuple[Platform, OpKind, str]] = Counter()
    for op in plan.operations:
        if op.platform is None:
            continue
        in_list = op.op in (OpKind.ADD_MEMBER, OpKind.REMOVE_MEMBER)
        list_name = op.target or "" if in_list and op.platform is Platform.HUBSPOT else ""
        per[(op.platform, op.op, list_name)] += 1
    out: Counter[str] = Counter()
    for (platform, kind, _list), n in per.items():
        if platform is Platform.SALESFORCE:
            size = SALESFORCE_COLLECTION
        elif kind in (OpKind.ADD_MEMBER, OpKind.REMOVE_MEMBER):
            size = HUBSPOT_MEMBERSHIP_IDS
        else:
            size = HUBSPOT_BATCH
        out[f"{platform.value} {kind.value}"] += math.ceil(n / size)
    return out


def sync(world: World) -> tuple[Plan, Counter[str], float]:
    """One sync cycle (pull, plan, apply) as of the world's now: plan, writes, seconds."""
    world.reset_counts()
    started = time.perf_counter()
    result = run_cycle(
        world.engine,
        world.connectors,
        world.rules,
        CycleOptions(kind="sync", as_of=world.as_of, plan=True, apply=True),
    )
    took = time.perf_counter() - started
    if result.status != "ok" or result.plan is None:
        raise RuntimeError(f"the sync did not finish: {result.status} {result.message}")
    made = world.hubspot_writes() + world.salesforce_writes()
    return result.plan, made, took


def run(opts: argparse.Namespace) -> dict[str, Any]:
    persons = opts.persons or DEFAULT_PERSONS
    progress(f"opening a sandbox world of {persons:,} persons")
    world = open_world(persons)
    try:
        progress("first sync (pull, plan, apply)")
        plan, made, first_s = sync(world)
        progress("unchanged rerun")
        _, again, rerun_s = sync(world)
        acts = stored_activities(world)
    finally:
        world.close()
    least, sent = sum(minimum_requests(plan).values()), sum(made.values())
    return {
        "benchmark": "writes",
        "persons": persons,
        "activities": acts,
        "seconds": {
            "first_sync": round(first_s, 3),
            "rerun": round(rerun_s, 3),
            "total": round(first_s + rerun_s, 3),
        },
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_of": "this process (sandbox emulators and reengage in one process)",
        "operations": len(plan.operations),
        "requests": {
            "first_apply_writes": sent,
            "minimum_writes": least,
            "rerun_writes": sum(again.values()),
            "minimum_by_operation": dict(minimum_requests(plan)),
            "made_by_route": dict(made),
        },
        "ratios": {"first_apply_over_minimum": ratio(sent, least)},
    }
