"""Warnings of one kind are counted into one line; no log line carries a response body.

A run against platforms missing reengage's fields printed one warning per failed
record, each with the platform's whole JSON answer: 20,646 lines an operator
cannot read. At WARNING, a kind (logger and message template) shows its first
three records and then one line counting the rest; at DEBUG every record shows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

import pytest

from connectors.base import Platform, WriteResult, WriteStatus
from sync import logs
from sync.apply import apply_plan
from sync.logs import setup_logging
from sync.store.journal import save_plan
from sync.store.migrate import open_store
from tests.sync.test_apply import NOW, RULES, FakeSink, plan

TEMPLATE = "field update failed for %s: %s"


def _burst(n: int) -> None:
    log = logging.getLogger("reengage.apply")
    for i in range(n):
        log.warning(TEMPLATE, f"00Q{i:04d}", "INVALID_FIELD")
    logging.getLogger("reengage.pull").warning("page %d read twice", 3)


def _flush() -> None:
    """Ends the command's logging: each kind's count is printed."""
    getattr(logs, "flush_warnings", lambda: None)()


def _lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_warnings_of_one_kind_print_three_examples_and_one_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup_logging("text", level="WARNING")
    _burst(1216)
    _flush()  # what the command's end does
    lines = _lines(capsys)
    kind = [line for line in lines if "field update failed" in line or TEMPLATE in line]
    assert len([line for line in kind if "00Q" in line]) == 3, kind
    counted = [line for line in kind if "1,213 more" in line]
    assert len(counted) == 1 and TEMPLATE in counted[0], kind
    assert len(kind) == 4
    assert sum("page 3 read twice" in line for line in lines) == 1
    _flush()
    assert _lines(capsys) == [], "a count is printed once"


def test_json_logs_count_too(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("json", level="INFO")
    _burst(10)
    _flush()
    entries = [json.loads(line) for line in _lines(capsys)]
    assert len(entries) == 3 + 1 + 1
    summary = [e for e in entries if e.get("suppressed") == 7]
    assert len(summary) == 1 and summary[0]["template"] == TEMPLATE


def test_at_debug_each_warning_is_logged(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("text", level="DEBUG")
    _burst(50)
    _flush()
    lines = _lines(capsys)
    assert len([line for line in lines if "00Q" in line]) == 50


BODY = (
    'Property values were not valid: [{"isValid":false,"message":"Property \\"reengage_status\\" '
    'does not exist","error":"PROPERTY_DOESNT_EXIST","name":"reengage_status"}]'
)


class BodySink(FakeSink):
    """Fails every field update with HubSpot's whole validation answer as the message."""

    def _answer(self, keys: list[str]) -> list[WriteResult]:
        return [WriteResult(k, WriteStatus.FAILED, error_code="VALIDATION_ERROR", message=BODY)
                for k in keys]  # fmt: skip

    def update_fields(self, updates: Sequence[object]) -> list[WriteResult]:
        return self._answer([u.key for u in updates])  # type: ignore[attr-defined]


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_apply_failures_log_code_and_message_not_the_body(sqlite_url: str) -> None:
    setup_logging("text", level="WARNING")
    engine = open_store(sqlite_url)
    with engine.begin() as conn:
        plan_id = save_plan(conn, plan(2), as_of=NOW, version="v")
    seen = Collect()
    logger = logging.getLogger("reengage.apply")
    logger.addHandler(seen)
    try:
        apply_plan(engine, plan_id, {Platform.SALESFORCE: BodySink()}, RULES)
    finally:
        logger.removeHandler(seen)
        engine.dispose()
    failed = [line for line in seen.lines if "VALIDATION_ERROR" in line]
    assert failed, seen.lines
    for line in failed:
        assert '{"' not in line and "isValid" not in line, line
        assert "Property values were not valid" in line


def test_the_command_prints_the_counts_when_it_ends(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sync.cli

    def command() -> None:
        setup_logging("text", level="WARNING")
        _burst(10)
        raise SystemExit(1)  # as Typer ends every command, failed or not

    monkeypatch.setattr(sync.cli, "app", command)
    with pytest.raises(SystemExit):
        sync.cli.main()
    lines = _lines(capsys)
    assert len(lines) == 3 + 1 + 1
    assert "7 more" in lines[-1] and TEMPLATE in lines[-1]


def test_a_digest_key_splits_one_template_into_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    """Apply logs every failure with one template; platform, operation and error code
    make the kinds, so a Salesforce failure is not hidden behind HubSpot's examples."""
    setup_logging("text", level="WARNING")
    log = logging.getLogger("reengage.apply")
    for platform, n in (("hubspot update_fields", 110), ("salesforce update_fields", 5)):
        for i in range(n):
            log.warning("%s failed: %s", platform, i, extra={"digest_key": platform})
    _flush()
    lines = _lines(capsys)
    assert len(lines) == 3 + 1 + 3 + 1
    assert sum("salesforce update_fields failed" in line for line in lines) == 3
    counts = [line for line in lines if "more like" in line]
    assert any("107 more" in line and "(hubspot update_fields)" in line for line in counts)
    assert any("2 more" in line and "(salesforce update_fields)" in line for line in counts)


def test_a_message_that_is_all_body_keeps_only_its_message() -> None:
    body = '{"status":"error","message":"Contact not found","category":"OBJECT_NOT_FOUND"}'
    assert logs.short(body) == "Contact not found"
    assert '{"' not in logs.short('[{"errorCode":"X","fields":[]}]' * 20)
    assert logs.short("a  b\n c " + "x" * 500).startswith("a b c x")
    assert len(logs.short("x" * 500)) == logs.SHORT_LIMIT
