"""Task keys looked up through reads that are consistent at once, for keys whose fate is unknown.

Search shows a new task only after "a few moments" (search guide; notes §1.4),
so a key search right after a create whose answer was lost may miss the task
and have it created twice. Every reengage task is associated to its contact in
the create itself (type 204), and neither the v4 associations batch read nor
the objects batch read goes through the search index: the contact's task
links, then those tasks' ``reengage_task_key``, show a task as soon as it
exists.

The look-up costs one associations read per 1,000 contacts and one batch
read per 100 of their tasks, so it is kept for the keys that need it: a retry
after a failed create, and keys the journal shows as sent without an answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.objects import BatchReadInputSimplePublicObjectId, SimplePublicObjectId

from connectors.base import RecordType, TaskRequest
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.writes import BATCH_SIZE

TASK_KEY_PROPERTY = "reengage_task_key"
LINKS_PER_READ = 1_000  # associations v4 batch read inputs (associations guide; notes §4)


def linked_tasks(client: HubSpotClient, tasks: Sequence[TaskRequest]) -> dict[str, str]:
    """Idempotency key -> task id of those ``tasks`` that exist on their contact."""
    wanted = {t.idempotency_key.casefold(): t.idempotency_key for t in tasks}
    contacts = [
        t.record.record_id for t in tasks if t.record.record_type is RecordType.HUBSPOT_CONTACT
    ]
    task_ids = _linked_ids(client, list(dict.fromkeys(contacts)))
    found: dict[str, str] = {}
    for start in range(0, len(task_ids), BATCH_SIZE):
        request = BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=i) for i in task_ids[start : start + BATCH_SIZE]],
            properties=[TASK_KEY_PROPERTY],
            properties_with_history=[],
        )
        answer = client.call("objects.batch", "read", "tasks", request, archived=False)
        for task in getattr(answer, "results", None) or []:
            value = str((task.properties or {}).get(TASK_KEY_PROPERTY) or "")
            if (key := wanted.get(value.casefold())) is not None:
                found.setdefault(key, str(task.id))
    return found


def _linked_ids(client: HubSpotClient, contacts: list[str]) -> list[str]:
    """Ids of the tasks associated to ``contacts``, every page of each contact's links."""
    ids: list[str] = []
    todo: list[tuple[str, str | None]] = [(c, None) for c in contacts]
    while todo:
        batch, todo = todo[:LINKS_PER_READ], todo[LINKS_PER_READ:]
        request = BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[PublicFetchAssociationsBatchRequest(id=c, after=a) for c, a in batch]
        )
        answer = client.call("associations.batch", "get_page", "contacts", "tasks", request)
        for result in getattr(answer, "results", None) or []:
            ids.extend(str(link.to_object_id) for link in result.to or [])
            nxt = result.paging.next.after if result.paging and result.paging.next else None
            if nxt:
                todo.append((str(result._from.id), str(nxt)))
    return list(dict.fromkeys(ids))
