"""Settings read from the Lambda environment, once, when first needed."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    events_table: str
    idempotency_table: str
    accounts_table_blue: str
    accounts_table_green: str
    projections_table: str
    snapshot_bucket: str
    snapshot_every: int = Field(default=100, ge=1)
    state_cache_size: int = Field(default=10_000, ge=0)
    idempotency_ttl_seconds: int = Field(default=86_400, ge=60)
    # Only the publisher needs the integration bus; the API and the projector run without it.
    event_bus_name: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        values = {name: env[name.upper()] for name in cls.model_fields if name.upper() in env}
        return cls.model_validate(values)
