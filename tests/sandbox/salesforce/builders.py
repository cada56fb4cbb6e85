"""Builders for seed records and simple-salesforce clients of the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from simple_salesforce import Salesforce

from sandbox.salesforce import SalesforceEmulator
from sandbox.salesforce.ids import IdMinter

NOW = datetime(2026, 11, 24, 18, 10, 32, tzinfo=UTC)
_SEED_IDS = {
    name: IdMinter(prefix, pod="SD")
    for name, prefix in {
        "Lead": "00Q",
        "Contact": "003",
        "User": "005",
        "Campaign": "701",
        "CampaignMember": "00v",
        "Task": "00T",
        "Account": "001",
    }.items()
}


def seed_id(object_name: str) -> str:
    return _SEED_IDS[object_name].next()


def system(stamp: datetime, deleted: bool = False) -> dict[str, Any]:
    return {
        "CreatedDate": stamp,
        "SystemModstamp": stamp,
        "LastModifiedDate": stamp,
        "IsDeleted": deleted,
    }


def lead(i: int, *, stamp: datetime | None = None, **fields: Any) -> dict[str, Any]:
    """A seed Lead; ``stamp`` defaults to one minute apart per i before NOW."""
    when = stamp or NOW - timedelta(minutes=i)
    record = {
        "Id": seed_id("Lead"),
        "LastName": f"Last{i}",
        "FirstName": f"First{i}",
        "Company": f"Company {i % 7}",
        "Email": f"person{i}@example.com",
        "Status": "Open - Not Contacted",
        **system(when),
    }
    record.update(fields)
    return record


def user(i: int, *, active: bool = True) -> dict[str, Any]:
    return {
        "Id": seed_id("User"),
        "FirstName": "Owner",
        "LastName": str(i),
        "IsActive": active,
        "Email": f"owner{i}@example.com",
        "Username": f"owner{i}@example.com",
        **system(NOW - timedelta(days=400)),
    }


def campaign(name: str) -> dict[str, Any]:
    return {
        "Id": seed_id("Campaign"),
        "Name": name,
        "IsActive": True,
        **system(NOW - timedelta(days=3)),
    }


_SESSIONS: list[requests.Session] = []


def client_for(emulator: SalesforceEmulator, token: str | None = None) -> Salesforce:
    """simple-salesforce configured only through public options, in session-id mode.

    ``trust_env = False``: requests otherwise lets ``REQUESTS_CA_BUNDLE`` from the
    environment override ``session.verify``.
    """
    session = requests.Session()
    session.verify = str(emulator.ca_bundle)
    session.trust_env = False
    _SESSIONS.append(session)
    return Salesforce(
        instance_url=emulator.url,
        session_id=token or emulator.session_id,
        version="62.0",
        session=session,
    )


def close_clients() -> None:
    """Closes every client session made by :func:`client_for`."""
    while _SESSIONS:
        _SESSIONS.pop().close()
