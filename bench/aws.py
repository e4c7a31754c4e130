"""The ledger's AWS resources in an in-process moto, request counting, and shared histories."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from adapters.commit_item import to_item
from adapters.event_store_dynamodb import DynamoDBEventStore
from adapters.snapshot_store_s3 import S3SnapshotStore
from bench.histories import account_commits
from bench.lambda_events import PRINCIPAL_ROLES
from domains.accounts.repository import account_repository
from eventcore.commits import Commit
from eventcore.signatures import SigningKey
from eventcore.signed_snapshots import SignedSnapshots
from eventcore.snapshotting import SnapshotWriter
from handlers.aws_infrastructure import AwsInfrastructure
from handlers.settings import Settings

SNAPSHOT_EVERY = 100  # the accounts domain's own cadence (what the stack deploys)
_BATCH_WRITE_MAX = 25

DYNAMODB_WRITES = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
DYNAMODB_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
S3_READS = frozenset({"GetObject", "HeadObject", "ListObjectsV2", "ListObjects"})
S3_WRITES = frozenset({"PutObject", "CopyObject", "DeleteObject", "DeleteObjects"})


class Requests:
    """Counts the AWS API calls made through the clients it watches, by operation name.

    It hooks botocore's `before-call` event, which fires once per API call a client makes
    (botocore's own retries would come on top; moto never throttles, so here there are none).
    """

    def __init__(self, *clients: Any) -> None:
        self.calls: Counter[str] = Counter()
        self._clients = clients
        for client in clients:
            client.meta.events.register("before-call.*.*", self._count)

    def __enter__(self) -> Requests:
        return self

    def __exit__(self, *_: object) -> None:
        for client in self._clients:
            client.meta.events.unregister("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def take(self) -> Counter[str]:
        """The calls counted since the last `take`."""
        taken, self.calls = self.calls, Counter()
        return taken


class EmulatorTime:
    """Measures the wall time spent inside moto while serving the watched clients' requests.

    moto answers from a `before-send` hook; this one is registered first, so it starts the clock
    just before moto runs, and `before-parse` stops it once moto's response is back. What is left
    of a measured time is ours: the application, the adapters and botocore on the client side.
    """

    def __init__(self, *clients: Any) -> None:
        self.seconds = 0.0
        self._started: float | None = None
        self._clients = clients
        for client in clients:
            client.meta.events.register_first("before-send.*.*", self._start)
            client.meta.events.register("before-parse.*.*", self._stop)

    def __enter__(self) -> EmulatorTime:
        return self

    def __exit__(self, *_: object) -> None:
        for client in self._clients:
            client.meta.events.unregister("before-send.*.*", self._start)
            client.meta.events.unregister("before-parse.*.*", self._stop)

    def _start(self, **_: Any) -> None:
        self._started = time.perf_counter()

    def _stop(self, **_: Any) -> None:
        if self._started is not None:
            self.seconds += time.perf_counter() - self._started
            self._started = None

    def take(self) -> float:
        taken, self.seconds = self.seconds, 0.0
        return taken


@dataclass
class History:
    """One account's stream in the stack's event table, with snapshots as the projector writes
    them (`SNAPSHOT_EVERY` versions). `events` is its length when built."""

    account_id: str
    events: int

    @property
    def stream_id(self) -> str:
        return f"Account-{self.account_id}"


@dataclass
class Stack:
    """The stack's tables and bucket in moto, provisioned from the specs CDK uses."""

    dynamodb: Any
    s3: Any
    kms: Any
    env: dict[str, str]
    histories: dict[int, History] = field(default_factory=dict)

    @classmethod
    @contextmanager
    def started(cls) -> Iterator[Stack]:
        import boto3
        from moto import mock_aws

        from esctl.provision import provision
        from installed_domains import DOMAINS

        with mock_aws():
            dynamodb, s3, kms = (boto3.client(s) for s in ("dynamodb", "s3", "kms"))
            env = provision(dynamodb, s3, kms, DOMAINS)
            env["IAM_PRINCIPAL_ROLES"] = json.dumps(PRINCIPAL_ROLES)
            yield cls(dynamodb, s3, kms, env)

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    def event_store(self, client: Any = None) -> DynamoDBEventStore:
        settings = self.settings
        return DynamoDBEventStore(
            client or self.dynamodb, settings.events_table, settings.idempotency_table
        )

    def clients(self) -> dict[str, Any]:
        return {"dynamodb": self.dynamodb, "s3": self.s3, "kms": self.kms}

    @cached_property
    def snapshot_keys(self) -> SigningKey:
        """The stack's snapshot key, as the projector (signing) and a warm loader see it: its
        public half fetched once."""
        return AwsInfrastructure(lambda: self.settings, self.clients().__getitem__).snapshot_keys()

    def snapshot_store(self, client: Any = None) -> SignedSnapshots:
        """The bucket's snapshots, signed and checked as the Lambdas sign and check them."""
        keys = self.snapshot_keys
        bucket = S3SnapshotStore(client or self.s3, self.settings.snapshot_bucket)
        return SignedSnapshots(bucket, keys.verifier, keys.signer)

    def write(self, commits: Sequence[Commit]) -> None:
        """Put commits in the event table in the adapter's item layout, 25 per BatchWriteItem
        (appending them one conditional PutItem at a time takes moto five times longer)."""
        table = self.settings.events_table
        for start in range(0, len(commits), _BATCH_WRITE_MAX):
            chunk = commits[start : start + _BATCH_WRITE_MAX]
            requests = [{"PutRequest": {"Item": to_item(c)}} for c in chunk]
            self.dynamodb.batch_write_item(RequestItems={table: requests})

    def snapshot(self, stream_id: str, commits: Sequence[Commit], previous_version: int) -> None:
        """Write the snapshots the projector would write after applying `commits`."""
        store, snapshots = self.event_store(), self.snapshot_store()
        writer = SnapshotWriter(account_repository(store, snapshots), snapshots, SNAPSHOT_EVERY)
        writer(stream_id, previous_version, commits)

    def history(self, events: int) -> History:
        """An account with `events` events, built once per run and shared by the benchmarks."""
        if events not in self.histories:
            history = History(f"history-{events}", events)
            commits = list(account_commits(history.stream_id, events))
            self.write(commits)
            self.snapshot(history.stream_id, commits, 0)
            self.histories[events] = history
        return self.histories[events]


@contextmanager
def handlers_on(stack: Stack) -> Iterator[None]:
    """Point the Lambda handlers' composition root at `stack`, as the Lambda environment would,
    and forget every object it built when done."""
    import os

    from handlers import bootstrap

    saved = {name: os.environ.get(name) for name in stack.env}
    os.environ.update(stack.env)
    _reset(bootstrap)
    try:
        yield
    finally:
        _reset(bootstrap)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _reset(bootstrap: Any) -> None:
    bootstrap.use(None)
    bootstrap.settings.cache_clear()
    bootstrap.client.cache_clear()
