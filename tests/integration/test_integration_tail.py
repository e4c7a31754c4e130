"""`esctl tail` and `esctl schemas` without a running stack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from esctl.cli import app
from esctl.integration_tail import format_event, tail


def bus_event(
    stream: str, version: int, kind: str, data: dict[str, Any], source: str = "ledger.accounts"
) -> str:
    """An EventBridge event as a rule delivers it to SQS."""
    detail = {
        "event_id": f"{stream}:{version}",
        "type": kind,
        "stream_id": stream,
        "version": version,
        "data": data,
        "metadata": {"recorded_at": "2026-01-02T03:04:05.000006Z"},
    }
    return json.dumps(
        {
            "id": "x",
            "source": source,
            "time": "2026-01-02T03:04:05Z",
            "detail-type": kind,
            "detail": detail,
        }
    )


@pytest.fixture
def queue() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        sqs = boto3.client("sqs")
        yield sqs, sqs.create_queue(QueueName="ledger-local-integration-example")["QueueUrl"]


def test_one_line_per_event() -> None:
    line = format_event(bus_event("Account-a", 2, "Deposited", {"amount": 2500}))
    assert line.split() == [
        "2026-01-02T03:04:05.000006Z",
        "Deposited",
        "Account-a/2",
        '{"amount":2500}',
    ]
    assert format_event("hello").startswith("(not an integration event)")


def drained(sqs: Any, url: str, sources: frozenset[str] | None = None) -> tuple[int, list[str]]:
    """`tail --no-follow` over the queue, on a clock that moves a second per look."""
    lines: list[str] = []
    clock = iter(range(100))
    printed = tail(
        sqs,
        url,
        lines.append,
        follow=False,
        idle_seconds=1,
        sleep=lambda _: None,
        clock=lambda: next(clock),
        sources=sources,
    )
    return printed, lines


def test_no_follow_prints_and_deletes_what_is_there(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    for version in range(1, 13):
        sqs.send_message(QueueUrl=url, MessageBody=bus_event("Account-a", version, "Deposited", {}))
    printed, lines = drained(sqs, url)
    assert printed == 12
    assert sorted(int(line.split()[2].split("/")[1]) for line in lines) == list(range(1, 13))
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_a_source_filter_prints_only_its_events_and_drains_the_rest(
    queue: tuple[Any, str],
) -> None:
    sqs, url = queue
    sqs.send_message(QueueUrl=url, MessageBody=bus_event("Account-a", 1, "Deposited", {}))
    sqs.send_message(
        QueueUrl=url, MessageBody=bus_event("Order-o", 1, "OrderPlaced", {}, "shop.orders")
    )
    printed, lines = drained(sqs, url, frozenset({"shop.orders"}))
    assert printed == 1
    assert [line.split()[1:3] for line in lines] == [["OrderPlaced", "Order-o/1"]]
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None


def test_no_follow_waits_for_idle_seconds_before_giving_up(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    assert (
        tail(sqs, url, print, follow=False, idle_seconds=1, sleep=sleep, clock=lambda: now[0]) == 0
    )
    assert len(sleeps) == 5  # polled every 0.2 s for a second


def test_schemas_check_passes_on_the_committed_files() -> None:
    result = CliRunner().invoke(app, ["schemas", "--check"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
