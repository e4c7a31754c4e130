"""Least privilege, read straight from the synthesized policies."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from infra.resources import EVENTS, IDEMPOTENCY, PROJECTIONS, SUBJECT_KEYS, read_model_tables
from installed_domains import DOMAINS
from tests.infra.synth import Synth, as_list, flatten

ACCOUNTS_BLUE, ACCOUNTS_GREEN = read_model_tables("accounts", "account_id")
TRANSFERS_BLUE, TRANSFERS_GREEN = read_model_tables("transfers", "transfer_id")
# The read models' tables as the stack builds them (with their indexes).
VIEW_TABLES = [
    spec
    for _, model in DOMAINS.read_models()
    for spec in read_model_tables(model.name, model.key, model.index_specs)
]

COMMANDS = "handlers.commands.handler"
QUERIES = "handlers.queries.handler"
PROJECTOR = "handlers.projector.handler"
PUBLISHER = "handlers.publisher.handler"
DIGESTER = "handlers.digester.handler"
JOBS = "handlers.jobs.handler"
HANDLERS = (COMMANDS, QUERIES, PROJECTOR, PUBLISHER, DIGESTER, JOBS)

# AWS authorizes these only against Resource "*": they have no resource-level permissions.
STAR_ONLY_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "dynamodb:ListStreams",
    "cloudwatch:PutMetricData",
}
READ_ONLY_DATA_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "s3:GetObject",
    "s3:ListBucket",
    "kms:GetPublicKey",
}
OWN_LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
# Unwrapping a data subject's key, to reveal a sealed name: granted on the personal-data key only.
REVEAL = {"kms:Decrypt"}
# Reading, and appending by a conditional PutItem or a TransactWriteItems of PutItems and
# ConditionChecks (DynamoDB authorizes a transaction's items by these actions).
APPEND = {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:ConditionCheckItem"}
READ_MODEL_READ = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan"}
REWRITE = {
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:PartiQLInsert",
}


def arn(logical_id: str) -> str:
    return f"<{logical_id}.Arn>"


@pytest.mark.parametrize("fixture", ["dev", "prod", "custom"])
def test_no_wildcard_actions_and_star_only_where_aws_demands_it(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    policies = synth.of_type("AWS::IAM::Policy")
    assert policies
    for policy_id, policy in policies.items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = as_list(statement["Action"])
            resources = [flatten(r) for r in as_list(statement["Resource"])]
            assert statement["Effect"] == "Allow", policy_id
            assert not [a for a in actions if "*" in a], f"{policy_id}: {actions}"
            if "*" in resources:
                assert resources == ["*"], policy_id
                assert set(actions) <= STAR_ONLY_ACTIONS, f"{policy_id}: {actions} on *"
                if "cloudwatch:PutMetricData" in actions:
                    assert statement["Condition"] == {
                        "StringEquals": {"cloudwatch:namespace": "Ledger"}
                    }
            else:
                # Every other resource is one this stack defines, named by reference.
                for resource in resources:
                    logical_id = resource.removeprefix("<").split(".")[0].split(">")[0]
                    assert logical_id in synth.resources, f"{policy_id}: {resource}"


def test_command_function_appends_but_never_rewrites_events(dev: Synth) -> None:
    granted = dev.actions_by_resource(COMMANDS)
    events, idempotency = dev.table(EVENTS)[0], dev.table(IDEMPOTENCY)[0]
    append = {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:ConditionCheckItem",
    }
    assert granted[arn(events)] == append
    assert granted[arn(idempotency)] == append
    forbidden = {"dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"}
    assert not granted[arn(events)] & forbidden
    bucket = dev.snapshot_bucket()[0]
    snapshots = f"{arn(bucket)}/snapshots/*"
    assert granted[snapshots] == {"s3:GetObject"}
    assert granted[arn(bucket)] == {"s3:ListBucket"}
    key = arn(dev.signing_key("snapshots")[0])
    assert granted[key] == {"kms:GetPublicKey"}
    # It seals names (making a subject's key), and erases them (destroying one).
    subject_keys = arn(dev.table(SUBJECT_KEYS)[0])
    personal_data = arn(dev.signing_key("personal-data")[0])
    assert granted[subject_keys] == {
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
    }
    assert granted[personal_data] == {"kms:GenerateDataKey", "kms:Decrypt"}
    # Nothing else: no read model, no stream, no metrics, no signing, no digest.
    logging = dev.function(COMMANDS)[1]["Properties"]["LoggingConfig"]
    own_logs = arn(logging["LogGroup"]["Ref"])
    assert set(granted) == {
        "*",
        own_logs,
        arn(events),
        arn(idempotency),
        arn(bucket),
        snapshots,
        key,
        subject_keys,
        personal_data,
    }
    assert granted["*"] == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


@pytest.mark.parametrize("fixture", ["dev", "prod", "custom"])
def test_jobs_function_appends_and_reads_the_read_models_but_never_rewrites_events(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    granted = synth.actions_by_resource(JOBS)
    events, idempotency = synth.table(EVENTS)[0], synth.table(IDEMPOTENCY)[0]
    # An expiry is a command the system sends: appended as the command function appends.
    assert granted[arn(events)] == APPEND
    assert granted[arn(idempotency)] == APPEND
    assert granted[arn(events)] == synth.actions_by_resource(COMMANDS)[arn(events)]
    assert not granted[arn(events)] & REWRITE
    # It finds its work in the transfers read model's deadline index (either slot).
    for spec in (TRANSFERS_BLUE, TRANSFERS_GREEN):
        table = arn(synth.table(spec)[0])
        assert granted[table] == READ_MODEL_READ
        assert granted[f"{table}/index/by_pending_shard"] == READ_MODEL_READ
    # It loads streams as a command does: snapshots (checked with the key), never signs one.
    bucket = synth.snapshot_bucket()[0]
    snapshots = f"{arn(bucket)}/snapshots/*"
    key = arn(synth.signing_key("snapshots")[0])
    logging = synth.function(JOBS)[1]["Properties"]["LoggingConfig"]
    # Only the read models of the domains with jobs (the transfers'), and the slot pointers:
    # not the accounts' tables or their owner index.
    transfers = tuple(spec for spec in VIEW_TABLES if spec.logical_name.startswith("transfers_"))
    read_models = {
        **{arn(synth.table(spec)[0]): READ_MODEL_READ for spec in (*transfers, PROJECTIONS)},
        **{
            f"{arn(synth.table(spec)[0])}/index/{index.name}": READ_MODEL_READ
            for spec in transfers
            for index in spec.indexes
        },
    }
    assert len(read_models) == 2 + 1 + 2  # the transfers' two slots, projections, two indexes
    # Nothing else: no read-model write, no stream, no metrics API, no signing, no digest.
    assert granted == {
        "*": {"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
        arn(logging["LogGroup"]["Ref"]): OWN_LOGS,
        arn(events): APPEND,
        arn(idempotency): APPEND,
        **read_models,
        snapshots: {"s3:GetObject"},
        arn(bucket): {"s3:ListBucket"},
        key: {"kms:GetPublicKey"},
    }
    assert not set().union(*granted.values()) & REWRITE
    assert _naming_digests(synth, granted) == set()


def test_only_the_command_and_jobs_functions_may_put_events(stage_synth: Synth) -> None:
    events = arn(stage_synth.table(EVENTS)[0])
    putting = {
        handler
        for handler in HANDLERS
        if "dynamodb:PutItem" in stage_synth.actions_by_resource(handler).get(events, set())
    }
    assert putting == {COMMANDS, JOBS}


def test_query_function_only_reads(dev: Synth) -> None:
    granted = dev.actions_by_resource(QUERIES)
    actions = set().union(*granted.values())
    assert actions <= READ_ONLY_DATA_ACTIONS | REVEAL | OWN_LOGS | STAR_ONLY_ACTIONS
    # It reveals names (reading a subject's key and unwrapping it), and decrypts nothing else.
    personal_data = arn(dev.signing_key("personal-data")[0])
    assert granted[arn(dev.table(SUBJECT_KEYS)[0])] == {"dynamodb:BatchGetItem"}
    assert granted[personal_data] == REVEAL
    assert [r for r, a in granted.items() if a & REVEAL] == [personal_data]
    assert not actions & {"cloudwatch:PutMetricData", "dynamodb:ListStreams"}
    for spec in (EVENTS, ACCOUNTS_BLUE, ACCOUNTS_GREEN, TRANSFERS_BLUE, TRANSFERS_GREEN):
        assert "dynamodb:Query" in granted[arn(dev.table(spec)[0])]
    assert "dynamodb:Query" in granted[arn(dev.table(PROJECTIONS)[0])]
    for spec in (TRANSFERS_BLUE, TRANSFERS_GREEN):
        index = f"{arn(dev.table(spec)[0])}/index/by_pending_shard"
        assert granted[index] == READ_MODEL_READ
    assert arn(dev.table(IDEMPOTENCY)[0]) not in granted
    bucket = dev.snapshot_bucket()[0]
    assert granted[f"{arn(bucket)}/snapshots/*"] == {"s3:GetObject"}
    assert granted[arn(bucket)] == {"s3:ListBucket"}
    assert granted[arn(dev.signing_key("snapshots")[0])] == {"kms:GetPublicKey"}
    assert _naming_digests(dev, granted) == set()


def test_projector_grants(dev: Synth) -> None:
    granted = dev.actions_by_resource(PROJECTOR)
    events = dev.table(EVENTS)[0]
    assert granted[arn(events)] == {"dynamodb:GetItem", "dynamodb:Query"}
    assert granted[f"<{events}.StreamArn>"] == {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
    }
    for spec in (ACCOUNTS_BLUE, ACCOUNTS_GREEN, TRANSFERS_BLUE, TRANSFERS_GREEN, PROJECTIONS):
        assert {
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:Query",
            "dynamodb:Scan",
        } <= granted[arn(dev.table(spec)[0])]
    assert arn(dev.table(IDEMPOTENCY)[0]) not in granted
    bucket = dev.snapshot_bucket()[0]
    assert granted[f"{arn(bucket)}/snapshots/*"] == {"s3:GetObject", "s3:PutObject"}
    assert granted[arn(bucket)] == {"s3:ListBucket"}
    assert granted[arn(dev.signing_key("snapshots")[0])] == {"kms:GetPublicKey", "kms:Sign"}
    # It projects sealed names as they are: it never reads a subject's key or unwraps one.
    assert arn(dev.table(SUBJECT_KEYS)[0]) not in granted
    assert arn(dev.signing_key("personal-data")[0]) not in granted
    queue = dev.queue("projector-dlq")[0]
    assert "sqs:SendMessage" in granted[arn(queue)]
    assert "cloudwatch:PutMetricData" in granted["*"]
    # It marks the streams it projected for the next digest (in the projections table, which
    # it writes anyway), never touches a digest, and keeps evidence of changed commits.
    digest_bucket = arn(dev.digest_bucket()[0])
    assert granted[f"{digest_bucket}/evidence/*"] == {"s3:PutObject"}
    assert _naming_digests(dev, {r for r in granted if not r.endswith("/evidence/*")}) == set()


@pytest.mark.parametrize("fixture", ["dev", "prod", "custom"])
def test_digester_grants(request: pytest.FixtureRequest, fixture: str) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    granted = synth.actions_by_resource(DIGESTER)
    bucket = synth.digest_bucket()[0]
    key = synth.signing_key("digests")[0]
    logging = synth.function(DIGESTER)[1]["Properties"]["LoggingConfig"]
    # It reads each marked stream's newest commit, signs and keeps the digest, and clears the
    # marks it signed; nothing else (no snapshot, no read model, no stream, no metrics API).
    assert granted == {
        "*": {"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
        arn(logging["LogGroup"]["Ref"]): OWN_LOGS,
        arn(key): {"kms:Sign", "kms:GetPublicKey"},
        f"{arn(bucket)}/digests/*": {"s3:GetObject", "s3:PutObject"},
        arn(bucket): {"s3:ListBucket"},
        arn(synth.table(EVENTS)[0]): {"dynamodb:GetItem", "dynamodb:Query"},
        arn(synth.table(PROJECTIONS)[0]): {
            "dynamodb:Query",
            "dynamodb:BatchWriteItem",
            "dynamodb:DeleteItem",
        },
    }


@pytest.mark.parametrize("fixture", ["dev", "prod", "custom"])
def test_only_the_digester_touches_the_digests(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    touching = {
        handler
        for handler in HANDLERS
        if _naming_digests(synth, synth.actions_by_resource(handler))
    }
    assert touching == {DIGESTER, PROJECTOR}
    evidence = f"<{synth.digest_bucket()[0]}.Arn>/evidence/*"
    assert _naming_digests(synth, synth.actions_by_resource(PROJECTOR)) == {evidence}
    # Nor does any other policy of the stack (CDK's own roles included).
    digester_role = synth.role_of(DIGESTER)["Fn::GetAtt"][0]
    for policy_id, policy in synth.of_type("AWS::IAM::Policy").items():
        resources = {
            flatten(resource)
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            for resource in as_list(statement["Resource"])
        } - {evidence}
        if {"Ref": digester_role} not in policy["Properties"]["Roles"]:
            assert _naming_digests(synth, resources) == set(), policy_id


def _naming_digests(synth: Synth, resources: Iterable[str]) -> set[str]:
    """The flattened resources that name the digest bucket (or its objects) or the digest key."""
    digests = (synth.digest_bucket()[0], synth.signing_key("digests")[0])
    return {resource for resource in resources if any(d in resource for d in digests)}


def test_roles_carry_no_aws_managed_policies(dev: Synth) -> None:
    for handler in HANDLERS:
        role_id = dev.function(handler)[1]["Properties"]["Role"]["Fn::GetAtt"][0]
        assert "ManagedPolicyArns" not in dev.resources[role_id]["Properties"]


def test_publisher_puts_events_on_its_bus_only(dev: Synth) -> None:
    granted = dev.actions_by_resource(PUBLISHER)
    bus = dev.one("AWS::Events::EventBus")[0]
    events = dev.table(EVENTS)[0]
    logging = dev.function(PUBLISHER)[1]["Properties"]["LoggingConfig"]
    dead_letters = dev.queue("publisher-dlq")[0]
    assert granted[arn(bus)] == {"events:PutEvents"}
    assert granted[f"<{events}.StreamArn>"] == {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
    }
    assert "sqs:SendMessage" in granted[arn(dead_letters)]
    # Stateless: no table, bucket or read model, no metrics API; PutEvents nowhere else.
    assert set(granted) == {
        "*",
        arn(logging["LogGroup"]["Ref"]),
        arn(bus),
        f"<{events}.StreamArn>",
        arn(dead_letters),
    }
    assert granted["*"] == {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "dynamodb:ListStreams",
    }
    for handler in (COMMANDS, QUERIES, PROJECTOR, DIGESTER, JOBS):
        assert "events:PutEvents" not in set().union(*dev.actions_by_resource(handler).values())
