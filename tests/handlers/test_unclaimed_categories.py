"""Records of a category no installed domain claims: counted by both stream consumers, never
parked in another domain's read model, never published under its source. The projector skips
them (a later commit or a rebuild reads the table once the domain is installed); the publisher
fails them, so that nothing it should have published is lost."""

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


def test_the_publisher_publishes_none_of_them_and_fails_their_records(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Not published under another source, and not lost either: the record fails, so Lambda
    # delivers it again (a commit written while its domain was still being deployed to the
    # publisher is published then), and after the mapping's retries it is in the DLQ.
    fake = FakeEventBridge()
    bootstrap.use_publisher(EventBridgePublisher(fake, "bus", sleep=lambda _: None))
    try:
        account = open_account()
        capsys.readouterr()
        order = record(ORDER, 1)
        response = publisher.handler(
            {"Records": [_account_record(account), order]}, LambdaContext("publisher")
        )
    finally:
        bootstrap.use_publisher(None)
    failed = order["dynamodb"]["SequenceNumber"]
    assert response == {"batchItemFailures": [{"itemIdentifier": failed}]}
    emitted = metrics(capsys.readouterr().out)
    assert (emitted["RecordsUnclaimed"], emitted["IntegrationEventsFailed"]) == (1, 1)
    assert emitted["IntegrationEventsPublished"] == 1
    assert [(e["Source"], e["DetailType"]) for e in fake.accepted] == [
        ("ledger.accounts", "AccountOpened")
    ]


def test_a_domain_without_a_feed_publishes_nothing_and_is_not_unclaimed() -> None:
    from eventcore.categories import ByCategory
    from handlers.integration_batch import publish

    counter = seal("Counter-c", 1, [StoredEvent("Started", 2, {"label": "c"})], META, GENESIS_HASH)
    feeds = ByCategory({"Counter": None})
    report = publish([record(counter, 1)], feeds, lambda entries: [])
    assert (report.published, report.unclaimed, report.response()) == (
        0,
        [],
        {"batchItemFailures": []},
    )


def _account_record(account: str) -> dict[str, Any]:
    commit = next(bootstrap.host().aggregates.store.read(f"Account-{account}"))
    return record(commit, 0)
