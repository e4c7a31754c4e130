"""The snapshot signing key: asymmetric, found by alias, and usable for signing by the projector
alone, whatever IAM grants anyone else; every function that loads snapshots may check them."""

from __future__ import annotations

from tests.infra.synth import Synth, flatten

COMMANDS, QUERIES = "handlers.commands.handler", "handlers.queries.handler"
PROJECTOR, PUBLISHER = "handlers.projector.handler", "handlers.publisher.handler"


def _key(synth: Synth) -> tuple[str, dict]:
    keys = {
        logical_id: key
        for logical_id, key in synth.of_type("AWS::KMS::Key").items()
        if key["Properties"].get("KeyUsage") == "SIGN_VERIFY"
    }
    assert len(keys) == 1, sorted(keys)
    return next(iter(keys.items()))


def test_the_key_is_a_p256_signing_key_under_the_stage_alias(stage_synth: Synth) -> None:
    key_id, key = _key(stage_synth)
    assert key["Properties"]["KeySpec"] == "ECC_NIST_P256"
    (alias,) = stage_synth.of_type("AWS::KMS::Alias").values()
    assert alias["Properties"]["AliasName"] == f"alias/ledger-{stage_synth.stage}-snapshots"
    assert alias["Properties"]["TargetKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_the_key_policy_refuses_signing_to_all_but_the_projector(stage_synth: Synth) -> None:
    _, key = _key(stage_synth)
    projector_role = stage_synth.function(PROJECTOR)[1]["Properties"]["Role"]
    denials = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s["Effect"] == "Deny"]
    assert denials == [
        {
            "Sid": "OnlyTheSignerSigns",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "kms:Sign",
            "Resource": "*",
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": projector_role}},
        }
    ]


def test_only_the_projector_signs_and_every_loader_checks(stage_synth: Synth) -> None:
    key_id, _ = _key(stage_synth)
    key = flatten({"Fn::GetAtt": [key_id, "Arn"]})
    granted = {
        handler: stage_synth.actions_by_resource(handler).get(key, set())
        for handler in (COMMANDS, QUERIES, PROJECTOR, PUBLISHER)
    }
    assert granted == {
        COMMANDS: {"kms:GetPublicKey"},
        QUERIES: {"kms:GetPublicKey"},
        PROJECTOR: {"kms:GetPublicKey", "kms:Sign"},
        PUBLISHER: set(),
    }
    signers = [
        statement
        for policy in stage_synth.of_type("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "kms:Sign" in statement["Action"]
    ]
    assert len(signers) == 1


def test_every_function_is_told_the_key(stage_synth: Synth) -> None:
    key_id, _ = _key(stage_synth)
    for handler in (COMMANDS, QUERIES, PROJECTOR):
        variables = stage_synth.function(handler)[1]["Properties"]["Environment"]["Variables"]
        assert variables["SNAPSHOT_SIGNING_KEY"] == {"Fn::GetAtt": [key_id, "Arn"]}
