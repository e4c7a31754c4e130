from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from adapters.event_store_dynamodb import DynamoDBEventStore
from eventcore.memory import InMemoryEventStore
from tests.aws import EVENTS_TABLE, RECEIPTS_TABLE, create_event_tables
from tests.contract.store_contract import EventStoreContract


class TestInMemoryEventStore(EventStoreContract):
    @pytest.fixture
    def store(self) -> Any:
        return InMemoryEventStore()


class TestDynamoDBEventStore(EventStoreContract):
    @pytest.fixture
    def store(self) -> Iterator[Any]:
        with mock_aws():
            client = boto3.client("dynamodb")
            create_event_tables(client)
            # A tiny page size makes every multi-commit read cross page boundaries.
            yield DynamoDBEventStore(client, EVENTS_TABLE, RECEIPTS_TABLE, page_size=4)
