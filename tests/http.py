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

# The IAM principals the handler tests sign as, and their roles (`IAM_PRINCIPAL_ROLES`).
TELLER = "arn:aws:iam::123456789012:user/teller"
AUDITOR = "arn:aws:iam::123456789012:user/auditor"
OTHER_TELLER = "arn:aws:iam::123456789012:user/other-teller"
# An operator's assumed role: its sessions are one principal (the role).
OPERATIONS_ROLE = "arn:aws:iam::123456789012:role/operations"
PRINCIPAL_ROLES = {
    TELLER: ["operator"],
    OTHER_TELLER: ["operator"],
    AUDITOR: ["auditor"],
    OPERATIONS_ROLE: ["operator"],
}


def session(name: str) -> str:
    """An assumed-role session of the operations role, as its userArn reads."""
    return f"arn:aws:sts::123456789012:assumed-role/operations/{name}"


ISSUER = "https://issuer.example.com/"


def customer(subject: str) -> dict[str, str]:
    """A JWT's claims as API Gateway's authorizer passes them: a customer `subject`."""
    return {"iss": ISSUER, "sub": subject, "scope": "ledger/customer"}


def principal_of_customer(subject: str) -> str:
    return f"{ISSUER}#{subject}"


def http_event(
    method: str,
    path: str,
    body: Any = None,
    *,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, Any] | None = None,
    key: str | None = "auto",
    actor: str | None = TELLER,
    claims: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A request signed by the IAM principal `actor`, or with a JWT of `claims`, or (both
    None) with no authorizer context at all."""
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
    if claims is not None:
        scopes = claims.get("scope", "").split()
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": scopes}}
    elif actor is None:
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
