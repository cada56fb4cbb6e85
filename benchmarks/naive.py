"""``naive``: the RevOps script (:mod:`benchmarks.naive_script`) beside reengage, same world.

One sandbox world (rate limits off unless ``--ten-second-limit`` is given):

1. the naive script lists every contact and lead and reads each person's activities,
   one request per activity kind;
2. reengage runs one sync (pull, plan, apply) from a fresh store;
3. the naive script writes what reengage planned, one request per record, membership
   and task (and one look-up per list or campaign).

Requests are the emulators' own counts over each phase (reads and writes, both
platforms); the naive script's per-step tally is reported beside them.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from benchmarks.measure import peak_rss_mb, progress, ratio
from benchmarks.naive_script import (
    Person,
    Tally,
    Write,
    Writer,
    hubspot_client,
    list_hubspot,
    list_salesforce,
    read_activities,
    salesforce_client,
)
from benchmarks.world import UNLIMITED, World, open_world
from config.rules import Rules
from sync.plan import Operation, OpKind, Plan
from sync.run import CycleOptions, run_cycle

DEFAULT_PERSONS = 10_000
_SOBJECT = {"salesforce_lead": "Lead", "salesforce_contact": "Contact"}
_KIND = {OpKind.UPDATE_FIELDS: "fields", OpKind.ADD_MEMBER: "add",
         OpKind.REMOVE_MEMBER: "remove", OpKind.CREATE_TASK: "task"}  # fmt: skip


def to_write(op: Operation, rules: Rules) -> Write | None:
    """Reengage's operation as the naive script's write (alerts: none)."""
    if op.record is None or op.op not in _KIND:
        return None
    rtype = op.record.record_type.value
    hubspot = rtype == "hubspot_contact"
    person = Person("hubspot" if hubspot else "salesforce",
                    "contacts" if hubspot else _SOBJECT[rtype], op.record.record_id)  # fmt: skip
    names = rules.fields.hubspot if hubspot else rules.fields.salesforce
    values = {getattr(names, k, k): v for k, v in op.payload.get("values", {}).items()}
    prefix, target = rules.lists.prefix, op.target or ""
    list_name = target if target.startswith(prefix) else prefix + target
    return Write(_KIND[op.op], person, values, list_name,
                 str(op.payload.get("subject", "")), str(op.payload.get("due", "")))  # fmt: skip


def _phase(world: World) -> tuple[float, dict[str, int]]:
    world.reset_counts()
    return time.perf_counter(), {}


def _naive_reads(world: World, tally: Tally) -> tuple[Any, Any, list[Person], int]:
    env, box = world.env, world.box
    hs = hubspot_client(env["REENGAGE_HUBSPOT__ACCESS_TOKEN"], env["REENGAGE_HUBSPOT__BASE_URL"])
    sf = salesforce_client(env["REENGAGE_SALESFORCE__INSTANCE_URL"],
                           box.salesforce.state.issue_session(),
                           env["REENGAGE_SALESFORCE__API_VERSION"],
                           env["REENGAGE_SALESFORCE__CA_BUNDLE"])  # fmt: skip
    persons = list_hubspot(hs, tally) + list_salesforce(sf, tally)
    return hs, sf, persons, read_activities(hs, sf, persons, tally)


def _reengage(world: World) -> Plan:
    result = run_cycle(
        world.engine,
        world.connectors,
        world.rules,
        CycleOptions(kind="sync", as_of=world.as_of, plan=True, apply=True),
    )
    if result.status != "ok" or result.plan is None:
        raise RuntimeError(f"reengage's sync did not finish: {result.message}")
    return result.plan


def run(opts: argparse.Namespace) -> dict[str, Any]:
    persons = opts.persons or DEFAULT_PERSONS
    limit = opts.ten_second_limit or UNLIMITED
    progress(f"opening a sandbox world of {persons:,} persons (10-second limit {limit:,})")
    world = open_world(persons, ten_second_limit=limit)
    tally, seconds, requests = Tally(), {}, {}
    try:
        started, _ = _phase(world)
        progress("naive script: list persons, read activities person by person")
        hs, sf, people, seen = _naive_reads(world, tally)
        seconds["naive_reads"], requests["naive_reads"] = (
            time.perf_counter() - started,
            world.requests(),
        )
        started, _ = _phase(world)
        progress("reengage: one sync (pull, plan, apply)")
        plan = _reengage(world)
        seconds["reengage"] = time.perf_counter() - started
        requests["reengage"] = world.requests()
        started, _ = _phase(world)
        progress(f"naive script: writing {len(plan.operations):,} operations one by one")
        writer = Writer(hs, sf, tally)
        for w in filter(None, (to_write(op, world.rules) for op in plan.operations)):
            writer.write(w)
        seconds["naive_writes"], requests["naive_writes"] = (
            time.perf_counter() - started,
            world.requests(),
        )
    finally:
        world.close()
    naive = sum(requests["naive_reads"].values()) + sum(requests["naive_writes"].values())
    ours = sum(requests["reengage"].values())
    naive_s = seconds["naive_reads"] + seconds["naive_writes"]
    return {
        "benchmark": "naive",
        "persons": persons,
        "activities": seen,
        "ten_second_limit": limit,
        "seconds": {
            **{k: round(v, 3) for k, v in seconds.items()},
            "naive_total": round(naive_s, 3),
            "total": round(naive_s, 3),
        },
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_of": "this process (sandbox emulators, reengage and the script)",
        "persons_listed": len(people),
        "operations": len(plan.operations),
        "requests": {
            "naive": naive,
            "reengage": ours,
            "by_phase": requests,
            "naive_by_step": dict(tally.calls),
            "naive_errors": dict(tally.errors),
        },
        "ratios": {
            "naive_over_reengage_requests": ratio(naive, ours),
            "naive_over_reengage_seconds": ratio(naive_s, seconds["reengage"]),
        },
    }
