"""Creating the project's AWS resources inside moto for tests."""

from __future__ import annotations

import threading
from typing import Any

EVENTS_TABLE = "events"
RECEIPTS_TABLE = "idempotency"
SNAPSHOT_BUCKET = "snapshots"


def create_event_tables(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName=EVENTS_TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    dynamodb.create_table(
        TableName=RECEIPTS_TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def create_snapshot_bucket(s3: Any) -> None:
    s3.create_bucket(
        Bucket=SNAPSHOT_BUCKET,
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )


class Serialized:
    """A client whose requests run one at a time.

    moto checks a write's condition and then writes, in two steps that threads can interleave,
    where DynamoDB does both atomically. One lock per request restores that atomicity, so
    concurrency tests exercise our code rather than moto's races.
    """

    _lock = threading.Lock()

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call
