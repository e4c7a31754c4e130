"""The publisher Lambda over moto: commands, the stream moto produced, the bus, and the example
rule's queue, with the documented envelope; plus its failure path."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import pytest

from adapters.integration_bus_eventbridge import EventBridgePublisher
from domains.accounts.events import registry
from domains.accounts.integration import FEED
from domains.accounts.integration import AccountIntegrationEvent as IntegrationEvent
from esctl.event_source import EventSourceMapping, MappingSettings
from esctl.http_gateway import LambdaContext
from esctl.stream_records import StreamReader, stream_arn
from eventcore.commits import Commit, CommitMeta
from eventcore.events import StoredEvent
from eventcore.integration_schemas import envelope_model
from handlers import bootstrap, publisher
from handlers.aws_infrastructure import MissingSetting
from tests.eventbridge import FakeEventBridge
from tests.handlers.conftest import Feed
from tests.handlers.test_commands import funded, open_account, post
from tests.streams import record

ACTOR = "arn:aws:iam::123456789012:user/teller"


def reader() -> StreamReader:
    arn = stream_arn(boto3.client("dynamodb"), bootstrap.settings().events_table)
    return StreamReader(boto3.client("dynamodbstreams"), arn, "eu-west-1")


def publish(records: list[dict[str, Any]]) -> dict[str, Any]:
    response: dict[str, Any] = publisher.handler(
        {"Records": records}, LambdaContext(function_name="publisher")
    )
    return response


def use_fake(feed: Feed, fake: FakeEventBridge) -> None:
    bootstrap.use_publisher(EventBridgePublisher(fake, feed.bus, sleep=lambda _: None))


def details(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((e["detail"] for e in events), key=lambda d: (d["stream_id"], d["version"]))


def test_commands_reach_the_example_queue_with_the_documented_envelope(feed: Feed) -> None:
    stream = reader()
    account = funded(2500)
    assert publish(stream.poll()) == {"batchItemFailures": []}
    events = feed.received()
    assert {(e["source"], e["detail-type"]) for e in events} == {
        ("ledger.accounts", "AccountOpened"),
        ("ledger.accounts", "Deposited"),
    }
    opened, deposited = details(events)
    assert deposited["event_id"] == f"Account-{account}:2"
    assert (deposited["stream_id"], deposited["account_id"]) == (f"Account-{account}", account)
    assert (deposited["version"], deposited["schema_version"]) == (2, 1)
    assert deposited["data"] == {"amount": 2500}
    assert set(deposited["metadata"]) == {
        "recorded_at",
        "command_id",
        "correlation_id",
        "actor",
        "commit_hash",
    }
    assert deposited["metadata"]["actor"] == ACTOR
    # The name travels sealed (a token naming the account's key), never in plain text.
    assert opened["data"]["owner"].startswith(f"pd1:{opened['account_id']}:")
    assert {k: v for k, v in opened["data"].items() if k != "owner"} == {
        "currency": "EUR",
        "owner_principal": ACTOR,
    }
    assert opened["schema_version"] == 3
    for detail in (opened, deposited):
        IntegrationEvent.model_validate(detail)
        envelope_model(
            registry.model(detail["type"], detail["schema_version"]), FEED
        ).model_validate(detail)
    # EventBridge's own time is the commit's, to the second.
    assert next(e for e in events if e["detail-type"] == "Deposited")["time"] == (
        deposited["metadata"]["recorded_at"][:19] + "Z"
    )


def test_a_transfer_publishes_both_sides(feed: Feed) -> None:
    stream = reader()
    source, target = funded(500), open_account("Bob")
    reply = post("/transfers", {"from_account": source, "to_account": target, "amount": 120})
    assert publish(stream.poll()) == {"batchItemFailures": []}
    by_id = {d["event_id"]: d for d in details(feed.received())}
    sent, received = by_id[f"Account-{source}:3"], by_id[f"Account-{target}:2"]
    assert (sent["type"], received["type"]) == ("TransferSent", "TransferReceived")
    assert sent["data"] == {
        "transfer_id": reply.json["transfer_id"],
        "to_account": target,
        "amount": 120,
    }
    assert received["data"]["from_account"] == source
    assert sent["metadata"]["correlation_id"] == received["metadata"]["correlation_id"]


def test_redelivered_batches_keep_their_event_ids(feed: Feed) -> None:
    stream = reader()
    funded(10)
    records = stream.poll()
    publish(records)
    publish(records[::-1])
    events = feed.received()
    assert len(events) == 4
    ids = sorted(e["detail"]["event_id"] for e in events)
    assert ids[0] == ids[1]
    assert ids[2] == ids[3]
    assert len({e["id"] for e in events}) == 4  # EventBridge's ids differ: do not dedupe on them


def test_a_redelivery_through_the_event_source_mapping_republishes_with_the_same_ids(
    feed: Feed,
) -> None:
    """The local event source mapping (as Lambda does) resumes at the failed record: what was
    published after it goes out again, with the same event ids."""
    account = funded(10)
    post(f"/accounts/{account}/deposits", {"amount": 5})
    first = f"Account-{account}:1"
    # Version 1 is refused for its first four submissions: one whole invocation's retries.
    fake = FakeEventBridge(
        lambda entry, attempt: (
            "InternalFailure"
            if json.loads(entry["Detail"])["event_id"] == first and attempt <= 4
            else None
        ),
        delegate=boto3.client("events"),
    )
    use_fake(feed, fake)
    dead_letters: list[dict[str, Any]] = []
    mapping = EventSourceMapping(
        reader(),
        lambda event: publish(event["Records"]),
        dead_letters.append,
        MappingSettings(batch_size=100, batching_window=0, retry_attempts=2),
    )
    assert mapping.run_once(flush=True) == 3
    assert mapping.run_once(flush=True) == 3  # redelivered from the first record
    assert mapping.run_once(flush=True) == 0
    assert dead_letters == []
    ids = sorted(e["detail"]["event_id"] for e in feed.received())
    later = [f"Account-{account}:2", f"Account-{account}:3"]
    assert ids == sorted([first, *later, *later])


def test_a_rejected_entry_is_retried_and_never_dropped(feed: Feed) -> None:
    stream = reader()
    account = funded(10)
    unlucky = f"Account-{account}:2"
    fake = FakeEventBridge(
        lambda entry, attempt: (
            "ThrottlingException"
            if json.loads(entry["Detail"])["event_id"] == unlucky and attempt < 3
            else None
        ),
        delegate=boto3.client("events"),
    )
    use_fake(feed, fake)
    assert publish(stream.poll()) == {"batchItemFailures": []}
    assert [len(call) for call in fake.calls] == [2, 1, 1]
    assert sorted(d["event_id"] for d in details(feed.received())) == [
        f"Account-{account}:1",
        unlucky,
    ]


def commit(stream: str, version: int, *events: StoredEvent) -> Commit:
    meta = CommitMeta("cmd", "corr", ACTOR, "2026-01-02T03:04:05.000000Z")
    return Commit(stream, version, events, meta, "0" * 64, "1" * 64)


DEPOSIT = StoredEvent("Deposited", 1, {"amount": 1})


def metric(output: str, name: str) -> float:
    """The value of one metric in the handler's CloudWatch EMF line."""
    for line in output.splitlines():
        if line.startswith('{"_aws"') and name in line:
            return float(json.loads(line)[name][0])
    raise AssertionError(f"no {name} metric in {output!r}")


def test_persistent_failures_report_the_lowest_failed_record(
    feed: Feed, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    records = [
        record(commit("Account-a", 1, DEPOSIT), 1),
        record(commit("Account-b", 1, DEPOSIT, DEPOSIT), 2),
        record(commit("Account-c", 1, DEPOSIT), 3),
        record(commit("Account-d", 1, DEPOSIT), 4),
    ]
    doomed = {"Account-b:2", "Account-d:1"}
    fake = FakeEventBridge(
        lambda entry, _: (
            "InternalFailure" if json.loads(entry["Detail"])["event_id"] in doomed else None
        ),
        delegate=boto3.client("events"),
    )
    use_fake(feed, fake)
    capsys.readouterr()
    response = publish(records[::-1])  # arrival order does not matter
    assert response == {
        "batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]
    }
    output = capsys.readouterr().out
    assert metric(output, "IntegrationEventsFailed") == 2
    assert metric(output, "IntegrationEventsPublished") == 3
    logged = [r for r in caplog.records if r.getMessage() == "integration event not published"]
    assert sorted(r.__dict__["event_id"] for r in logged) == sorted(doomed)
    published = {d["event_id"] for d in details(feed.received())}
    assert published == {"Account-a:1", "Account-b:1", "Account-c:1"}


def test_an_event_too_large_for_eventbridge_fails_its_record(feed: Feed) -> None:
    huge = StoredEvent("AccountOpened", 2, {"owner": "x" * 300_000, "currency": "EUR"})
    records = [record(commit("Account-a", 1, DEPOSIT), 1), record(commit("Account-b", 1, huge), 2)]
    assert publish(records) == {
        "batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]
    }
    assert [d["event_id"] for d in details(feed.received())] == ["Account-a:1"]


def test_an_unreadable_commit_fails_its_record(feed: Feed) -> None:
    broken = record(commit("Account-b", 1, DEPOSIT), 2)
    broken["dynamodb"]["NewImage"]["events"] = {"S": "not json"}
    response = publish([record(commit("Account-a", 1, DEPOSIT), 1), broken])
    assert response == {
        "batchItemFailures": [{"itemIdentifier": broken["dynamodb"]["SequenceNumber"]}]
    }
    assert [d["event_id"] for d in details(feed.received())] == ["Account-a:1"]


def test_records_that_are_not_inserts_are_ignored(feed: Feed) -> None:
    modified = record(commit("Account-a", 1, DEPOSIT), 1)
    modified["eventName"] = "MODIFY"
    removed = copy.deepcopy(modified)
    removed["eventName"] = "REMOVE"
    del removed["dynamodb"]["NewImage"]
    assert publish([modified, removed]) == {"batchItemFailures": []}
    assert feed.received() == []


@pytest.mark.usefixtures("stack")
def test_the_publisher_needs_a_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENT_BUS_NAME", raising=False)
    bootstrap.settings.cache_clear()
    bootstrap.use_publisher(None)
    with pytest.raises(MissingSetting, match="EVENT_BUS_NAME"):
        bootstrap.publisher()
    # The API and the projector do not need it.
    assert bootstrap.settings().event_bus_name is None
    assert bootstrap.host().service("accounts") is not None
    assert "Account" in bootstrap.host().projections
