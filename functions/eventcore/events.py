"""Domain events, their stored form, and schema evolution by upcasting.

An event is a frozen pydantic model with a `type` discriminator and a `schema_version`. Stored
events keep the version they were written with; reading upcasts old shapes step by step to the
current model, so history is never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import from_json

from eventcore.errors import IntegrityError
from eventcore.stored_json import AnyStoredEvent, StoredEventsValidator, stored_events_validator

JSONDict = dict[str, Any]
Upcaster = Callable[[JSONDict], JSONDict]


class Event(BaseModel):
    """Base class of every domain event.

    Subclasses declare `type: Literal["Name"] = "Name"` and `schema_version: Literal[n] = n`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    schema_version: int

    # Fields that describe the envelope rather than the event's data.
    envelope_fields: ClassVar[set[str]] = {"type", "schema_version"}

    def data(self) -> JSONDict:
        return self.model_dump(mode="json", exclude=self.envelope_fields)


class StoredEvent(NamedTuple):
    """An event as kept in a commit: its type, the schema version it was written with, its data.

    (A named tuple rather than a frozen dataclass: replays build one per event, and a tuple is
    built three times faster.)
    """

    type: str
    schema_version: int
    data: Mapping[str, Any]

    def to_json(self) -> JSONDict:
        return {"type": self.type, "schema_version": self.schema_version, "data": self.data}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> StoredEvent:
        return cls(raw["type"], raw["schema_version"], raw["data"])


E = TypeVar("E", bound=Event)


class _NotLoaded(Exception):
    """`load` refused a stored event met while validating a commit's JSON."""


class EventRegistry:
    """Maps (type, schema_version) to a model and upcasts old versions to the current one."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, int], type[Event]] = {}
        self._current: dict[str, int] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        # type -> (its current version, that model's validator): what `load` needs to validate
        # an event of the current version as it is.
        self._validators: dict[str, tuple[int, Callable[[Any], Any]]] = {}
        # What `load_json` validates with, built on first use (after every registration).
        self._stored_json: StoredEventsValidator | None = None

    def register(self, model: type[E]) -> type[E]:
        """Register an event model; usable as a class decorator. The highest version is current."""
        name = model.model_fields["type"].default
        version = model.model_fields["schema_version"].default
        if not isinstance(name, str) or not isinstance(version, int):
            raise TypeError(f"{model.__name__} needs defaults for `type` and `schema_version`")
        self._models[(name, version)] = model
        self._current[name] = max(version, self._current.get(name, version))
        self._validators = {
            n: (v, self._models[(n, v)].__pydantic_validator__.validate_python)
            for n, v in self._current.items()
        }
        self._stored_json = None
        return model

    def upcaster(self, name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register the function that turns data of `from_version` into `from_version + 1`."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[(name, from_version)] = fn
            return fn

        return decorate

    def model(self, name: str, version: int | None = None) -> type[Event]:
        return self._models[(name, self._current[name] if version is None else version)]

    def current_version(self, name: str) -> int:
        return self._current[name]

    def models(self) -> list[type[Event]]:
        return list(self._models.values())

    def to_stored(self, event: Event) -> StoredEvent:
        return StoredEvent(event.type, event.schema_version, event.data())

    def load(self, stored: StoredEvent) -> Event:
        """Turn a stored event into the current model, upcasting it first when it is older."""
        data = stored.data
        current = self._validators.get(stored.type)
        if (
            current is not None
            and current[0] == stored.schema_version
            and type(data) is dict
            and "type" not in data
            and "schema_version" not in data
        ):
            # Fast path, taken by every event the current code wrote (replays run it once per
            # event): the data needs no upcasting and holds only the model's own fields, so it
            # is validated as it is, with no copy, by the model's pydantic-core validator (what
            # `model_validate` calls, without its per-call overhead). `type` and
            # `schema_version` come from the model's defaults, which equal the stored ones since
            # the model was looked up by them: the event equals what the general path returns.
            event: Event = current[1](data)
            return event
        return self._upcast_and_validate(stored)

    def load_json(self, text: str | bytes) -> list[Event]:
        """Turn a commit's stored events, a JSON array of `StoredEvent.to_json` objects, into
        current models: the same events, or the same error, as `load` on each of them.

        Replays run this once per commit. Events of their type's current version, which is
        nearly all of them, are parsed and validated in a single pydantic-core call; the rest
        go through `load` from inside that call.
        """
        validate = self._stored_json or self._build_stored_json()
        try:
            return validate(text)
        except (ValidationError, _NotLoaded):
            # Not an array of well-formed stored events, or `load` refused one: parsed the
            # general way, which raises what reading such a commit always raised, for the
            # first event that raises it (or loads it, if the strict envelope was all that
            # refused it).
            return [self.load(StoredEvent.from_json(raw)) for raw in from_json(text)]

    def _build_stored_json(self) -> StoredEventsValidator:
        current = {n: (v, self._models[(n, v)]) for n, v in self._current.items()}
        self._stored_json = stored_events_validator(current, self._load_other)
        return self._stored_json

    def _load_other(self, stored: AnyStoredEvent) -> Event:
        try:
            return self.load(StoredEvent(stored["type"], stored["schema_version"], stored["data"]))
        except Exception as error:
            # Stops the validation at once (pydantic would collect a ValueError and go on to
            # the next event, and let any other error out): `load_json` starts over.
            raise _NotLoaded from error

    def _upcast_and_validate(self, stored: StoredEvent) -> Event:
        current = self._current.get(stored.type)
        if current is None:
            raise IntegrityError(f"unknown event type {stored.type!r}")
        data = dict(stored.data)
        version = stored.schema_version
        while version < current:
            upcast = self._upcasters.get((stored.type, version))
            if upcast is None:
                raise IntegrityError(f"no upcaster for {stored.type} v{version}")
            data = upcast(data)
            version += 1
        if version != current:
            raise IntegrityError(f"{stored.type} v{version} is newer than this code (v{current})")
        data["type"] = stored.type
        data["schema_version"] = version
        return self._models[(stored.type, version)].model_validate(data)
