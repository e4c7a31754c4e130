"""Which stack esctl talks to: the local one (moto), or a deployed one by name or by tables."""

from __future__ import annotations

import os
from dataclasses import dataclass

from hosting.catalogue import Catalogue
from infra.resources import (
    DIGEST_BUCKET_ENV_VAR,
    DIGEST_KEY_ENV_VAR,
    EVENT_BUS,
    EVENT_BUS_ENV_VAR,
    PERSONAL_DATA_KEY_ENV_VAR,
    SNAPSHOT_BUCKET_ENV_VAR,
    SNAPSHOT_KEY_ENV_VAR,
    TABLES,
    TableSpec,
    construct_name,
    digest_key_alias,
    personal_data_key_alias,
    read_model_tables,
    snapshot_key_alias,
)

LOCAL_ENDPOINT = "http://127.0.0.1:5000"


def tables(catalogue: Catalogue) -> tuple[TableSpec, ...]:
    """Every table of a stack hosting the catalogue's domains."""
    views = (
        spec
        for _, model in catalogue.read_models()
        for spec in read_model_tables(model.name, model.key, model.index_specs)
    )
    return (*TABLES, *views)


def outputs(catalogue: Catalogue) -> dict[str, str]:
    """Stack outputs (infra/stack.py) -> the environment variables the Lambdas read."""
    named = {f"{construct_name(spec)}TableName": spec.env_var for spec in tables(catalogue)}
    return {
        **named,
        "SnapshotBucketName": SNAPSHOT_BUCKET_ENV_VAR,
        "SnapshotSigningKeyArn": SNAPSHOT_KEY_ENV_VAR,
        "DigestBucketName": DIGEST_BUCKET_ENV_VAR,
        "DigestSigningKeyArn": DIGEST_KEY_ENV_VAR,
        "PersonalDataKeyArn": PERSONAL_DATA_KEY_ENV_VAR,
        "EventBusName": EVENT_BUS_ENV_VAR,
    }


@dataclass(frozen=True)
class Target:
    stage: str
    endpoint_url: str | None
    stack: str | None
    region: str | None


def configure(target: Target, catalogue: Catalogue) -> dict[str, str]:
    """Point this process (and `handlers.bootstrap`) at the target; return what was set.

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

    names = {spec.env_var: spec.physical_name(target.stage) for spec in tables(catalogue)}
    # Every stage's keys carry the aliases the stack gives them.
    names[SNAPSHOT_KEY_ENV_VAR] = snapshot_key_alias(target.stage)
    names[DIGEST_KEY_ENV_VAR] = digest_key_alias(target.stage)
    names[PERSONAL_DATA_KEY_ENV_VAR] = personal_data_key_alias(target.stage)
    names[EVENT_BUS_ENV_VAR] = f"ledger-{target.stage}-{EVENT_BUS}"
    if target.stage == "local":
        names[SNAPSHOT_BUCKET_ENV_VAR] = f"ledger-{target.stage}-snapshots"
        names[DIGEST_BUCKET_ENV_VAR] = f"ledger-{target.stage}-digests"
    # A deployed bucket's name is CloudFormation's choice: it comes from --stack or the
    # environment, never from a guess.
    if target.stack:
        names.update(_stack_outputs(target.stack, outputs(catalogue)))
    for name, value in names.items():
        os.environ.setdefault(name, value)
    for name in [*names, SNAPSHOT_BUCKET_ENV_VAR, DIGEST_BUCKET_ENV_VAR]:
        if name in os.environ:
            settings[name] = os.environ[name]
    return settings


def _stack_outputs(stack: str, wanted: dict[str, str]) -> dict[str, str]:
    import boto3

    described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    given = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return {env: given[key] for key, env in wanted.items() if key in given}
