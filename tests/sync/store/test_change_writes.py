"""Identity and decisions write only what changed: a steady cycle writes no row, and a
change to one person writes that person's rows only.

Rows written are counted as the database reports them (the driver's ``rowcount`` of
every INSERT, UPDATE and DELETE the store runs), per table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from connectors.base import Activity, ActivityKind, Platform, RecordRef, RecordType
from sync.decide import Classification
from sync.run import classify_all
from sync.store.decisions import state_rows
from sync.store.migrate import open_store
from sync.store.mirror import save_activities
from sync.store.schema import (
    activities,
    episodes,
    holdout,
    person_anchors,
    person_states,
    persons,
    platform_records,
    segment_memberships,
    transitions,
)
from tests.sync.store.worlds import NOW, RULES, store_world

WATCHED = (persons, platform_records, person_anchors, person_states, episodes, transitions,
           segment_memberships, holdout)  # fmt: skip
DECISIONS = ("person_states", "episodes", "transitions", "segment_memberships")


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = open_store(store_url)
    yield eng
    eng.dispose()


@pytest.fixture
def written(engine: Engine) -> Iterator[Counter[str]]:
    """Rows the database reports changed, per table."""
    rows: Counter[str] = Counter()

    def after(_conn: Any, cursor: Any, _stmt: Any, _params: Any, context: Any, _many: Any) -> None:
        if context.isinsert or context.isupdate or context.isdelete:
            rows[context.compiled.statement.table.name] += max(cursor.rowcount, 0)

    event.listen(engine, "after_cursor_execute", after)
    yield rows
    event.remove(engine, "after_cursor_execute", after)


def _tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(select(t))), key=repr) for t in WATCHED}


def _cycle(engine: Engine, hours: int) -> Classification:
    return classify_all(engine, RULES, NOW + timedelta(hours=hours))[1]


def test_a_steady_cycle_writes_no_row(engine: Engine, written: Counter[str]) -> None:
    store_world(engine)
    first = _cycle(engine, 0)
    assert sum(written[t] for t in DECISIONS) == first.stats.written > 0  # the count counts
    kept = _tables(engine)
    written.clear()
    identity, steady = classify_all(engine, RULES, NOW + timedelta(hours=1))
    assert (identity.written, steady.stats.written) == (0, 0)
    assert sum(written.values()) == 0, dict(written)
    assert _tables(engine) == kept


def _bob_reacts(engine: Engine) -> None:
    bob = RecordRef(RecordType.SALESFORCE_CONTACT, "003B")
    click = Activity(Platform.SALESFORCE, "00TB9", bob, ActivityKind.EMAIL_CLICK,
                     NOW + timedelta(hours=1), "Email Clicked: news")  # fmt: skip
    with engine.begin() as conn:
        save_activities(conn, [click])


def _bob(engine: Engine) -> int:
    with engine.connect() as conn:
        key = persons.c.person_key == "salesforce_contact:003B"
        return int(conn.execute(select(persons.c.id).where(key)).scalar_one())


def test_one_person_changed_writes_that_person_only(engine: Engine, written: Counter[str]) -> None:
    store_world(engine)
    _cycle(engine, 0)
    before = _tables(engine)
    _bob_reacts(engine)
    written.clear()
    identity, c = classify_all(engine, RULES, NOW + timedelta(hours=2))
    after, bob = _tables(engine), _bob(engine)
    assert identity.written == 1  # Bob's new click: its row takes his person id
    with engine.connect() as conn:
        click = activities.c.activity_id == "00TB9"
        assert conn.execute(select(activities.c.person_id).where(click)).scalar_one() == bob
    # Bob reactivated: his state, a transition, his episode ended, his membership closed
    wrote = {t: n for t, n in written.items() if n}
    assert wrote == {**dict.fromkeys(DECISIONS, 1), "activities": 1}
    assert c.stats.written == 4
    for name, pid_at in (("person_states", 0), ("episodes", 1), ("transitions", 1),
                         ("segment_memberships", 1)):  # fmt: skip
        others_before = [r for r in before[name] if r[pid_at] != bob]
        others_after = [r for r in after[name] if r[pid_at] != bob]
        assert others_after == others_before, name
        bobs = (
            [r for r in before[name] if r[pid_at] == bob],
            [r for r in after[name] if r[pid_at] == bob],
        )
        assert bobs[0] != bobs[1], name
    # what is stored equals a full rewrite of this classification (as_of aside)
    want = state_rows(c.snapshot, c.decisions, c.holdout)
    with engine.connect() as conn:
        stored = {r["person_id"]: dict(r) for r in conn.execute(select(person_states)).mappings()}
    for row in want:
        got = stored[row["person_id"]]
        assert {k: v for k, v in got.items() if k != "as_of"} == {
            k: v for k, v in row.items() if k != "as_of"
        }


TAMPERED = {"is_customer": False, "status": "x", "segment": "x", "period_segment": "x",
            "approach": "x", "dormant_days": 12345, "score": 999.0, "last_touch": "x",
            "holdout": True, "quiet_since": NOW, "last_engagement_at": NOW,
            "episode_start": NOW, "outcome": "x", "ended_at": NOW, "reactivated_at": NOW,
            "handed_off_at": NOW}  # fmt: skip


def _rows_of(engine: Engine, table: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return sorted((tuple(r) for r in conn.execute(select(table))), key=repr)


@pytest.mark.parametrize("column", sorted(TAMPERED))
def test_a_stored_value_unlike_the_classification_is_rewritten(engine: Engine, column: str) -> None:
    """Every compared column is compared: a stored value changed behind the classification's
    back (one row) is put back by the next cycle, and nothing else is written."""
    store_world(engine)
    _cycle(engine, 0)
    table = person_states if column in person_states.c else episodes
    want = _rows_of(engine, table)
    with engine.begin() as conn:
        first = conn.execute(select(table).limit(1)).one()._mapping
        key = {k: first[k] for k in ("person_id", "id") if k in table.c}
        where = [table.c[k] == v for k, v in key.items()]
        value = (not first[column]) if isinstance(first[column], bool) else TAMPERED[column]
        conn.execute(table.update().where(*where).values({column: value}))
    assert _rows_of(engine, table) != want
    c = _cycle(engine, 1)
    assert c.stats.written == 1 + c.stats.transitions  # a status put back is a transition
    got = _rows_of(engine, table)
    if table is person_states:  # the rewritten row is as of this cycle
        got = [r[:1] + r[2:] for r in got]
        want = [r[:1] + r[2:] for r in want]
    assert got == want


def test_an_episode_the_classification_no_longer_has_is_deleted(engine: Engine) -> None:
    store_world(engine)
    _cycle(engine, 0)
    want = _rows_of(engine, episodes)
    with engine.begin() as conn:
        pid = conn.execute(select(episodes.c.person_id).limit(1)).scalar_one()
        conn.execute(episodes.insert().values(person_id=pid, started_at=NOW - timedelta(days=3),
                                              outcome="ongoing"))  # fmt: skip
    c = _cycle(engine, 1)
    assert c.stats.written == 1
    assert _rows_of(engine, episodes) == want
