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


def bus_event(stream: str, version: int, kind: str, data: dict[str, Any]) -> str:
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
        {"id": "x", "time": "2026-01-02T03:04:05Z", "detail-type": kind, "detail": detail}
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


def test_no_follow_prints_and_deletes_what_is_there(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    for version in range(1, 13):
        sqs.send_message(QueueUrl=url, MessageBody=bus_event("Account-a", version, "Deposited", {}))
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
    )
    assert printed == 12
    assert sorted(int(line.split()[2].split("/")[1]) for line in lines) == list(range(1, 13))
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


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
