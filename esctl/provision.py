"""Create the stack's tables, bucket and integration bus in a local AWS (moto), from the same
specs and names CDK uses."""

from __future__ import annotations

import json
from typing import Any

from esctl.connection import tables
from hosting.catalogue import Catalogue
from infra.resources import (
    DIGEST_BUCKET_ENV_VAR,
    DIGEST_KEY_ENV_VAR,
    EVENT_BUS,
    EVENT_BUS_ENV_VAR,
    EXAMPLE_SUBSCRIPTION,
    PERSONAL_DATA_KEY_ENV_VAR,
    SNAPSHOT_BUCKET_ENV_VAR,
    SNAPSHOT_KEY_ENV_VAR,
    TableSpec,
    digest_key_alias,
    personal_data_key_alias,
    snapshot_key_alias,
)

# Locally, a digest is locked for a day: long enough to show the lock holds, short enough that
# a developer's moto state never needs years to clear.
LOCAL_DIGEST_RETENTION_DAYS = 1


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
    kms: Any,
    catalogue: Catalogue,
    *,
    stage: str = "local",
    region: str = "eu-west-1",
) -> dict[str, str]:
    """Create every table (the catalogue's read models' too), the snapshot and digest buckets,
    the keys that sign snapshots and digests and the one that wraps personal-data keys; return
    the environment the Lambdas expect."""
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
    env[SNAPSHOT_KEY_ENV_VAR] = signing_key(kms, snapshot_key_alias(stage), "snapshots")
    env[DIGEST_BUCKET_ENV_VAR] = digest_bucket(s3, f"ledger-{stage}-digests", region)
    env[DIGEST_KEY_ENV_VAR] = signing_key(kms, digest_key_alias(stage), "digests")
    wrapping = kms.create_key(Description="Wraps the data subjects' keys of personal data")
    alias = personal_data_key_alias(stage)
    kms.create_alias(AliasName=alias, TargetKeyId=wrapping["KeyMetadata"]["KeyId"])
    env[PERSONAL_DATA_KEY_ENV_VAR] = alias
    return env


def digest_bucket(s3: Any, name: str, region: str) -> str:
    """A bucket with Object Lock in compliance mode by default, as the stack's digest bucket."""
    s3.create_bucket(
        Bucket=name,
        CreateBucketConfiguration={"LocationConstraint": region},
        ObjectLockEnabledForBucket=True,
    )
    retention = {"Mode": "COMPLIANCE", "Days": LOCAL_DIGEST_RETENTION_DAYS}
    s3.put_object_lock_configuration(
        Bucket=name,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": retention},
        },
    )
    return name


def signing_key(kms: Any, alias: str, purpose: str) -> str:
    """An ECDSA P-256 signing key under `alias`, as the stack's `SigningKey`; its alias."""
    key = kms.create_key(
        Description=f"Signs the ledger's {purpose}",
        KeySpec="ECC_NIST_P256",
        KeyUsage="SIGN_VERIFY",
    )
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyMetadata"]["KeyId"])
    return alias


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
