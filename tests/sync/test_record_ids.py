"""The ``record_type:id`` forms reengage prints, and the ids people copy from Salesforce."""

from __future__ import annotations

from sync.identity.record_ids import parse_record_query


def test_queries() -> None:
    q = parse_record_query(" hubspot_contact:100002 ")
    assert q.types == {"hubspot_contact"} and q.record_ids == {"100002"} and q.email is None
    q = parse_record_query("salesforce_lead 003g000001subc4iad")
    assert q.types == {"salesforce_lead"}
    assert {"003G000001SUbc4IAD", "003G000001SUbc4"} <= q.record_ids
    q = parse_record_query("salesforce:003G000001SUbc4")
    assert q.types == {"salesforce_lead", "salesforce_contact"}
    assert "003G000001SUbc4IAD" in q.record_ids
    assert parse_record_query("Ann@X.com").email == "Ann@X.com"
    assert parse_record_query("email_address:ann@x.com").email == "ann@x.com"
    # a HubSpot id is never taken as a Salesforce id when its type says so
    assert parse_record_query("hubspot_contact:123456789012345").record_ids == {"123456789012345"}
