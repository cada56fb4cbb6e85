"""The tinycrm connector: JSON over HTTP (httpx), read in pages after a sequence number."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TypeVar

import httpx

from config.rules import Rules
from connectors.base import (
    Activity,
    ActivityKind,
    ApiUsage,
    AuthError,
    BudgetExhausted,
    ConnectorError,
    Cursor,
    Deal,
    FieldUpdate,
    Owner,
    Page,
    PlatformRecord,
    RecordRef,
    RetriableError,
    SetupItem,
    Skip,
    WriteResult,
    WriteStatus,
    classify_status,
)
from reengage_tinycrm import PERSON, PLATFORM, TinyCrmSettings

T = TypeVar("T")
Row = dict[str, object]


class BadValue(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field


def _text(row: Row, name: str) -> str | None:
    value = row.get(name)
    if value is None or isinstance(value, str):
        return value
    raise BadValue(name, f"{name} is not a string")


def _instant(row: Row, name: str) -> datetime:
    text = _text(row, name)
    try:
        at = datetime.fromisoformat(text or "")
    except ValueError:
        raise BadValue(name, f"{name} is not an ISO instant") from None
    if at.tzinfo is None:
        raise BadValue(name, f"{name} has no time zone")
    return at


def _person(row: Row) -> PlatformRecord:
    if row.get("deleted") is True:  # a tombstone: only its id is left
        return PlatformRecord(ref=RecordRef(PERSON, str(row["id"])), email=None, deleted=True)
    return PlatformRecord(
        ref=RecordRef(PERSON, str(row["id"])),
        email=_text(row, "email"),
        first_name=_text(row, "first_name"),
        last_name=_text(row, "last_name"),
        owner_id=_text(row, "owner_id"),
        created_at=_instant(row, "created_at"),
        modified_at=_instant(row, "modified_at"),
    )


def _activity(row: Row) -> Activity:
    try:
        kind = ActivityKind(_text(row, "kind") or "")
    except ValueError:
        raise BadValue("kind", "not an activity kind reengage knows") from None
    return Activity(
        platform=PLATFORM,
        activity_id=f"activity:{row['id']}",
        record=RecordRef(PERSON, str(row["person_id"])),
        kind=kind,
        occurred_at=_instant(row, "occurred_at"),
        detail=_text(row, "detail"),
    )


class TinyCrmConnector:
    """A :class:`~connectors.base.SourceConnector` and :class:`~connectors.base.FieldSink`."""

    def __init__(self, options: TinyCrmSettings) -> None:
        self.platform = PLATFORM
        self.options = options
        self._requests = 0
        self._rate_limited = 0
        self._client = httpx.Client(
            base_url=options.base_url,
            headers={"Authorization": f"Bearer {options.api_key.get_secret_value()}"},
            timeout=options.timeout_seconds,
        )

    # -- transport ----------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, int] | None = None,
        json: dict[str, object] | None = None,
    ) -> Row:
        self._requests += 1
        url = f"{self.options.base_url}{path}"
        try:
            response = self._client.request(method, path, params=params, json=json)
        except httpx.TransportError as exc:
            raise RetriableError(f"{url}: {type(exc).__name__}", platform="tinycrm") from None
        if response.status_code == 429:
            raise self._limited(method, url, response)
        if response.status_code >= 400:
            kind = classify_status(response.status_code)
            if response.status_code in (401, 403):
                kind = AuthError
            raise kind(f"{method} {url} refused", platform="tinycrm", status=response.status_code)
        body = response.json()
        if not isinstance(body, dict):
            raise ConnectorError(f"{url}: not a JSON object", platform="tinycrm")
        return body

    def _limited(self, method: str, url: str, response: httpx.Response) -> ConnectorError:
        """A 429: the daily budget spent stops the run cleanly (it resumes from its
        cursors); any other limit is a short one, retriable."""
        self._rate_limited += 1
        try:
            body = response.json()
        except ValueError:
            body = None
        said = body if isinstance(body, dict) else {}
        if said.get("limit") == "daily":
            return BudgetExhausted(
                f"{method} {url}: tinycrm's daily request limit is spent; the run stops and "
                "resumes from its cursors",
                platform="tinycrm",
                status=429,
                code="daily",
            )
        wait = said.get("retry_after")
        return RetriableError(
            f"{method} {url} rate limited",
            platform="tinycrm",
            status=429,
            retry_after=float(wait) if isinstance(wait, int | float) else None,
        )

    def _pages(
        self, stream: str, cursors: Mapping[str, Cursor], to_item: Callable[[Row], T]
    ) -> Iterator[Page[T]]:
        cursor = cursors.get(stream)
        after = cursor.value.get("after", 0) if cursor else 0
        seq = after if isinstance(after, int) else 0
        while True:
            body = self._call(
                "GET", f"/{stream}", params={"after": seq, "limit": self.options.page_size}
            )
            rows = body.get("results")
            items: list[T] = []
            skipped: list[Skip] = []
            for row in rows if isinstance(rows, list) else []:
                try:
                    items.append(to_item(row))
                except BadValue as exc:
                    skipped.append(Skip(PLATFORM, stream, str(row.get("id")), exc.field, str(exc)))
                seq = max(seq, int(row.get("seq", seq)))
            nxt = body.get("next")
            yield Page(
                items, Cursor(stream, {"after": seq}), complete=nxt is None, skipped=tuple(skipped)
            )
            if nxt is None:
                return

    # -- source -------------------------------------------------------------------------
    def read_records(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[PlatformRecord]]:
        return self._pages("persons", cursors, _person)

    def read_activities(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[Activity]]:
        return self._pages("activities", cursors, _activity)

    def read_deals(self, cursors: Mapping[str, Cursor]) -> Iterator[Page[Deal]]:
        return iter(())  # tinycrm has no deals

    def read_owners(self) -> Iterator[Owner]:
        """tinycrm's users, who may own persons (one short list, unpaged)."""
        rows = self._call("GET", "/users").get("results")
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and isinstance(row.get("id"), str):
                name, email = row.get("name"), row.get("email")
                yield Owner(
                    PLATFORM,
                    row["id"],
                    name if isinstance(name, str) else None,
                    email if isinstance(email, str) else None,
                    active=row.get("active") is not False,
                )

    # -- field sink ---------------------------------------------------------------------
    def check_setup(self, rules: Rules) -> list[SetupItem]:
        me = self._call("GET", "/me")
        return [SetupItem("connection", "tinycrm api", "ok", detail=str(me.get("name", "")))]

    def apply_setup(self, items: Sequence[SetupItem]) -> list[SetupItem]:
        return list(items)  # nothing to create: tinycrm takes any field

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[WriteResult]:
        if not updates:
            return []
        payload = [
            {"key": u.key, "id": u.record.record_id, "values": dict(u.values)} for u in updates
        ]
        body = self._call("POST", "/persons/update", json={"updates": payload})
        answers = body.get("results")
        found = (
            {a["key"]: a for a in answers if isinstance(a, dict)}
            if isinstance(answers, list)
            else {}
        )
        results = []
        for u in updates:
            answer = found.get(u.key)
            if answer is not None and answer.get("ok") is True:
                results.append(
                    WriteResult(u.key, WriteStatus.APPLIED, platform_id=u.record.record_id)
                )
            else:
                reason = str(answer.get("error")) if answer else "no answer for this update"
                results.append(
                    WriteResult(u.key, WriteStatus.FAILED, error_code="REFUSED", message=reason)
                )
        return results

    # -- connector ----------------------------------------------------------------------
    def usage(self) -> ApiUsage:
        return ApiUsage(requests=self._requests, rate_limited=self._rate_limited)

    def close(self) -> None:
        self._client.close()
