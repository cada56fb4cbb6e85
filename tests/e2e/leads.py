"""Salesforce leads made in the emulator's memory, as a rep or an import would make them."""

from __future__ import annotations

from sandbox.salesforce.writes import Writer
from sandbox.sandbox import Sandbox


def new_lead(box: Sandbox, email: str, last_name: str = "Later") -> str:
    """Creates a live lead with ``email`` (created and modified now); returns its id."""
    sf = box.salesforce.state
    with sf.lock:
        owner = next(str(u["Id"]) for u in sf.records("User") if u.get("IsActive"))
        writer = Writer(sf, owner)
        values = {"LastName": last_name, "Company": "Acme", "Email": email}
        (outcome,) = writer.run([lambda: writer.create("Lead", values)], all_or_none=True)
        assert outcome.success, outcome.result()
        return str(outcome.id)
