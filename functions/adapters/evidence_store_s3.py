"""Evidence of a changed or removed commit, kept in the object-locked digest bucket
(`evidence/<stream>/<sk>/<event id>.json`): the stream record with the item's old image, which
the table no longer holds. Written once per record; a redelivered record finds it kept."""

from __future__ import annotations

import json
from typing import Any

from adapters.s3_objects import put_once

PREFIX = "evidence/"


class S3Evidence:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def keep(self, record: dict[str, Any]) -> str:
        change = record.get("dynamodb", {})
        keys = change.get("Keys", {})
        stream = keys.get("pk", {}).get("S", "unknown")
        sk = keys.get("sk", {}).get("N", "unknown")
        key = f"{PREFIX}{stream}/{sk}/{record.get('eventID', change.get('SequenceNumber'))}.json"
        body = json.dumps(record, default=str, separators=(",", ":")).encode()
        put_once(self._client, self._bucket, key, body)  # a redelivery finds it kept
        return key
