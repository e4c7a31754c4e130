"""StackConfig: stage defaults, context precedence, validation, and cdk.json kept in step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from infra.config import OPTIONAL_KNOBS, STAGE_DEFAULTS, StackConfig


def config_for(context: dict[str, Any]) -> StackConfig:
    return StackConfig.from_node(cdk.App(context=context).node)


def test_stage_defaults_to_dev() -> None:
    config = config_for({})
    assert config.stage == "dev"
    assert config.removal_policy == cdk.RemovalPolicy.DESTROY
    assert config.snapshot_retention_days == 30
    assert config.digest_retention_days == 1
    assert config.subject_keys_recovery_days == 1
    assert config.snapshot_every is None  # each domain snapshots at its own cadence
    assert config.projector_retry_attempts == 5
    assert config.projector_parallelization_factor == 1
    assert config.jwt_issuer is None
    assert config.jwt_audience == ()


def test_prod_retains_and_keeps_snapshots_longer() -> None:
    config = config_for({"stage": "prod"})
    assert config.removal_policy == cdk.RemovalPolicy.RETAIN
    assert config.snapshot_retention_days == 365
    # Seven years of locked digests.
    assert config.digest_retention_days == 2555
    # A destroyed subject key is restorable for a week (erasure is complete after it).
    assert config.subject_keys_recovery_days == 7


def test_the_subject_keys_recovery_window_comes_from_context() -> None:
    assert config_for({"subject_keys_recovery_days": "35"}).subject_keys_recovery_days == 35
    stages = {"prod": {"subject_keys_recovery_days": 3}}
    assert config_for({"stage": "prod", "stages": stages}).subject_keys_recovery_days == 3


def test_event_archive_retention_per_stage() -> None:
    assert config_for({}).event_archive_retention_days == 30
    assert config_for({"stage": "prod"}).event_archive_retention_days == 365
    assert config_for({"event_archive_retention_days": "0"}).event_archive_retention_days == 0


def test_cli_strings_are_parsed() -> None:
    config = config_for(
        {
            "snapshot_every": "7",
            "projector_batch_size": "25",
            "jwt_issuer": "https://issuer.example.com/",
            "jwt_audience": " a, b ,",
        }
    )
    assert config.snapshot_every == 7
    assert config.projector_batch_size == 25
    assert config.jwt_audience == ("a", "b")


def test_explicit_context_beats_the_stages_map_which_beats_the_code() -> None:
    stages = {"prod": {"snapshot_every": 50, "projector_batch_size": 10}}
    config = config_for({"stage": "prod", "stages": stages, "projector_batch_size": "20"})
    assert config.projector_batch_size == 20
    assert config.snapshot_every == 50
    assert config.snapshot_retention_days == STAGE_DEFAULTS["prod"]["snapshot_retention_days"]


def test_empty_optional_knobs_mean_off() -> None:
    config = config_for({"jwt_issuer": "", "jwt_audience": "", "alarm_email": ""})
    assert (config.jwt_issuer, config.jwt_audience, config.alarm_email) == (None, (), None)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"stage": "staging"}, "stage="),
        ({"jwt_issuer": "https://issuer.example.com/"}, "both jwt_issuer and jwt_audience"),
        ({"jwt_audience": "ledger"}, "both jwt_issuer and jwt_audience"),
        ({"projector_retry_attempts": "-1"}, "projector_retry_attempts=-1"),
        ({"projector_parallelization_factor": "11"}, "projector_parallelization_factor=11"),
        ({"projector_max_record_age_seconds": "30"}, "projector_max_record_age_seconds=30"),
        ({"log_retention_days": "13"}, "log_retention_days=13"),
        ({"log_level": "verbose"}, "log_level="),
        ({"snapshot_every": "ten"}, "not a whole number"),
        ({"publisher_retry_attempts": "-1"}, "publisher_retry_attempts=-1"),
        ({"publisher_batch_size": "1001"}, "publisher_batch_size=1001"),
        ({"event_archive_retention_days": "-1"}, "event_archive_retention_days=-1"),
        # Object Lock needs a retention of at least a day.
        ({"digest_retention_days": "0"}, "digest_retention_days=0"),
        # DynamoDB keeps point-in-time recovery for 1 to 35 days.
        ({"subject_keys_recovery_days": "0"}, "subject_keys_recovery_days=0"),
        ({"subject_keys_recovery_days": "36"}, "subject_keys_recovery_days=36"),
    ],
)
def test_rejects_bad_context(context: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config_for(context)


def test_cdk_json_runs_the_venv_app_and_matches_the_code_defaults(repo_root: Path) -> None:
    cdk_json = json.loads((repo_root / "cdk.json").read_text())
    assert cdk_json["app"] == ".venv/bin/python app.py"
    assert cdk_json["notices"] is False
    context = cdk_json["context"]
    assert context["stage"] == "dev"
    # `python app.py` never reads cdk.json, so its defaults must be the code's.
    assert context["stages"] == {stage: dict(knobs) for stage, knobs in STAGE_DEFAULTS.items()}
    for knob in OPTIONAL_KNOBS:
        assert context[knob] == ""
    assert config_for(context) == config_for({})
