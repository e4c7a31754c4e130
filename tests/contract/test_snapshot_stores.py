from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from adapters.snapshot_store_s3 import S3SnapshotStore
from eventcore.memory import InMemorySnapshotStore
from eventcore.snapshots import Snapshot, SnapshotStore
from tests.aws import SNAPSHOT_BUCKET, create_snapshot_bucket


def snap(version: int, stream: str = "A") -> Snapshot:
    return Snapshot(stream, version, 1, {"total": version, "label": "Zoë"}, f"h{version}", "t")


class SnapshotStoreContract:
    @pytest.fixture
    def snapshots(self) -> Any:
        raise NotImplementedError

    def test_empty(self, snapshots: SnapshotStore) -> None:
        assert snapshots.latest("A") is None
        assert snapshots.at_or_before("A", 1000) is None

    def test_latest_and_at_or_before(self, snapshots: SnapshotStore) -> None:
        for version in (100, 200, 300):
            snapshots.save(snap(version))
        snapshots.save(snap(50, "B"))
        assert snapshots.latest("A") == snap(300)
        assert snapshots.at_or_before("A", 250) == snap(200)
        assert snapshots.at_or_before("A", 200) == snap(200)
        assert snapshots.at_or_before("A", 99) is None
        assert snapshots.at_or_before("A", 10**6) == snap(300)
        assert snapshots.latest("B") == snap(50, "B")


class TestInMemorySnapshotStore(SnapshotStoreContract):
    @pytest.fixture
    def snapshots(self) -> Any:
        return InMemorySnapshotStore()


class TestS3SnapshotStore(SnapshotStoreContract):
    @pytest.fixture
    def snapshots(self) -> Iterator[Any]:
        with mock_aws():
            client = boto3.client("s3")
            create_snapshot_bucket(client)
            yield S3SnapshotStore(client, SNAPSHOT_BUCKET)
