"""Where digests are made and kept: the digester function, run every minute; the key only it
may sign with; and a bucket with Object Lock in compliance mode, which nobody (the account's
root included) can empty or rewrite before the retention ends.

A digest a run could not make is not lost: the streams stay marked, and the next run, a minute
later, signs their heads. That is why the schedule has no dead-letter queue.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import access, checkov, nag
from infra.buckets import private_bucket
from infra.config import StackConfig
from infra.lambda_factory import FunctionFactory
from infra.resources import digest_key_alias
from infra.schedules import every_minute
from infra.signing_keys import SigningKey

DIGEST_PREFIX = "digests/"
EVIDENCE_PREFIX = "evidence/"


class DigestLedger(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        self.bucket = private_bucket(
            self,
            "Bucket",
            versioned=True,  # Object Lock needs versioning
            object_lock_enabled=True,
            object_lock_default_retention=s3.ObjectLockRetention.compliance(
                cdk.Duration.days(config.digest_retention_days)
            ),
            # Locked objects cannot be deleted, so neither can the bucket: it outlives the stack.
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        reason = (
            "Digests are written once by the digester and never change (Object Lock, compliance"
            " mode); S3 API calls are recorded by CloudTrail where the account enables S3 data"
            " events, and a second bucket of access logs would itself need the same protection."
        )
        nag.acknowledge(self.bucket, "AwsSolutions-S1", reason)
        checkov.skip(self.bucket, "CKV_AWS_18", reason)
        # Kept with the bucket in every stage: without it, the kept digests cannot be checked.
        self.key = SigningKey(
            self,
            "Key",
            config=config,
            purpose="digests",
            alias=digest_key_alias(config.stage),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.function: lambda_.Function | None = None

    def add_digester(self, functions: FunctionFactory) -> lambda_.Function:
        """The digester, run every minute, with the only right to sign digests and to write
        them; one at a time (a second would only race it for the same sequence)."""
        function = every_minute(
            self,
            functions,
            "Digester",
            rule_id="EveryMinute",
            name="digester",
            handler="handlers.digester.handler",
            description="Signs the heads of the streams changed in the last minute",
            why_no_dead_letters="Run every minute by its schedule; a failed run leaves its streams"
            " marked and the next run a minute later signs them, so a dead-letter queue would hold"
            " nothing to act on.",
        )
        role = function.role
        if role is None:  # the function factory gives every function a role of its own
            raise ValueError("the digester has no role to sign digests with")
        self.key.allow_signing_by(role)
        self.key.allow_checking_by(function)
        objects = self.bucket.arn_for_objects(f"{DIGEST_PREFIX}*")
        access.allow(function, ("s3:GetObject", "s3:PutObject"), [objects])
        access.allow(function, access.BUCKET_LIST, [self.bucket.bucket_arn])
        nag.acknowledge_policy_resource(
            function,
            objects,
            "Digest keys are digests/<countdown>.json, one per digest made at run time, so object"
            " access is scoped to the digests/ prefix of this one bucket.",
        )
        self._only_the_digester_writes(role)
        self.function = function
        return function

    def keep_evidence_by(self, keeper: iam.IRole) -> None:
        """The one principal (the projector) that keeps evidence of changed commits, under
        `evidence/`; nobody else writes there, and nobody writes anywhere else."""
        evidence = self.bucket.arn_for_objects(f"{EVIDENCE_PREFIX}*")
        access.allow(keeper, ("s3:PutObject",), [evidence])
        nag.acknowledge_policy_resource(
            keeper,
            evidence,
            "Evidence keys are evidence/<stream>/<version>/<record>.json, named by the changed"
            " commit at run time, so the grant is scoped to the evidence/ prefix of this bucket.",
        )
        self.bucket.add_to_resource_policy(
            access.deny_to_all(
                "OnlyTheProjectorKeepsEvidence", ["s3:PutObject"], [evidence], unless=[keeper]
            )
        )
        everything_else = iam.PolicyStatement(
            sid="NothingElseIsWritten",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["s3:PutObject"],
            not_resources=[self.bucket.arn_for_objects(f"{DIGEST_PREFIX}*"), evidence],
        )
        self.bucket.add_to_resource_policy(everything_else)

    def _only_the_digester_writes(self, role: iam.IRole) -> None:
        """No principal but the digester puts digests, and none deletes an object: a new version
        over a digest (which versioning allows beside the locked one) could only come from the
        digester, which creates each key once (If-None-Match)."""
        # A delete marker would hide the newest digest from a listing (the locked version
        # stays, but the digester would start over from an older one): nobody deletes.
        objects = self.bucket.arn_for_objects("*")
        deletes = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
        self.bucket.add_to_resource_policy(access.deny_to_all("NobodyDeletes", deletes, [objects]))
        # Nor writes a second version over a key: every put must be If-None-Match, so a key is
        # written once, whoever writes it (and verify refuses a key with two versions).
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EveryKeyIsWrittenOnce",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:PutObject"],
                resources=[objects],
                conditions={"Null": {"s3:if-none-match": "true"}},
            )
        )
        # And no lifecycle rule can put delete markers over current versions.
        self.bucket.add_to_resource_policy(
            access.deny_to_all(
                "NoLifecycleRules", ["s3:PutLifecycleConfiguration"], [self.bucket.bucket_arn]
            )
        )
        digests = self.bucket.arn_for_objects(f"{DIGEST_PREFIX}*")
        self.bucket.add_to_resource_policy(
            access.deny_to_all(
                "OnlyTheDigesterWritesDigests", ["s3:PutObject"], [digests], unless=[role]
            )
        )
