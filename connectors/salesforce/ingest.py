"""Bulk API 2.0 ingest for large field updates (above ``Writer.bulk_threshold`` records).

Salesforce suggests Bulk for more than 2,000 records: one job (create, upload,
close, poll, results) replaces ten or more Collections requests. In the CSV an
empty cell leaves a field alone and ``#N/A`` empties it, so records that change
different fields share one job. Per-record outcomes come from the job's
``failedResults``, matched back by ``Id``; every other record was applied. Records
that failed ``UNABLE_TO_LOCK_ROW`` are handed back for the Collections path, which
retries them. The whole job is one :meth:`SalesforceClient.call` (an update is
idempotent, so repeating it after a 5xx or a new login is safe).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from connectors.base import WriteResult, WriteStatus
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.collections import LOCKED


def cell(value: Any) -> str:
    """A value as a Bulk CSV cell: None and "" empty the field (``#N/A``)."""
    if value is None or value == "":
        return "#N/A"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_rows(records: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Records (each with ``Id``) as CSV rows over the union of their fields."""
    columns = sorted({k for r in records for k in r if k != "Id"})
    return [
        {"Id": str(r["Id"]), **{c: cell(r[c]) if c in r else "" for c in columns}} for r in records
    ]


def parse_errors(text: str) -> dict[str, tuple[str, str]]:
    """``failedResults`` CSV -> Id -> (code, message); ``sf__Error`` is ``CODE:message:fields``."""
    errors: dict[str, tuple[str, str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        code, _, rest = (row.get("sf__Error") or "UNKNOWN").partition(":")
        record_id = row.get("Id") or row.get("sf__Id") or ""
        errors[record_id] = (code, rest.rsplit(":", 1)[0])
    return errors


def bulk_update(
    client: SalesforceClient,
    sobject: str,
    keys: Sequence[str],
    records: Sequence[Mapping[str, Any]],
    *,
    wait: float = 1.0,
) -> tuple[dict[int, WriteResult], list[int]]:
    """Updates ``records`` of one object in a Bulk 2.0 job.

    Returns:
        The outcome of each index settled, and the indexes to retry (locked rows).
    """
    rows = csv_rows(records)

    def run(sf: Any) -> dict[str, tuple[str, str]]:
        jobs = getattr(sf.bulk2, sobject).update(records=rows, wait=wait)
        errors: dict[str, tuple[str, str]] = {}
        for job in jobs:
            errors.update(
                parse_errors(getattr(sf.bulk2, sobject).get_failed_records(job["job_id"]))
            )
        return errors

    errors = client.call(run)
    done: dict[int, WriteResult] = {}
    again: list[int] = []
    for i, record in enumerate(records):
        error = errors.get(str(record["Id"]))
        if error is None:
            done[i] = WriteResult(keys[i], WriteStatus.APPLIED, platform_id=str(record["Id"]))
        elif error[0] == LOCKED:
            again.append(i)
        else:
            done[i] = WriteResult(keys[i], WriteStatus.FAILED, error_code=error[0],
                                  message=error[1])  # fmt: skip
    return done, again
