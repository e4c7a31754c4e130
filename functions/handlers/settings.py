"""Settings read from the Lambda environment, once, when first needed."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from application.callers import Role
from httpkernel.auth import Authentication

# Each read model's two tables: `<NAME>_TABLE_BLUE` and `<NAME>_TABLE_GREEN`
# (`hosting.names.read_model_env_var`).
READ_MODEL_TABLE = re.compile(r"^([A-Z][A-Z0-9_]*)_TABLE_(BLUE|GREEN)$")


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    events_table: str
    idempotency_table: str
    projections_table: str
    snapshot_bucket: str
    # The KMS key (ARN or alias) that signs snapshots: the projector signs with it, loads check
    # with its public half. Unset, no snapshot is trusted.
    snapshot_signing_key: str | None = None
    # The object-locked bucket digests are kept in, and the KMS key (ARN or alias) the digester
    # signs them with; only the digester and `esctl` need them.
    digest_bucket: str | None = None
    digest_signing_key: str | None = None
    # The table of data subjects' wrapped keys, and the KMS key (ARN or alias) that wraps them:
    # personal data is sealed with those keys, and erased by destroying one.
    subject_keys_table: str | None = None
    personal_data_key: str | None = None
    # read model -> slot -> table, from the `<NAME>_TABLE_<SLOT>` variables.
    read_model_tables: dict[str, dict[str, str]] = Field(default_factory=dict)
    # When set, every category is snapshotted at this cadence instead of its domain's own.
    snapshot_every: int | None = Field(default=None, ge=1)
    state_cache_size: int = Field(default=10_000, ge=0)
    idempotency_ttl_seconds: int = Field(default=86_400, ge=60)
    # Only the publisher needs the integration bus; the API and the projector run without it.
    event_bus_name: str | None = None
    # What the API's gateway checks, and the OpenAPI document declares (`API_AUTHORIZATION`,
    # comma-separated: `iam` on AWS by default, `jwt` with an issuer, both locally).
    api_authorization: tuple[Literal["iam", "jwt"], ...] = ()
    # IAM principal (a user's or a role's ARN) -> its roles, for callers that sign with SigV4
    # (`IAM_PRINCIPAL_ROLES`, JSON). A principal it does not name has no role: 403.
    iam_principal_roles: dict[str, list[Role]] = Field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        values: dict[str, object] = {
            name: env[name.upper()]
            for name in cls.model_fields
            if name not in _STRUCTURED and env.get(name.upper())
        }
        if env.get("API_AUTHORIZATION"):
            values["api_authorization"] = tuple(
                part.strip() for part in env["API_AUTHORIZATION"].split(",")
            )
        if env.get("IAM_PRINCIPAL_ROLES"):
            values["iam_principal_roles"] = json.loads(env["IAM_PRINCIPAL_ROLES"])
        tables: dict[str, dict[str, str]] = {}
        for name, value in env.items():
            if (match := READ_MODEL_TABLE.match(name)) and value:
                tables.setdefault(match[1].lower(), {})[match[2].lower()] = value
        values["read_model_tables"] = tables
        return cls.model_validate(values)

    def authentication(self) -> Authentication:
        roles = {p: frozenset(r) for p, r in self.iam_principal_roles.items()}
        return Authentication(iam_roles=roles)


_STRUCTURED = frozenset({"read_model_tables", "iam_principal_roles", "api_authorization"})
