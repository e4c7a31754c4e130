"""Evidence of a changed or removed commit, kept in the object-locked digest bucket
(`evidence/<stream>/<sk>/<event id>.json`): the stream record with the item's old image, which
the table no longer holds. Written once per record; a redelivered record finds it kept."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

PREFIX = "evidence/"
_KEPT = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}


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
        try:
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=body,
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in _KEPT:
                raise
        return key
