"""The decider shape of an aggregate, and how its state is kept in snapshots."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

C = TypeVar("C")
S = TypeVar("S")
E = TypeVar("E")


@dataclass(frozen=True, slots=True)
class Decider(Generic[C, S, E]):
    """`decide` turns a command and the current state into events (or raises a DomainError);
    `evolve` applies one event to a state. Both are pure."""

    initial_state: S
    evolve: Callable[[S, E], S]
    decide: Callable[[C, S], Sequence[E]]


class StateCodec(Protocol[S]):
    """How a state is written into and read back from a snapshot.

    Bump `schema_version` whenever the state's shape changes: older snapshots are then ignored
    and the state is rebuilt from events, which never change.
    """

    schema_version: int

    def dump(self, state: S) -> dict[str, Any]: ...

    def load(self, data: dict[str, Any]) -> S: ...
