"""Functions that run every minute on an EventBridge schedule, one run at a time, never retried:
the next minute's run does the same work (the digester, the domains' jobs)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import checkov
from infra.lambda_factory import FunctionFactory


def every_minute(
    scope: Construct,
    functions: FunctionFactory,
    construct_id: str,
    *,
    rule_id: str,
    name: str,
    handler: str,
    description: str,
    why_no_dead_letters: str,
) -> lambda_.Function:
    """A function with reserved concurrency 1 and a 60 s timeout, run by a `rate(1 minute)`
    rule; neither EventBridge nor Lambda retries or queues a run."""
    function = functions.create(
        scope,
        construct_id,
        name=name,
        handler=handler,
        description=description,
        reserved_concurrency=1,
        timeout=cdk.Duration.seconds(60),
    )
    rule = events.Rule(scope, rule_id, schedule=events.Schedule.rate(cdk.Duration.minutes(1)))
    rule.add_target(targets.LambdaFunction(function, retry_attempts=0))
    function.configure_async_invoke(retry_attempts=0, max_event_age=cdk.Duration.seconds(60))
    checkov.skip(function, "CKV_AWS_116", why_no_dead_letters)
    return function
