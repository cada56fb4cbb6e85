"""A read stopped between two rows of one instant resumes with the rows it had not read.

Timestamps repeat (a mass update stamps thousands of rows alike); the cursor is the
compound (``SystemModstamp``, ``Id``), so a page boundary inside one instant loses
nothing and reads nothing twice. This tests what was read, not the query's text.
"""

from __future__ import annotations

from collections import Counter

from connectors.base import Cursor, RecordType
from sandbox.salesforce import SalesforceEmulator

from .conftest import MakeConnector


def test_a_read_stopped_inside_one_instant_resumes_without_loss(
    org: SalesforceEmulator, make_connector: MakeConnector
) -> None:
    leads = org.state.records("Lead", include_deleted=True)
    assert len(leads) > 400
    instant = max(r["SystemModstamp"] for r in leads)
    table = org.state.table("Lead")
    for record in leads:  # every lead on one instant, as after a mass update
        table.restamp(record, instant)
    connector = make_connector(batch_size=200)
    read: Counter[str] = Counter()
    cursors: dict[str, Cursor] = {}
    for page in connector.read_records({}):  # the run stops after its first page of leads
        read.update(r.ref.record_id for r in page.items)
        cursors[page.cursor.stream] = page.cursor
        break
    assert 0 < sum(read.values()) < len(leads)
    for page in connector.read_records(cursors):  # the next run
        read.update(
            r.ref.record_id for r in page.items if r.ref.record_type is RecordType.SALESFORCE_LEAD
        )
    assert set(read) == {str(r["Id"]) for r in leads}
    assert max(read.values()) == 1
