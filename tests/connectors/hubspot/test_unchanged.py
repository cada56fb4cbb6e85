"""An unchanged increment makes at most one request per stream: one search per object stream
(no association read for an empty page, no closing query) and one archived-list page per
deletion stream, counted from the emulator's request log."""

from __future__ import annotations

from collections import Counter

from config.rules import Rules

from .support import connect, dataset, read_everything, start_emulator


def test_an_unchanged_increment_makes_one_request_per_stream(rules: Rules) -> None:
    emulator = start_emulator(dataset(60, seed=3), ten_second_limit=1000, search_per_second=1000)
    connector = connect(emulator, rules, search_per_second=1000)
    first = read_everything(connector, {})
    emulator.state.reset_counts()
    again = read_everything(connector, first.cursors)
    crm = Counter(
        (r.method, r.object_type or r.path.split("?")[0])
        for r in emulator.state.request_log
        if r.path.startswith("/crm/")
    )
    types = ("contacts", "deals", "emails", "calls", "meetings", "notes", "tasks")
    assert crm == Counter({(method, t): 1 for t in types for method in ("GET", "POST")})
    assert sum(len(items) for name, items in again.items.items() if name in types) == 0
    connector.close()
    emulator.stop()
