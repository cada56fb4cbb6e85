"""Bad values in one record: refused with a reason, never read as something else."""

from __future__ import annotations

import pytest

from config.rules import load_rules
from connectors.base import Platform, RecordType
from connectors.hubspot import mapping as hubspot
from connectors.hubspot.mapping import MappingRules
from connectors.hubspot.streams import RawObject
from connectors.salesforce import mapping as salesforce
from connectors.timeparse import TimestampError, parse_instant
from connectors.values import map_each

RULES = MappingRules.from_rules(load_rules())
LEAD = {"Id": "00Q000000000001AAA", "Email": "a@b.c", "CreatedDate": "2026-01-02T03:04:05.000Z"}


@pytest.mark.parametrize("text", ["false", "FALSE", "False"])
def test_the_string_false_is_false(text: str) -> None:
    row = {**LEAD, "IsDeleted": text, "DoNotCall": text, "HasOptedOutOfEmail": text}
    record = salesforce.to_record(row, RecordType.SALESFORCE_LEAD)
    assert (record.deleted, record.do_not_call, record.email_opt_out) == (False, False, False)


@pytest.mark.parametrize("score", ["nan", "inf", "-Infinity"])
def test_a_score_that_is_no_number_is_refused(score: str) -> None:
    with pytest.raises(ValueError, match="hubspotscore"):
        hubspot.contact_records(RawObject("501", {"hubspotscore": score}), RULES)


@pytest.mark.parametrize("value", ["12345678901234567890", "99999999999999999999999", 10**19])
def test_an_impossible_date_is_a_timestamp_error(value: str | int) -> None:
    with pytest.raises(TimestampError):
        parse_instant(value)


def test_an_event_without_an_id_is_skipped_not_fatal() -> None:
    events = [{"type": "OPEN", "recipient": "a@b.c", "created": 1795543832123}]
    items, skips = map_each(
        Platform.HUBSPOT,
        "email_events_open",
        events,
        lambda e: [hubspot.email_event_activity(e, None)],
        lambda e: str(e["id"]),
    )
    assert items == [] and [(s.record_id, s.kind) for s in skips] == [("?", "bad_record")]


def test_a_deletion_with_a_bad_value_is_still_a_deletion() -> None:
    gone = RawObject("77", {"createdate": "garbage", "email": "x@y.z"}, archived=True)
    record, *_ = hubspot.contact_records(gone, RULES)
    assert record.deleted and record.ref.record_id == "77"
    row = {**LEAD, "IsDeleted": True, "CreatedDate": "garbage", "MasterRecordId": "00Q2"}
    lead = salesforce.to_record(row, RecordType.SALESFORCE_LEAD)
    assert lead.deleted and lead.master_record_id == "00Q2"
    with pytest.raises(ValueError, match="CreatedDate"):
        salesforce.to_record({**row, "IsDeleted": "perhaps"}, RecordType.SALESFORCE_LEAD)
