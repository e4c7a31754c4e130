"""The event table and the data subjects' keys are never dropped; other state follows the stage
(the digests excepted: see test_digests.py); both buckets are locked down."""

from __future__ import annotations

import pytest

from esctl.connection import tables
from infra.resources import EVENTS, SUBJECT_KEYS, TableSpec
from installed_domains import DOMAINS
from tests.infra.synth import Synth

TABLES = tables(DOMAINS)
# The tables kept in every stage: the commits, and the keys every sealed name needs.
ALWAYS_KEPT = (EVENTS, SUBJECT_KEYS)
STAGE_TABLES = [spec for spec in TABLES if spec not in ALWAYS_KEPT]
# How long a destroyed subject key stays restorable, by fixture (conftest's custom sets 12).
SUBJECT_KEYS_RECOVERY_DAYS = {"dev": 1, "prod": 7, "custom": 12}


def test_event_table_is_retained_and_protected_in_every_stage(stage_synth: Synth) -> None:
    _, table = stage_synth.table(EVENTS)
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    props = table["Properties"]
    assert props["DeletionProtectionEnabled"] is True
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"]["SSEEnabled"] is True
    # Old images too: a changed or removed commit's original is kept as evidence.
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.logical_name)
def test_every_table_is_on_demand_encrypted_with_pitr(stage_synth: Synth, spec: TableSpec) -> None:
    props = stage_synth.table(spec)[1]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    # DynamoDB's default recovery window (35 days) everywhere but the subject keys' own.
    recovery = (
        {"RecoveryPeriodInDays": SUBJECT_KEYS_RECOVERY_DAYS[stage_synth.stage]}
        if spec is SUBJECT_KEYS
        else {}
    )
    assert props["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True,
        **recovery,
    }
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert "ProvisionedThroughput" not in props


@pytest.mark.parametrize("spec", STAGE_TABLES, ids=lambda spec: spec.logical_name)
def test_other_tables_follow_the_stage(dev: Synth, prod: Synth, spec: TableSpec) -> None:
    dev_table, prod_table = dev.table(spec)[1], prod.table(spec)[1]
    assert (dev_table["DeletionPolicy"], dev_table["UpdateReplacePolicy"]) == ("Delete", "Delete")
    assert dev_table["Properties"]["DeletionProtectionEnabled"] is False
    assert (prod_table["DeletionPolicy"], prod_table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert prod_table["Properties"]["DeletionProtectionEnabled"] is True


@pytest.mark.parametrize("fixture", ["dev", "prod", "custom"])
def test_the_subject_keys_are_retained_and_protected_in_every_stage(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    # Losing this table makes every sealed name unreadable: it outlives the stack even in dev.
    synth: Synth = request.getfixturevalue(fixture)
    logical_id, table = synth.table(SUBJECT_KEYS)
    assert logical_id.startswith("PersonalDataSubjectKeys")
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    props = table["Properties"]
    assert props["TableName"] == f"ledger-{synth.stage}-subject-keys"
    assert props["DeletionProtectionEnabled"] is True
    # A destroyed key stays restorable this long (erasure is complete after it), no longer.
    assert props["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True,
        "RecoveryPeriodInDays": SUBJECT_KEYS_RECOVERY_DAYS[fixture],
    }
    assert props["KeySchema"] == [{"AttributeName": "subject", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "subject", "AttributeType": "S"}]
    # Nothing reads it as a stream, and DynamoDB never expires a key by itself.
    assert "StreamSpecification" not in props
    assert "TimeToLiveSpecification" not in props
    assert "GlobalSecondaryIndexes" not in props


def test_only_the_events_and_the_subject_keys_outlive_a_dev_stack(dev: Synth) -> None:
    kept = {
        table["Properties"]["TableName"]
        for table in dev.of_type("AWS::DynamoDB::Table").values()
        if table["DeletionPolicy"] == "Retain"
    }
    assert kept == {"ledger-dev-events", "ledger-dev-subject-keys"}


# Every bucket of the stack, by the construct that holds it: the snapshot cache and the digests.
BUCKETS = ["Snapshots", "Digests"]


def test_the_stack_has_exactly_the_snapshot_and_digest_buckets(stage_synth: Synth) -> None:
    buckets = {stage_synth.bucket(construct)[0] for construct in BUCKETS}
    assert set(stage_synth.of_type("AWS::S3::Bucket")) == buckets


def test_snapshot_bucket_removal_follows_the_stage(dev: Synth, prod: Synth) -> None:
    dev_id, dev_bucket = dev.snapshot_bucket()
    assert (dev_bucket["DeletionPolicy"], dev_bucket["UpdateReplacePolicy"]) == ("Delete", "Delete")
    # DESTROY on a non-empty bucket fails without emptying it first: dev empties this one only.
    (auto_delete,) = dev.of_type("Custom::S3AutoDeleteObjects").values()
    assert auto_delete["Properties"]["BucketName"] == {"Ref": dev_id}
    _, prod_bucket = prod.snapshot_bucket()
    assert (prod_bucket["DeletionPolicy"], prod_bucket["UpdateReplacePolicy"]) == (
        "Retain",
        "Retain",
    )
    assert prod.of_type("Custom::S3AutoDeleteObjects") == {}


def test_the_auto_delete_handler_runs_one_at_a_time(dev: Synth) -> None:
    # CDK's own function (dev only) gets a ceiling like every function of the stack.
    (auto_delete,) = dev.of_type("Custom::S3AutoDeleteObjects").values()
    handler_id = auto_delete["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    assert dev.resources[handler_id]["Properties"]["ReservedConcurrentExecutions"] == 1


@pytest.mark.parametrize("construct", BUCKETS)
def test_every_bucket_is_private_encrypted_and_owner_enforced(
    stage_synth: Synth, construct: str
) -> None:
    props = stage_synth.bucket(construct)[1]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


def test_snapshot_bucket_is_unversioned_and_unlocked(stage_synth: Synth) -> None:
    props = stage_synth.snapshot_bucket()[1]["Properties"]
    assert "VersioningConfiguration" not in props
    assert "ObjectLockEnabled" not in props
    assert "ObjectLockConfiguration" not in props


@pytest.mark.parametrize("construct", BUCKETS)
def test_every_bucket_policy_denies_plain_http_and_old_tls(
    stage_synth: Synth, construct: str
) -> None:
    bucket_id = stage_synth.bucket(construct)[0]
    everything = [
        {"Fn::GetAtt": [bucket_id, "Arn"]},
        {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/*"]]},
    ]
    statements = stage_synth.bucket_policy(bucket_id)
    for condition in (
        {"Bool": {"aws:SecureTransport": "false"}},
        {"NumericLessThan": {"s3:TlsVersion": 1.2}},
    ):
        assert {
            "Effect": "Deny",
            "Action": "s3:*",
            "Principal": {"AWS": "*"},
            "Resource": everything,
            "Condition": condition,
        } in statements


def test_the_snapshot_bucket_policy_lets_only_the_dev_auto_delete_in(
    dev: Synth, prod: Synth
) -> None:
    # Beside the TLS denials, the policy allows nobody but CDK's emptier (dev only).
    (auto_delete,) = dev.of_type("Custom::S3AutoDeleteObjects").values()
    handler_id = auto_delete["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    emptier = dev.resources[handler_id]["Properties"]["Role"]
    dev_statements = dev.bucket_policy(dev.snapshot_bucket()[0])
    assert [s["Principal"] for s in dev_statements if s["Effect"] == "Allow"] == [{"AWS": emptier}]
    prod_statements = prod.bucket_policy(prod.snapshot_bucket()[0])
    assert [s for s in prod_statements if s["Effect"] == "Allow"] == []
    for statements in (dev_statements, prod_statements):
        assert len([s for s in statements if s["Effect"] == "Deny"]) == 2


@pytest.mark.parametrize(("fixture", "days"), [("dev", 30), ("prod", 365), ("custom", 10)])
def test_old_snapshots_expire(request: pytest.FixtureRequest, fixture: str, days: int) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    rules = synth.snapshot_bucket()[1]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rules == [
        {
            "Id": "ExpireOldSnapshots",
            "Status": "Enabled",
            "Prefix": "snapshots/",
            "ExpirationInDays": days,
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        }
    ]


def test_the_event_table_policy_makes_it_append_only_for_every_principal(
    stage_synth: Synth,
) -> None:
    _, table = stage_synth.table(EVENTS)
    statements = table["Properties"]["ResourcePolicy"]["PolicyDocument"]["Statement"]
    arn = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":dynamodb:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":table/{EVENTS.physical_name(stage_synth.stage)}",
            ],
        ]
    }
    # The command function and the jobs (whose expiries are commands the system sends) append;
    # no other principal puts a commit.
    commands = stage_synth.role_of("handlers.commands.handler")
    jobs = stage_synth.role_of("handlers.jobs.handler")
    assert commands != jobs
    assert statements == [
        {
            "Sid": "CommitsAreNeverChanged",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": [
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:PartiQLUpdate",
                "dynamodb:PartiQLDelete",
                "dynamodb:PartiQLInsert",
            ],
            "Resource": arn,
        },
        {
            "Sid": "CommitsAreNeverExpiredOrDropped",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": ["dynamodb:DeleteTable", "dynamodb:UpdateTimeToLive"],
            "Resource": arn,
        },
        {
            "Sid": "OnlyCommandsAppend",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "dynamodb:PutItem",
            "Resource": arn,
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": [commands, jobs]}},
        },
    ]
