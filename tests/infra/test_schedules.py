"""The functions run on a schedule (`infra/schedules.py`): the digester and the domains' jobs,
each every minute, one run at a time, never retried."""

from __future__ import annotations

import pytest

from tests.infra.synth import Synth

DIGESTER = "handlers.digester.handler"
JOBS = "handlers.jobs.handler"


@pytest.mark.parametrize("handler", [DIGESTER, JOBS])
def test_each_runs_every_minute_and_nothing_retries_a_run(stage_synth: Synth, handler: str) -> None:
    (rule,) = stage_synth.rules_targeting(handler).values()
    props = rule["Properties"]
    assert props["ScheduleExpression"] == "rate(1 minute)"
    assert props["State"] == "ENABLED"
    # On the default bus's schedule, not a pattern on the integration bus.
    assert "EventBusName" not in props
    assert "EventPattern" not in props
    [target] = props["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [stage_synth.function(handler)[0], "Arn"]}
    # The next run, a minute later, does what a failed one did not (signs the streams it left
    # marked, expires what it left pending): no retry, no DLQ, neither by EventBridge's
    # delivery nor by Lambda's own asynchronous retries.
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 0}
    assert "DeadLetterConfig" not in target
    assert "Input" not in target
    (invoke,) = [
        config
        for config in stage_synth.of_type("AWS::Lambda::EventInvokeConfig").values()
        if config["Properties"]["FunctionName"] == {"Ref": stage_synth.function(handler)[0]}
    ]
    assert invoke["Properties"] == {
        "FunctionName": {"Ref": stage_synth.function(handler)[0]},
        "Qualifier": "$LATEST",
        "MaximumRetryAttempts": 0,
        "MaximumEventAgeInSeconds": 60,
    }
