"""The envelope of HubSpot batch answers: ``BatchResponse…`` (200/201) or, when some
inputs failed, ``BatchResponse…WithErrors`` with HTTP 207 and ``numErrors``/``errors``.

The good inputs are applied either way (notes §1.3). The real API answers some
failures of batch create without ``objectWriteTraceId`` with a 400 for the
whole batch [UNCERTAIN in the notes]. The emulator answers 207 for a bad property,
naming the trace ID in each error's context when the input had one; a bad inline
association on a create (an unknown association type, a target that does not exist)
answers 400 for the whole batch *after* the inputs before it were created: the
harshest reading of the uncertain case, so that a connector halving a refused batch
must look its keys up before sending the halves again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.hubspot.context import BadRequest
from sandbox.hubspot.wire import iso, validation_error

MAX_BATCH_INPUTS = 100


def inputs_of(body: Any, maximum: int = MAX_BATCH_INPUTS) -> list[dict[str, Any]]:
    """The ``inputs`` of a batch body, refusing more than ``maximum`` with a 400."""
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
        raise BadRequest(validation_error("Invalid input JSON: inputs is required"))
    inputs: list[dict[str, Any]] = body["inputs"]
    if len(inputs) > maximum:
        message = f"Batch input size {len(inputs)} exceeds the limit of {maximum} inputs."
        raise BadRequest(
            validation_error(message, errors=[{"message": message, "code": "TOO_MANY"}])
        )
    return inputs


def batch_response(
    results: list[dict[str, Any]],
    errors: list[dict[str, Any]],
    started: datetime,
    completed: datetime,
    *,
    ok_status: int = 200,
) -> Response:
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso(started),
        "completedAt": iso(completed),
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
        return JSONResponse(body, status_code=207)
    return JSONResponse(body, status_code=ok_status)
