"""Bodies every domain's API shares: the error body, and a stream's history."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorBody(BaseModel):
    error: str = Field(description="stable machine-readable code")
    message: str
    details: list[dict[str, Any]] | None = None


class EventBody(BaseModel):
    version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    recorded_at: str = Field(description="ISO-8601 UTC")
    # Null where the reader may not see who sent another principal's command.
    command_id: str | None
    correlation_id: str | None
    actor: str | None
    hash: str = Field(
        description="SHA-256 of the commit holding this event, chained to the one before"
    )


class EventsPage(BaseModel):
    events: list[EventBody]
    next_after: int | None
