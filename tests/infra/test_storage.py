"""The event table is never dropped; other state follows the stage; the bucket is locked down."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from esctl.connection import tables
from infra.resources import EVENTS, TableSpec
from installed_domains import DOMAINS
from tests.infra.synth import Synth

TABLES = tables(DOMAINS)
NON_EVENT_TABLES = [spec for spec in TABLES if spec is not EVENTS]


def test_event_table_is_retained_and_protected_in_every_stage(stage_synth: Synth) -> None:
    _, table = stage_synth.table(EVENTS)
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    props = table["Properties"]
    assert props["DeletionProtectionEnabled"] is True
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.logical_name)
def test_every_table_is_on_demand_encrypted_with_pitr(stage_synth: Synth, spec: TableSpec) -> None:
    props = stage_synth.table(spec)[1]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert "ProvisionedThroughput" not in props


@pytest.mark.parametrize("spec", NON_EVENT_TABLES, ids=lambda spec: spec.logical_name)
def test_non_event_tables_follow_the_stage(dev: Synth, prod: Synth, spec: TableSpec) -> None:
    dev_table, prod_table = dev.table(spec)[1], prod.table(spec)[1]
    assert (dev_table["DeletionPolicy"], dev_table["UpdateReplacePolicy"]) == ("Delete", "Delete")
    assert (prod_table["DeletionPolicy"], prod_table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert prod_table["Properties"]["DeletionProtectionEnabled"] is True


def test_bucket_removal_follows_the_stage(dev: Synth, prod: Synth) -> None:
    assert dev.one("AWS::S3::Bucket")[1]["DeletionPolicy"] == "Delete"
    # DESTROY on a non-empty bucket fails without emptying it first.
    assert len(dev.of_type("Custom::S3AutoDeleteObjects")) == 1
    assert prod.one("AWS::S3::Bucket")[1]["DeletionPolicy"] == "Retain"
    assert prod.of_type("Custom::S3AutoDeleteObjects") == {}


def test_the_auto_delete_handler_runs_one_at_a_time(dev: Synth) -> None:
    # CDK's own function (dev only) gets a ceiling like every function of the stack.
    (auto_delete,) = dev.of_type("Custom::S3AutoDeleteObjects").values()
    handler_id = auto_delete["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    assert dev.resources[handler_id]["Properties"]["ReservedConcurrentExecutions"] == 1


def test_bucket_is_private_encrypted_and_unversioned(stage_synth: Synth) -> None:
    props = stage_synth.one("AWS::S3::Bucket")[1]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert "VersioningConfiguration" not in props


def test_bucket_policy_denies_plain_http(stage_synth: Synth) -> None:
    bucket_id = stage_synth.one("AWS::S3::Bucket")[0]
    stage_synth.template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket_id},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Principal": {"AWS": "*"},
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            },
        },
    )


@pytest.mark.parametrize(("fixture", "days"), [("dev", 30), ("prod", 365), ("custom", 10)])
def test_old_snapshots_expire(request: pytest.FixtureRequest, fixture: str, days: int) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    rules = synth.one("AWS::S3::Bucket")[1]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rules == [
        {
            "Id": "ExpireOldSnapshots",
            "Status": "Enabled",
            "Prefix": "snapshots/",
            "ExpirationInDays": days,
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        }
    ]
