"""Every function comes out of the factory the same way: runtime, layer, logs, tracing, env."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from infra.lambda_factory import powertools_layer_parameter, powertools_version
from infra.resources import TABLES, read_model_tables
from tests.infra.synth import Synth

HANDLERS = [
    "handlers.commands.handler",
    "handlers.queries.handler",
    "handlers.projector.handler",
    "handlers.publisher.handler",
    "handlers.digester.handler",
    "handlers.jobs.handler",
]
STREAM_CONSUMERS = {"handlers.projector.handler", "handlers.publisher.handler"}
DIGESTER = "handlers.digester.handler"
JOBS = "handlers.jobs.handler"
# Functions API Gateway calls: it gives up on an integration after 30 s.
API_FUNCTIONS = {"handlers.commands.handler", "handlers.queries.handler"}


def test_exactly_our_six_python_functions(stage_synth: Synth) -> None:
    python = {
        fn["Properties"]["Handler"]
        for fn in stage_synth.of_type("AWS::Lambda::Function").values()
        if fn["Properties"].get("Runtime", "").startswith("python")
    }
    assert python == set(HANDLERS)
    assert len(HANDLERS) == 6


@pytest.mark.parametrize("handler", HANDLERS)
def test_runtime_architecture_tracing_and_layer(stage_synth: Synth, handler: str) -> None:
    props = stage_synth.function(handler)[1]["Properties"]
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert props["TracingConfig"] == {"Mode": "Active"}
    [layer] = props["Layers"]
    parameter = stage_synth.data["Parameters"][layer["Ref"]]
    # Resolved by CloudFormation at deploy time: synth makes no AWS call.
    assert parameter == {
        "Type": "AWS::SSM::Parameter::Value<String>",
        "Default": powertools_layer_parameter(powertools_version()),
    }
    assert 128 <= props["MemorySize"] <= 3008
    # API Gateway gives up on an integration after 30 s; a digester or jobs run ends before
    # the next one starts (each runs every minute).
    assert props["Timeout"] <= (29 if handler in API_FUNCTIONS else 60)


def test_the_digester_has_a_minute_to_run(stage_synth: Synth) -> None:
    props = stage_synth.function(DIGESTER)[1]["Properties"]
    assert props["Timeout"] == 60
    assert props["MemorySize"] == 512
    assert props["Description"] == "Signs the heads of the streams changed in the last minute"


def test_the_jobs_have_a_minute_to_run(stage_synth: Synth) -> None:
    props = stage_synth.function(JOBS)[1]["Properties"]
    assert props["Timeout"] == 60
    assert props["MemorySize"] == 512
    assert props["Description"] == (
        "Runs the domains' scheduled jobs (e.g. expiring pending transfers)"
    )


@pytest.mark.parametrize(("fixture", "days"), [("dev", 14), ("prod", 365), ("custom", 30)])
def test_json_logs_into_a_log_group_with_retention(
    request: pytest.FixtureRequest, fixture: str, days: int
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    for handler in HANDLERS:
        logging = synth.function(handler)[1]["Properties"]["LoggingConfig"]
        assert logging["LogFormat"] == "JSON"
        log_group = synth.resources[logging["LogGroup"]["Ref"]]
        assert log_group["Type"] == "AWS::Logs::LogGroup"
        assert log_group["Properties"]["RetentionInDays"] == days
        expected_policy = "Retain" if fixture == "prod" else "Delete"
        assert log_group["DeletionPolicy"] == expected_policy


@pytest.mark.parametrize("handler", HANDLERS)
def test_environment(dev: Synth, handler: str) -> None:
    variables = dev.function(handler)[1]["Properties"]["Environment"]["Variables"]
    specs = [
        *TABLES,
        *read_model_tables("accounts", "account_id"),
        *read_model_tables("transfers", "transfer_id"),
    ]
    tables = {spec.env_var: {"Ref": dev.table(spec)[0]} for spec in specs}
    # Only the publisher is told where the integration bus is.
    bus = {"EVENT_BUS_NAME": {"Ref": dev.one("AWS::Events::EventBus")[0]}}
    assert variables == {
        **(bus if handler == "handlers.publisher.handler" else {}),
        **tables,
        "SNAPSHOT_BUCKET": {"Ref": dev.snapshot_bucket()[0]},
        "SNAPSHOT_SIGNING_KEY": {"Fn::GetAtt": [dev.signing_key("snapshots")[0], "Arn"]},
        "DIGEST_BUCKET": {"Ref": dev.digest_bucket()[0]},
        "DIGEST_SIGNING_KEY": {"Fn::GetAtt": [dev.signing_key("digests")[0], "Arn"]},
        "PERSONAL_DATA_KEY": {"Fn::GetAtt": [dev.signing_key("personal-data")[0], "Arn"]},
        "POWERTOOLS_SERVICE_NAME": "ledger",
        "POWERTOOLS_METRICS_NAMESPACE": "Ledger",
        "LOG_LEVEL": "INFO",
        "STAGE": "dev",
        "API_AUTHORIZATION": "iam",
        "IAM_PRINCIPAL_ROLES": "{}",
    }
    assert set(tables) == {
        "EVENTS_TABLE",
        "IDEMPOTENCY_TABLE",
        "ACCOUNTS_TABLE_BLUE",
        "ACCOUNTS_TABLE_GREEN",
        "TRANSFERS_TABLE_BLUE",
        "TRANSFERS_TABLE_GREEN",
        "PROJECTIONS_TABLE",
        "SUBJECT_KEYS_TABLE",
    }


def test_context_reaches_the_environment(custom: Synth, prod: Synth) -> None:
    variables = custom.function(HANDLERS[0])[1]["Properties"]["Environment"]["Variables"]
    assert (variables["SNAPSHOT_EVERY"], variables["LOG_LEVEL"]) == ("7", "DEBUG")
    logging = custom.function(HANDLERS[0])[1]["Properties"]["LoggingConfig"]
    assert logging["ApplicationLogLevel"] == "DEBUG"
    assert variables["API_AUTHORIZATION"] == "jwt"
    prod_variables = prod.function(HANDLERS[0])[1]["Properties"]["Environment"]["Variables"]
    assert prod_variables["STAGE"] == "prod"
    # Unset, each domain snapshots at its own cadence.
    assert "SNAPSHOT_EVERY" not in prod_variables


def test_function_names_carry_the_stage(prod: Synth) -> None:
    names = {prod.function(h)[1]["Properties"]["FunctionName"] for h in HANDLERS}
    assert names == {
        "ledger-prod-command",
        "ledger-prod-query",
        "ledger-prod-projector",
        "ledger-prod-publisher",
        "ledger-prod-digester",
        "ledger-prod-jobs",
    }


def test_the_layer_is_the_powertools_release_the_tests_ran(repo_root: Path) -> None:
    pinned = powertools_version(repo_root / "requirements.txt")
    assert pinned == importlib.metadata.version("aws-lambda-powertools")
    assert powertools_layer_parameter(pinned) == (
        f"/aws/service/powertools/python/arm64/python3.13/{pinned}"
    )
    assert "latest" not in powertools_layer_parameter(pinned)


def test_a_requirements_file_without_the_pin_is_refused(tmp_path: Path) -> None:
    unpinned = tmp_path / "requirements.txt"
    unpinned.write_text("boto3==1.44.5\naws-lambda-powertools>=3\n")
    with pytest.raises(ValueError, match="pins no aws-lambda-powertools"):
        powertools_version(unpinned)
