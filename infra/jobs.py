"""The domains' scheduled jobs (expiring pending transfers, ...): one function, run every
minute, one run at a time."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.lambda_factory import FunctionFactory
from infra.schedules import every_minute


def add_jobs(scope: Construct, functions: FunctionFactory) -> lambda_.Function:
    """The function that runs every installed domain's jobs every minute. A job decides on
    streams and writes with conditions, as a command does, so a run that overlaps a command
    changes nothing twice; one run at a time keeps two from doing the same work."""
    return every_minute(
        scope,
        functions,
        "Jobs",
        rule_id="JobsEveryMinute",
        name="jobs",
        handler="handlers.jobs.handler",
        description="Runs the domains' scheduled jobs (e.g. expiring pending transfers)",
        why_no_dead_letters="Run every minute by its schedule; what a failed run did not do (a"
        " transfer not yet expired) the next run a minute later does, so a dead-letter queue would"
        " hold nothing to act on.",
    )
