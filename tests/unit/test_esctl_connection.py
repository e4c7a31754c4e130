from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from esctl.connection import Target, configure
from infra.resources import TABLES


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    """`configure` points this process at a stack: undo all of it after each test."""
    saved = dict(os.environ)
    for name in [spec.env_var for spec in TABLES] + ["SNAPSHOT_BUCKET", "AWS_ENDPOINT_URL"]:
        os.environ.pop(name, None)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_local_names_everything_and_points_at_moto():
    settings = configure(Target("local", None, None, None))
    assert settings["EVENTS_TABLE"] == "ledger-local-events"
    assert settings["SNAPSHOT_BUCKET"] == "ledger-local-snapshots"
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"


def test_a_deployed_stage_names_its_tables_but_never_guesses_the_bucket(monkeypatch):
    settings = configure(Target("dev", None, None, "eu-west-1"))
    assert settings["EVENTS_TABLE"] == "ledger-dev-events"
    assert "SNAPSHOT_BUCKET" not in settings
    assert "AWS_ENDPOINT_URL" not in settings
    monkeypatch.setenv("SNAPSHOT_BUCKET", "ledger-dev-snapshotsbucket-abc")
    assert configure(Target("dev", None, None, "eu-west-1"))["SNAPSHOT_BUCKET"] == (
        "ledger-dev-snapshotsbucket-abc"
    )
