"""The S3 bucket holding aggregate snapshots, a cache derived from the event table."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import access, checkov, nag
from infra.buckets import private_bucket
from infra.config import StackConfig
from infra.resources import SNAPSHOT_PREFIX


class SnapshotStore(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        self.bucket = private_bucket(
            self,
            "Bucket",
            versioned=False,
            removal_policy=config.removal_policy,
            # A DESTROY policy alone fails on a non-empty bucket; in dev we mean it.
            auto_delete_objects=not config.is_prod,
            lifecycle_rules=[_expire_old_snapshots(config.snapshot_retention_days)],
        )
        nag.acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "Snapshots are a cache derived from the event table and are only read and written"
            " by this stack's Lambda roles; S3 API calls are auditable through CloudTrail, so a"
            " second bucket of access logs would add cost without adding an audit trail.",
        )
        checkov.skip(
            self.bucket,
            "CKV_AWS_18",
            "Snapshots are a cache derived from the event table, checked against it on every load"
            " (one not on its stream's chain is ignored, counted and alarmed), so who read or"
            " wrote one needs no log of its own; CloudTrail S3 data events give one if wanted.",
        )
        checkov.skip(
            self.bucket,
            "CKV_AWS_21",
            "Nothing here needs an old version back: a lost or overwritten snapshot costs one"
            " longer fold from the event table, and a forged one is ignored. Versioning would keep"
            " every overwritten latest.json and every expired snapshot until another rule ran.",
        )
        if not config.is_prod:
            _auto_delete_handler_within_limits(self)

    def grant_read(self, grantee: iam.IGrantable) -> None:
        self._grant(grantee, access.OBJECT_READ)

    def grant_read_write(self, grantee: iam.IGrantable) -> None:
        self._grant(grantee, access.OBJECT_READ + access.OBJECT_WRITE)

    def _grant(self, grantee: iam.IGrantable, object_actions: tuple[str, ...]) -> None:
        objects = self.bucket.arn_for_objects(f"{SNAPSHOT_PREFIX}*")
        access.allow(grantee, object_actions, [objects])
        access.allow(grantee, access.BUCKET_LIST, [self.bucket.bucket_arn])
        nag.acknowledge_policy_resource(
            grantee,
            objects,
            "Snapshot keys are snapshots/<stream id>/<version>.json: the stream ids are created"
            " at run time, so object access is scoped to the snapshots/ prefix of this one bucket.",
        )


def _auto_delete_handler_within_limits(scope: Construct) -> None:
    """CDK's function that empties the dev bucket before CloudFormation deletes it: s3.Bucket
    has no option for it, so its L1 resource is changed directly."""
    provider = cdk.Stack.of(scope).node.find_child(
        "Custom::S3AutoDeleteObjectsCustomResourceProvider"
    )
    handler = provider.node.find_child("Handler")
    assert isinstance(handler, cdk.CfnResource)
    # Like every function here it gets a ceiling (checkov CKV_AWS_115); it empties one bucket,
    # once per stack operation, so one at a time is all it ever needs.
    handler.add_property_override("ReservedConcurrentExecutions", 1)
    checkov.skip(
        handler,
        "CKV_AWS_116",
        "Invoked only by CloudFormation, when the dev stack creates, updates or deletes the"
        " bucket's auto-delete resource; it answers CloudFormation's callback, so a failure fails"
        " that stack operation, where it is seen. A dead-letter queue would hold it unread.",
    )
    checkov.skip(
        handler,
        "CKV_AWS_117",
        "It calls only S3 (to empty this one bucket) over AWS's public endpoints with IAM-signed"
        " requests; the stack has no VPC or private resource, so a VPC would protect nothing.",
    )


def _expire_old_snapshots(days: int) -> s3.LifecycleRule:
    """Expire snapshots `days` after they were written.

    Each snapshot is its own object (snapshots/<stream>/<version>.json) and the bucket is not
    versioned, so "keep only recent snapshots" is an age-based expiration. latest.json is rewritten
    every time a stream takes a snapshot, so it stays younger than the rule for every active
    stream. A lifecycle filter can match a prefix, tags or object size but not a key suffix, so
    latest.json cannot be excluded by a filter; the trade-off is that a stream dormant for longer
    than `days` loses its latest.json with its last snapshot, and its next load replays its events
    from the table (the source of truth) and snapshots again. Readers must therefore treat a
    missing snapshot object as "no snapshot", never as an error.
    """
    return s3.LifecycleRule(
        id="ExpireOldSnapshots",
        prefix=SNAPSHOT_PREFIX,
        expiration=cdk.Duration.days(days),
        abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
    )
