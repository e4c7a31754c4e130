"""A commit changed or removed in the table behind the application's back: the projector counts
it (`TamperDetected`, alarmed) and keeps the stream record, with the original as the table
held it, in the object-locked digest bucket, where nobody can delete it."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from adapters.commit_item import to_item
from domains.accounts.decider import stream_id
from esctl.http_gateway import LambdaContext
from tests.handlers.test_commands import funded
from tests.streams import batch, record

pytestmark = pytest.mark.usefixtures("stack")


def _changed(event_name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A stream record of the account's deposit commit, changed (MODIFY) or removed (REMOVE)."""
    from handlers import bootstrap

    account = funded(10)
    commit = list(bootstrap.host().aggregates.store.read(stream_id(account)))[1]
    original = to_item(commit)
    shaped = record(commit, 7)
    shaped["eventName"] = event_name
    shaped["dynamodb"]["OldImage"] = original
    if event_name == "MODIFY":
        edited = json.loads(original["events"]["S"].replace('"amount":10', '"amount":10000'))
        shaped["dynamodb"]["NewImage"] = {**original, "events": {"S": json.dumps(edited)}}
    else:
        del shaped["dynamodb"]["NewImage"]
    return shaped, original


def _project(records: list[dict[str, Any]]) -> str:
    from handlers import projector

    out = io.StringIO()
    with redirect_stdout(out):
        projector.handler(batch(records), LambdaContext("ledger-projector"))
    return out.getvalue()


@pytest.mark.parametrize("event_name", ["MODIFY", "REMOVE"])
def test_a_changed_or_removed_commit_is_counted_and_its_original_kept(event_name: str) -> None:
    from handlers import bootstrap

    shaped, original = _changed(event_name)
    metrics = _project([shaped])
    assert '"TamperDetected":[1.0]' in metrics
    s3, bucket = boto3.client("s3"), bootstrap.settings().digest_bucket
    (kept,) = s3.list_objects_v2(Bucket=bucket, Prefix="evidence/")["Contents"]
    assert kept["Key"].startswith(f"evidence/{original['pk']['S']}/2/")
    evidence = json.loads(s3.get_object(Bucket=bucket, Key=kept["Key"])["Body"].read())
    assert evidence["eventName"] == event_name
    assert evidence["dynamodb"]["OldImage"] == original
    # Locked: the evidence cannot be deleted.
    (version,) = s3.list_object_versions(Bucket=bucket, Prefix=kept["Key"])["Versions"]
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=bucket, Key=kept["Key"], VersionId=version["VersionId"])


def test_a_redelivered_record_keeps_one_piece_of_evidence_and_inserts_count_nothing() -> None:
    from handlers import bootstrap

    shaped, _ = _changed("MODIFY")
    _project([shaped])
    _project([shaped])
    s3, bucket = boto3.client("s3"), bootstrap.settings().digest_bucket
    assert len(s3.list_objects_v2(Bucket=bucket, Prefix="evidence/")["Contents"]) == 1
    account = funded(5)
    inserts = [
        record(c, n)
        for n, c in enumerate(bootstrap.host().aggregates.store.read(stream_id(account)))
    ]
    assert '"TamperDetected":[0.0]' in _project(inserts)
