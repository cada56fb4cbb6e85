"""Logging for people (Rich, text) and for machines (one JSON object per line).

Every log line goes to stderr: stdout is the command's result (``--json``
documents, tables, CSV) and must stay parseable at any log level. On a
terminal the text format is Rich's; anywhere else (a pipe, a file, a
journal) it is one plain line per record, never wrapped, so a line is never
cut mid-word by a console width.

Secrets never reach a log: :func:`setup_logging` takes the configured secret
values and a filter replaces any of them, wherever it appears in a message or
its arguments, with ``**********`` before a handler sees the record.

Warnings of one kind (one logger, one message template) are counted, not repeated:
at WARNING and above the first :data:`EXAMPLES` records of a kind are printed and
the rest become one line at the command's end (:func:`flush_warnings`), so a
thousand records failing for the same reason read as three examples and a count.
At DEBUG every record is printed. No line carries a platform's whole answer
either: :func:`short` keeps an error's message and drops the body after it (the
body stays in the store, for ``reengage errors``).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.logging import RichHandler

MASK = "**********"
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_STANDARD = set(vars(logging.makeLogRecord({})))
EXAMPLES = 3
"""Records of one warning kind printed before the rest are only counted."""
SHORT_LIMIT = 200
_BODY = re.compile(r"\s*(\[\s*\{|\{\s*\")")  # where a JSON document starts in a message


class RedactSecrets(logging.Filter):
    """Replaces every known secret value in a record's message and extra fields."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            record.msg = self._clean(record.getMessage())
            record.args = None
            for key, value in list(vars(record).items()):
                if key not in _STANDARD and isinstance(value, str):
                    setattr(record, key, self._clean(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class WarningDigest(logging.Filter):
    """Lets the first ``examples`` WARNING records of each kind through and counts the rest.

    A kind is the logger and the message *template* (``record.msg``), so records that
    differ only in their arguments (a record id, an error code) are one kind; a record's
    ``digest_key`` extra splits a template into finer kinds (platform, operation, error
    code). It must run before :class:`RedactSecrets`, which replaces the template by the message.
    """

    def __init__(self, examples: int = EXAMPLES) -> None:
        super().__init__()
        self.examples = examples
        self._seen: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING or getattr(record, "_digest", False):
            return True
        key = (record.name, str(record.msg), str(getattr(record, "digest_key", "")))
        with self._lock:
            self._seen[key] += 1
            return self._seen[key] <= self.examples

    def drain(self) -> list[tuple[tuple[str, str, str], int]]:
        """``((logger, template, digest key), records not printed)`` per kind since the
        last drain."""
        with self._lock:
            seen, self._seen = self._seen, Counter()
        return [(kind, n - self.examples) for kind, n in seen.items() if n > self.examples]


_DIGEST: list[WarningDigest | None] = [None]
_TENANT: contextvars.ContextVar[str | None] = contextvars.ContextVar("tenant", default=None)


@contextmanager
def tenant_context(tenant: str) -> Iterator[None]:
    """Every log record made inside carries ``tenant`` (a field of each JSON line)."""
    token = _TENANT.set(tenant)
    try:
        yield
    finally:
        _TENANT.reset(token)


class TenantField(logging.Filter):
    """Adds the tenant the current task or command works on to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        tenant = _TENANT.get()
        if tenant is not None and not hasattr(record, "tenant"):
            record.tenant = tenant
        return True


def flush_warnings() -> None:
    """Prints one line per warning kind that had more records than its examples, once.

    The command's owner calls it at the end (``sync.cli.main``; ``serve`` after each run).
    """
    digest = _DIGEST[0]
    if digest is None:
        return
    for (name, template, key), more in digest.drain():
        logging.getLogger(name).warning(
            "... and %s more like %r%s", f"{more:,}", template, f" ({key})" if key else "",
            extra={"suppressed": more, "template": template, "_digest": True},
        )  # fmt: skip


def short(text: str | None, limit: int = SHORT_LIMIT) -> str:
    """An error message fit for one log line: the JSON body after it dropped, spaces
    collapsed, at most ``limit`` characters."""
    if not text:
        return ""
    body = _BODY.search(text)
    if body and body.start() == 0:  # the whole message is a body: keep its own message
        text = _body_message(text)
        body = _BODY.search(text)
    kept = " ".join((text[: body.start()] if body and body.start() else text).split())
    if len(kept) > limit:
        kept = kept[: limit - 1] + "…"
    return kept


def _body_message(text: str) -> str:
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    found = doc.get("message") if isinstance(doc, dict) else None
    return str(found) if found else "(a response body: `reengage errors` shows it)"


def setup_logging(
    fmt: str = "text", *, secrets: Iterable[str] = (), level: int | str = logging.INFO
) -> None:
    """Configures the ``reengage`` logger tree (idempotent: replaces earlier handlers);
    above DEBUG, warnings of one kind are counted (:class:`WarningDigest`)."""
    root = logging.getLogger("reengage")
    root.setLevel(level)
    root.propagate = False
    for old in list(root.handlers):
        root.removeHandler(old)
    handler: logging.Handler
    if fmt == "json":
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
    elif sys.stderr.isatty():
        console = Console(stderr=True)
        handler = RichHandler(console=console, show_path=False, rich_tracebacks=False, markup=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(PLAIN_FORMAT))
    digest = WarningDigest() if root.getEffectiveLevel() > logging.DEBUG else None
    _DIGEST[0] = digest
    if digest is not None:
        handler.addFilter(digest)
    handler.addFilter(TenantField())
    handler.addFilter(RedactSecrets(secrets))
    root.addHandler(handler)
