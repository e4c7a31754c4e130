"""Validating a commit's stored events straight from their JSON, in one pydantic-core call.

A commit keeps its events as a JSON array of `{"type", "schema_version", "data"}` objects.
Replaying a stream reads that text once per commit, so the validator built here turns it into
the events in one pass through pydantic-core: an event of its type's current version is
validated into its model right there; any other well-formed stored event (an old version to
upcast, an unknown type, a newer version, data the model rejects) is handed, as a dict, to a
function of the caller's (the registry's general path), which upcasts it or raises. Text that
is not such an array fails validation with a `ValidationError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Annotated, Any, Literal, Union, cast

from pydantic import AfterValidator, BaseModel, Field, StrictInt, StrictStr, TypeAdapter
from typing_extensions import TypedDict

StoredEventsValidator = Callable[[str | bytes], list[Any]]


class AnyStoredEvent(TypedDict):
    type: StrictStr
    schema_version: StrictInt
    data: Any


def _current(name: str, version: int, model: type[BaseModel]) -> Any:
    # The types are built at run time, one per registered event type; pydantic builds one
    # schema from all of them, so models shared between events are defined once.
    fields = {
        "type": cast(Any, Literal)[name],
        "schema_version": cast(Any, Literal)[version],
        "data": model,
    }
    envelope = cast(Any, TypedDict)(f"Stored{model.__name__}", fields)
    # What comes out is the model itself (`itemgetter` runs in C, unlike a lambda).
    return Annotated[envelope, AfterValidator(itemgetter("data"))]


def stored_events_validator(
    current: Mapping[str, tuple[int, type[BaseModel]]],
    load_other: Callable[[AnyStoredEvent], Any],
) -> StoredEventsValidator:
    """A function from a JSON array of stored events to their current models, given each type's
    current version and model, and what to do with a stored event of any other kind."""
    envelopes = [_current(name, version, model) for name, (version, model) in current.items()]
    other: Any = Annotated[AnyStoredEvent, AfterValidator(load_other)]
    one: Any = other
    if envelopes:
        tagged: Any = Annotated[cast(Any, Union)[tuple(envelopes)], Field(discriminator="type")]
        # Left to right: the current model first, the general path only when that one fails.
        one = Annotated[tagged | other, Field(union_mode="left_to_right")]
    # The adapter's own validator, called directly: `TypeAdapter.validate_json` adds a
    # Python-level call per commit that a replay would pay for every commit.
    return TypeAdapter(list[one]).validator.validate_json
