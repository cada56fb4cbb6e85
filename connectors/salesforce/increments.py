"""Incremental reads: REST ``queryAll`` on ``SystemModstamp`` after a compound cursor.

Cursor rules (pure functions, tested before / after):

* the bookmark is ``(SystemModstamp, Id)``: timestamps repeat, so the next query
  asks for ``SystemModstamp > ts OR (SystemModstamp = ts AND Id > id)``, ordered by
  both, and no row is read twice or skipped;
* the source is sorted, so the bookmark moves with every page (a crash re-reads
  at most one page);
* ``queryAll`` returns rows deleted or merged away (``IsDeleted``) as well, for as
  long as the recycle bin keeps them; ``getDeleted`` covers the 15 days after that
  (see :mod:`connectors.salesforce.deletions`).

A stream's state is a :class:`StreamState`, stored as JSON in its
:class:`~connectors.base.Cursor`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from connectors.errors import ConnectorError
from connectors.paging import PageTokens
from connectors.salesforce import soql
from connectors.salesforce.client import SalesforceClient, next_page
from connectors.salesforce.streams import Stream
from connectors.timeparse import parse_instant

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StreamState:
    """``phase``: ``new`` (never read), ``bulk`` (backfill job under way) or ``rest``.

    ``ts`` / ``id`` are the bookmark in ``rest`` and the high-water mark so far in
    ``bulk``; ``job`` / ``locator`` resume a Bulk 2.0 backfill; ``deleted_since`` is
    where the next ``getDeleted`` window starts.
    """

    phase: str = "new"
    ts: str | None = None
    id: str | None = None
    job: str | None = None
    locator: str | None = None
    deleted_since: str | None = None

    def to_value(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_value(cls, value: Mapping[str, Any] | None) -> StreamState:
        if not value:
            return cls()
        known = {k: value[k] for k in cls.__dataclass_fields__ if k in value}
        return cls(**known)

    @property
    def position(self) -> tuple[datetime, str] | None:
        stamp = parse_instant(self.ts)
        return None if stamp is None or self.id is None else (stamp, self.id)


def row_position(row: Mapping[str, Any], stamp: str = "SystemModstamp") -> tuple[datetime, str]:
    when = parse_instant(row.get(stamp))
    if when is None:
        raise ConnectorError(f"a row has no {stamp}", platform="salesforce")
    return when, str(row["Id"])


def high_water(state: StreamState, rows: Sequence[Mapping[str, Any]], stamp: str) -> StreamState:
    """The state with its bookmark moved to the largest (timestamp, id) of ``rows``."""
    best = state.position
    for row in rows:
        here = row_position(row, stamp)
        if best is None or here > best:
            best = here
    if best is None:
        return state
    return replace(state, ts=best[0].isoformat(), id=best[1])


def flatten(record: Mapping[str, Any]) -> Row:
    """A REST record as a flat row: no ``attributes``; nested ``Account.Name`` flattened."""
    row: Row = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, Mapping):
            for sub, inner in flatten(value).items():
                row[f"{key}.{sub}"] = inner
        else:
            row[key] = value
    return row


def increment_query(stream: Stream, fields: Sequence[str], state: StreamState) -> str:
    """The REST query for everything after the state's bookmark (everything when it has none)."""
    position = state.position
    where = None if position is None else soql.after_cursor(*position, stamp_field=stream.stamp)
    return soql.select(stream.sobject, fields, where, order_by=(stream.stamp, "Id"))


def read_rest(
    client: SalesforceClient,
    stream: Stream,
    fields: Sequence[str],
    state: StreamState,
    *,
    batch_size: int = 2000,
) -> Iterator[tuple[list[Row], StreamState]]:
    """Pages of rows after the bookmark, each with the state to save alongside it."""
    query = increment_query(stream, fields, state)
    headers = {"Sforce-Query-Options": f"batchSize={batch_size}"}
    page: Mapping[str, Any] = client.call(
        lambda sf: sf.query(query, include_deleted=True, headers=headers)
    )
    state = replace(state, phase="rest", job=None, locator=None)
    tokens = PageTokens("Salesforce", f"the {stream.sobject} query")
    while True:
        rows = [flatten(r) for r in page.get("records", [])]
        state = high_water(state, rows, stream.stamp)
        yield rows, state
        if page.get("done", True):
            return
        next_url = str(tokens.next(str(page["nextRecordsUrl"])))
        page = client.call(next_page(next_url, include_deleted=True, headers=headers))
