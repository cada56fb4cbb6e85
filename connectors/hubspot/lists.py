"""Reengage's MANUAL contact lists: found or created by name, members changed by record id.

Only lists reengage owns are touched: a list's name is ``rules.lists.prefix``
plus the name the engine gives (which may already carry the prefix). Names are
globally unique and matched case-insensitively by HubSpot (notes §3).
Membership calls take at most 250 ids (SPEC §9; the emulator's maximum) and
are idempotent, so they are retried. ``recordsIdsAdded`` is the SDK's
spelling; when the server's answer lacks it the ids not missing count as applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hubspot.crm.lists import ListCreateRequest

from connectors.base import MembershipChange, RecordType, WriteResult, WriteStatus
from connectors.errors import RecordError, RetriableError
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.writes import MEMBERSHIP_CHUNK, chunks, failed, not_a_contact

CONTACTS_TYPE_ID = "0-1"


class ListDirectory:
    """List name -> id, read once and cached; creates MANUAL lists on demand."""

    def __init__(self, client: HubSpotClient, prefix: str) -> None:
        self._client = client
        self.prefix = prefix
        self._ids: dict[str, str] = {}

    def full_name(self, name: str) -> str:
        return name if name.startswith(self.prefix) else self.prefix + name

    def find(self, name: str) -> Any | None:
        """The list (SDK ``PublicObjectList``) named ``name``, None when there is none."""
        try:
            answer = self._client.call(
                "lists", "get_by_name", self.full_name(name), CONTACTS_TYPE_ID
            )
        except RecordError as exc:
            if exc.status == 404:
                return None
            raise
        return answer.list

    def create(self, name: str) -> str:
        request = ListCreateRequest(
            name=self.full_name(name), object_type_id=CONTACTS_TYPE_ID, processing_type="MANUAL"
        )
        answer = self._client.call("lists", "create", request)
        list_id = str(answer.list.list_id)
        self._ids[self.full_name(name)] = list_id
        return list_id

    def list_id(self, name: str) -> str:
        """The id of the named MANUAL list, creating it when missing."""
        full = self.full_name(name)
        if full not in self._ids:
            found = self.find(full)
            if found is None:
                return self.create(full)
            if found.processing_type != "MANUAL":
                raise RecordError(
                    f"list {full!r} exists but is {found.processing_type}, not MANUAL: "
                    "reengage leaves it alone",
                    platform="hubspot",
                    code="LIST_NOT_MANUAL",
                )
            self._ids[full] = str(found.list_id)
        return self._ids[full]


def change_members(
    client: HubSpotClient,
    directory: ListDirectory,
    changes: Sequence[MembershipChange],
    *,
    add: bool,
) -> list[WriteResult]:
    """Adds (or removes) contacts to (from) reengage's lists; one result per change."""
    results: dict[str, WriteResult] = {}
    by_list: dict[str, list[MembershipChange]] = {}
    for change in changes:
        if change.record.record_type is not RecordType.HUBSPOT_CONTACT:
            results[change.key] = not_a_contact(change.key)
        else:
            by_list.setdefault(directory.full_name(change.list_name), []).append(change)
    for name, members in by_list.items():
        try:
            list_id = directory.list_id(name)
        except (RecordError, RetriableError) as exc:
            results.update({c.key: failed(c.key, exc) for c in members})
            continue
        for chunk in chunks(members, MEMBERSHIP_CHUNK):
            results.update(_change_chunk(client, list_id, chunk, add=add))
    return [results[c.key] for c in changes]


def _change_chunk(
    client: HubSpotClient, list_id: str, chunk: Sequence[MembershipChange], *, add: bool
) -> dict[str, WriteResult]:
    ids = list(dict.fromkeys(c.record.record_id for c in chunk))
    try:
        answer = client.call("memberships", "add" if add else "remove", list_id, ids)
    except (RecordError, RetriableError) as exc:
        return {c.key: failed(c.key, exc) for c in chunk}
    changed_raw = answer.records_ids_added if add else answer.record_ids_removed
    missing = {str(i) for i in answer.record_ids_missing or []}
    changed = None if changed_raw is None else {str(i) for i in changed_raw}
    out: dict[str, WriteResult] = {}
    for c in chunk:
        rid = c.record.record_id
        if rid in missing and add:
            out[c.key] = WriteResult(
                c.key, WriteStatus.FAILED, error_code="OBJECT_NOT_FOUND", message="no such contact"
            )
        elif changed is None or rid in changed:
            out[c.key] = WriteResult(c.key, WriteStatus.APPLIED, platform_id=list_id)
        else:
            out[c.key] = WriteResult(c.key, WriteStatus.SKIPPED, platform_id=list_id)
    return out
