"""The repository over DynamoDB and S3 (moto): concurrency and requests per command."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from adapters.event_store_dynamodb import DynamoDBEventStore
from adapters.snapshot_store_s3 import S3SnapshotStore
from eventcore.cache import StateCache
from eventcore.commits import CommitMeta
from eventcore.hashchain import verify
from eventcore.store import ConcurrencyError
from tests.aws import (
    EVENTS_TABLE,
    RECEIPTS_TABLE,
    SNAPSHOT_BUCKET,
    Serialized,
    create_event_tables,
    create_snapshot_bucket,
)
from tests.counters import Add, Start, counter_repository, stream_id

A = stream_id("a")


def meta(n: int) -> CommitMeta:
    return CommitMeta(f"cmd-{n}", "corr", "tester", "2026-11-28T10:00:00.000000Z")


class Requests:
    """Counts AWS API calls made through the clients it watches (botocore event hooks)."""

    def __init__(self, *clients: Any) -> None:
        self.calls: Counter[str] = Counter()
        for client in clients:
            client.meta.events.register("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def take(self) -> Counter[str]:
        taken, self.calls = self.calls, Counter()
        return taken


@pytest.fixture
def aws() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
        create_event_tables(dynamodb)
        create_snapshot_bucket(s3)
        yield dynamodb, s3


def test_eight_threads_of_deposits_keep_every_accepted_one_exactly_once(aws):
    dynamodb, _ = aws
    store = DynamoDBEventStore(Serialized(dynamodb), EVENTS_TABLE, RECEIPTS_TABLE)
    counter_repository(store).handle(A, Start("Ada", "EUR"), meta(0))
    accepted: list[int] = []
    lock = threading.Lock()

    def worker(thread: int) -> None:
        # Each thread is its own "Lambda container": its own repository and cache.
        repo = counter_repository(store, cache=StateCache(), max_attempts=20)
        for i in range(50):
            amount = thread * 1000 + i + 1
            try:
                repo.handle(A, Add(amount), meta(amount))
            except ConcurrencyError:
                continue
            with lock:
                accepted.append(amount)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    commits = list(store.read(A))
    assert [c.version for c in commits] == list(range(1, len(commits) + 1))
    assert len(commits) == len(accepted) + 1
    assert counter_repository(store).load(A).state.total == sum(accepted)
    stored = sorted(c.events[0].data["n"] for c in commits[1:])
    assert stored == sorted(accepted)
    assert verify(A, commits).ok
    assert len(accepted) > 300  # contention is resolved by retries, not by giving up


@pytest.mark.parametrize("history", [10, 250])
def test_one_request_warm_and_at_most_three_cold(aws, history):
    dynamodb, s3 = aws
    store = DynamoDBEventStore(dynamodb, EVENTS_TABLE, RECEIPTS_TABLE)
    snapshots = S3SnapshotStore(s3, SNAPSHOT_BUCKET)
    writer = counter_repository(store, snapshots)
    writer.handle(A, Start("Ada", "EUR"), meta(0))
    for n in range(1, history):
        writer.handle(A, Add(1), meta(n))
        if n % 100 == 0:
            snapshots.save(writer.snapshot_of(writer.load(A)))

    requests = Requests(dynamodb, s3)
    repo = counter_repository(store, snapshots, StateCache())
    repo.handle(A, Add(5), meta(history))
    cold = requests.take()
    repo.handle(A, Add(5), meta(history + 1))
    warm = requests.take()

    assert warm == Counter({"PutItem": 1})
    assert sum(cold.values()) <= 3
    assert (cold["GetObject"], cold["Query"], cold["PutItem"]) == (1, 1, 1)
    assert repo.load(A).state.total == history - 1 + 10
    # With snapshots every 100 versions the tail a cold load reads stays under 100 commits.
    loaded_from = snapshots.latest(A)
    assert history < 100 or (loaded_from is not None and history - loaded_from.version < 100)


def test_loading_state_reads_only_the_attributes_a_fold_needs(aws):
    dynamodb, _ = aws
    store = DynamoDBEventStore(dynamodb, EVENTS_TABLE, RECEIPTS_TABLE)
    writer = counter_repository(store)
    writer.handle(A, Start("Ada", "EUR"), meta(0))
    for n in range(1, 6):
        writer.handle(A, Add(n), meta(n))

    returned: list[set[str]] = []

    def keep(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "Query":
            returned.extend(set(item) for item in parsed.get("Items", []))

    dynamodb.meta.events.register("after-call.dynamodb.Query", keep)
    loaded = counter_repository(store).load(A)

    assert (loaded.version, loaded.state.total) == (6, 15)
    assert returned == [{"sk", "events", "hash", "recorded_at"}] * 6
    # The state carries what the next commit chains to, as with whole commits.
    last = list(store.read(A))[-1]
    assert (loaded.last_hash, loaded.recorded_at) == (last.hash, last.meta.recorded_at)
