"""What a command needs from its HTTP request: who, which key, which version, which body."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import BaseModel

from application.callers import Caller
from application.requests import Request
from eventcore.events import personal_fields
from httpkernel.errors import HttpError

# RFC 9110 visible characters; the key may be sent as a structured-field string ("...").
IDEMPOTENCY_KEY_PATTERN = r'^"?[\x21-\x7e]{1,128}?"?$'
IF_MATCH_PATTERN = r'^(\*|(W/)?"?\d{1,18}"?)$'
_TOKEN = re.compile(r'^"?([\x21-\x7e]{1,128}?)"?$')
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,18})"?$')

_MISSING_KEY = HttpError(400, "idempotency_key_missing", "the Idempotency-Key header is required")
_BAD_KEY = HttpError(
    400, "idempotency_key_invalid", "Idempotency-Key must be 1 to 128 visible characters"
)
_BAD_IF_MATCH = HttpError(400, "invalid_if_match", 'If-Match must be an ETag such as "3"')


def header_refusal(errors: list[Any]) -> HttpError | None:
    """A validation failure of one of our headers is a 400 with its own code, not a 422."""
    for failure in errors:
        location = tuple(failure.get("loc", ()))
        if location == ("header", "idempotency-key"):
            return _MISSING_KEY if failure.get("type") == "missing" else _BAD_KEY
        if location == ("header", "if-match"):
            return _BAD_IF_MATCH
    return None


def correlation_id_of(event: APIGatewayProxyEventV2) -> str:
    given = _TOKEN.match(event.headers.get("x-correlation-id") or "")
    return given.group(1) if given else str(event.request_context.request_id or "")


def command_request(
    event: APIGatewayProxyEventV2, body: BaseModel | None, caller: Caller
) -> Request:
    """Build the application's view of a command request, refusing a bad or missing key."""
    raw_key = event.headers.get("idempotency-key")
    if raw_key is None:
        raise _MISSING_KEY
    key = _TOKEN.match(raw_key)
    if key is None:
        raise _BAD_KEY
    return Request(
        idempotency_key=key.group(1),
        fingerprint=fingerprint(event.request_context.http.method, event.raw_path, body),
        caller=caller,
        correlation_id=correlation_id_of(event),
        if_match=expected_version(event.headers.get("if-match")),
    )


def expected_version(header: str | None) -> int | None:
    if header is None or header.strip() == "*":
        return None
    match = _ETAG.match(header.strip())
    if match is None:
        raise _BAD_IF_MATCH
    return int(match.group(1))


def fingerprint(method: str, path: str, body: BaseModel | None) -> str:
    """What tells a retry from another request under the same key. Fields marked as personal
    data are left out: the fingerprint is kept in the receipt, and a hash of a name is a way to
    confirm the name long after it was erased (a retry differing only in them replays)."""
    content: Any = None
    if body is not None:
        personal = set(personal_fields(type(body)))
        content = {k: v for k, v in body.model_dump(mode="json").items() if k not in personal}
    canonical = json.dumps([method, path, content], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
