"""JSON Schemas of integration events, one per event type and schema version.

Each schema is a feed's envelope with `type` and `schema_version` pinned and `data` typed by the
registered event model of that version, so a subscriber can validate what it receives or
generate code from it. `esctl schemas` writes them to docs/events/<Type>.v<N>.schema.json, and a
test keeps those files equal to what this returns.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from eventcore.events import Event, EventRegistry
from eventcore.integration import IntegrationEvent, IntegrationFeed

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _EventData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _data_model(model: type[Event], name: str, version: int) -> type[BaseModel]:
    # The event model without its envelope fields (`type`, `schema_version`): what `data` holds.
    fields: dict[str, Any] = {
        field: (info.annotation, info)
        for field, info in model.model_fields.items()
        if field not in model.envelope_fields
    }
    return create_model(
        f"{name}V{version}Data",
        __base__=_EventData,
        __doc__=f"`data` of {name} v{version}, exactly as stored.",
        **fields,
    )


def envelope_model(model: type[Event], feed: IntegrationFeed) -> type[IntegrationEvent]:
    """The feed's envelope with `type`, `schema_version` and `data` fixed to one event model."""
    name = str(model.model_fields["type"].default)
    version = int(model.model_fields["schema_version"].default)
    doc = (
        f"EventBridge `detail` of a {name} event, schema version {version}"
        f" (source `{feed.source}`, detail-type `{name}`)."
    )
    pinned: dict[str, Any] = {
        "type": (Literal[name], Field(description="The event type; also the `detail-type`")),
        "schema_version": (Literal[version], Field(description="The version of `data`'s shape")),
        "data": (_data_model(model, name, version), ...),
    }
    return create_model(
        f"{name}V{version}",
        __base__=feed.envelope,
        __doc__=f"{doc} {model.__doc__}" if model.__doc__ else doc,
        **pinned,
    )


def file_name(model: type[Event]) -> str:
    return f"{model.model_fields['type'].default}.v{model.model_fields['schema_version'].default}"


def json_schemas(registry: EventRegistry, feed: IntegrationFeed) -> dict[str, dict[str, Any]]:
    """`<Type>.v<N>.schema.json` -> its JSON Schema, for every event model of the registry."""
    schemas: dict[str, dict[str, Any]] = {}
    for model in sorted(registry.models(), key=file_name):
        schema = envelope_model(model, feed).model_json_schema()
        schemas[f"{file_name(model)}.schema.json"] = {"$schema": JSON_SCHEMA_DIALECT, **schema}
    return schemas
