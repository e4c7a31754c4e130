"""Create the stack's tables and bucket in a local AWS (moto), from the same specs CDK uses."""

from __future__ import annotations

from typing import Any

from infra.resources import SNAPSHOT_BUCKET_ENV_VAR, TABLES, TableSpec


def table_request(spec: TableSpec, stage: str) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TableName": spec.physical_name(stage),
        "KeySchema": spec.key_schema(),
        "AttributeDefinitions": spec.attribute_definitions(),
        "BillingMode": "PAY_PER_REQUEST",
    }
    if spec.stream_view is not None:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": spec.stream_view.value,
        }
    return request


def provision(
    dynamodb: Any, s3: Any, stage: str = "local", region: str = "eu-west-1"
) -> dict[str, str]:
    """Create every table and the snapshot bucket; return the environment the Lambdas expect."""
    env: dict[str, str] = {}
    for spec in TABLES:
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
