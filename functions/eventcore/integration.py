"""Integration events: what the platform tells other systems, one per committed domain event.

Pure: a commit in, JSON-ready envelopes out. The publisher puts each envelope on the integration
bus as the `Detail` of an EventBridge event whose `Source` is the category's feed's `source` and
whose `DetailType` is the event type. Data is published exactly as stored, with the schema
version it was written with: an old event is never upcast on the way out, so what subscribers
receive (and what the bus archive replays) is the record, not today's reading of it.

Neither DynamoDB Streams nor EventBridge keeps a global order and delivery is at least once, so
every envelope carries what a subscriber needs to cope: `event_id` (stable across redeliveries,
to drop duplicates) and `version` (the event's position in its stream, to order per stream).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from eventcore.commits import Commit

# EventBridge reserves sources starting with `aws.` for AWS services.
SOURCE_PATTERN = re.compile(r"^(?!aws\.)[a-z0-9][a-z0-9._-]{0,127}$")


class IntegrationMetadata(BaseModel):
    """Who did what, when and why: the commit's metadata, shared by the commit's events."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    recorded_at: str = Field(description="When the commit was recorded (UTC, ISO-8601, `Z`)")
    command_id: str = Field(description="The command (idempotency) id that produced the event")
    correlation_id: str = Field(description="Correlates every event one request caused")
    actor: str = Field(description="Who issued the command")
    commit_hash: str = Field(description="Hash of the commit, chained to the one before it")


class IntegrationEvent(BaseModel):
    """The `detail` of one integration event on EventBridge.

    Delivery is at least once and unordered: drop duplicates by `event_id`, order by `version`
    within a `stream_id`. `data` is the event as stored, in the shape of its `schema_version`.
    A domain's envelope may add fields of its own (derived from the stream id).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(description="`<stream_id>:<version>`: the same for every redelivery")
    type: str = Field(description="The event type; also the EventBridge `detail-type`")
    stream_id: str = Field(description="The event's stream, `<Category>-<id>`")
    version: int = Field(ge=1, description="The event's version within its stream")
    schema_version: int = Field(ge=1, description="The version of the shape of `data`")
    data: dict[str, Any]
    metadata: IntegrationMetadata


def event_id(stream_id: str, version: int) -> str:
    return f"{stream_id}:{version}"


def _no_fields(_: str) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class IntegrationFeed:
    """How one category's commits are published: the EventBridge `source`, the envelope model
    (`IntegrationEvent` or a subclass), and the domain's own envelope fields for a stream id."""

    source: str
    envelope: type[IntegrationEvent] = IntegrationEvent
    fields: Callable[[str], dict[str, Any]] = field(default=_no_fields)

    def __post_init__(self) -> None:
        if not SOURCE_PATTERN.match(self.source):
            raise ValueError(
                f"integration source {self.source!r}: lower-case letters, digits, '.', '_' and"
                " '-', not starting with 'aws.'"
            )

    def events(self, commit: Commit) -> list[IntegrationEvent]:
        """One integration event per event of the commit, each with its own version."""
        meta = commit.meta
        metadata = IntegrationMetadata(
            recorded_at=meta.recorded_at,
            command_id=meta.command_id,
            correlation_id=meta.correlation_id,
            actor=meta.actor,
            commit_hash=commit.hash,
        )
        extra = self.fields(commit.stream_id)
        return [
            self.envelope(
                event_id=event_id(commit.stream_id, commit.version + offset),
                type=stored.type,
                stream_id=commit.stream_id,
                version=commit.version + offset,
                schema_version=stored.schema_version,
                data=dict(stored.data),
                metadata=metadata,
                **extra,
            )
            for offset, stored in enumerate(commit.events)
        ]

    def envelopes(self, commit: Commit) -> list[dict[str, Any]]:
        """The commit's integration events as JSON-ready dicts (what goes into `Detail`)."""
        return [event.model_dump(mode="json") for event in self.events(commit)]
