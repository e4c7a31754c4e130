"""infra/resources.py is the one table definition: plain data, and what the stack synthesizes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from esctl.connection import tables
from infra import resources
from infra.resources import TABLES, TableSpec, read_model_tables
from installed_domains import DOMAINS
from tests.infra.synth import Synth


def test_resources_module_imports_no_cdk(repo_root: Path) -> None:
    tree = ast.parse((repo_root / "infra" / "resources.py").read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    # The core's read-model declarations (plain dataclasses) are what the specs are made from.
    assert imported <= {"__future__", "dataclasses", "enum", "typing", "hosting", "eventcore"}


def test_the_platform_tables_and_two_per_read_model() -> None:
    assert [spec.logical_name for spec in TABLES] == [
        "events",
        "idempotency",
        "projections",
        "subject_keys",
    ]
    assert [spec.logical_name for spec in tables(DOMAINS)] == [
        "events",
        "idempotency",
        "projections",
        "subject_keys",
        "accounts_blue",
        "accounts_green",
        "transfers_blue",
        "transfers_green",
    ]
    blue, green = read_model_tables("accounts", "account_id")
    assert (blue.env_var, green.env_var) == ("ACCOUNTS_TABLE_BLUE", "ACCOUNTS_TABLE_GREEN")
    assert blue.physical_name("dev") == "ledger-dev-accounts-blue"
    assert resources.EVENTS.key_schema() == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert resources.EVENTS.attribute_definitions() == [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "N"},
    ]
    assert resources.IDEMPOTENCY.ttl_attribute == "expires_at"
    assert blue.partition_key.name == "account_id"
    # The transfers read model: keyed by transfer, with an index of deadlines by hour.
    specs = {spec.logical_name: spec for spec in tables(DOMAINS)}
    for slot in ("blue", "green"):
        transfers = specs[f"transfers_{slot}"]
        assert transfers.env_var == f"TRANSFERS_TABLE_{slot.upper()}"
        assert transfers.physical_name("prod") == f"ledger-prod-transfers-{slot}"
        assert transfers.key_schema() == [{"AttributeName": "transfer_id", "KeyType": "HASH"}]
        assert transfers.index_requests() == [
            {
                # Pending transfers by shard, sorted by deadline (not by the table's key).
                "IndexName": "by_pending_shard",
                "KeySchema": [
                    {"AttributeName": "pending_shard", "KeyType": "HASH"},
                    {"AttributeName": "expires_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ]
    assert resources.PROJECTIONS.sort_key == resources.Key("sk", resources.AttributeType.STRING)
    # One item per data subject: its wrapped key, nothing to sort, stream or expire.
    subject_keys = resources.SUBJECT_KEYS
    assert subject_keys.physical_name("prod") == "ledger-prod-subject-keys"
    assert subject_keys.env_var == "SUBJECT_KEYS_TABLE"
    assert subject_keys.key_schema() == [{"AttributeName": "subject", "KeyType": "HASH"}]
    assert subject_keys.attribute_definitions() == [
        {"AttributeName": "subject", "AttributeType": "S"}
    ]
    assert (subject_keys.stream_view, subject_keys.ttl_attribute, subject_keys.indexes) == (
        None,
        None,
        (),
    )


@pytest.mark.parametrize("spec", tables(DOMAINS), ids=lambda spec: spec.logical_name)
def test_synthesized_table_matches_spec(dev: Synth, spec: TableSpec) -> None:
    _, table = dev.table(spec)
    props = table["Properties"]
    assert props["KeySchema"] == spec.key_schema()
    assert props["AttributeDefinitions"] == spec.attribute_definitions()
    if spec.indexes:
        assert props["GlobalSecondaryIndexes"] == spec.index_requests()
    else:
        assert "GlobalSecondaryIndexes" not in props
    if spec.stream_view is None:
        assert "StreamSpecification" not in props
    else:
        assert props["StreamSpecification"] == {"StreamViewType": spec.stream_view.value}
    if spec.ttl_attribute is None:
        assert "TimeToLiveSpecification" not in props
    else:
        assert props["TimeToLiveSpecification"] == {
            "AttributeName": spec.ttl_attribute,
            "Enabled": True,
        }


def test_no_table_outside_the_specs(stage_synth: Synth) -> None:
    names = {
        table["Properties"]["TableName"]
        for table in stage_synth.of_type("AWS::DynamoDB::Table").values()
    }
    assert names == {spec.physical_name(stage_synth.stage) for spec in tables(DOMAINS)}
