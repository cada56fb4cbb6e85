"""Bulk API 2.0 ingest jobs: create, ``PUT .../batches`` CSV, ``UploadComplete``, results.

Records are written through the same :class:`Writer` as sObject Collections (never
all-or-none), when the job is closed; the job then reports ``InProgress`` for
``knobs.bulk_polls_to_complete`` polls before ``JobComplete``. In the CSV an empty
cell leaves a field alone and ``#N/A`` sets it to null, as in Salesforce.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.salesforce.bulk import DELIMITERS, LINE_ENDINGS, advance, job_common
from sandbox.salesforce.errors import bad_request, not_found
from sandbox.salesforce.ids import IdMinter
from sandbox.salesforce.routing import Call
from sandbox.salesforce.writes import Outcome, Writer

OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
INGEST_JOB_IDS = IdMinter("750", pod="IJ")


@dataclass
class IngestJob:
    id: str
    object: str
    operation: str
    version: str
    created: datetime
    delimiter: str
    line_ending: str
    state: str = "Open"
    data: list[str] = field(default_factory=list)
    polls: int = 0
    header: list[str] = field(default_factory=list)
    rows: list[tuple[list[str], Outcome]] = field(default_factory=list)


def job_info(job: IngestJob) -> dict[str, Any]:
    done = job.state == "JobComplete"
    return job_common(job, job.object, "V2Ingest") | {
        "contentUrl": f"services/data/v{job.version}/jobs/ingest/{job.id}/batches",
        "numberRecordsProcessed": len(job.rows) if done else 0,
        "numberRecordsFailed": sum(1 for _, o in job.rows if not o.success) if done else 0,
    }


async def create(call: Call) -> Response:
    body = await call.json()
    if not isinstance(body, dict) or body.get("operation") not in OPERATIONS:
        raise bad_request("INVALIDJOB", "InvalidJob : operation is not supported")
    definition = call.state.schema.get(str(body.get("object", "")))
    if definition is None:
        raise bad_request("INVALIDJOB", f"InvalidJob : Invalid object: {body.get('object')}")
    external = body.get("externalIdFieldName")
    if body["operation"] == "upsert" and str(external or "Id").lower() != "id":
        raise bad_request("INVALIDJOB", "InvalidJob : only upsert on Id is emulated")
    delimiter = str(body.get("columnDelimiter", "COMMA"))
    line_ending = str(body.get("lineEnding", "LF"))
    if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
        raise bad_request("INVALIDJOB", "InvalidJob : unsupported columnDelimiter or lineEnding")
    job = IngestJob(INGEST_JOB_IDS.next(), definition.name, body["operation"], call.version,
                    call.state.now(), delimiter, line_ending)  # fmt: skip
    call.state.jobs[job.id] = job
    return JSONResponse(job_info(job))


def _job(call: Call) -> IngestJob:
    job = call.state.jobs.get(str(call.params["job_id"]))
    if not isinstance(job, IngestJob):
        raise not_found("Job not found")
    return job


async def upload(call: Call) -> Response:
    job = _job(call)
    if job.state != "Open":
        raise bad_request("INVALIDJOBSTATE", f"Job is in state {job.state}; data can't be uploaded")
    job.data.append((await call.request.body()).decode("utf-8"))
    return Response(status_code=201)


async def status(call: Call) -> Response:
    job = _job(call)
    advance(job, call.state.knobs.bulk_polls_to_complete)
    return JSONResponse(job_info(job))


async def change(call: Call) -> Response:
    job = _job(call)
    body = await call.json()
    wanted = body.get("state") if isinstance(body, dict) else None
    if wanted == "UploadComplete" and job.state == "Open":
        _process(job, call.writer())
        job.state = "UploadComplete"
    elif wanted == "Aborted" and job.state in ("Open", "UploadComplete", "InProgress"):
        job.state = "Aborted"
    else:
        raise bad_request("INVALIDJOBSTATE", f"Can't change state from {job.state} to {wanted}")
    return JSONResponse(job_info(job))


async def delete(call: Call) -> Response:
    job = _job(call)
    del call.state.jobs[job.id]
    return Response(status_code=204)


def _process(job: IngestJob, writer: Writer) -> None:
    delimiter = DELIMITERS[job.delimiter]
    for chunk in job.data:
        reader = csv.reader(io.StringIO(chunk, newline=""), delimiter=delimiter)
        header = next(reader, [])
        job.header = job.header or header
        rows = [row for row in reader if row]
        for row in rows:
            values = {
                k: (None if v == "#N/A" else v)
                for k, v in zip(header, row, strict=False)
                if v != ""
            }
            outcome = writer.run([_bind_step(job, writer, values)], False)[0]
            job.rows.append((row, outcome))


def _bind_step(job: IngestJob, writer: Writer, values: dict[str, Any]) -> Callable[[], Outcome]:
    return lambda: _step(job, writer, values)


def _step(job: IngestJob, writer: Writer, values: dict[str, Any]) -> Outcome:
    has_id = any(k.lower() == "id" for k in values)
    if job.operation == "insert" or (job.operation == "upsert" and not has_id):
        return writer.create(job.object, values)
    if job.operation in ("update", "upsert"):
        return writer.update(job.object, values)
    record_id = next((str(v) for k, v in values.items() if k.lower() == "id"), "")
    return writer.delete(record_id)


async def successful(call: Call) -> Response:
    job = _job(call)
    rows = [
        [o.id or "", "true" if o.created else "false", *row] for row, o in job.rows if o.success
    ]
    return _csv(job, ["sf__Id", "sf__Created", *job.header], rows)


async def failed(call: Call) -> Response:
    job = _job(call)
    rows = [[o.id or "", _error_text(o), *row] for row, o in job.rows if not o.success]
    return _csv(job, ["sf__Id", "sf__Error", *job.header], rows)


async def unprocessed(call: Call) -> Response:
    job = _job(call)
    return _csv(job, job.header, [])


def _error_text(outcome: Outcome) -> str:
    error = outcome.errors[0]
    return f"{error['statusCode']}:{error['message']}:{','.join(error['fields'])} --"


def _csv(job: IngestJob, header: list[str], rows: list[list[str]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=DELIMITERS[job.delimiter],
        lineterminator=LINE_ENDINGS[job.line_ending],
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow(header)
    writer.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv")
