"""Every deploy-time knob, read from CDK context in this one place.

Precedence for each knob: an explicit context value (`-c name=value`), then the stage's entry in
the `stages` context map (cdk.json), then `STAGE_DEFAULTS` below. `python app.py` does not read
cdk.json (only the CDK CLI does), so `STAGE_DEFAULTS` is the source of truth and a test keeps
cdk.json equal to it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import aws_cdk as cdk
from constructs import Node

from infra.log_groups import RETENTION_BY_DAYS

Stage = Literal["dev", "prod"]
STAGES: tuple[Stage, ...] = ("dev", "prod")

# CloudWatch Logs only accepts these retention periods.
LOG_RETENTION_DAYS = frozenset(RETENTION_BY_DAYS)
LOG_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR"})

STAGE_DEFAULTS: Mapping[Stage, Mapping[str, int | str]] = {
    "dev": {
        "snapshot_retention_days": 30,
        "digest_retention_days": 1,
        "subject_keys_recovery_days": 1,
        "log_retention_days": 14,
        "log_level": "INFO",
        "api_throttle_rate_limit": 50,
        "api_throttle_burst_limit": 100,
        "api_command_rate_limit": 25,
        "api_command_burst_limit": 50,
        "api_query_rate_limit": 25,
        "api_query_burst_limit": 50,
        "command_reserved_concurrency": 20,
        "query_reserved_concurrency": 10,
        "projector_reserved_concurrency": 5,
        "publisher_reserved_concurrency": 5,
        "projector_batch_size": 100,
        "projector_max_batching_window_seconds": 1,
        "projector_retry_attempts": 5,
        "projector_max_record_age_seconds": 86400,
        "projector_parallelization_factor": 1,
        "publisher_batch_size": 100,
        "publisher_max_batching_window_seconds": 1,
        "publisher_retry_attempts": 5,
        "publisher_max_record_age_seconds": 86400,
        "publisher_parallelization_factor": 1,
        "event_archive_retention_days": 30,
        "iterator_age_alarm_seconds": 60,
    },
    "prod": {
        "snapshot_retention_days": 365,
        # Seven years: what bookkeeping rules commonly ask records to be kept for.
        "digest_retention_days": 2555,
        # A destroyed key stays restorable this long: erasure is complete after it.
        "subject_keys_recovery_days": 7,
        "log_retention_days": 365,
        "log_level": "INFO",
        "api_throttle_rate_limit": 500,
        "api_throttle_burst_limit": 1000,
        "api_command_rate_limit": 250,
        "api_command_burst_limit": 500,
        "api_query_rate_limit": 250,
        "api_query_burst_limit": 500,
        "command_reserved_concurrency": 200,
        "query_reserved_concurrency": 100,
        "projector_reserved_concurrency": 20,
        "publisher_reserved_concurrency": 20,
        "projector_batch_size": 100,
        "projector_max_batching_window_seconds": 1,
        "projector_retry_attempts": 5,
        "projector_max_record_age_seconds": 86400,
        "projector_parallelization_factor": 2,
        "publisher_batch_size": 100,
        "publisher_max_batching_window_seconds": 1,
        "publisher_retry_attempts": 5,
        "publisher_max_record_age_seconds": 86400,
        "publisher_parallelization_factor": 2,
        "event_archive_retention_days": 365,
        "iterator_age_alarm_seconds": 60,
    },
}

_RANGES: Mapping[str, tuple[int, int]] = {
    "snapshot_retention_days": (1, 36_500),
    "digest_retention_days": (1, 36_500),
    # DynamoDB keeps point-in-time recovery for 1 to 35 days.
    "subject_keys_recovery_days": (1, 35),
    "snapshot_every": (1, 100_000),
    "api_throttle_rate_limit": (1, 1_000_000),
    "api_throttle_burst_limit": (1, 1_000_000),
    "api_command_rate_limit": (1, 1_000_000),
    "api_command_burst_limit": (1, 1_000_000),
    "api_query_rate_limit": (1, 1_000_000),
    "api_query_burst_limit": (1, 1_000_000),
    # Reserved concurrency is taken out of the account's regional limit (1,000 by default, and
    # Lambda keeps 100 of it unreserved): the four must fit, with room for everything else.
    "command_reserved_concurrency": (1, 900),
    "query_reserved_concurrency": (1, 900),
    "projector_reserved_concurrency": (1, 900),
    "publisher_reserved_concurrency": (1, 900),
    "projector_batch_size": (1, 10_000),
    "projector_max_batching_window_seconds": (0, 300),
    # Lambda also accepts -1 (retry forever), which must never be used: one poison record would
    # hold its shard until the stream's 24 h retention drops the records behind it.
    "projector_retry_attempts": (0, 10_000),
    "projector_max_record_age_seconds": (60, 604_800),
    "projector_parallelization_factor": (1, 10),
    # Each record is at least one bus entry and PutEvents takes ten: a thousand records is a
    # hundred requests, which must fit the function's 60 s timeout with retries to spare.
    "publisher_batch_size": (1, 1_000),
    "publisher_max_batching_window_seconds": (0, 300),
    "publisher_retry_attempts": (0, 10_000),  # never -1 (forever), as for the projector
    "publisher_max_record_age_seconds": (60, 604_800),
    "publisher_parallelization_factor": (1, 10),
    # 0 keeps archived events forever (EventBridge's meaning of 0).
    "event_archive_retention_days": (0, 36_500),
    "iterator_age_alarm_seconds": (1, 86_400),
}
# Knobs with no stage default: absent (or empty) means "feature off" (for `snapshot_every`:
# each domain snapshots at its own cadence; for `iam_principal_roles`: no IAM principal has a
# role, so only JWT callers can use the API).
OPTIONAL_KNOBS = (
    "jwt_issuer",
    "jwt_audience",
    "alarm_email",
    "snapshot_every",
    "iam_principal_roles",
)
ROLES = ("customer", "operator", "auditor")
# The principals `iam_principal_roles` may name: an IAM user (with its path, if any), or a role
# without a path. A session's ARN (`assumed-role/<name>/<session>`) names its role without the
# path, so a role ARN with one could never match a caller.
_IAM_PRINCIPAL = re.compile(
    r"^arn:[\w-]+:iam::\d{12}:(user/([\w+=,.@-]+/)*[\w+=,.@-]+|role/[\w+=,.@-]+)$"
)


@dataclass(frozen=True)
class StackConfig:
    stage: Stage
    snapshot_retention_days: int
    # Object Lock (compliance mode) on each digest: nobody can delete it before this.
    digest_retention_days: int
    # Point-in-time recovery of the data subjects' keys: how long a destroyed key can be restored.
    subject_keys_recovery_days: int
    log_retention_days: int
    log_level: str
    api_throttle_rate_limit: int
    api_throttle_burst_limit: int
    api_command_rate_limit: int
    api_command_burst_limit: int
    api_query_rate_limit: int
    api_query_burst_limit: int
    command_reserved_concurrency: int
    query_reserved_concurrency: int
    projector_reserved_concurrency: int
    publisher_reserved_concurrency: int
    projector_batch_size: int
    projector_max_batching_window_seconds: int
    projector_retry_attempts: int
    projector_max_record_age_seconds: int
    projector_parallelization_factor: int
    publisher_batch_size: int
    publisher_max_batching_window_seconds: int
    publisher_retry_attempts: int
    publisher_max_record_age_seconds: int
    publisher_parallelization_factor: int
    event_archive_retention_days: int
    iterator_age_alarm_seconds: int
    jwt_issuer: str | None = None
    jwt_audience: tuple[str, ...] = ()
    alarm_email: str | None = None
    snapshot_every: int | None = None
    # IAM principal (a user's or a role's ARN) -> its roles, for SigV4 callers.
    iam_principal_roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for knob, (low, high) in _RANGES.items():
            value = getattr(self, knob)
            if value is not None and not low <= value <= high:
                raise ValueError(f"{knob}={value} is outside {low}..{high}")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"log_retention_days={self.log_retention_days} is not a CloudWatch Logs retention;"
                f" use one of {sorted(LOG_RETENTION_DAYS)}"
            )
        if self.log_level not in LOG_LEVELS:
            raise ValueError(f"log_level={self.log_level!r}; use one of {sorted(LOG_LEVELS)}")
        for principal, roles in self.iam_principal_roles.items():
            unknown = set(roles) - set(ROLES)
            if not _IAM_PRINCIPAL.match(principal) or unknown or not roles:
                raise ValueError(
                    f"iam_principal_roles: {principal!r} -> {list(roles)}: give an IAM user's ARN"
                    " or a role's ARN without its path (arn:aws:iam::<account>:role/<name>, which"
                    f" covers its sessions), and roles among {ROLES}"
                )
        if bool(self.jwt_issuer) != bool(self.jwt_audience):
            # Half a JWT configuration is a mistake, not a request for IAM auth: say so.
            raise ValueError("set both jwt_issuer and jwt_audience, or neither")

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @property
    def removal_policy(self) -> cdk.RemovalPolicy:
        """For everything except the event table, which is retained in every stage."""
        return cdk.RemovalPolicy.RETAIN if self.is_prod else cdk.RemovalPolicy.DESTROY

    def name(self, suffix: str) -> str:
        """A physical name unique per stage, e.g. `ledger-dev-command`."""
        return f"ledger-{self.stage}-{suffix}"

    @classmethod
    def from_node(cls, node: Node) -> StackConfig:
        stage = _stage(node.try_get_context("stage"))
        stage_map = node.try_get_context("stages") or {}
        overrides: Mapping[str, Any] = (
            stage_map.get(stage, {}) if isinstance(stage_map, dict) else {}
        )
        values: dict[str, Any] = {}
        for knob, default in STAGE_DEFAULTS[stage].items():
            raw = node.try_get_context(knob)
            if raw is None:
                raw = overrides.get(knob, default)
            # `-c name=value` on the CLI always arrives as a string.
            values[knob] = _whole_number(knob, raw) if isinstance(default, int) else str(raw)
        values["log_level"] = str(values["log_level"]).upper()  # `-c log_level=debug` is fine
        return cls(
            stage=stage,
            jwt_issuer=_optional_str(node.try_get_context("jwt_issuer")),
            jwt_audience=_audiences(node.try_get_context("jwt_audience")),
            alarm_email=_optional_str(node.try_get_context("alarm_email")),
            iam_principal_roles=_principal_roles(
                node.try_get_context("iam_principal_roles") or overrides.get("iam_principal_roles")
            ),
            snapshot_every=_optional_number(
                "snapshot_every",
                node.try_get_context("snapshot_every") or overrides.get("snapshot_every"),
            ),
            **values,
        )


def _stage(raw: object) -> Stage:
    stage = "dev" if raw is None else str(raw)
    if stage not in STAGES:
        raise ValueError(f"stage={stage!r}; use one of {STAGES}")
    return stage


def _optional_str(raw: object) -> str | None:
    text = "" if raw is None else str(raw).strip()
    return text or None


def _principal_roles(raw: object) -> dict[str, tuple[str, ...]]:
    """A mapping (cdk.json) or its JSON (`-c iam_principal_roles='{"arn:...": "operator"}'`);
    each principal's roles as one name or a list."""
    if raw is None:
        raw = {}
    if isinstance(raw, str):
        raw = json.loads(raw) if raw.strip() else {}
    if not isinstance(raw, dict):
        raise ValueError("iam_principal_roles must map IAM principals' ARNs to roles")
    return {
        str(principal): tuple([roles] if isinstance(roles, str) else [str(r) for r in roles])
        for principal, roles in raw.items()
    }


def _optional_number(knob: str, raw: object) -> int | None:
    text = _optional_str(raw)
    return None if text is None else _whole_number(knob, text)


def _audiences(raw: object) -> tuple[str, ...]:
    """Accepts a list (cdk.json) or a comma-separated string (`-c jwt_audience=a,b`)."""
    items = raw if isinstance(raw, list) else str(raw or "").split(",")
    return tuple(text for item in items if (text := str(item).strip()))


def _whole_number(knob: str, raw: object) -> int:
    try:
        return int(str(raw))
    except ValueError:
        raise ValueError(f"{knob}={raw!r} is not a whole number") from None
