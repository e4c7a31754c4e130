"""Every error the API can answer, mapped to HTTP in this one place."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from eventcore.errors import DomainError, ErrorKind

# Every domain error is answered by its kind; its code and message go in the body.
STATUS_BY_KIND = {
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.INVALID: 422,
    ErrorKind.PRECONDITION_FAILED: 412,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.FORBIDDEN: 403,
}
RETRY_AFTER_SECONDS = 1


class HttpError(Exception):
    """A request the API refuses before it reaches the application."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def status_for(failure: DomainError) -> int:
    return STATUS_BY_KIND[failure.kind]


def error(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    body: dict[str, Any] = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, separators=(",", ":")),
        headers=headers,
    )


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors without the echoed input (it can be large or sensitive) or doc URLs."""
    return [
        {
            "loc": [str(part) for part in e.get("loc", ())],
            "type": e.get("type"),
            "msg": e.get("msg"),
        }
        for e in errors
    ]


def is_unreadable_body(errors: list[Any]) -> bool:
    """Malformed JSON, or no body at all: a 400, not a schema violation."""
    return any(
        e.get("type") == "json_invalid"
        or (e.get("type") == "missing" and tuple(e.get("loc", ())) == ("body",))
        for e in errors
    )
