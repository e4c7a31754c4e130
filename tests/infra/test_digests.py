"""The digest ledger (infra/digests.py): a bucket under Object Lock in compliance mode that
outlives the stack, that only the digester may write; and the digester, run every minute, one
at a time. (Its key is in test_signing_keys.py, its grants in test_iam.py.)"""

from __future__ import annotations

import pytest

from tests.infra.synth import Synth

DIGESTER = "handlers.digester.handler"
PROJECTOR = "handlers.projector.handler"


@pytest.mark.parametrize(("fixture", "days"), [("dev", 1), ("prod", 2555), ("custom", 1)])
def test_digests_are_locked_in_compliance_mode_for_the_stages_retention(
    request: pytest.FixtureRequest, fixture: str, days: int
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    props = synth.digest_bucket()[1]["Properties"]
    assert props["ObjectLockEnabled"] is True
    assert props["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": days}},
    }
    # Object Lock needs versioning; a locked version is never replaced, only added to.
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    # Nothing expires a digest, not even after its lock ends.
    assert "LifecycleConfiguration" not in props


@pytest.mark.parametrize("fixture", ["dev", "prod", "custom"])
def test_the_digest_bucket_outlives_the_stack_in_every_stage(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    bucket_id, bucket = synth.digest_bucket()
    # Locked objects cannot be deleted, so neither can their bucket: nothing tries to.
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")
    emptied = [
        resource["Properties"]["BucketName"]
        for resource in synth.of_type("Custom::S3AutoDeleteObjects").values()
    ]
    assert {"Ref": bucket_id} not in emptied
    tags = {tag["Key"]: tag["Value"] for tag in bucket["Properties"].get("Tags", [])}
    assert "aws-cdk:auto-delete-objects" not in tags


def test_only_the_digester_writes_digests_only_the_projector_evidence_and_nobody_deletes(
    stage_synth: Synth,
) -> None:
    bucket_id = stage_synth.digest_bucket()[0]
    statements = stage_synth.bucket_policy(bucket_id)

    def objects(prefix: str) -> dict[str, object]:
        return {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, f"/{prefix}*"]]}

    def only(sid: str, prefix: str, handler: str) -> dict[str, object]:
        return {
            "Sid": sid,
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:PutObject",
            "Resource": objects(prefix),
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": stage_synth.role_of(handler)}},
        }

    expected = [
        only("OnlyTheDigesterWritesDigests", "digests/", DIGESTER),
        only("OnlyTheProjectorKeepsEvidence", "evidence/", PROJECTOR),
        {
            "Sid": "NothingElseIsWritten",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:PutObject",
            "NotResource": [objects("digests/"), objects("evidence/")],
        },
        # A delete marker would hide the newest digest from the digester's listing.
        {
            "Sid": "NobodyDeletes",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
            "Resource": objects(""),
        },
        # Nor writes a key twice (a second version beside the locked one) ...
        {
            "Sid": "EveryKeyIsWrittenOnce",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:PutObject",
            "Resource": objects(""),
            "Condition": {"Null": {"s3:if-none-match": "true"}},
        },
        # ... nor lets a lifecycle rule put delete markers over current versions.
        {
            "Sid": "NoLifecycleRules",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:PutLifecycleConfiguration",
            "Resource": {"Fn::GetAtt": [bucket_id, "Arn"]},
        },
    ]
    for statement in expected:
        assert statement in statements
    # Beside them only the TLS denials (test_storage.py): the policy allows nobody anything.
    assert [s for s in statements if s["Effect"] == "Allow"] == []
    assert len(statements) == len(expected) + 2


@pytest.mark.parametrize("fixture", ["dev", "prod", "custom"])
def test_one_digester_at_a_time(request: pytest.FixtureRequest, fixture: str) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    props = synth.function(DIGESTER)[1]["Properties"]
    assert props["FunctionName"] == f"ledger-{synth.stage}-digester"
    assert props["ReservedConcurrentExecutions"] == 1
    # A run ends before the next one is due.
    assert props["Timeout"] == 60
