"""Crypto-shredding of personal data: the symmetric key that wraps the data subjects' keys is
kept in every stage, rotates, and by its own policy unwraps or makes keys for the command and
query functions alone; those two are the only roles granted anything on it or on the table of
subject keys (the table's retention and recovery window: see test_storage.py)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.resources import SUBJECT_KEYS
from tests.infra.synth import Resource, Synth, as_list, flatten

COMMANDS, QUERIES = "handlers.commands.handler", "handlers.queries.handler"
PROJECTOR, PUBLISHER = "handlers.projector.handler", "handlers.publisher.handler"
DIGESTER, JOBS = "handlers.digester.handler", "handlers.jobs.handler"
HANDLERS = (COMMANDS, QUERIES, PROJECTOR, PUBLISHER, DIGESTER, JOBS)
FIXTURES = ["dev", "prod", "custom"]

# Revealing reads subjects' keys (BatchGetItem, a page of subjects a request: see
# adapters/subject_keys_dynamodb_kms.py) and unwraps them; sealing also makes a key
# (GenerateDataKey, and a conditional PutItem), and erasing deletes one.
REVEAL_TABLE = {"dynamodb:BatchGetItem"}  # never GetItem: the adapter reads in batches
SEAL_TABLE = REVEAL_TABLE | {"dynamodb:PutItem", "dynamodb:DeleteItem"}
SEAL_KEY = {"kms:GenerateDataKey", "kms:Decrypt"}
REVEAL_KEY = {"kms:Decrypt"}


def _synth(request: pytest.FixtureRequest, fixture: str) -> Synth:
    synth: Synth = request.getfixturevalue(fixture)
    return synth


def _key(synth: Synth) -> tuple[str, Resource]:
    return synth.signing_key("personal-data")  # the key under alias/ledger-<stage>-<purpose>


def _arns(synth: Synth) -> tuple[str, str]:
    """The subject-keys table's and the key's ARNs, flattened as IAM policies name them."""
    table_id, key_id = synth.table(SUBJECT_KEYS)[0], _key(synth)[0]
    return f"<{table_id}.Arn>", f"<{key_id}.Arn>"


@pytest.mark.parametrize("fixture", FIXTURES)
def test_the_key_is_symmetric_rotating_and_under_the_stage_alias(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth = _synth(request, fixture)
    key_id, key = _key(synth)
    assert key_id.startswith("PersonalDataKey")
    props = key["Properties"]
    # KMS's defaults, left implicit: a symmetric key for encryption.
    assert props.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
    assert props.get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"
    assert props["EnableKeyRotation"] is True
    assert props.get("Enabled", True) is True
    assert "PendingWindowInDays" not in props
    assert props["Description"] == (
        f"Wraps the data subjects' keys of personal data ({synth.stage})"
    )
    aliases = [
        alias["Properties"]["AliasName"]
        for alias in synth.of_type("AWS::KMS::Alias").values()
        if alias["Properties"]["TargetKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    ]
    assert aliases == [f"alias/ledger-{synth.stage}-personal-data"]


@pytest.mark.parametrize("fixture", FIXTURES)
def test_the_key_is_retained_in_every_stage(request: pytest.FixtureRequest, fixture: str) -> None:
    # Without it no subject key unwraps: every sealed name would be lost with the stack.
    _, key = _key(_synth(request, fixture))
    assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_the_stack_has_exactly_the_four_keys(stage_synth: Synth) -> None:
    # The three under the ledger's aliases, and the alarm topic's (see test_monitoring.py).
    keys = {
        stage_synth.signing_key(purpose)[0] for purpose in ("snapshots", "digests", "personal-data")
    }
    _, topic = stage_synth.one("AWS::SNS::Topic")
    keys.add(topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0])
    assert set(stage_synth.of_type("AWS::KMS::Key")) == keys
    assert len(keys) == 4


@pytest.mark.parametrize("fixture", FIXTURES)
def test_the_key_policy_refuses_names_to_all_but_the_command_and_query_roles(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth = _synth(request, fixture)
    statements = _key(synth)[1]["Properties"]["KeyPolicy"]["Statement"]
    commands, queries = synth.role_of(COMMANDS), synth.role_of(QUERIES)
    assert commands != queries
    denials = [s for s in statements if s["Effect"] == "Deny"]
    assert denials == [
        {
            "Sid": "OnlyTheLedgerReadsNames",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            "Resource": "*",
            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": [commands, queries]}},
        }
    ]
    # The roles it spares are those two functions' own, and no other function's.
    spared = denials[0]["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    others = [synth.role_of(handler) for handler in (PROJECTOR, PUBLISHER, DIGESTER, JOBS)]
    assert not [role for role in others if role in spared]
    # Beside it, only CDK's default: the account administers the key (through IAM).
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert [(s["Action"], s["Resource"]) for s in allows] == [("kms:*", "*")]
    assert flatten(allows[0]["Principal"]["AWS"]).endswith(":root")
    assert len(statements) == 2


@pytest.mark.parametrize("fixture", FIXTURES)
def test_the_command_function_seals_and_erases_and_the_query_function_reveals(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth = _synth(request, fixture)
    table, key = _arns(synth)
    granted = {
        handler: {
            resource: actions
            for resource, actions in synth.actions_by_resource(handler).items()
            if resource in (table, key)
        }
        for handler in HANDLERS
    }
    assert granted == {
        COMMANDS: {table: SEAL_TABLE, key: SEAL_KEY},
        QUERIES: {table: REVEAL_TABLE, key: REVEAL_KEY},
        PROJECTOR: {},
        PUBLISHER: {},
        DIGESTER: {},
        JOBS: {},
    }


@pytest.mark.parametrize("fixture", FIXTURES)
def test_no_other_policy_names_the_table_or_the_key(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    """No statement of any IAM policy of the stack (CDK's own roles', the invoke policies')
    names the table, its indexes or streams, or the key, but the command and query roles'."""
    synth = _synth(request, fixture)
    table_id, key_id = synth.table(SUBJECT_KEYS)[0], _key(synth)[0]
    allowed_roles = {
        synth.role_of(handler)["Fn::GetAtt"][0]: handler for handler in (COMMANDS, QUERIES)
    }
    naming: dict[str, set[str]] = {}
    policies = {
        **synth.of_type("AWS::IAM::Policy"),
        **synth.of_type("AWS::IAM::ManagedPolicy"),
    }
    for policy_id, policy in policies.items():
        roles = [role["Ref"] for role in policy["Properties"].get("Roles", [])]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            resources = [flatten(resource) for resource in as_list(statement["Resource"])]
            if any(table_id in r or key_id in r for r in resources):
                naming.setdefault(policy_id, set()).update(roles)
    # Each of the two roles' own policies, attached to that role alone.
    assert sorted(naming.values(), key=sorted) == sorted(
        ({role} for role in allowed_roles), key=sorted
    )


@pytest.mark.parametrize("fixture", FIXTURES)
def test_every_function_is_told_the_table_and_the_key(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth = _synth(request, fixture)
    table_id, key_id = synth.table(SUBJECT_KEYS)[0], _key(synth)[0]
    for handler in HANDLERS:
        variables: dict[str, Any] = synth.function(handler)[1]["Properties"]["Environment"][
            "Variables"
        ]
        assert variables["SUBJECT_KEYS_TABLE"] == {"Ref": table_id}, handler
        assert variables["PERSONAL_DATA_KEY"] == {"Fn::GetAtt": [key_id, "Arn"]}, handler


@pytest.mark.parametrize("fixture", ["dev", "prod"])
def test_the_outputs_name_the_table_and_the_key(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth = _synth(request, fixture)
    values = {name: output["Value"] for name, output in synth.data["Outputs"].items()}
    assert values["SubjectKeysTableName"] == {"Ref": synth.table(SUBJECT_KEYS)[0]}
    assert values["PersonalDataKeyArn"] == {"Fn::GetAtt": [_key(synth)[0], "Arn"]}
