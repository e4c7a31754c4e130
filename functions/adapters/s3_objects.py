"""Writing an S3 object that must be written once: `If-None-Match: *`, so a key already taken
is refused by S3 itself, whoever tried to write it (the digest bucket's policy requires it)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

# S3's answers when the key is taken, or a concurrent write to it is in progress.
_TAKEN = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}


def put_once(client: Any, bucket: str, key: str, body: bytes) -> bool:
    """Create the object; False when the key already holds one (nothing is written)."""
    try:
        client.put_object(
            Bucket=bucket, Key=key, Body=body, ContentType="application/json", IfNoneMatch="*"
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _TAKEN:
            return False
        raise
    return True
