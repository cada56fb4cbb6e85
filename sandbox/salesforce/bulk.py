"""Bulk API 2.0 query jobs: create, poll, CSV results paged by ``Sforce-Locator``, abort, delete.

A job runs its query when created (the result set is fixed then) and reports
``InProgress`` for ``knobs.bulk_polls_to_complete`` polls before ``JobComplete``, so
clients exercise their polling. Results are CSV with every value quoted, nulls empty,
datetimes as ``...000Z``; ``Sforce-Locator`` is the next chunk's token or the literal
``null`` after the last chunk. Bulk 2.0 refuses ``COUNT()``.
"""

from __future__ import annotations

import base64
import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from starlette.responses import JSONResponse, Response

from sandbox.salesforce.errors import ApiError, bad_request, not_found
from sandbox.salesforce.ids import IdMinter
from sandbox.salesforce.query import run_query
from sandbox.salesforce.routing import Call
from sandbox.salesforce.soql_plan import Plan
from sandbox.salesforce.values import to_csv, wire_datetime

DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^",
              "BACKQUOTE": "`"}  # fmt: skip
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
DEFAULT_MAX_RECORDS = 100_000
QUERY_JOB_IDS = IdMinter("750", pod="QJ")


@dataclass
class QueryJob:
    id: str
    operation: str
    plan: Plan
    ids: list[str]
    version: str
    created: datetime
    delimiter: str = "COMMA"
    line_ending: str = "LF"
    state: str = "UploadComplete"
    polls: int = 0


class BulkJob(Protocol):
    """What a query job and an ingest job both hold."""

    id: str
    operation: str
    version: str
    created: datetime
    delimiter: str
    line_ending: str
    state: str
    polls: int


def job_common(job: BulkJob, object_name: str, job_type: str) -> dict[str, Any]:
    """The fields every Bulk 2.0 job answers with, query or ingest."""
    return {
        "id": job.id,
        "operation": job.operation,
        "object": object_name,
        "createdById": "005EM0000000001AAA",
        "createdDate": wire_datetime(job.created),
        "systemModstamp": wire_datetime(job.created),
        "state": job.state,
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "apiVersion": float(job.version),
        "jobType": job_type,
        "lineEnding": job.line_ending,
        "columnDelimiter": job.delimiter,
        "retries": 0,
        "totalProcessingTime": 0,
    }


def advance(job: BulkJob, polls_to_complete: int) -> None:
    """A status poll: a job still running completes after ``polls_to_complete`` polls."""
    if job.state in ("UploadComplete", "InProgress"):
        job.polls += 1
        job.state = "JobComplete" if job.polls > polls_to_complete else "InProgress"


def job_info(job: QueryJob) -> dict[str, Any]:
    done = job.state == "JobComplete"
    return job_common(job, job.plan.object.name, "V2Query") | {
        "numberRecordsProcessed": len(job.ids) if done else 0,
        "isPkChunkingSupported": True,
    }


async def create(call: Call) -> Response:
    body = await call.json()
    if not isinstance(body, dict) or body.get("operation") not in ("query", "queryAll"):
        raise bad_request("INVALIDJOB", "InvalidJob : operation must be query or queryAll")
    delimiter = str(body.get("columnDelimiter", "COMMA"))
    line_ending = str(body.get("lineEnding", "LF"))
    if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
        raise bad_request("INVALIDJOB", "InvalidJob : unsupported columnDelimiter or lineEnding")
    state = call.state
    plan, rows = run_query(
        state, str(body.get("query", "")), include_deleted=body["operation"] == "queryAll"
    )
    if plan.query.count:
        raise bad_request("INVALIDJOB", "InvalidJob : Aggregate queries are not supported")
    job = QueryJob(QUERY_JOB_IDS.next(), body["operation"], plan, [r["Id"] for r in rows],
                   call.version, state.now(), delimiter, line_ending)  # fmt: skip
    state.jobs[job.id] = job
    state.budget.bulk_query_jobs += 1
    return JSONResponse(job_info(job))


def _job(call: Call) -> QueryJob:
    job = call.state.jobs.get(str(call.params["job_id"]))
    if not isinstance(job, QueryJob):
        raise not_found("Job not found")
    return job


async def status(call: Call) -> Response:
    job = _job(call)
    advance(job, call.state.knobs.bulk_polls_to_complete)
    return JSONResponse(job_info(job))


async def change(call: Call) -> Response:
    job = _job(call)
    body = await call.json()
    if not isinstance(body, dict) or body.get("state") != "Aborted":
        raise bad_request("INVALIDJOBSTATE", "A query job can only be aborted")
    if job.state in ("JobComplete", "Failed", "Aborted"):
        raise bad_request("INVALIDJOBSTATE", f"Job is already {job.state}")
    job.state = "Aborted"
    return JSONResponse(job_info(job))


async def delete(call: Call) -> Response:
    job = _job(call)
    del call.state.jobs[job.id]
    return Response(status_code=204)


async def results(call: Call) -> Response:
    job = _job(call)
    if job.state != "JobComplete":
        raise ApiError(400, "INVALIDJOBSTATE", f"Job state is {job.state}: results not ready")
    params, shape = call.request.query_params, call.state.shape
    offset = _offset(params.get("locator"))
    try:
        asked = params.get("maxRecords")
        size = int(asked) if asked is not None else shape.bulk_default(DEFAULT_MAX_RECORDS)
    except ValueError as exc:
        raise bad_request("INVALID_MAX_RECORDS", "maxRecords must be a positive integer") from exc
    size = shape.chunk(max(1, size), f"{len(job.ids)}:{offset}")
    end = min(offset + size, len(job.ids))
    text = _csv(call, job, offset, end)
    locator = base64.b64encode(str(end).encode()).decode() if end < len(job.ids) else "null"
    headers = {"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(end - offset)}
    return Response(text, media_type="text/csv", headers=headers)


def _offset(locator: str | None) -> int:
    if not locator or locator == "null":
        return 0
    try:
        return int(base64.b64decode(locator.encode(), validate=True).decode())
    except ValueError as exc:
        raise bad_request("INVALID_LOCATOR", f"Invalid locator: {locator}") from exc


def _csv(call: Call, job: QueryJob, start: int, end: int) -> str:
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=DELIMITERS[job.delimiter], lineterminator=LINE_ENDINGS[job.line_ending],
        quoting=csv.QUOTE_ALL,
    )  # fmt: skip
    columns = job.plan.columns
    writer.writerow([c.name for c in columns])
    records = call.state.table(job.plan.object.name).records
    for record_id in job.ids[start:end]:
        record = records[record_id]
        writer.writerow([to_csv(c.getter(record)) for c in columns])
    return out.getvalue()
