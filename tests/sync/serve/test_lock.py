"""The store lock on SQLite and PostgreSQL: refusal, release, expiry, renewal, races."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, update

from sync.serve.lock import StoreLock, keep_alive
from sync.store.migrate import open_store
from sync.store.schema import locks

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TTL = timedelta(minutes=10)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = open_store(store_url)
    yield engine
    engine.dispose()


def lock(engine: Engine, holder: str, clock: FakeClock | None = None) -> StoreLock:
    return StoreLock(engine, "sync", ttl=TTL, holder=holder, clock=clock or FakeClock())


def test_second_holder_waits_for_release(engine: Engine) -> None:
    first, second = lock(engine, "a"), lock(engine, "b")
    assert first.acquire()
    assert not second.acquire()
    held = second.current()
    assert held is not None and held.holder == "a" and held.expires_at == T0 + TTL
    assert first.acquire()  # re-entrant for its holder
    assert first.release()
    assert second.acquire()
    assert not first.acquire()
    assert not first.release()  # not ours: the row stays
    assert second.current() is not None


def test_expired_lock_is_taken_over(engine: Engine) -> None:
    clock = FakeClock()
    crashed, later = lock(engine, "crashed", clock), lock(engine, "later", clock)
    assert crashed.acquire()
    clock.now = T0 + TTL - timedelta(seconds=1)
    assert not later.acquire()
    clock.now = T0 + TTL + timedelta(seconds=1)
    assert later.acquire()
    held = later.current()
    assert held is not None and held.holder == "later" and held.acquired_at == clock.now
    assert not crashed.renew()  # the old holder learns it lost the lock
    assert not crashed.release()
    assert later.current() is not None


def test_renew_pushes_expiry(engine: Engine) -> None:
    clock = FakeClock()
    holder, other = lock(engine, "a", clock), lock(engine, "b", clock)
    assert holder.acquire()
    clock.now = T0 + TTL - timedelta(minutes=1)
    assert holder.renew()
    clock.now = T0 + TTL + timedelta(minutes=1)  # past the first expiry, not the renewed one
    assert not other.acquire()


def test_racing_threads_one_wins(engine: Engine) -> None:
    n = 8
    contenders = [StoreLock(engine, "sync", ttl=TTL, holder=f"t{i}") for i in range(n)]
    barrier = threading.Barrier(n)
    won: list[str] = []
    errors: list[BaseException] = []

    def race(contender: StoreLock) -> None:
        barrier.wait()
        try:
            if contender.acquire():
                won.append(contender.holder)
        except BaseException as exc:  # surfaced below: a lock that errors under load is a bug
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(c,)) for c in contenders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(won) == 1
    held = contenders[0].current()
    assert held is not None and held.holder == won[0]


def test_keep_alive_renews_and_reports_loss(engine: Engine) -> None:
    holder = StoreLock(engine, "sync", ttl=TTL, holder="a")
    assert holder.acquire()
    first = holder.current()
    lost = threading.Event()
    with keep_alive(holder, every=0.02, on_lost=lost.set):
        renewed = threading.Event()
        for _ in range(100):
            now = holder.current()
            if now is not None and first is not None and now.expires_at > first.expires_at:
                renewed.set()
                break
            renewed.wait(0.02)
        assert renewed.is_set()
        with engine.begin() as conn:  # another process took the row over
            conn.execute(update(locks).values(holder="thief"))
        assert lost.wait(2)
