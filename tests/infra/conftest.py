"""Each variant of the stack is synthesized once per test session and shared by every module.

Synthesis (with cdk-nag) takes seconds; building the app per test would make the suite minutes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.synth import Synth, synthesize

# A customised synth: JWT auth, plus knobs given as the CLI gives them (`-c name=value` is text).
CUSTOM_CONTEXT = {
    "stage": "dev",
    "jwt_issuer": "https://issuer.example.com/",
    "jwt_audience": "ledger-api,ledger-cli",
    "alarm_email": "oncall@example.com",
    "iam_principal_roles": '{"arn:aws:iam::123456789012:role/Ops": "operator",'
    ' "arn:aws:iam::123456789012:user/audit": ["auditor"]}',
    "api_command_rate_limit": "5",
    "api_query_burst_limit": "9",
    "command_reserved_concurrency": "7",
    "snapshot_every": "7",
    "snapshot_retention_days": "10",
    "subject_keys_recovery_days": "12",
    "projector_batch_size": "25",
    "projector_max_batching_window_seconds": "3",
    "projector_retry_attempts": "2",
    "projector_max_record_age_seconds": "3600",
    "projector_parallelization_factor": "4",
    "publisher_batch_size": "50",
    "publisher_max_batching_window_seconds": "2",
    "publisher_retry_attempts": "3",
    "publisher_max_record_age_seconds": "7200",
    "publisher_parallelization_factor": "5",
    "event_archive_retention_days": "7",
    "api_throttle_rate_limit": "11",
    "api_throttle_burst_limit": "22",
    "log_retention_days": "30",
    "log_level": "debug",
}


@pytest.fixture(scope="session")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize({"stage": "dev"}, tmp_path_factory.mktemp("cdk-dev"))


@pytest.fixture(scope="session")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize({"stage": "prod"}, tmp_path_factory.mktemp("cdk-prod"))


@pytest.fixture(scope="session")
def custom(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(CUSTOM_CONTEXT, tmp_path_factory.mktemp("cdk-custom"))


@pytest.fixture(scope="session", params=["dev", "prod"])
def stage_synth(request: pytest.FixtureRequest) -> Synth:
    """Parametrises a test over both stages."""
    synth: Synth = request.getfixturevalue(request.param)
    return synth


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]
