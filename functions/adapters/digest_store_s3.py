"""`DigestStore` on S3, in a bucket with Object Lock in compliance mode: once written, a digest
cannot be changed or deleted by anyone, the account's root included, until its retention ends.

Keys count down (`digests/<10^12 - sequence>.json`), so the newest digest is the first key a
listing returns: finding it is one ListObjectsV2 of one key and one GetObject, however many
digests there are. Each digest is created only if its key is free (`If-None-Match: *`), so two
digesters can never both keep a digest of one sequence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from adapters.s3_objects import put_once
from eventcore.digests import Digest, DigestTaken

PREFIX = "digests/"
_TOP = 10**12


def digest_key(sequence: int) -> str:
    return f"{PREFIX}{_TOP - sequence:012d}.json"


def sequence_of(key: str) -> int:
    return _TOP - int(key.removeprefix(PREFIX).removesuffix(".json"))


class S3DigestStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def latest(self) -> Digest | None:
        listed = self._client.list_objects_v2(Bucket=self.bucket, Prefix=PREFIX, MaxKeys=1)
        contents = listed.get("Contents", [])
        return self.get(contents[0]["Key"]) if contents else None

    def put(self, digest: Digest) -> None:
        body = json.dumps(digest.to_json(), separators=(",", ":")).encode()
        if not put_once(self._client, self.bucket, digest_key(digest.sequence), body):
            raise DigestTaken(f"digest {digest.sequence} is already kept")

    def keys(self) -> list[str]:
        """Every digest's key, newest first; ValueError if a key was written twice or hidden
        behind a delete marker (the bucket's policy forbids both: someone got round it)."""
        versions: dict[str, int] = {}
        paginator = self._client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=PREFIX):
            for marker in page.get("DeleteMarkers", []):
                raise ValueError(f"{marker['Key']} is hidden behind a delete marker")
            for entry in page.get("Versions", []):
                versions[entry["Key"]] = versions.get(entry["Key"], 0) + 1
        for key, count in versions.items():
            if count > 1:
                raise ValueError(f"{key} was written {count} times (digests are written once)")
        return sorted(versions)

    def all(self) -> Iterator[Digest]:
        for key in reversed(self.keys()):
            yield self.get(key)

    def get(self, key: str) -> Digest:
        """The digest at `key`; ValueError when the object is not the digest its key names."""
        raw = json.loads(self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        digest = Digest.from_json(raw)
        if digest.sequence != sequence_of(key):
            raise ValueError(f"{key} holds digest {digest.sequence}")
        return digest
