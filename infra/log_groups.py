"""The stack's log groups: a retention from a number of days (the config knob), and how they are
encrypted."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import checkov

RETENTION_BY_DAYS = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def retention(days: int) -> logs.RetentionDays:
    return RETENTION_BY_DAYS[days]


def create(
    scope: Construct, construct_id: str, *, days: int, removal_policy: cdk.RemovalPolicy
) -> logs.LogGroup:
    log_group = logs.LogGroup(
        scope, construct_id, retention=retention(days), removal_policy=removal_policy
    )
    checkov.skip(
        log_group,
        "CKV_AWS_158",
        "CloudWatch Logs encrypts every log group at rest (always on, with keys it manages), and"
        " no role of this stack may read these logs. A customer managed key is not used, as for"
        " the tables: see docs/deploy.md, Encryption at rest.",
    )
    return log_group
