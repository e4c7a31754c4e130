from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from esctl.connection import Target, configure, outputs, tables
from installed_domains import DOMAINS


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    """`configure` points this process at a stack: undo all of it after each test."""
    saved = dict(os.environ)
    for name in [spec.env_var for spec in tables(DOMAINS)] + [
        "SNAPSHOT_BUCKET",
        "EVENT_BUS_NAME",
        "AWS_ENDPOINT_URL",
    ]:
        os.environ.pop(name, None)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_local_names_everything_and_points_at_moto():
    settings = configure(Target("local", None, None, None), DOMAINS)
    assert settings["EVENTS_TABLE"] == "ledger-local-events"
    assert settings["SNAPSHOT_BUCKET"] == "ledger-local-snapshots"
    # Every domain read model's tables too, by the stack's naming rule.
    assert settings["ACCOUNTS_TABLE_BLUE"] == "ledger-local-accounts-blue"
    assert settings["ACCOUNTS_TABLE_GREEN"] == "ledger-local-accounts-green"
    # The bus, for `republish` to publish on as the publisher does.
    assert settings["EVENT_BUS_NAME"] == "ledger-local-events"
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"


def test_a_deployed_stage_names_its_tables_but_never_guesses_the_bucket(monkeypatch):
    settings = configure(Target("dev", None, None, "eu-west-1"), DOMAINS)
    assert settings["EVENTS_TABLE"] == "ledger-dev-events"
    assert "SNAPSHOT_BUCKET" not in settings
    assert "AWS_ENDPOINT_URL" not in settings
    monkeypatch.setenv("SNAPSHOT_BUCKET", "ledger-dev-snapshotsbucket-abc")
    assert configure(Target("dev", None, None, "eu-west-1"), DOMAINS)["SNAPSHOT_BUCKET"] == (
        "ledger-dev-snapshotsbucket-abc"
    )


def test_stack_outputs_name_every_table_of_the_domains():
    assert outputs(DOMAINS) == {
        "EventsTableName": "EVENTS_TABLE",
        "IdempotencyTableName": "IDEMPOTENCY_TABLE",
        "ProjectionsTableName": "PROJECTIONS_TABLE",
        "SubjectKeysTableName": "SUBJECT_KEYS_TABLE",
        "AccountsBlueTableName": "ACCOUNTS_TABLE_BLUE",
        "AccountsGreenTableName": "ACCOUNTS_TABLE_GREEN",
        "TransfersBlueTableName": "TRANSFERS_TABLE_BLUE",
        "TransfersGreenTableName": "TRANSFERS_TABLE_GREEN",
        "SnapshotBucketName": "SNAPSHOT_BUCKET",
        "SnapshotSigningKeyArn": "SNAPSHOT_SIGNING_KEY",
        "DigestBucketName": "DIGEST_BUCKET",
        "DigestSigningKeyArn": "DIGEST_SIGNING_KEY",
        "PersonalDataKeyArn": "PERSONAL_DATA_KEY",
        "EventBusName": "EVENT_BUS_NAME",
    }
