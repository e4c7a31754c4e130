"""The descriptor a domain package exports: everything the platform needs to host one aggregate
type (one stream category) on the shared event store, projector, snapshots, bus, API and stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from eventcore.categories import check_category
from eventcore.decider import Decider, StateCodec
from eventcore.events import EventRegistry
from eventcore.integration import IntegrationFeed
from eventcore.read_models import ReadModel
from hosting.platform import Platform

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Router

Service = TypeVar("Service")
# A domain's HTTP routes: given how to reach its service (built on first use, once per warm
# container), a Powertools router with them on it.
RouteFactory = Callable[[Callable[[], Service]], "Router"]

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
JOB_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


# Seconds left of the run a job is part of: a job stops starting new work when it runs low,
# and the next run carries on.
TimeLeft = Callable[[], float]


class JobFailed(Exception):
    """Part of a job's work failed (each piece named, with why); the rest was done."""

    def __init__(self, done: int, failures: Mapping[str, str]) -> None:
        super().__init__(f"{len(failures)} failed, {done} done")
        self.done = done
        self.failures = dict(failures)


@dataclass(frozen=True)
class Job(Generic[Service]):
    """Work the platform runs on a schedule, on the domain's service: every minute on AWS, every
    few seconds under `make run` (expiring what is past its deadline, say). `run` answers how
    many things it acted on, or raises `JobFailed` for the pieces it could not do; it must be
    safe to run twice, or at the same time as commands, as every command is (decide on
    streams, write with conditions), and should stop starting work when `time_left` runs low."""

    name: str
    run: Callable[[Service, TimeLeft], int]

    def __post_init__(self) -> None:
        if not JOB_NAME_PATTERN.match(self.name):
            raise ValueError(f"job name {self.name!r}: lower-case letters, digits and -")


@dataclass(frozen=True)
class Domain(Generic[Service]):
    """One aggregate type hosted on the platform.

    - `name`: the domain's name (lower case): its OpenAPI tag and how operators name it.
    - `category`: the prefix of its stream ids (`Account` in `Account-<id>`), the unit of wiring:
      its streams are decoded with `registry`, folded by `decider`, snapshotted with `codec`
      every `snapshot_every` versions (None: never), projected into `read_models` and published
      through `integration`.
    - `service`: builds the domain's application service (its use cases) from the platform.
    - `routes`: its HTTP routes, on the service.
    - `jobs`: what the platform runs on the service on a schedule.

    Snapshots are written as the category's first read model is projected (the projector has
    checked those commits against the view's hash chain), so snapshots need a read model.
    """

    name: str
    category: str
    registry: EventRegistry
    decider: Decider[Any, Any, Any]
    codec: StateCodec[Any]
    service: Callable[[Platform], Service]
    routes: RouteFactory[Service] | None = None
    read_models: tuple[ReadModel[Any], ...] = ()
    integration: IntegrationFeed | None = None
    snapshot_every: int | None = 100
    jobs: tuple[Job[Service], ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        check_category(self.category)
        if not NAME_PATTERN.match(self.name):
            raise ValueError(f"domain name {self.name!r}: lower-case letters, digits and _")
        if self.snapshot_every is not None:
            if self.snapshot_every < 1:
                raise ValueError(f"{self.name}: snapshot_every must be at least 1, or None")
            if not self.read_models:
                raise ValueError(
                    f"{self.name}: snapshots are taken as the first read model is projected;"
                    " declare a read model or set snapshot_every=None"
                )
