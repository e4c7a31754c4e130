"""What one query can make the event table read, on DynamoDB (moto): a page of history reads that
page (and one commit more), and a state at a time reads one snapshot cadence of commits plus a
bisection, whatever the stream's length or the time asked for."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from adapters.event_store_dynamodb import DynamoDBEventStore
from adapters.snapshot_store_s3 import S3SnapshotStore
from application.history import history
from eventcore.commits import CommitMeta
from eventcore.memory import InMemorySnapshotStore
from eventcore.repository import Repository
from tests.aws import EVENTS_TABLE, create_event_tables
from tests.counters import Add, Start, counter_repository, stream_id

COMMITS = 250
EVERY = 100
A = stream_id("a")


class ItemsRead:
    """A DynamoDB client that counts the items its Query and GetItem answers carry."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.items = 0

    def query(self, **request: Any) -> Any:
        page = self._client.query(**request)
        self.items += len(page.get("Items", []))
        return page

    def get_item(self, **request: Any) -> Any:
        found = self._client.get_item(**request)
        self.items += "Item" in found
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def meta(n: int) -> CommitMeta:
    return CommitMeta(f"c{n}", "r", "tester", f"2026-12-01T10:{n // 60:02d}:{n % 60:02d}.000000Z")


@pytest.fixture(scope="module")
def written() -> Iterator[tuple[Any, InMemorySnapshotStore]]:
    """One stream of COMMITS commits, snapshotted every EVERY versions (written once: the
    tests only read it)."""
    with mock_aws():
        client = boto3.client("dynamodb")
        create_event_tables(client)
        snapshots = InMemorySnapshotStore()
        writer = counter_repository(DynamoDBEventStore(client, EVENTS_TABLE), snapshots)
        writer.handle(A, Start("a"), meta(0))
        for n in range(1, COMMITS):
            after = writer.handle(A, Add(1), meta(n))
            if after.version % EVERY == 0:
                snapshots.save(writer.snapshot_of(after))
        yield client, snapshots


@pytest.fixture
def counted(
    written: tuple[Any, InMemorySnapshotStore],
) -> tuple[ItemsRead, Repository[Any, Any, Any]]:
    client, snapshots = written
    reads = ItemsRead(client)
    return reads, counter_repository(DynamoDBEventStore(reads, EVENTS_TABLE), snapshots)


@pytest.mark.parametrize(("after", "limit"), [(0, 1), (0, 10), (120, 5), (248, 100)])
def test_a_page_of_history_reads_that_page_and_one_commit_more(
    counted: tuple[ItemsRead, Repository[Any, Any, Any]], after: int, limit: int
) -> None:
    reads, repository = counted
    page = history(repository.store, A, after, limit)
    assert page is not None
    shown = min(limit, COMMITS - after)
    assert [e["version"] for e in page.events] == list(range(after + 1, after + 1 + shown))
    assert reads.items <= limit + 1


@pytest.mark.parametrize("version", [1, 99, 100, 199, 200, 249, 250])
def test_a_state_at_a_time_reads_a_cadence_of_commits_and_a_bisection(
    counted: tuple[ItemsRead, Repository[Any, Any, Any]], version: int
) -> None:
    reads, repository = counted
    at = meta(version - 1).recorded_at  # version v was recorded by meta(v - 1)
    state = repository.load_at(A, at=at)
    assert state is not None
    assert (state.version, state.state.total) == (version, version - 1)
    assert reads.items <= EVERY + 2 * math.ceil(math.log2(COMMITS)) + 1


def test_a_time_before_the_first_commit_has_no_state(
    counted: tuple[ItemsRead, Repository[Any, Any, Any]],
) -> None:
    _, repository = counted
    assert repository.load_at(A, at="2026-12-01T09:00:00.000000Z") is None
    assert repository.load_at(stream_id("missing"), at=meta(5).recorded_at) is None


def test_s3_snapshots_are_found_for_a_time_too(written: tuple[Any, InMemorySnapshotStore]) -> None:
    client, _ = written  # inside the module's moto
    s3 = boto3.client("s3")
    s3.create_bucket(
        Bucket="counters", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    snapshots = S3SnapshotStore(s3, "counters")
    repository = counter_repository(DynamoDBEventStore(client, EVENTS_TABLE), snapshots)
    b = stream_id("b")
    repository.handle(b, Start("b"), meta(0))
    for n in range(1, 12):
        after = repository.handle(b, Add(1), meta(n))
        if after.version == 10:
            snapshots.save(repository.snapshot_of(after))
    state = repository.load_at(b, at=meta(10).recorded_at)
    assert state is not None
    assert (state.version, state.state.total) == (11, 10)
