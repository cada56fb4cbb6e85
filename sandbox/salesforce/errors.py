"""Salesforce's REST error shape: HTTP status plus ``[{"message", "errorCode", "fields"}]``.

Handlers raise :class:`ApiError`; the routing layer turns it into that body, so every
error the emulator sends has the one shape simple-salesforce and the connector parse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.responses import JSONResponse


class ApiError(Exception):
    """An answer Salesforce would give as an error."""

    def __init__(
        self, status: int, code: str, message: str, fields: Sequence[str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = list(fields) if fields is not None else None


def error_body(
    code: str, message: str, fields: Sequence[str] | None = None
) -> list[dict[str, object]]:
    item: dict[str, object] = {"message": message, "errorCode": code}
    if fields is not None:
        item["fields"] = list(fields)
    return [item]


def error_response(error: ApiError, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        error_body(error.code, error.message, error.fields), error.status, headers=headers
    )


def not_found(message: str = "The requested resource does not exist") -> ApiError:
    return ApiError(404, "NOT_FOUND", message)


def bad_request(code: str, message: str, fields: Sequence[str] | None = None) -> ApiError:
    return ApiError(400, code, message, fields)
