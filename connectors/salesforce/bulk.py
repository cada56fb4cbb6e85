"""Backfill through Bulk API 2.0 query jobs: CSV chunks streamed, typed on the way in, resumable.

One ``queryAll`` job per object (deleted rows included, like the REST increments).
Each step (create, poll, every results chunk) is its own request through
:meth:`SalesforceClient.call`, so it is retried, re-authenticated and budget-checked
like any other; that is why this module drives the steps of simple-salesforce's
``bulk2`` client rather than its ``query_all`` generator, which runs them all
inside one call with no 401 refresh. After each chunk the state holds the job id and
the next locator, so a stopped backfill resumes at the chunk where it stopped (a
job lives 7 days; a vanished one is started again). Bulk results are unsorted: the
bookmark handed to the REST increments is the largest (``SystemModstamp``, ``Id``)
seen, promoted only when the last chunk is read.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from simple_salesforce.api import Salesforce
from simple_salesforce.bulk2 import Operation
from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_exponential

from connectors.errors import ConnectorError, RecordError, StopRun
from connectors.paging import PageTokens
from connectors.salesforce import soql
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.increments import Row, StreamState, high_water
from connectors.salesforce.streams import Stream

log = logging.getLogger("reengage.salesforce.bulk")
FINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})
POLL_DEADLINE = 1800.0
"""Seconds a run waits for one Bulk query job (Salesforce runs a job for up to days)."""

NUMERIC = {"double": float, "currency": float, "percent": float, "int": int, "long": int}


def typed(value: str, kind: str | None) -> Any:
    """One CSV cell as the type describe gives its field (empty is None, as in Bulk CSV)."""
    if value == "":
        return None
    if kind == "boolean":
        return value.lower() == "true"
    convert = NUMERIC.get(kind or "")
    return convert(value) if convert else value


def parse_chunk(text: str, types: Mapping[str, str]) -> list[Row]:
    """A Bulk 2.0 CSV chunk (header row first) as typed rows."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return []
    kinds = [types.get(name) for name in header]
    return [
        {name: typed(cell, kind) for name, cell, kind in zip(header, line, kinds, strict=True)}
        for line in reader
        if line
    ]


def _jobs(sf: Salesforce, sobject: str) -> Any:
    return getattr(sf.bulk2, sobject)._client  # the per-step client behind bulk2.<Object>


def _results(sobject: str, job: str, locator: str, size: int, sf: Salesforce) -> Any:
    return _jobs(sf, sobject).get_query_results(job, locator, size)


class BulkReader:
    """Reads whole objects through Bulk 2.0 query jobs.

    Args:
        client: the connector's request gate.
        max_records: rows per results chunk (``maxRecords``).
        poll_seconds: first wait between status polls (doubling, at most 10 s).
        poll_deadline: how long a run waits for one job before it stops cleanly (seconds).
        sleep: how to wait between polls.
    """

    def __init__(
        self,
        client: SalesforceClient,
        *,
        max_records: int = 50_000,
        poll_seconds: float = 1.0,
        poll_deadline: float = POLL_DEADLINE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.max_records = max_records
        self.poll_seconds = poll_seconds
        self.poll_deadline = poll_deadline
        self.sleep = sleep

    def read(
        self, stream: Stream, fields: Sequence[str], types: Mapping[str, str], state: StreamState
    ) -> Iterator[tuple[list[Row], StreamState]]:
        """Chunks of typed rows, each with the state that resumes after it."""
        if state.phase != "bulk" or not state.job:
            state = self._start(stream, fields)
            yield [], state  # the job's id is kept: a run stopped while it runs waits on it
        try:
            self._wait(stream.sobject, str(state.job))
        except RecordError as exc:
            if exc.status != 404:
                raise
            log.warning("bulk job for %s is gone: starting it again", stream.sobject)
            state = self._start(stream, fields)
            self._wait(stream.sobject, str(state.job))
        tokens = PageTokens("Salesforce", f"the {stream.sobject} Bulk job", start=state.locator)
        while True:
            job, locator = str(state.job), state.locator or ""
            fetch = partial(_results, stream.sobject, job, locator, self.max_records)
            result: dict[str, Any] = self.client.call(fetch)
            rows = parse_chunk(result["records"], types)
            state = high_water(state, rows, stream.stamp)
            if result["locator"]:
                state = replace(state, locator=tokens.next(str(result["locator"])))
                yield rows, state
                continue
            yield rows, replace(state, phase="rest", job=None, locator=None)
            return

    def _start(self, stream: Stream, fields: Sequence[str]) -> StreamState:
        query = soql.select(stream.sobject, fields)
        job = self.client.call(
            lambda sf: _jobs(sf, stream.sobject).create_job(Operation.query_all, query)
        )
        log.info("bulk query job %s started for %s", job["id"], stream.sobject)
        return StreamState(phase="bulk", job=str(job["id"]), locator="")

    def _wait(self, sobject: str, job_id: str) -> None:
        """Polls the job until it is complete (waits doubling from ``poll_seconds`` to 10 s),
        through the one retry policy's machinery (tenacity), for at most ``poll_deadline``.

        Raises:
            StopRun: the job still runs at the deadline (its id is saved: the next run
                waits on the same job).
            ConnectorError: the job failed or was aborted.
        """
        poll = Retrying(
            retry=retry_if_result(lambda state: state not in FINAL_STATES),
            wait=wait_exponential(multiplier=self.poll_seconds, min=self.poll_seconds, max=10.0),
            stop=stop_after_delay(self.poll_deadline),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            info: dict[str, Any] = {}

            def state() -> str:
                info.update(self.client.call(lambda sf: _jobs(sf, sobject).get_job(job_id, True)))
                return str(info.get("state"))

            final = poll(state)
        except RetryError:
            raise StopRun(
                f"Salesforce bulk query job {job_id} for {sobject} is still "
                f"{info.get('state')} after {self.poll_deadline:.0f} s: the next run waits on it",
                platform="salesforce",
            ) from None
        if final != "JobComplete":
            raise ConnectorError(
                f"Salesforce bulk query job for {sobject} ended {final}: "
                f"{info.get('errorMessage', '')}",
                platform="salesforce",
            )
