"""Records of a category no installed domain claims: skipped and counted by both stream
consumers, never parked in another domain's read model, never published under its source."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from adapters.integration_bus_eventbridge import EventBridgePublisher
from esctl.http_gateway import LambdaContext
from eventcore.commits import GENESIS_HASH, CommitMeta
from eventcore.events import StoredEvent
from eventcore.hashchain import seal
from handlers import bootstrap, projector, publisher
from tests.eventbridge import FakeEventBridge
from tests.handlers.test_commands import open_account
from tests.streams import record

pytestmark = pytest.mark.usefixtures("stack")

META = CommitMeta("cmd", "corr", "tester", "2026-12-01T10:00:00.000000Z")
ORDER = seal(
    "Order-o1", 1, [StoredEvent("OrderPlaced", 1, {"customer": "Ada"})], META, GENESIS_HASH
)


def metrics(output: str) -> dict[str, float]:
    """The handler's CloudWatch EMF line, as name -> value."""
    for line in output.splitlines():
        if line.startswith('{"_aws"'):
            emitted = json.loads(line)
            names = [m["Name"] for m in emitted["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
            return {name: float(emitted[name][0]) for name in names}
    raise AssertionError(f"no metrics in {output!r}")


def test_the_projector_skips_and_counts_them(capsys: pytest.CaptureFixture[str]) -> None:
    account = open_account()
    capsys.readouterr()
    records = [record(ORDER, 1), _account_record(account)]
    response = projector.handler({"Records": records}, LambdaContext("projector"))
    assert response == {"batchItemFailures": []}
    emitted = metrics(capsys.readouterr().out)
    assert (emitted["RecordsUnclaimed"], emitted["StreamsParked"]) == (1, 0)
    assert emitted["EventsProjected"] == 1  # the account's, next to it
    table = bootstrap.settings().read_model_tables["accounts"]["blue"]
    keys = {i["account_id"]["S"] for i in boto3.client("dynamodb").scan(TableName=table)["Items"]}
    assert keys == {account}
    projections = bootstrap.settings().projections_table
    registered = boto3.client("dynamodb").scan(TableName=projections)["Items"]
    assert not [i for i in registered if i["pk"]["S"].startswith("parked#")]


def test_the_publisher_skips_and_counts_them(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeEventBridge()
    bootstrap.use_publisher(EventBridgePublisher(fake, "bus", sleep=lambda _: None))
    try:
        account = open_account()
        capsys.readouterr()
        records = [record(ORDER, 1), _account_record(account)]
        response = publisher.handler({"Records": records}, LambdaContext("publisher"))
    finally:
        bootstrap.use_publisher(None)
    assert response == {"batchItemFailures": []}
    emitted = metrics(capsys.readouterr().out)
    assert (emitted["RecordsUnclaimed"], emitted["IntegrationEventsPublished"]) == (1, 1)
    assert [(e["Source"], e["DetailType"]) for e in fake.accepted] == [
        ("ledger.accounts", "AccountOpened")
    ]


def _account_record(account: str) -> dict[str, Any]:
    commit = next(bootstrap.host().aggregates.store.read(f"Account-{account}"))
    return record(commit, 2)
