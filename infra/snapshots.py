"""The S3 bucket holding aggregate snapshots, a cache derived from the event table."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import access, nag
from infra.config import StackConfig
from infra.resources import SNAPSHOT_PREFIX


class SnapshotStore(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
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
