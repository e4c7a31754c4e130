"""`SnapshotStore` on S3: one object per snapshotted version, and a copy of the newest.

`snapshots/<stream>/<version>.json` serves "state as of version N"; `snapshots/<stream>/latest.json`
lets a cold command load find the newest in a single GET.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from eventcore.snapshots import Snapshot, fields
from eventcore.store import StoreUnavailable

_SHAPE = {"stream_id", "version", "schema_version", "state", "last_hash", "recorded_at"}
_WIDTH = 12  # zero-padded so that keys sort by version
# S3's answers to "too many requests" and "try again": the caller gets a 503, not a 500.
_BUSY = {"SlowDown", "ServiceUnavailable", "InternalError", "503", "500"}


class S3SnapshotStore:
    def __init__(self, client: Any, bucket: str, prefix: str = "snapshots/") -> None:
        self._client = client
        self._bucket = bucket
        self._prefix = prefix

    def latest(self, stream_id: str) -> Snapshot | None:
        return self._get(f"{self._folder(stream_id)}latest.json")

    def at_or_before(self, stream_id: str, version: int) -> Snapshot | None:
        folder = self._folder(stream_id)
        best: int | None = None
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=folder):
            for entry in page.get("Contents", []):
                name = entry["Key"][len(folder) :].removesuffix(".json")
                if name.isdigit() and int(name) <= version and (best is None or int(name) > best):
                    best = int(name)
        return None if best is None else self._get(f"{folder}{best:0{_WIDTH}d}.json")

    def save(self, snapshot: Snapshot) -> None:
        body = json.dumps(
            {**fields(snapshot), "signature": snapshot.signature}, separators=(",", ":")
        ).encode()
        folder = self._folder(snapshot.stream_id)
        for key in (f"{folder}{snapshot.version:0{_WIDTH}d}.json", f"{folder}latest.json"):
            try:
                self._client.put_object(
                    Bucket=self._bucket, Key=key, Body=body, ContentType="application/json"
                )
            except (ClientError, BotoCoreError) as error:
                raise StoreUnavailable(f"snapshot bucket {self._bucket}: {error}") from error

    def _folder(self, stream_id: str) -> str:
        return f"{self._prefix}{stream_id}/"

    def _get(self, key: str) -> Snapshot | None:
        try:
            response = self._client.get_object(Bucket=self._bucket, Key=key)
            raw = json.loads(response["Body"].read())
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404"):
                return None
            if code in _BUSY:
                raise StoreUnavailable(f"snapshot store: {code}") from error
            raise
        except BotoCoreError as error:
            raise StoreUnavailable(f"snapshot store: {error!r}") from error
        except ValueError:
            return None  # not JSON: whoever wrote it, it is no snapshot, and loads fold instead
        if not isinstance(raw, dict) or not raw.keys() >= _SHAPE:
            return None
        return Snapshot(
            stream_id=raw["stream_id"],
            version=raw["version"],
            schema_version=raw["schema_version"],
            state=raw["state"],
            last_hash=raw["last_hash"],
            recorded_at=raw["recorded_at"],
            commit_version=raw.get("commit_version", 0),
            signature=raw.get("signature", ""),
        )
