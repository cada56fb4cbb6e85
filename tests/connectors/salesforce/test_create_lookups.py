"""A create whose answer is lost is looked up before it is sent again: a campaign (like a
task) exists once however many answers the network drops."""

from __future__ import annotations

from sandbox.faults import Faults
from sandbox.salesforce import SalesforceEmulator

from .conftest import MakeConnector


def test_a_campaign_created_with_its_answer_lost_is_found_not_created_again(
    org: SalesforceEmulator, faults: Faults, make_connector: MakeConnector
) -> None:
    connector = make_connector()
    name = "Reengage: lost answers"
    faults.lost_answer_rate = 1.0  # every write lands, every answer to a write is cut
    found = connector.writer.ensure_campaigns([name])
    faults.lost_answer_rate = 0.0
    named = [r for r in org.state.records("Campaign") if r["Name"] == name]
    assert len(named) == 1
    assert found == {name: named[0]["Id"]}
