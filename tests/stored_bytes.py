"""What a test of erasure scans: every table item and every object version the stack holds, as
bytes, and every form the code could write a value in."""

from __future__ import annotations

import base64
import json
from typing import Any


def forms(text: str) -> list[bytes]:
    """UTF-8, JSON with \\u escapes, base64 (both alphabets), and its first word alone."""
    return [
        text.encode(),
        json.dumps(text).encode()[1:-1],
        base64.b64encode(text.encode()),
        base64.urlsafe_b64encode(text.encode()).rstrip(b"="),
        text.split(maxsplit=1)[0].split("-", maxsplit=1)[0].encode(),
    ]


def everything_stored(dynamodb: Any, s3: Any) -> list[bytes]:
    found: list[bytes] = []
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            found += [json.dumps(item, default=str).encode() for item in page["Items"]]
    for bucket in s3.list_buckets()["Buckets"]:
        for version in s3.list_object_versions(Bucket=bucket["Name"]).get("Versions", []):
            body = s3.get_object(
                Bucket=bucket["Name"], Key=version["Key"], VersionId=version["VersionId"]
            )
            found.append(body["Body"].read())
    return found


def holding(blobs: list[bytes], text: str) -> list[bytes]:
    return [blob for blob in blobs if any(form in blob for form in forms(text))]
