"""Which stack esctl talks to: the local one (moto), or a deployed one by name or by tables."""

from __future__ import annotations

import os
from dataclasses import dataclass

from infra.resources import SNAPSHOT_BUCKET_ENV_VAR, TABLES

LOCAL_ENDPOINT = "http://127.0.0.1:5000"
# Stack outputs (infra/stack.py) -> the environment variables the Lambdas read.
OUTPUTS = {
    "EventsTableName": "EVENTS_TABLE",
    "IdempotencyTableName": "IDEMPOTENCY_TABLE",
    "AccountsBlueTableName": "ACCOUNTS_TABLE_BLUE",
    "AccountsGreenTableName": "ACCOUNTS_TABLE_GREEN",
    "ProjectionsTableName": "PROJECTIONS_TABLE",
    "SnapshotBucketName": SNAPSHOT_BUCKET_ENV_VAR,
}


@dataclass(frozen=True)
class Target:
    stage: str
    endpoint_url: str | None
    stack: str | None
    region: str | None


def configure(target: Target) -> dict[str, str]:
    """Point this process (and `handlers.dependencies`) at the target; return what was set.

    Names come from, in order: the environment (EVENTS_TABLE, ...), the stack's outputs when
    `--stack` is given, else the stage's naming convention (tables only: a deployed bucket's
    name is generated, so it needs `--stack` or SNAPSHOT_BUCKET).
    """
    settings: dict[str, str] = {}
    endpoint = target.endpoint_url or (LOCAL_ENDPOINT if target.stage == "local" else None)
    if endpoint:
        settings["AWS_ENDPOINT_URL"] = endpoint
    if target.stage == "local":
        settings.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")
        settings["AWS_DEFAULT_REGION"] = target.region or "eu-west-1"
    elif target.region:
        settings["AWS_DEFAULT_REGION"] = target.region
    settings["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
    for name, value in settings.items():
        if name.startswith("AWS_ACCESS") or name.startswith("AWS_SECRET"):
            os.environ.setdefault(name, value)
        else:
            os.environ[name] = value

    names = {spec.env_var: spec.physical_name(target.stage) for spec in TABLES}
    if target.stage == "local":
        names[SNAPSHOT_BUCKET_ENV_VAR] = f"ledger-{target.stage}-snapshots"
    # A deployed bucket's name is CloudFormation's choice: it comes from --stack or the
    # environment, never from a guess.
    if target.stack:
        names.update(_stack_outputs(target.stack))
    for name, value in names.items():
        os.environ.setdefault(name, value)
    for name in [*names, SNAPSHOT_BUCKET_ENV_VAR]:
        if name in os.environ:
            settings[name] = os.environ[name]
    return settings


def _stack_outputs(stack: str) -> dict[str, str]:
    import boto3

    described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return {env: outputs[key] for key, env in OUTPUTS.items() if key in outputs}
