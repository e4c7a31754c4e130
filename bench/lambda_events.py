"""Events shaped exactly as Lambda receives them: API Gateway HTTP API (payload 2.0) requests and
DynamoDB Streams records."""

from __future__ import annotations

import json
import uuid
from typing import Any

from adapters.commit_item import to_item
from eventcore.commits import Commit

REGION = "eu-west-1"
# Who the bench's requests come from, and the role the stack's configuration gives it.
TELLER = "arn:aws:iam::123456789012:user/teller"
# A role with the longest name IAM allows: its sessions are the longest actors (bench/storage).
LONGEST_ROLE = "arn:aws:iam::123456789012:role/" + "r" * 64
PRINCIPAL_ROLES: dict[str, list[str]] = {TELLER: ["operator"], LONGEST_ROLE: ["operator"]}
STREAM_ARN = (
    "arn:aws:dynamodb:eu-west-1:123456789012:table/ledger-local-events"
    "/stream/2026-01-01T00:00:00.000"
)


def http_post(
    path: str, body: dict[str, Any], idempotency_key: str | None = None
) -> dict[str, Any]:
    """A POST as API Gateway's HTTP API hands it to Lambda, IAM-authorized, with a fresh
    Idempotency-Key unless one is given."""
    text = json.dumps(body)
    request_id = str(uuid.uuid4())
    return {
        "version": "2.0",
        "routeKey": f"POST {path}",
        "rawPath": path,
        "rawQueryString": "",
        "cookies": [],
        "headers": {
            "accept": "application/json",
            "content-length": str(len(text.encode())),
            "content-type": "application/json",
            "host": "abc123def4.execute-api.eu-west-1.amazonaws.com",
            "idempotency-key": idempotency_key or str(uuid.uuid4()),
            "user-agent": "bench/1.0",
            "x-amzn-trace-id": "Root=1-6745a1b2-3c4d5e6f7a8b9c0d1e2f3a4b",
            "x-forwarded-for": "203.0.113.10",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123def4",
            "authorizer": {
                "iam": {
                    "accessKey": "ASIAEXAMPLE",
                    "accountId": "123456789012",
                    "callerId": "AIDAEXAMPLE",
                    "cognitoIdentity": None,
                    "principalOrgId": None,
                    "userArn": TELLER,
                    "userId": "AIDAEXAMPLE",
                }
            },
            "domainName": "abc123def4.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123def4",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "bench/1.0",
            },
            "requestId": request_id,
            "routeKey": f"POST {path}",
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": 1767225600000,
        },
        "body": text,
        "isBase64Encoded": False,
    }


def stream_record(commit: Commit, sequence: int) -> dict[str, Any]:
    """The INSERT record the event table's stream carries for `commit` (NEW_IMAGE view)."""
    item = to_item(commit)
    return {
        "eventID": f"{sequence:032x}",
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "ApproximateCreationDateTime": 1767225600 + sequence,
            "Keys": {"pk": item["pk"], "sk": item["sk"]},
            "NewImage": item,
            "SequenceNumber": str(10**20 + sequence),
            "SizeBytes": len(json.dumps(item)),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": STREAM_ARN,
    }
