"""Setup is safe twice: ``apply_setup`` of what ``check_setup`` reports missing makes it,
``check_setup`` then reports everything ok, applying that second report sends no write, and
applying the first report again (a stale one, as a second ``reengage setup`` started before
the first ended would) makes nothing twice on the platform."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .subject import Subject, require


def test_setup_made_once_is_reported_ok_and_not_made_again(subject: Subject) -> None:
    require(subject, "check_setup", "apply_setup")
    connector: Any = subject.connector()
    try:
        before = connector.check_setup(subject.rules)
        missing = [i for i in before if i.status == "missing"]
        if not subject.needs_setup:  # nothing to make: applying it all makes and sends nothing
            assert missing == []
            writes = subject.writes()
            assert {i.status for i in connector.apply_setup(before)} == {"ok"}
            assert subject.writes() == writes and subject.setup_made() == Counter()
            return
        assert missing, "a fresh world lacks what reengage needs"
        writes = subject.writes()
        applied = connector.apply_setup(missing)
        assert [(i.kind, i.name) for i in applied] == [(i.kind, i.name) for i in missing]
        assert {i.status for i in applied} == {"created"}
        assert subject.writes() > writes

        after = connector.check_setup(subject.rules)
        assert {i.status for i in after} == {"ok"}
        assert {(i.kind, i.name) for i in after} == {(i.kind, i.name) for i in before}
        made, writes = subject.setup_made(), subject.writes()
        assert made and set(made.values()) == {1}
        assert {i.status for i in connector.apply_setup(after)} == {"ok"}
        assert subject.writes() == writes  # nothing sent that could change the platform
        another: Any = subject.connector()
        for run in (connector, another):  # this run, and another run
            run.apply_setup(missing)  # stale: all of it exists by now
            assert subject.setup_made() == made
            assert {i.status for i in run.check_setup(subject.rules)} == {"ok"}
            if run is not connector:
                run.close()
    finally:
        connector.close()


def test_setup_applied_by_another_run_is_not_made_again(subject: Subject) -> None:
    """A second run, with a connector of its own, finds what the first made."""
    require(subject, "check_setup", "apply_setup")
    connector: Any = subject.connector()
    try:
        made = subject.writes()
        assert {i.status for i in connector.check_setup(subject.rules)} == {"ok"}
        assert subject.writes() == made
    finally:
        connector.close()
