"""The org's daily API request budget, the ``Sforce-Limit-Info`` header and ``/limits``.

Every authenticated REST call spends one request, as in Salesforce (a Composite or
Collections call counts once). When the budget is spent, calls answer 403
``REQUEST_LIMIT_EXCEEDED`` until a test raises ``max`` or lowers ``used``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

BULK_QUERY_JOBS_PER_DAY = 10_000


@dataclass
class ApiBudget:
    """Requests used against the daily maximum; mutable so tests can set the scene."""

    max: int
    used: int = 0
    bulk_query_jobs: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def exhausted(self) -> bool:
        return self.used >= self.max

    def spend(self) -> bool:
        """Spends one request; False (and nothing spent) when the budget is gone."""
        with self._lock:
            if self.used >= self.max:
                return False
            self.used += 1
            return True

    def header(self) -> str:
        """The ``Sforce-Limit-Info`` value, e.g. ``api-usage=18/5000``."""
        return f"api-usage={self.used}/{self.max}"


def limits_body(budget: ApiBudget) -> dict[str, Any]:
    """What ``GET /limits/`` answers: each limit's Max and Remaining."""

    def pair(maximum: int, used: int = 0) -> dict[str, int]:
        return {"Max": maximum, "Remaining": max(0, maximum - used)}

    return {
        "ConcurrentAsyncGetReportInstances": pair(200),
        "DailyApiRequests": pair(budget.max, budget.used),
        "DailyAsyncApexExecutions": pair(250_000),
        "DailyBulkApiBatches": pair(15_000),
        "DailyBulkV2QueryFileStorageMB": pair(976_562),
        "DailyBulkV2QueryJobs": pair(BULK_QUERY_JOBS_PER_DAY, budget.bulk_query_jobs),
        "DataStorageMB": pair(1_024),
        "FileStorageMB": pair(1_024),
        "HourlyTimeBasedWorkflow": pair(1_000),
        "SingleEmail": pair(5_000),
    }
