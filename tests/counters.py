"""A neutral fixture aggregate for the core's tests: counters that start, add, take, move
amounts between each other and stop. Nothing here comes from the ledger's domain.

It has what the core must cope with: an upcast event (`Started` v1 to v2), rules that a later
event could lift (`not_enough`) and final ones (`stopped`, `bad_amount`), and a command over two
streams (`Move`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import Field

from eventcore import categories
from eventcore.cache import StateCache
from eventcore.decider import Decider
from eventcore.errors import DomainError, ErrorKind, NotFound
from eventcore.events import Event, EventRegistry, JSONDict
from eventcore.read_models import Index, ReadModel
from eventcore.repository import Loaded, Repository
from eventcore.snapshots import SnapshotStore
from eventcore.store import EventStore

CATEGORY = "Counter"
registry = EventRegistry()


@registry.register
class StartedV1(Event):
    type: Literal["Started"] = "Started"
    schema_version: Literal[1] = 1
    label: str


@registry.register
class Started(Event):
    type: Literal["Started"] = "Started"
    schema_version: Literal[2] = 2
    label: str
    unit: str


@registry.upcaster("Started", from_version=1)
def _started_v1_to_v2(data: JSONDict) -> JSONDict:
    return {**data, "unit": "items"}


# Strict and bounded, as amounts in a domain are: stored data that breaks it does not load.
Amount = Annotated[int, Field(ge=1, le=10**9, strict=True)]


@registry.register
class Added(Event):
    type: Literal["Added"] = "Added"
    schema_version: Literal[1] = 1
    n: Amount


@registry.register
class Taken(Event):
    type: Literal["Taken"] = "Taken"
    schema_version: Literal[1] = 1
    n: Amount


@registry.register
class MovedOut(Event):
    type: Literal["MovedOut"] = "MovedOut"
    schema_version: Literal[1] = 1
    move_id: str
    to: str
    n: int


@registry.register
class MovedIn(Event):
    type: Literal["MovedIn"] = "MovedIn"
    schema_version: Literal[1] = 1
    move_id: str
    source: str
    n: int


@registry.register
class Stopped(Event):
    type: Literal["Stopped"] = "Stopped"
    schema_version: Literal[1] = 1


CounterEvent = Started | Added | Taken | MovedOut | MovedIn | Stopped


class Counter(NamedTuple):
    status: Literal["unknown", "running", "stopped"] = "unknown"
    label: str = ""
    unit: str = ""
    total: int = 0


@dataclass(frozen=True)
class Start:
    label: str
    unit: str = "items"


@dataclass(frozen=True)
class Add:
    n: int


@dataclass(frozen=True)
class Take:
    n: int


@dataclass(frozen=True)
class Stop:
    pass


@dataclass(frozen=True)
class Move:
    move_id: str
    source: str
    target: str
    n: int


CounterCommand = Start | Add | Take | Stop


class NotStarted(NotFound):
    pass


class AlreadyStarted(DomainError):
    code = "already_started"
    final = True


class CounterStopped(DomainError):
    code = "stopped"
    final = True


class NotEnough(DomainError):
    code = "not_enough"


class BadAmount(DomainError):
    code = "bad_amount"
    kind = ErrorKind.INVALID
    final = True


class SameCounter(DomainError):
    code = "same_counter"
    final = True


def _running(counter: Counter) -> None:
    if counter.status == "unknown":
        raise NotStarted("no such counter")
    if counter.status == "stopped":
        raise CounterStopped("the counter is stopped")


def _amount(n: int) -> None:
    if not 1 <= n <= 10**9:
        raise BadAmount("n must be 1 to 10^9")


def decide(command: CounterCommand, counter: Counter) -> Sequence[CounterEvent]:
    match command:
        case Start(label=label, unit=unit):
            if counter.status != "unknown":
                raise AlreadyStarted("the counter exists")
            return [Started(label=label, unit=unit)]
        case Add(n=n):
            _amount(n)
            _running(counter)
            return [Added(n=n)]
        case Take(n=n):
            _amount(n)
            _running(counter)
            if counter.total < n:
                raise NotEnough(f"{counter.total} < {n}")
            return [Taken(n=n)]
        case Stop():
            _running(counter)
            return [Stopped()]
    raise TypeError(f"unknown command {command!r}")


def decide_move(
    command: Move, source: Counter, target: Counter
) -> tuple[Sequence[CounterEvent], Sequence[CounterEvent]]:
    if command.source == command.target:
        raise SameCounter("a counter cannot move to itself")
    _amount(command.n)
    _running(source)
    _running(target)
    if source.total < command.n:
        raise NotEnough(f"{source.total} < {command.n}")
    out = MovedOut(move_id=command.move_id, to=command.target, n=command.n)
    into = MovedIn(move_id=command.move_id, source=command.source, n=command.n)
    return [out], [into]


def evolve(counter: Counter, event: CounterEvent) -> Counter:
    match event:
        case Started(label=label, unit=unit):
            return Counter("running", label, unit, 0)
        case Added(n=n) | MovedIn(n=n):
            return counter._replace(total=counter.total + n)
        case Taken(n=n) | MovedOut(n=n):
            return counter._replace(total=counter.total - n)
        case Stopped():
            return counter._replace(status="stopped")
    raise TypeError(f"unknown event {event!r}")


decider: Decider[CounterCommand, Counter, CounterEvent] = Decider(Counter(), evolve, decide)


class CounterCodec:
    schema_version = 1

    def dump(self, state: Counter) -> dict[str, Any]:
        return state._asdict()

    def load(self, data: dict[str, Any]) -> Counter:
        return Counter(**data)


def stream_id(counter_id: str) -> str:
    return categories.stream_id(CATEGORY, counter_id)


# ---- a read model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CounterView:
    counter_id: str
    label: str
    total: int
    status: str
    version: int

    @classmethod
    def of(cls, counter_id: str, state: Counter, version: int) -> CounterView:
        return cls(counter_id, state.label, state.total, state.status, version)


def project(view: CounterView | None, stream: str, event: Event) -> CounterView:
    counter_id = categories.entity_id_of(stream)
    if view is None:
        if not isinstance(event, Started):
            raise ValueError(f"{stream}: first event is {event.type}")
        return CounterView(counter_id, event.label, 0, "running", 1)
    version = view.version + 1
    match event:
        case Added(n=n) | MovedIn(n=n):
            return replace(view, total=view.total + n, version=version)
        case Taken(n=n) | MovedOut(n=n):
            return replace(view, total=view.total - n, version=version)
        case Stopped():
            return replace(view, status="stopped", version=version)
    raise ValueError(f"{stream}: cannot project {event.type}")


class CounterViewCodec:
    def dump(self, view: CounterView) -> dict[str, Any]:
        return {
            "counter_id": view.counter_id,
            "label": view.label,
            "total": view.total,
            "status": view.status,
            "version": view.version,
        }

    def load(self, data: dict[str, Any]) -> CounterView:
        return CounterView(
            data["counter_id"], data["label"], data["total"], data["status"], data["version"]
        )


# Counters by status, in label order: the contract's sorted index.
BY_STATUS = Index("status", sort_key="label")
COUNTERS: ReadModel[CounterView] = ReadModel(
    name="counters",
    key="counter_id",
    projection=project,
    codec=CounterViewCodec(),
    indexes=(BY_STATUS,),
)


def counter_repository(
    store: EventStore,
    snapshots: SnapshotStore | None = None,
    cache: StateCache[Loaded[Counter]] | None = None,
    max_attempts: int = 5,
) -> Repository[CounterCommand, Counter, CounterEvent]:
    return Repository(
        store=store,
        registry=registry,
        decider=decider,
        snapshots=snapshots,
        codec=CounterCodec(),
        cache=cache,
        max_attempts=max_attempts,
    )
