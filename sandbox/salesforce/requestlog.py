"""The Salesforce emulator's request log: each request labelled with the sObject it touched.

A ``query`` / ``queryAll`` is labelled with the object after its outer ``FROM``;
a ``queryMore`` page with the object of the query that opened its locator;
``sobjects/{object}/...`` (describe, getDeleted, getUpdated, records) with that
object. Other requests carry their API family (``collections``, ``bulk``,
``oauth``, ``limits``, ``tooling``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.types import ASGIApp

from sandbox.requestlog import RequestLogMiddleware, request_log
from sandbox.salesforce.state import SalesforceState

_FROM = re.compile(r"\bfrom\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_NESTED = re.compile(r"\([^()]*\)")


def query_object(soql: str) -> str:
    """The object a SOQL query reads (its outer ``FROM``; sub-queries left out)."""
    outer = soql
    while _NESTED.search(outer):
        outer = _NESTED.sub("", outer)
    found = _FROM.search(outer)
    return found.group(1) if found else "?"


def labeller(state: SalesforceState) -> Callable[[str, str, str], tuple[str, str]]:
    """The labelling function for one org (``queryMore`` locators are looked up in it)."""

    def label(method: str, path: str, query: str) -> tuple[str, str]:
        parts = [p for p in path.split("/") if p]
        if parts[:2] == ["services", "oauth2"]:
            return "oauth", parts[-1]
        rest = parts[3:] if parts[:2] == ["services", "data"] else parts
        if not rest:
            return "versions", ""
        family = rest[0]
        if family in ("query", "queryAll"):
            if len(rest) == 1:
                soql = parse_qs(query).get("q", [""])[0]
                return query_object(soql), family
            cursor = state.cursors.get(rest[1].rpartition("-")[0])
            plan = getattr(cursor, "plan", None)
            return (plan.object.name if plan is not None else "?"), family + "More"
        if family == "sobjects" and len(rest) > 1:
            named = len(rest) > 2 and rest[2] in ("describe", "deleted", "updated")
            return rest[1], rest[2] if named else "record"
        if family == "jobs":
            return "bulk", "/".join(rest[1:2])
        return family, "/".join(rest[1:])

    return label


def logged(app: ASGIApp, state: SalesforceState) -> ASGIApp:
    """``app`` recording into the request log of ``state``'s org."""
    return RequestLogMiddleware(app, request_log(state), labeller(state))
