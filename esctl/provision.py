"""Create the stack's tables, bucket and integration bus in a local AWS (moto), from the same
specs and names CDK uses."""

from __future__ import annotations

import json
from typing import Any

from esctl.connection import tables
from hosting.catalogue import Catalogue
from infra.resources import (
    EVENT_BUS,
    EVENT_BUS_ENV_VAR,
    EXAMPLE_SUBSCRIPTION,
    SNAPSHOT_BUCKET_ENV_VAR,
    TableSpec,
)


def table_request(spec: TableSpec, stage: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TableName": spec.physical_name(stage),
        "KeySchema": spec.key_schema(),
        "AttributeDefinitions": spec.attribute_definitions(),
        "BillingMode": "PAY_PER_REQUEST",
    }
    if spec.indexes:
        request["GlobalSecondaryIndexes"] = spec.index_requests()
    if spec.stream_view is not None:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": spec.stream_view.value,
        }
    return request


def provision(
    dynamodb: Any,
    s3: Any,
    catalogue: Catalogue,
    stage: str = "local",
    region: str = "eu-west-1",
) -> dict[str, str]:
    """Create every table (the catalogue's read models' too) and the snapshot bucket; return the
    environment the Lambdas expect."""
    env: dict[str, str] = {}
    for spec in tables(catalogue):
        dynamodb.create_table(**table_request(spec, stage))
        if spec.ttl_attribute is not None:
            dynamodb.update_time_to_live(
                TableName=spec.physical_name(stage),
                TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
            )
        env[spec.env_var] = spec.physical_name(stage)
    bucket = f"ledger-{stage}-snapshots"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    env[SNAPSHOT_BUCKET_ENV_VAR] = bucket
    return env


def provision_integration(
    events: Any, sqs: Any, catalogue: Catalogue, stage: str = "local"
) -> dict[str, str]:
    """Create the integration bus, its archive and its example subscription (a rule routing
    every domain's events to a queue with a dead-letter queue), as the stack does, so the local
    feed exercises the same wiring. Returns the environment the publisher expects."""
    bus = f"ledger-{stage}-{EVENT_BUS}"
    ledger_events = json.dumps({"source": catalogue.sources()})
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    events.create_archive(
        ArchiveName=f"{bus}-archive", EventSourceArn=bus_arn, EventPattern=ledger_events
    )
    name = example_queue_name(stage)
    dead_letters = _queue_arn(sqs, sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"])
    redrive = json.dumps({"deadLetterTargetArn": dead_letters, "maxReceiveCount": "5"})
    queue = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": redrive})["QueueUrl"]
    events.put_rule(Name=name, EventBusName=bus, EventPattern=ledger_events, State="ENABLED")
    target = {
        "Id": "example-queue",
        "Arn": _queue_arn(sqs, queue),
        "DeadLetterConfig": {"Arn": dead_letters},
    }
    events.put_targets(Rule=name, EventBusName=bus, Targets=[target])
    return {EVENT_BUS_ENV_VAR: bus}


def example_queue_name(stage: str) -> str:
    return f"ledger-{stage}-{EXAMPLE_SUBSCRIPTION}"


def dead_letter_queue_name(stage: str, consumer: str) -> str:
    """The on-failure queue of a stream consumer (`projector` or `publisher`)."""
    return f"ledger-{stage}-{consumer}-dlq"


def _queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])
