"""The whole platform in memory: for unit tests of a domain's service and routes, benchmarks
and one-process tools. Read models catch up only when asked (`Host.catch_up`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from eventcore.memory import (
    InMemoryChangeMarks,
    InMemoryEventStore,
    InMemoryEvidence,
    InMemorySnapshotStore,
    InMemorySubjectKeys,
    InMemoryViews,
    InMemoryViewStore,
)
from eventcore.read_models import ReadModel

V = TypeVar("V")


class InMemoryInfrastructure:
    def __init__(
        self,
        *,
        state_cache_size: int = 10_000,
        receipt_ttl: timedelta = timedelta(hours=24),
        snapshot_every: int | None = None,
    ) -> None:
        self.state_cache_size = state_cache_size
        self.receipt_ttl = receipt_ttl
        self.snapshot_every = snapshot_every
        self.store = InMemoryEventStore()
        self.snapshots = InMemorySnapshotStore()
        self.marks = InMemoryChangeMarks()
        self.evidence = InMemoryEvidence()
        self.keys = InMemorySubjectKeys()
        self.view_stores: dict[str, InMemoryViewStore[Any]] = {}

    def event_store(self) -> InMemoryEventStore:
        return self.store

    def snapshot_store(self) -> InMemorySnapshotStore:
        return self.snapshots

    def snapshot_keys(self) -> None:
        return None

    def change_marks(self) -> InMemoryChangeMarks:
        return self.marks

    def tamper_evidence(self) -> InMemoryEvidence:
        return self.evidence

    def subject_keys(self) -> InMemorySubjectKeys:
        return self.keys

    def view_store(self, model: ReadModel[V]) -> InMemoryViewStore[V]:
        store: InMemoryViewStore[V] = self.view_stores.setdefault(model.name, InMemoryViewStore())
        return store

    def views(self, model: ReadModel[V]) -> InMemoryViews[V]:
        return InMemoryViews(self.view_store(model), model)
