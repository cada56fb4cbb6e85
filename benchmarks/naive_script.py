"""The script a RevOps engineer would write with the two client libraries.

``hubspot-api-client`` and ``simple-salesforce``, used the plain way their
documentation shows: list contacts and leads page by page, then for each person
one request per activity kind (HubSpot engagements through the contact's
associations, Salesforce tasks and events by ``WhoId``), and to write, one
property update per record and one list or campaign call per membership (and one
create per task). What to write is handed in (the same operations reengage
planned), so that only the way of talking to the platforms differs.

Every call is counted; a refused call (an HTTP error) is counted too, as an error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests
from hubspot import HubSpot
from hubspot.crm.contacts import SimplePublicObjectInput
from hubspot.crm.objects import SimplePublicObjectInputForCreate
from simple_salesforce.api import Salesforce
from urllib3.util.retry import Retry

HUBSPOT_KINDS = ("emails", "calls", "meetings", "notes", "tasks")
SALESFORCE_KINDS = ("Task", "Event")
PAGE = 100


@dataclass
class Tally:
    """Calls made per step, and those the platform refused."""

    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def call(self, step: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.calls[step] += 1
        try:
            return fn(*args, **kwargs)
        except Exception:
            self.errors[step] += 1
            return None


@dataclass(frozen=True)
class Person:
    platform: str  # hubspot / salesforce
    sobject: str  # contacts / Lead / Contact
    record_id: str


def hubspot_client(token: str, base_url: str) -> HubSpot:
    retry = Retry(total=20, backoff_factor=0.5, status_forcelist=(429,), allowed_methods=None)
    return HubSpot(access_token=token, host=base_url, retry=retry)


def salesforce_client(instance_url: str, session_id: str, version: str, ca: str) -> Salesforce:
    session = requests.Session()
    session.verify = ca
    session.trust_env = False  # a REQUESTS_CA_BUNDLE in the environment would override verify
    return Salesforce(
        instance_url=instance_url, session_id=session_id, version=version, session=session
    )


def list_hubspot(hs: HubSpot, tally: Tally) -> list[Person]:
    out: list[Person] = []
    after: str | None = None
    while True:
        kwargs: dict[str, Any] = {"limit": PAGE, **({"after": after} if after else {})}
        page = tally.call("hubspot list contacts",
                          hs.crm.contacts.basic_api.get_page, **kwargs)  # fmt: skip
        if page is None:
            return out
        out += [Person("hubspot", "contacts", c.id) for c in page.results]
        nxt = page.paging.next if page.paging else None
        if nxt is None:
            return out
        after = nxt.after


def list_salesforce(sf: Salesforce, tally: Tally) -> list[Person]:
    out: list[Person] = []
    for sobject in ("Lead", "Contact"):
        page = tally.call(f"salesforce list {sobject}",
                          sf.query, f"SELECT Id, Email FROM {sobject}")  # fmt: skip
        while page is not None:
            out += [Person("salesforce", sobject, r["Id"]) for r in page["records"]]
            if page.get("done", True):
                break
            url = page["nextRecordsUrl"]
            page = tally.call(f"salesforce list {sobject}",
                              sf.query_more, url, identifier_is_url=True)  # fmt: skip
    return out


def read_activities(hs: HubSpot, sf: Salesforce, persons: Iterable[Person], tally: Tally) -> int:
    """One request per person and activity kind; returns the activities seen."""
    seen = 0
    api = hs.crm.associations.v4.basic_api
    for p in persons:
        if p.platform == "hubspot":
            for kind in HUBSPOT_KINDS:
                step = f"hubspot {kind} by contact"
                page = tally.call(step, api.get_page, "contacts", p.record_id, kind, limit=500)
                seen += len(page.results) if page is not None else 0
        else:
            for sobject in SALESFORCE_KINDS:
                soql = f"SELECT Id FROM {sobject} WHERE WhoId = '{p.record_id}'"
                rows = tally.call(f"salesforce {sobject} by WhoId", sf.query, soql)
                seen += int(rows["totalSize"]) if rows is not None else 0
    return seen


@dataclass(frozen=True)
class Write:
    """One thing to write: ``fields`` (values by platform field name), ``add`` / ``remove``
    (a list or campaign named ``list_name``) or ``task`` (``subject``, ``due``)."""

    kind: str
    person: Person
    values: dict[str, Any] = field(default_factory=dict)
    list_name: str = ""
    subject: str = ""
    due: str = ""


class Writer:
    """One request per write, plus one look-up per list or campaign name (cached)."""

    def __init__(self, hs: HubSpot, sf: Salesforce, tally: Tally) -> None:
        self.hs, self.sf, self.tally = hs, sf, tally
        self.lists: dict[str, str | None] = {}
        self.campaigns: dict[str, str | None] = {}

    def write(self, w: Write) -> None:
        if w.person.platform == "hubspot":
            self._hubspot(w)
        else:
            self._salesforce(w)

    def _hubspot(self, w: Write) -> None:
        hs, rid, t = self.hs, w.person.record_id, self.tally
        if w.kind == "fields":
            body = SimplePublicObjectInput(properties={k: _text(v) for k, v in w.values.items()})
            t.call("hubspot update contact", lambda: hs.crm.contacts.basic_api.update(rid, body))
        elif w.kind in ("add", "remove"):
            list_id = self._list_id(w.list_name)
            api = hs.crm.lists.memberships_api
            call = api.add if w.kind == "add" else api.remove
            t.call(f"hubspot list {w.kind}", lambda: call(list_id, [rid]))
        elif w.kind == "task":
            task = SimplePublicObjectInputForCreate(
                properties={"hs_task_subject": w.subject, "hs_task_type": "CALL",
                            "hs_timestamp": f"{w.due}T09:00:00Z"},
                associations=[{"to": {"id": rid}, "types": [
                    {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}]}],
            )  # fmt: skip
            t.call("hubspot create task", lambda: hs.crm.objects.tasks.basic_api.create(task))

    def _list_id(self, name: str) -> str | None:
        if name not in self.lists:
            found = self.tally.call("hubspot list by name", lambda: self.hs.crm.lists.lists_api
                                    .get_by_name(list_name=name, object_type_id="0-1"))  # fmt: skip
            self.lists[name] = found.list.list_id if found is not None else None
        return self.lists[name]

    def _salesforce(self, w: Write) -> None:
        sf: Any = self.sf  # simple-salesforce's attribute access names the sObject
        rid, t, sobject = w.person.record_id, self.tally, w.person.sobject
        if w.kind == "fields":
            t.call(f"salesforce update {sobject}",
                   lambda: getattr(sf, sobject).update(rid, w.values))  # fmt: skip
        elif w.kind == "add":
            member = {"CampaignId": self._campaign_id(w.list_name), f"{sobject}Id": rid}
            t.call("salesforce add campaign member", lambda: sf.CampaignMember.create(member))
        elif w.kind == "remove":
            soql = (f"SELECT Id FROM CampaignMember WHERE {sobject}Id = '{rid}' AND "
                    f"CampaignId = '{self._campaign_id(w.list_name)}'")  # fmt: skip
            rows = t.call("salesforce find campaign member", lambda: sf.query(soql))
            for row in rows["records"] if rows else []:
                t.call("salesforce remove campaign member",
                       sf.CampaignMember.delete, row["Id"])  # fmt: skip
        elif w.kind == "task":
            task = {"WhoId": rid, "Subject": w.subject, "ActivityDate": w.due, "Status": "Open"}
            t.call("salesforce create task", lambda: sf.Task.create(task))

    def _campaign_id(self, name: str) -> str | None:
        if name not in self.campaigns:
            soql = "SELECT Id FROM Campaign WHERE Name = '{}'".format(name.replace("'", "\\'"))
            rows = self.tally.call("salesforce campaign by name", lambda: self.sf.query(soql))
            records = rows["records"] if rows else []
            self.campaigns[name] = records[0]["Id"] if records else None
        return self.campaigns[name]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
