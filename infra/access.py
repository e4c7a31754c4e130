"""Named IAM action sets, so every grant in the stack reads as a sentence.

CDK's `grant_read_write_data` and friends are broader than this ledger wants (for example they add
`DeleteItem`/`UpdateItem`, which must never reach the event table), so grants are explicit.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam

from infra import nag

# Loading a stream: one GetItem or a Query over its commits.
TABLE_READ = ("dynamodb:GetItem", "dynamodb:Query")
# Appending to an append-only table: conditional PutItem, and ConditionCheckItem for the
# TransactWriteItems that stores a transfer's two commits (or a commit plus its idempotency key).
TABLE_APPEND = ("dynamodb:PutItem", "dynamodb:ConditionCheckItem")
# Every way to change or remove an item in place: what the event table's policy denies to all.
TABLE_REWRITE = (
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:PartiQLInsert",
)
# What would remove commits wholesale: dropping the table (it is retained and deletion-protected,
# so no deployment calls it), or a time-to-live on a numeric attribute, which DynamoDB itself
# would act on by deleting the commits it names.
TABLE_DROP = ("dynamodb:DeleteTable", "dynamodb:UpdateTimeToLive")
# Reading a read model: point reads, and listing accounts.
READ_MODEL_READ = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan")
# Maintaining a read model: everything a projection (and a blue/green rebuild) writes.
READ_MODEL_WRITE = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
# Publishing integration events; granted on one bus's ARN, never on "*".
EVENTS_PUT = ("events:PutEvents",)
OBJECT_READ = ("s3:GetObject",)
OBJECT_WRITE = ("s3:PutObject",)
# Without ListBucket a GetObject on a missing key is a 403 rather than a 404, and "no snapshot
# yet" is the normal case for a new stream.
BUCKET_LIST = ("s3:ListBucket",)


def allow(grantee: iam.IGrantable, actions: Sequence[str], resources: Sequence[str]) -> iam.Grant:
    """Adds one Allow statement to the grantee's own policy."""
    return iam.Grant.add_to_principal(
        grantee=grantee, actions=list(actions), resource_arns=list(resources)
    )


def allow_put_metric_data(grantee: iam.IGrantable, namespace: str) -> None:
    """PutMetricData has no resource-level permissions, so AWS requires Resource "*"; the
    cloudwatch:namespace condition is what keeps the grant to this service's own metrics."""
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": namespace}},
        )
    )
    nag.acknowledge_star_resource(
        grantee,
        "cloudwatch:PutMetricData has no resource-level permissions (AWS only accepts"
        f' Resource "*"); a cloudwatch:namespace = {namespace} condition limits it to this'
        " service's own metrics.",
    )


def deny_to_all(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[str],
    *,
    unless: Sequence[iam.IRole] = (),
) -> iam.PolicyStatement:
    """A resource policy's Deny to every principal (but the roles `unless`): what no IAM grant,
    however broad, can then undo."""
    arns = [role.role_arn for role in unless]
    return iam.PolicyStatement(
        sid=sid,
        effect=iam.Effect.DENY,
        principals=[iam.AnyPrincipal()],
        actions=list(actions),
        resources=list(resources),
        conditions=(
            {"ArnNotEquals": {"aws:PrincipalArn": arns[0] if len(arns) == 1 else arns}}
            if arns
            else None
        ),
    )
