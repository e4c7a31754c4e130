"""Builds a CDK table from a plain `TableSpec`, the one place key schemas become CloudFormation."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra import checkov
from infra.resources import Key, TableSpec


def table_from_spec(
    scope: Construct,
    construct_id: str,
    spec: TableSpec,
    *,
    stage: str,
    removal_policy: cdk.RemovalPolicy,
    deletion_protection: bool,
    recovery_period_days: int | None = None,
) -> dynamodb.Table:
    """An on-demand, encrypted table with point-in-time recovery.

    The physical name is fixed per stage on purpose: a change that would make CloudFormation
    replace the table then fails loudly ("already exists") instead of silently starting over
    with an empty table next to the retained one.
    """
    table = dynamodb.Table(
        scope,
        construct_id,
        table_name=spec.physical_name(stage),
        partition_key=_attribute(spec.partition_key),
        sort_key=_attribute(spec.sort_key) if spec.sort_key else None,
        stream=dynamodb.StreamViewType[spec.stream_view.name] if spec.stream_view else None,
        time_to_live_attribute=spec.ttl_attribute,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True, recovery_period_in_days=recovery_period_days
        ),
        deletion_protection=deletion_protection,
        removal_policy=removal_policy,
    )
    checkov.skip(
        table,
        "CKV_AWS_119",
        "Encrypted at rest with DynamoDB's AWS managed key (aws/dynamodb). A customer managed key"
        " would add a second control (its key policy), but also a kms grant for every reader and"
        " a key whose loss makes the table unreadable: see docs/deploy.md, Encryption at rest.",
    )
    for index in spec.indexes:
        table.add_global_secondary_index(
            index_name=index.name,
            partition_key=_attribute(index.partition_key),
            sort_key=_attribute(index.sort_key) if index.sort_key else None,
            projection_type=dynamodb.ProjectionType.ALL,
        )
    return table


def _attribute(key: Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=dynamodb.AttributeType[key.type.name])
