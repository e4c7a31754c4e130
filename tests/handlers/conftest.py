from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from esctl.provision import example_queue_name, provision, provision_integration
from handlers import bootstrap
from installed_domains import DOMAINS
from tests.http import PRINCIPAL_ROLES


def reset_dependencies() -> None:
    bootstrap.use(None)
    bootstrap.settings.cache_clear()
    bootstrap.client.cache_clear()


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The stack's tables and bucket in moto, and the handlers configured to use them."""
    with mock_aws():
        env = provision(boto3.client("dynamodb"), boto3.client("s3"), boto3.client("kms"), DOMAINS)
        env["IAM_PRINCIPAL_ROLES"] = json.dumps(PRINCIPAL_ROLES)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        reset_dependencies()
        yield env
        reset_dependencies()


@dataclass
class Feed:
    queue_url: str
    bus: str

    def received(self) -> list[dict[str, Any]]:
        """Every EventBridge event on the example queue (drained)."""
        sqs = boto3.client("sqs")
        events: list[dict[str, Any]] = []
        while messages := sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                events.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return events


@pytest.fixture
def feed(stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Feed]:
    """The integration bus, its archive and the example subscription, and the publisher
    configured to use them."""
    sqs = boto3.client("sqs")
    env = provision_integration(boto3.client("events"), sqs, DOMAINS)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    bootstrap.settings.cache_clear()
    bootstrap.use_publisher(None)
    yield Feed(
        sqs.get_queue_url(QueueName=example_queue_name("local"))["QueueUrl"], env["EVENT_BUS_NAME"]
    )
    bootstrap.use_publisher(None)
