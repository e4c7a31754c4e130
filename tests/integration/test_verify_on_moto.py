"""`esctl verify --all`'s pass over a DynamoDB table and S3 snapshots: every stream is found,
also one whose first commit was deleted behind the application's back, and a stream's latest
snapshot is checked against its events and, where snapshots are signed, its signature."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from adapters.event_store_dynamodb import DynamoDBEventStore
from adapters.snapshot_store_s3 import S3SnapshotStore
from esctl.operations import verify_streams
from eventcore.aggregates import Aggregates
from eventcore.commits import CommitMeta
from eventcore.signed_snapshots import SignedSnapshots
from tests.aws import EVENTS_TABLE, create_event_tables
from tests.contract.store_contract import chain
from tests.counters import CATEGORY, Add, Start, counter_repository, stream_id
from tests.signing import KeyPair

META = CommitMeta("c", "r", "tester", "2026-12-01T10:00:00.000000Z")


@dataclasses.dataclass
class Table:
    client: Any
    store: DynamoDBEventStore
    snapshots: S3SnapshotStore
    aggregates: Aggregates


@pytest.fixture
def table() -> Iterator[Table]:
    with mock_aws():
        client, s3 = boto3.client("dynamodb"), boto3.client("s3")
        create_event_tables(client)
        s3.create_bucket(
            Bucket="snapshots", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        store = DynamoDBEventStore(client, EVENTS_TABLE, page_size=2)
        snapshots = S3SnapshotStore(s3, "snapshots")
        repository = counter_repository(store, snapshots)
        yield Table(client, store, snapshots, Aggregates(store, {CATEGORY: repository}))


def counter(table: Table, name: str, adds: int, snapshot_at: int | None = None) -> str:
    repository = table.aggregates.repository(stream_id(name))
    stream = stream_id(name)
    after = repository.handle(stream, Start(name), META)
    for _ in range(adds):
        after = repository.handle(stream, Add(1), META)
        if after.version == snapshot_at:
            table.snapshots.save(repository.snapshot_of(after))
    return stream


def test_a_stream_without_its_first_commit_is_found_and_reported_broken(table: Table) -> None:
    for stream in ("A", "B", "C"):  # streams no installed aggregate claims: their chains alone
        for c in chain(stream, 3):
            table.store.append([c])
    table.client.delete_item(TableName=EVENTS_TABLE, Key={"pk": {"S": "B"}, "sk": {"N": "1"}})
    reports = {r.stream_id: r for r in verify_streams(table.aggregates)}
    assert sorted(reports) == ["A", "B", "C"]
    assert reports["A"].ok
    assert reports["C"].ok
    broken = reports["B"]
    assert not broken.ok
    assert broken.broken_at == 2
    assert "missing" in (broken.reason or "")


def test_honest_snapshots_pass(table: Table) -> None:
    streams = [counter(table, "a", 6, snapshot_at=4), counter(table, "b", 3)]
    reports = list(verify_streams(table.aggregates))
    assert [(r.stream_id, r.ok, r.last_version) for r in reports] == [
        (streams[0], True, 7),
        (streams[1], True, 4),
    ]


@pytest.mark.parametrize(
    ("forgery", "reason"),
    [
        ({"state": {"label": "a", "unit": "", "total": 10**15, "running": True}}, "forged"),
        ({"last_hash": "0" * 64}, "hash"),
        ({"version": 5}, "version 5"),
    ],
)
def test_a_forged_latest_snapshot_is_reported(
    table: Table, forgery: dict[str, Any], reason: str
) -> None:
    stream = counter(table, "a", 6, snapshot_at=4)
    honest = table.snapshots.latest(stream)
    assert honest is not None
    if "state" in forgery:
        forgery = {"state": {**honest.state, **forgery["state"]}}
    table.snapshots.save(dataclasses.replace(honest, **forgery))
    (report,) = verify_streams(table.aggregates)
    assert not report.ok
    assert report.broken_at == (forgery.get("version") or 4)
    assert "latest snapshot" in (report.reason or "")
    assert reason in (report.reason or "")


def test_a_snapshot_whose_signature_fails_is_reported_though_its_content_is_true(
    table: Table,
) -> None:
    key = KeyPair()
    signed = SignedSnapshots(table.snapshots, key.verifier, key)
    aggregates = Aggregates(table.store, {CATEGORY: counter_repository(table.store, signed)})
    stream = counter(table, "a", 6)
    repository = aggregates.repository(stream)
    signed.save(repository.snapshot_of(repository.load_at(stream, version=4)))  # type: ignore[arg-type]
    (report,) = verify_streams(aggregates)
    assert report.ok
    honest = table.snapshots.latest(stream)
    assert honest is not None
    table.snapshots.save(dataclasses.replace(honest, signature=KeyPair().sign(b"other")))
    (report,) = verify_streams(aggregates)
    assert (report.ok, report.broken_at) == (False, 4)
    assert "signature" in (report.reason or "")
