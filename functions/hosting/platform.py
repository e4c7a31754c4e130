"""What a domain's application service is built from: the platform's shared pieces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from application.commands import CommandRunner
from application.requests import Clock
from eventcore.aggregates import Aggregates
from eventcore.personal import PersonalData
from eventcore.read_models import ViewReader
from eventcore.store import EventStore


@dataclass(frozen=True)
class Platform:
    """`aggregates` loads any category's streams and writes across them; `commands` runs a
    command exactly once; `views(name)` reads a read model; `clock` and `new_id` are the only
    time and ids a service should use; `personal` seals personal data before it is stored and
    reveals it to an authorised reader (and erases a data subject's)."""

    aggregates: Aggregates
    commands: CommandRunner
    views: Callable[[str], ViewReader[Any]]
    clock: Clock
    new_id: Callable[[], str]
    personal: PersonalData

    @property
    def store(self) -> EventStore:
        return self.aggregates.store
