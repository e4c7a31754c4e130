"""Building real-shaped API Gateway HTTP API (payload 2.0) events and calling the entry points."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from esctl.http_gateway import LambdaContext

TEMPLATE = json.loads((Path(__file__).parent / "fixtures" / "apigw-http-v2-event.json").read_text())


def http_event(
    method: str,
    path: str,
    body: Any = None,
    *,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, Any] | None = None,
    key: str | None = "auto",
    actor: str | None = "arn:aws:iam::123456789012:user/teller",
) -> dict[str, Any]:
    event = copy.deepcopy(TEMPLATE)
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    all_headers = {
        k: v for k, v in event["headers"].items() if k not in ("idempotency-key", "content-length")
    }
    if method == "POST" and key is not None:
        all_headers["idempotency-key"] = str(uuid.uuid4()) if key == "auto" else key
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    if text is not None:
        all_headers["content-length"] = str(len(text.encode()))
    event["headers"] = all_headers
    event["rawPath"] = path
    event["rawQueryString"] = urlencode(query or {})
    event["queryStringParameters"] = {k: str(v) for k, v in (query or {}).items()} or None
    if event["queryStringParameters"] is None:
        del event["queryStringParameters"]
    event["body"] = text
    if text is None:
        del event["body"]
    event["routeKey"] = f"{method} {path}"
    event["requestContext"]["routeKey"] = event["routeKey"]
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    event.pop("pathParameters", None)
    if actor is None:
        del event["requestContext"]["authorizer"]
    else:
        event["requestContext"]["authorizer"]["iam"]["userArn"] = actor
    return event


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


def call(event: dict[str, Any]) -> Reply:
    from handlers import commands, queries

    entry = commands if event["requestContext"]["http"]["method"] == "POST" else queries
    raw = entry.handler(event, LambdaContext())
    headers = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
    return Reply(raw["statusCode"], headers, raw.get("body") or "")
