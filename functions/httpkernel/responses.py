"""Answering a request: JSON bodies, a command's outcome, and how routes describe their
responses for the OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from application.requests import Outcome
from httpkernel.models import ErrorBody

# What a command route can answer besides its success: unreadable or unkeyed (400), no valid
# credentials (401), a role that may not (403), not found or not the caller's (404), a broken
# rule or a lost race (409), a failed If-Match (412), too large (413), not JSON (415), invalid
# (422), busy (503).
COMMAND_ERRORS = (400, 401, 403, 404, 409, 412, 413, 415, 422, 503)
QUERY_ERRORS = (401, 403, 404, 422, 503)


def json_response(
    status: int, body: Any, version: int | None = None, **headers: str
) -> Response[str]:
    """`body` as compact JSON; `version` becomes the ETag (what If-Match sends back)."""
    if version is not None:
        headers["ETag"] = f'"{version}"'
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        headers=headers or None,
    )


def outcome_response(outcome: Outcome) -> Response[str]:
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    return json_response(outcome.status, outcome.body, outcome.version, **headers)


def responses(ok: int, model: type, *errors: int) -> dict[int, Any]:
    """The OpenAPI `responses` of a route: `model` on success, the error body otherwise."""
    described: dict[int, Any] = {
        ok: {"description": "success", "content": {"application/json": {"model": model}}}
    }
    for status in errors:
        described[status] = {
            "description": "error",
            "content": {"application/json": {"model": ErrorBody}},
        }
    return described
