"""Progress lines when stderr is not a terminal: a line per stream every interval and at its
end, whole, with a rate over the stream's wall time and none under a second.

The clock is injected, so what is "every ten seconds" is decided here, not by the machine.
"""

from __future__ import annotations

import json
import logging
import threading

import pytest

from sync.cli.progress import PROGRESS_ENV, PROGRESS_SECONDS, StreamProgress, progress_seconds
from sync.logs import setup_logging


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def lines_of(capsys: pytest.CaptureFixture[str]) -> list[str]:
    out, err = capsys.readouterr()
    assert out == ""  # progress is not the command's output
    return err.splitlines()


def test_a_line_every_interval_and_one_at_the_end(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    progress = StreamProgress(enabled=True, every=10, clock=clock, terminal=False)
    for _ in range(6):  # a page every 4 s: lines after 12 s and 24 s, none in between
        clock.now += 4
        progress("hubspot contacts", 1_000, False)
    clock.now += 4
    progress("hubspot contacts", 500, True)
    assert lines_of(capsys) == [
        "hubspot contacts: 3,000 records so far in 12 s (250/s)",
        "hubspot contacts: 6,000 records so far in 24 s (250/s)",
        "hubspot contacts: 6,500 records in 28 s (232/s)",
    ]


def test_a_stream_under_a_second_shows_no_rate(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    progress = StreamProgress(enabled=True, every=10, clock=clock, terminal=False)
    clock.now += 0.0001  # a first page read at once is no speed: not "11,204,420 /s"
    progress("salesforce tasks", 1_120, True)
    clock.now += 2.5  # the next stream's time starts where the previous one ended
    progress("salesforce events", 50, True)
    assert lines_of(capsys) == [
        "salesforce tasks: 1,120 records in 0.0 s",
        "salesforce events: 50 records in 2.5 s (20/s)",
    ]


def test_platforms_streams_of_the_same_name_stay_apart(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    progress = StreamProgress(enabled=True, every=10, clock=clock, terminal=False)
    progress("hubspot contacts", 10, True)
    progress("salesforce contacts", 3, True)
    assert [line.split(":")[0:2] for line in lines_of(capsys)] == [
        ["hubspot contacts", " 10 records in 0.0 s"],
        ["salesforce contacts", " 3 records in 0.0 s"],
    ]


def test_quiet_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    progress = StreamProgress(enabled=False, every=10, clock=Clock(), terminal=False)
    progress("hubspot contacts", 10, True)
    assert lines_of(capsys) == []


def test_long_names_are_never_wrapped(capsys: pytest.CaptureFixture[str]) -> None:
    progress = StreamProgress(enabled=True, every=10, clock=Clock(), terminal=False)
    stream = "salesforce " + "opportunity_contact_roles" * 4  # past 80 columns
    progress(stream, 1, True)
    assert lines_of(capsys) == [f"{stream}: 1 records in 0.0 s"]


@pytest.mark.parametrize(("raw", "expected"), [("1", 1.0), ("0.5", 0.5), ("x", None), ("0", None)])
def test_the_interval_comes_from_the_test_variable(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: float | None
) -> None:
    monkeypatch.setenv(PROGRESS_ENV, raw)
    assert progress_seconds() == (PROGRESS_SECONDS if expected is None else expected)


def test_bars_on_a_terminal_go_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    progress = StreamProgress(enabled=True, every=10, clock=clock, terminal=True)
    with progress:
        clock.now += 0.2
        progress("hubspot contacts", 10, True)
    out, err = capsys.readouterr()
    assert out == ""
    assert "hubspot contacts" in err and "10 records" in err
    assert "/s" not in err  # under a second: no rate


def test_applying_prints_operation_lines(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    progress = StreamProgress(enabled=True, every=10, clock=clock, terminal=False, heartbeat=False)
    with progress:
        clock.now += 60  # classifying and planning: not part of any group's time
        progress.applied("hubspot", "add_member", 100)
        for _ in range(3):  # a call every 5 s
            clock.now += 5
            progress.applied("hubspot", "add_member", 100)
        clock.now += 2  # the next group starts where the previous one ended
        progress.applied("salesforce", "create_task", 200)
        clock.now += 1
    assert lines_of(capsys) == [
        "hubspot add_member: 300 operations so far in 10 s (20/s)",
        "hubspot add_member: 400 operations in 15 s (20/s)",
        "salesforce create_task: 200 operations in 2.0 s (100/s)",
    ]


def test_with_json_logs_progress_is_json_lines_too(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger("reengage")
    before = (list(root.handlers), root.level, root.propagate)
    setup_logging("json", level="INFO")
    try:
        clock = Clock()
        progress = StreamProgress(enabled=True, every=10, clock=clock, terminal=False)
        clock.now += 2
        progress("hubspot contacts", 500, True)
        lines = lines_of(capsys)
    finally:  # other tests read the reengage loggers through caplog
        root.handlers[:], root.level, root.propagate = before
    entries = [json.loads(line) for line in lines]  # every stderr line is a JSON object
    assert [(e["message"], e["event"], e["stream"], e["count"]) for e in entries] == [
        ("hubspot contacts: 500 records in 2.0 s (250/s)", "progress", "hubspot contacts", 500)
    ]


def test_a_slow_page_still_gets_a_line_every_interval(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    progress = StreamProgress(enabled=True, every=10, clock=clock, terminal=False)
    clock.now += 1
    progress("salesforce tasks", 2_000, False)
    clock.now += 5
    progress.tick()  # the heartbeat: not yet ten seconds since the stream began
    clock.now += 19  # the next page is slow to come
    progress.tick()
    progress.tick()  # at most one line per interval
    clock.now += 1
    progress("salesforce tasks", 2_000, True)
    progress.tick()  # a completed stream is not reported again
    assert lines_of(capsys) == [
        "salesforce tasks: 2,000 records so far in 25 s (80/s)",
        "salesforce tasks: 4,000 records in 26 s (154/s)",
    ]


def test_the_heartbeat_thread_ticks_while_open(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    progress = StreamProgress(enabled=True, every=0.01, clock=clock, terminal=False)
    ticked, tick = threading.Event(), progress.tick

    def tick_and_tell() -> None:
        tick()
        count = progress.streams.get("hubspot contacts")
        if count is not None and count.last_line >= 200:  # the late page's line is out
            ticked.set()

    progress.tick = tick_and_tell  # type: ignore[method-assign]
    with progress:
        progress("hubspot contacts", 50, False)
        clock.now += 100  # the next page is late
        assert ticked.wait(30), "the heartbeat never ticked"
    assert lines_of(capsys) == ["hubspot contacts: 50 records so far in 100 s (0.5/s)"]


def test_an_empty_stream_shows_no_rate(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    progress = StreamProgress(enabled=True, every=10, clock=clock, terminal=False)
    clock.now += 9
    progress("hubspot deals_archived", 0, True)
    assert lines_of(capsys) == ["hubspot deals_archived: 0 records in 9.0 s"]
