"""One error taxonomy for every connector, classified by what the caller does next.

```
ConnectorError                 base; ``user_message`` is safe to print, ``detail`` is for the log
├── RetriableError             wait and try the same request again (429, 5xx, dropped connection)
├── RecordError                this record failed; the rest of the batch stands (207 / per-record)
├── StopRun                    stop cleanly, keep the cursor, resume next run
│   └── BudgetExhausted        the platform's daily budget is (nearly) spent
└── ConfigurationError         nothing will work until a person fixes credentials or setup
    └── AuthError              bad or expired token, missing scope or permission
```

What waiting cannot heal is never retried: a TLS verification failure is a
:class:`ConfigurationError` (see :mod:`connectors.transport`), and
:func:`heals_by_waiting` refuses 401 and 403 even when a connector called them
retriable, but for ``REQUEST_LIMIT_EXCEEDED`` (Salesforce's concurrent-request flavour).

Platform connectors raise only these (vendor exceptions never cross
``connectors/base.py``). :func:`classify_status` maps an HTTP status to the
class; platform codes (``REQUEST_LIMIT_EXCEEDED``, ``policyName: DAILY``...)
are mapped by each connector before it falls back on the status. No message
ever holds a token or a password: callers pass only what the platform said.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Something a platform said or did; ``platform`` names which.

    ``user_message`` carries the cause a person needs (the URL and the reason, or the
    HTTP status and the platform's error code): every front end prints it as is.
    """

    def __init__(
        self,
        user_message: str,
        *,
        platform: str = "",
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.platform = platform
        self.status = status
        self.code = code
        self.detail = detail

    def add_context(self, text: str) -> None:
        """Appends ``text`` (say the status and URL) to the message a person reads."""
        self.user_message = f"{self.user_message} {text}".strip()
        self.args = (self.user_message,)


class RetriableError(ConnectorError):
    """The same request may succeed later. ``retry_after`` (seconds) when the platform said."""

    def __init__(self, user_message: str, *, retry_after: float | None = None, **kw: object):
        super().__init__(user_message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class RecordError(ConnectorError):
    """One record was refused; its neighbours in the batch are unaffected."""


class SetupMissing(RecordError):
    """The platform refused a field, property or object that ``reengage setup`` makes:
    deleted, renamed or never created. Each connector tells it from its platform's codes."""


class PaginationLoop(ConnectorError):
    """A listing handed out a page token it had handed out before: read on, it would
    never end. The stream is not read further this run."""


class StopRun(ConnectorError):
    """Stop the run cleanly with cursors saved; the next run resumes."""


class BudgetExhausted(StopRun):
    """The platform's daily request budget is spent (or past the configured share)."""


class ConfigurationError(ConnectorError):
    """Nothing will work until a person changes the configuration or the platform's setup."""


class AuthError(ConfigurationError):
    """Credentials are wrong or expired, or lack a scope / permission."""


RETRIABLE_STATUSES = frozenset({408, 423, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


def classify_status(status: int) -> type[ConnectorError]:
    """The class an HTTP status falls in when the platform gave no more specific code."""
    if status in RETRIABLE_STATUSES:
        return RetriableError
    if status in (401, 403):
        return AuthError
    if 400 <= status < 500:
        return RecordError
    return RetriableError if status >= 500 else ConnectorError


# 403 codes that do clear by waiting (Salesforce's concurrent-request limit); the daily
# REQUEST_LIMIT_EXCEEDED is a BudgetExhausted, a clean stop, and never reaches the retry
WAITABLE_FORBIDDEN_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED"})


def heals_by_waiting(exc: BaseException) -> bool:
    """Whether the same request may succeed after a wait: the retry policy's one predicate.

    A refused token (401) or a refused permission (403) stays refused however long one
    waits, so they are not retried even when a connector raised them as retriable.
    """
    if not isinstance(exc, RetriableError):
        return False
    if exc.status in (401, 403):
        return exc.code in WAITABLE_FORBIDDEN_CODES
    return True


def http_context(status: int | None, code: str | None, url: str | None) -> str:
    """``(HTTP 401 INVALID_AUTHENTICATION from https://host:443/path)`` for a message."""
    parts = [f"HTTP {status}" if status else "", code or "", f"from {url}" if url else ""]
    said = " ".join(p for p in parts if p)
    return f"({said})" if said else ""
