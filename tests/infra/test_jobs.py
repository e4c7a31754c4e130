"""The domains' scheduled jobs (infra/jobs.py): one function, run every minute by its own
schedule, one run at a time, never retried (the next run does what a failed one did not).
(Its grants are in test_iam.py, its alarms in test_monitoring.py, who may invoke it in
test_api.py.)"""

from __future__ import annotations

import pytest

from infra import checkov
from installed_domains import DOMAINS
from tests.infra.synth import Synth

JOBS = "handlers.jobs.handler"
DIGESTER = "handlers.digester.handler"


def test_the_catalogue_has_the_jobs_the_function_runs() -> None:
    # The stack adds the function only for a catalogue with jobs: this one has the transfers'.
    assert [(domain.name, job.name) for domain, job in DOMAINS.jobs()] == [
        ("transfers", "expire-transfers")
    ]


def test_the_jobs_schedule_is_not_the_digesters(stage_synth: Synth) -> None:
    (jobs_rule,) = stage_synth.rules_targeting(JOBS)
    (digest_rule,) = stage_synth.rules_targeting(DIGESTER)
    assert jobs_rule != digest_rule
    # Each schedule has its one target: neither runs the other's function.
    for rule in (jobs_rule, digest_rule):
        assert len(stage_synth.resources[rule]["Properties"]["Targets"]) == 1


def test_only_the_scheduled_functions_configure_async_invocation(stage_synth: Synth) -> None:
    configured = [
        config["Properties"]["FunctionName"]
        for config in stage_synth.of_type("AWS::Lambda::EventInvokeConfig").values()
    ]
    assert sorted(configured, key=str) == sorted(
        [{"Ref": stage_synth.function(h)[0]} for h in (DIGESTER, JOBS)], key=str
    )


@pytest.mark.parametrize("fixture", ["dev", "prod", "custom"])
def test_one_jobs_run_at_a_time(request: pytest.FixtureRequest, fixture: str) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    props = synth.function(JOBS)[1]["Properties"]
    assert props["FunctionName"] == f"ledger-{synth.stage}-jobs"
    assert props["ReservedConcurrentExecutions"] == 1
    # A run ends before the next one is due.
    assert props["Timeout"] == 60


@pytest.mark.parametrize("fixture", ["dev", "prod"])
def test_the_jobs_checkov_skips_are_the_functions_and_their_own(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    _, function = synth.function(JOBS)
    skips = function["Metadata"][checkov.METADATA_KEY]["skip"]
    # No VPC and no key of its own for its variables, as every function; and, as the digester,
    # no dead-letter queue (a failed run's work is the next run's).
    assert [entry["id"] for entry in skips] == ["CKV_AWS_117", "CKV_AWS_173", "CKV_AWS_116"]
    [dead_letters] = [entry for entry in skips if entry["id"] == "CKV_AWS_116"]
    assert "next run" in dead_letters["comment"]
    log_group = synth.resources[function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
    assert [entry["id"] for entry in log_group["Metadata"][checkov.METADATA_KEY]["skip"]] == [
        "CKV_AWS_158"
    ]
