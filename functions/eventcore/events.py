"""Domain events, their stored form, and schema evolution by upcasting.

An event is a frozen pydantic model with a `type` discriminator and a `schema_version`. Stored
events keep the version they were written with; reading upcasts old shapes step by step to the
current model, so history is never rewritten.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal, NamedTuple, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict
from pydantic_core import from_json

from eventcore.errors import IntegrityError
from eventcore.personal_marks import PersonalField, is_sealed
from eventcore.stored_json import AnyStoredEvent, StoredEventsValidator, stored_events_validator

JSONDict = dict[str, Any]
Upcaster = Callable[[JSONDict], JSONDict]


class Event(BaseModel):
    """Base class of every domain event.

    Subclasses declare `type: Literal["Name"] = "Name"` and `schema_version: Literal[n] = n`
    (the registry refuses them otherwise). Stored events are read from JSON, so their fields
    should validate alike in pydantic's JSON and Python modes: lax, as pydantic's defaults are.
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


def _is_literal(annotation: Any, value: object) -> bool:
    return get_origin(annotation) is Literal and get_args(annotation) == (value,)


def personal_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of `model` annotated with `eventcore.personal.PERSONAL`."""
    return tuple(
        name
        for name, info in model.model_fields.items()
        if any(isinstance(meta, PersonalField) for meta in info.metadata)
    )


class EventRegistry:
    """Maps (type, schema_version) to a model and upcasts old versions to the current one."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, int], type[Event]] = {}
        self._current: dict[str, int] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        # type -> (its current version, that model's validator): what `load` needs to validate
        # an event of the current version as it is.
        self._validators: dict[str, tuple[int, Callable[[Any], Any]]] = {}
        # What `load_json` validates with, built on first use; a registration drops it, under
        # the lock, so a build racing a registration cannot keep a stale one.
        self._stored_json: StoredEventsValidator | None = None
        # type -> the fields of its current model marked as personal data.
        self._personal: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def register(self, model: type[E]) -> type[E]:
        """Register an event model; usable as a class decorator. The highest version is current."""
        fields = model.model_fields
        name, version = fields["type"].default, fields["schema_version"].default
        # Literal fields: an event's type and version are what it was stored under, whatever
        # its data says (and `load_json` relies on the model refusing any other).
        if not (
            isinstance(name, str)
            and isinstance(version, int)
            and _is_literal(fields["type"].annotation, name)
            and _is_literal(fields["schema_version"].annotation, version)
        ):
            raise TypeError(
                f"{model.__name__} must declare `type: Literal[<name>] = <name>` and "
                "`schema_version: Literal[<n>] = <n>`"
            )
        with self._lock:
            self._models[(name, version)] = model
            self._current[name] = max(version, self._current.get(name, version))
            self._validators = {
                n: (v, self._models[(n, v)].__pydantic_validator__.validate_python)
                for n, v in self._current.items()
            }
            self._stored_json = None
            if self._current[name] == version:
                self._personal[name] = personal_fields(model)
        return model

    def upcaster(self, name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register the function that turns data of `from_version` into `from_version + 1`.

        Upcasters must be pure: reading a commit may run one more than once."""

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
        """The event as it is stored; refused (ValueError) if a field marked as personal data
        holds anything but a sealed token: personal data is never stored in plain text."""
        data = event.data()
        # An older shape is what history holds (written before fields were sealed), never what
        # a command writes now.
        current = self._current.get(event.type) == event.schema_version
        for name in self._personal.get(event.type, ()) if current else ():
            value = data.get(name)
            if value is not None and not is_sealed(value):
                raise ValueError(f"{event.type}.{name} is personal data: seal it before storing")
        return StoredEvent(event.type, event.schema_version, data)

    def personal_fields(self, name: str) -> tuple[str, ...]:
        """The fields of event type `name` (current version) marked as personal data."""
        return self._personal.get(name, ())

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
        current models: what `load` gives on each of them, or the error it raises first.

        Replays run this once per commit. Events of their type's current version, which is
        nearly all of them, are parsed and validated in a single pydantic-core call; the rest
        go through `load` from inside that call. That call validates the data in pydantic's
        JSON mode, `load` in Python mode: for models that validate alike in both (no strict
        fields of types JSON carries as text, such as datetimes; no validators that read
        `info.mode`) the two give the same events.
        """
        validate = self._stored_json or self._build_stored_json()
        try:
            return validate(text)
        except Exception:  # whatever it is, the general path below raises it again
            pass
        # Anything the one call refused, parsed the general way (outside the `except`, so an
        # error is not chained to its first sighting): the same events, or the error that
        # reading such a commit raises, for the first event that raises one.
        return [self.load(StoredEvent.from_json(raw)) for raw in from_json(text)]

    def _build_stored_json(self) -> StoredEventsValidator:
        with self._lock:
            current = {n: (v, self._models[(n, v)]) for n, v in self._current.items()}
            self._stored_json = stored_events_validator(current, self._load_other)
            return self._stored_json

    def _load_other(self, stored: AnyStoredEvent) -> Event:
        return self.load(StoredEvent(stored["type"], stored["schema_version"], stored["data"]))

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
