"""`esctl verify --all`'s pass over a DynamoDB table: every stream is found, also one whose
first commit was deleted behind the application's back."""

from __future__ import annotations

import boto3
from moto import mock_aws

from adapters.event_store_dynamodb import DynamoDBEventStore
from esctl.operations import verify_streams
from tests.aws import EVENTS_TABLE, create_event_tables
from tests.contract.store_contract import chain


def test_a_stream_without_its_first_commit_is_found_and_reported_broken() -> None:
    with mock_aws():
        client = boto3.client("dynamodb")
        create_event_tables(client)
        store = DynamoDBEventStore(client, EVENTS_TABLE, page_size=2)
        for stream in ("A", "B", "C"):
            for c in chain(stream, 3):
                store.append([c])
        client.delete_item(TableName=EVENTS_TABLE, Key={"pk": {"S": "B"}, "sk": {"N": "1"}})
        reports = {r.stream_id: r for r in verify_streams(store)}
        assert sorted(reports) == ["A", "B", "C"]
        assert reports["A"].ok
        assert reports["C"].ok
        broken = reports["B"]
        assert not broken.ok
        assert broken.broken_at == 2
        assert "missing" in (broken.reason or "")
