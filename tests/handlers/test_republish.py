"""`esctl republish` over moto: the publisher gives up on batches while the bus fails, the
stream goes away, and the events come back onto the bus from the event table, each once, with
the event ids and the shape the live publisher gives them."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import boto3
import pytest
from click.testing import Result
from typer.testing import CliRunner

from adapters.commit_item import to_item
from adapters.event_store_dynamodb import DynamoDBEventStore
from adapters.integration_bus_eventbridge import EventBridgePublisher
from esctl.cli import app
from esctl.event_source import EventSourceMapping, MappingSettings
from esctl.provision import dead_letter_queue_name
from eventcore.commits import Commit, CommitMeta
from eventcore.events import StoredEvent
from eventcore.store import StoreUnavailable
from handlers import bootstrap
from tests.eventbridge import FakeEventBridge
from tests.handlers.conftest import Feed
from tests.handlers.test_commands import events_of, funded
from tests.handlers.test_publisher_handler import publish, reader

# Not `local`: that stage points esctl at the local stack's endpoint, and these tests run on
# moto in this process. The stage names the on-failure queue and the publisher function.
STAGE = "test"
PUBLISHER_ARN = f"arn:aws:lambda:eu-west-1:123456789012:function:ledger-{STAGE}-publisher"


def esctl(*args: str) -> Result:
    # moto answers a long poll of an empty queue only when its wait is over.
    return CliRunner().invoke(app, ["--stage", STAGE, *args, "--wait-seconds", "0"])


def dead_letters() -> str:
    return str(
        boto3.client("sqs").create_queue(QueueName=dead_letter_queue_name(STAGE, "publisher"))[
            "QueueUrl"
        ]
    )


def queued(url: str) -> tuple[int, int]:
    """(visible, hidden) messages on the queue."""
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    counts = attributes["Attributes"]
    return int(counts["ApproximateNumberOfMessages"]), int(
        counts["ApproximateNumberOfMessagesNotVisible"]
    )


def bus(fake: FakeEventBridge | None, feed: Feed) -> None:
    """Publish through `fake` (None: moto's bus itself), as the publisher and esctl both do."""
    client = boto3.client("events") if fake is None else fake
    bootstrap.use_publisher(EventBridgePublisher(client, feed.bus, sleep=lambda _: None))


def down() -> FakeEventBridge:
    return FakeEventBridge(lambda entry, attempt: "InternalFailure")


def publisher_mapping(url: str) -> EventSourceMapping:
    """The publisher's event source mapping, giving up after one retry into the queue."""
    sqs = boto3.client("sqs")
    return EventSourceMapping(
        reader(),
        lambda event: publish(event["Records"]),
        lambda failure: sqs.send_message(QueueUrl=url, MessageBody=json.dumps(failure)),
        MappingSettings(batch_size=100, batching_window=0, retry_attempts=1),
        function_arn=PUBLISHER_ARN,
    )


def drain(mapping: EventSourceMapping) -> None:
    while mapping.run_once(flush=True):
        pass


def ids_of(accounts: list[str]) -> set[str]:
    return {f"Account-{a}:{e['version']}" for a in accounts for e in events_of(a)}


@dataclass
class Subscriber:
    """The example queue's consumer, deduplicating by event id as subscribers must."""

    feed: Feed
    delivered: Counter[str] = field(default_factory=Counter)

    def receive(self) -> Counter[str]:
        """The event ids of what arrived since the last look (with copies)."""
        fresh = Counter(e["detail"]["event_id"] for e in self.feed.received())
        self.delivered.update(fresh)
        return fresh


@dataclass
class Loss:
    queue_url: str
    # Accounts whose events were published, lost, and published again.
    before: list[str]
    lost: list[str]
    after: list[str]


def lose_events(feed: Feed) -> Loss:
    """Events published fine, then two accounts' while the bus fails (the publisher gives up on
    their batches), then fine again; then the stream goes, as its records do after 24 hours."""
    url = dead_letters()
    mapping = publisher_mapping(url)
    before = [funded(100)]
    drain(mapping)
    bus(down(), feed)
    lost = [funded(200), funded(300)]
    drain(mapping)
    bus(None, feed)
    after = [funded(400)]
    drain(mapping)
    dynamodb = boto3.client("dynamodb")
    table = bootstrap.settings().events_table
    dynamodb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    assert "StreamSpecification" not in dynamodb.describe_table(TableName=table)["Table"]
    return Loss(url, before, lost, after)


def test_what_the_publisher_gave_up_on_is_republished_from_the_table(feed: Feed) -> None:
    loss = lose_events(feed)
    subscriber = Subscriber(feed)
    subscriber.receive()
    lost = ids_of(loss.lost)
    assert len(lost) == 4
    assert set(subscriber.delivered) == ids_of(loss.before + loss.after)
    assert queued(loss.queue_url) == (4, 0)  # one message per commit the publisher gave up on

    dry = esctl("republish", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert lost <= {line.split()[0] for line in dry.stdout.splitlines() if line}
    assert "would publish" in dry.stdout
    assert subscriber.receive() == Counter()
    assert queued(loss.queue_url) == (4, 0)  # listed, and left where they were

    # The bus still fails: nothing is deleted, and every message is back for the next run.
    bus(down(), feed)
    failing = esctl("republish")
    assert failing.exit_code == 1, failing.output
    assert "the bus did not accept" in failing.stderr
    assert queued(loss.queue_url) == (4, 0)

    bus(None, feed)
    republished = esctl("republish")
    assert republished.exit_code == 0, republished.output
    assert "deleted 4 messages" in republished.stdout
    copies = subscriber.receive()
    # Each lost event once; the windows also cover neighbours already delivered, which a
    # subscriber drops by their ids.
    assert {event_id: copies[event_id] for event_id in lost} == dict.fromkeys(lost, 1)
    everything = ids_of(loss.before + loss.lost + loss.after)
    assert set(copies) <= everything
    assert set(subscriber.delivered) == everything
    assert queued(loss.queue_url) == (0, 0)

    again = esctl("republish")
    assert again.exit_code == 0, again.output
    assert "nothing to republish" in again.stdout
    assert subscriber.receive() == Counter()


def test_events_are_republished_as_the_live_publisher_sends_them(feed: Feed) -> None:
    url = dead_letters()
    mapping = publisher_mapping(url)
    account = funded(100)
    drain(mapping)
    original = {e["detail"]["event_id"]: e for e in feed.received()}
    # A batch description that covers the commits just published (arrivals are moto's clock).
    commits = boto3.client("dynamodb").scan(TableName=bootstrap.settings().events_table)
    stamps = sorted(item["recorded_at"]["S"][:19] + "Z" for item in commits["Items"])
    send_failure(url, stamps[0], stamps[-1])
    assert esctl("republish").exit_code == 0
    again = {e["detail"]["event_id"]: e for e in feed.received()}
    assert set(again) == set(original) == {f"Account-{account}:1", f"Account-{account}:2"}
    for event_id, event in again.items():
        first = original[event_id]
        assert event["detail"] == first["detail"]
        assert (event["source"], event["detail-type"], event["time"]) == (
            first["source"],
            first["detail-type"],
            first["time"],
        )


def send_failure(url: str, first: str, last: str, function_arn: str = PUBLISHER_ARN) -> None:
    table = bootstrap.settings().events_table
    failure = {
        "requestContext": {"functionArn": function_arn, "condition": "RetryAttemptsExhausted"},
        "DDBStreamBatchInfo": {
            "shardId": "shardId-1",
            "startSequenceNumber": "100",
            "endSequenceNumber": "100",
            "approximateArrivalOfFirstRecord": first,
            "approximateArrivalOfLastRecord": last,
            "batchSize": 1,
            "streamArn": f"arn:aws:dynamodb:eu-west-1:123456789012:table/{table}/stream/x",
        },
    }
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(failure))


def at(hour: int, minute: int) -> str:
    return f"2026-01-02T{hour:02}:{minute:02}:00.000000Z"


def test_only_the_commits_of_the_publishers_ranges_go_out(
    feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = dead_letters()
    dynamodb = boto3.client("dynamodb")
    table = bootstrap.settings().events_table
    deposit = StoredEvent("Deposited", 1, {"amount": 5})
    for stream, recorded_at in [("Account-a", at(9, 0)), ("Account-b", at(10, 0))]:
        meta = CommitMeta("cmd", "corr", "actor", recorded_at)
        item = to_item(Commit(stream, 1, (deposit,), meta, "0" * 64, "1" * 64))
        dynamodb.put_item(TableName=table, Item=item)
    send_failure(url, at(10, 0)[:19] + "Z", at(10, 0)[:19] + "Z")
    projector = PUBLISHER_ARN.replace("publisher", "projector")
    send_failure(url, at(9, 0)[:19] + "Z", at(9, 0)[:19] + "Z", function_arn=projector)
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody="not a batch")

    # A run that stops half-way (here the table is unavailable) leaves every message queued.
    def unavailable(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("throttled for the test")

    with monkeypatch.context() as patched:
        patched.setattr(DynamoDBEventStore, "recorded_within", unavailable)
        stopped = esctl("republish")
    assert stopped.exit_code == 1, stopped.output
    assert "still queued" in stopped.stderr
    assert queued(url) == (3, 0)

    result = esctl("republish", "--segments", "3")
    assert result.exit_code == 1, result.output
    assert [e["detail"]["event_id"] for e in feed.received()] == ["Account-b:1"]
    assert "only the publisher's batches" in result.stderr
    assert "not a DynamoDB stream batch" in result.stderr
    assert queued(url) == (2, 0)  # the projector's and the unreadable one, untouched
