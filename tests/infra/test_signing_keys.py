"""The two signing keys, snapshots' and digests': asymmetric, found by alias, and usable for
signing by one function alone (the projector, the digester), whatever IAM grants anyone else;
every function that loads snapshots may check them, and only the digester touches the digest
key (nothing in the stack reads digests: esctl does, with the operator's credentials)."""

from __future__ import annotations

import pytest

from tests.infra.synth import Resource, Synth, as_list, flatten

COMMANDS, QUERIES = "handlers.commands.handler", "handlers.queries.handler"
PROJECTOR, PUBLISHER = "handlers.projector.handler", "handlers.publisher.handler"
DIGESTER, JOBS = "handlers.digester.handler", "handlers.jobs.handler"
HANDLERS = (COMMANDS, QUERIES, PROJECTOR, PUBLISHER, DIGESTER, JOBS)

# Each key's purpose (its alias is alias/ledger-<stage>-<purpose>), its one signer, and the
# environment variable every function is told its ARN in.
KEYS = {
    "snapshots": (PROJECTOR, "SNAPSHOT_SIGNING_KEY"),
    "digests": (DIGESTER, "DIGEST_SIGNING_KEY"),
}
PURPOSES = list(KEYS)


def _key(synth: Synth, purpose: str = "snapshots") -> tuple[str, Resource]:
    return synth.signing_key(purpose)


def test_the_stack_has_exactly_the_two_signing_keys(stage_synth: Synth) -> None:
    signing = {
        logical_id
        for logical_id, key in stage_synth.of_type("AWS::KMS::Key").items()
        if key["Properties"].get("KeyUsage") == "SIGN_VERIFY"
    }
    assert signing == {_key(stage_synth, purpose)[0] for purpose in PURPOSES}
    assert len(signing) == 2


@pytest.mark.parametrize("purpose", PURPOSES)
def test_the_key_is_a_p256_signing_key_under_the_stage_alias(
    stage_synth: Synth, purpose: str
) -> None:
    key_id, key = _key(stage_synth, purpose)
    props = key["Properties"]
    assert (props["KeySpec"], props["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert props["Description"] == f"Signs the ledger's {purpose} ({stage_synth.stage})"
    # Rotation is for symmetric keys: KMS refuses it on an asymmetric one.
    assert "EnableKeyRotation" not in props
    aliases = [
        alias["Properties"]["AliasName"]
        for alias in stage_synth.of_type("AWS::KMS::Alias").values()
        if alias["Properties"]["TargetKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    ]
    assert aliases == [f"alias/ledger-{stage_synth.stage}-{purpose}"]


def test_the_snapshot_key_follows_the_stage_and_the_digest_key_is_always_kept(
    dev: Synth, prod: Synth
) -> None:
    kept, deleted = ("Retain", "Retain"), ("Delete", "Delete")
    policies = {
        (synth.stage, purpose): (key["DeletionPolicy"], key["UpdateReplacePolicy"])
        for synth in (dev, prod)
        for purpose in PURPOSES
        for key in [_key(synth, purpose)[1]]
    }
    # The digests outlive any stack (Object Lock): so must the key that checks them.
    assert policies == {
        ("dev", "snapshots"): deleted,
        ("prod", "snapshots"): kept,
        ("dev", "digests"): kept,
        ("prod", "digests"): kept,
    }


@pytest.mark.parametrize("purpose", PURPOSES)
def test_the_key_policy_refuses_signing_to_all_but_its_signer(
    stage_synth: Synth, purpose: str
) -> None:
    _, key = _key(stage_synth, purpose)
    signer, _ = KEYS[purpose]
    denials = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s["Effect"] == "Deny"]
    assert denials == [
        {
            "Sid": "OnlyTheSignerSigns",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "kms:Sign",
            "Resource": "*",
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": stage_synth.role_of(signer)}},
        }
    ]
    # Beside it, only CDK's default: the account administers the key (through IAM).
    allows = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s["Effect"] == "Allow"]
    assert [(s["Action"], s["Resource"]) for s in allows] == [("kms:*", "*")]
    assert flatten(allows[0]["Principal"]["AWS"]).endswith(":root")


def test_only_the_projector_signs_snapshots_and_every_loader_checks(stage_synth: Synth) -> None:
    key = flatten({"Fn::GetAtt": [_key(stage_synth, "snapshots")[0], "Arn"]})
    granted = {
        handler: stage_synth.actions_by_resource(handler).get(key, set()) for handler in HANDLERS
    }
    assert granted == {
        COMMANDS: {"kms:GetPublicKey"},
        QUERIES: {"kms:GetPublicKey"},
        PROJECTOR: {"kms:GetPublicKey", "kms:Sign"},
        PUBLISHER: set(),
        DIGESTER: set(),
        # The jobs load the streams they expire as a command does.
        JOBS: {"kms:GetPublicKey"},
    }


def test_only_the_digester_signs_or_checks_digests(stage_synth: Synth) -> None:
    key = flatten({"Fn::GetAtt": [_key(stage_synth, "digests")[0], "Arn"]})
    granted = {
        handler: stage_synth.actions_by_resource(handler).get(key, set()) for handler in HANDLERS
    }
    assert granted == {
        COMMANDS: set(),
        QUERIES: set(),
        PROJECTOR: set(),
        PUBLISHER: set(),
        DIGESTER: {"kms:GetPublicKey", "kms:Sign"},
        JOBS: set(),
    }


@pytest.mark.parametrize("fixture", ["dev", "prod", "custom"])
def test_each_key_has_one_signing_grant_and_no_other_key_any(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    keys = {purpose: flatten({"Fn::GetAtt": [_key(synth, purpose)[0], "Arn"]}) for purpose in KEYS}
    signers = [
        [flatten(resource) for resource in as_list(statement["Resource"])]
        for policy in synth.of_type("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "kms:Sign" in as_list(statement["Action"])
    ]
    assert sorted(signers) == sorted([[keys["snapshots"]], [keys["digests"]]])
    for purpose, (signer, _) in KEYS.items():
        assert "kms:Sign" in synth.actions_by_resource(signer)[keys[purpose]]


@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_function_is_told_the_key(stage_synth: Synth, purpose: str) -> None:
    key_id, _ = _key(stage_synth, purpose)
    _, variable = KEYS[purpose]
    for handler in HANDLERS:
        variables = stage_synth.function(handler)[1]["Properties"]["Environment"]["Variables"]
        assert variables[variable] == {"Fn::GetAtt": [key_id, "Arn"]}
