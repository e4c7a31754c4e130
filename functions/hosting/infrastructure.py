"""The port the composition root fills with real storage (DynamoDB, S3) or with memory."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Protocol, TypeVar

from eventcore.digesting import ChangeMarks
from eventcore.evidence import TamperEvidence
from eventcore.personal import SubjectKeys
from eventcore.read_models import ReadModel, ViewReader
from eventcore.signatures import SigningKey
from eventcore.snapshots import SnapshotStore
from eventcore.store import EventStore

if TYPE_CHECKING:  # the HTTP functions never load the projector
    from eventcore.projector import ViewStore

V = TypeVar("V")


class Infrastructure(Protocol):
    """Where the platform keeps what it keeps, and the knobs that come with the deployment."""

    @property
    def state_cache_size(self) -> int:
        """Streams a warm container keeps in memory, per category (0: none)."""
        ...

    @property
    def receipt_ttl(self) -> timedelta:
        """How long idempotency receipts are kept (at least)."""
        ...

    @property
    def snapshot_every(self) -> int | None:
        """When set, overrides every domain's own snapshot cadence."""
        ...

    def event_store(self) -> EventStore: ...

    def snapshot_store(self) -> SnapshotStore: ...

    def snapshot_keys(self) -> SigningKey | None:
        """How snapshots are signed and checked; None where nobody but this process can write
        them (memory), so there is nothing to check."""
        ...

    def change_marks(self) -> ChangeMarks:
        """Where the projector notes which streams changed, for the next digest."""
        ...

    def tamper_evidence(self) -> TamperEvidence:
        """Where records of changed or removed commits are kept."""
        ...

    def subject_keys(self) -> SubjectKeys:
        """Where the data subjects' keys are kept (personal data is sealed with them)."""
        ...

    def views(self, model: ReadModel[V]) -> ViewReader[V]:
        """Reading the read model's live views."""
        ...

    def view_store(self, model: ReadModel[V]) -> ViewStore[V]:
        """Writing the read model's live views (the projector's side)."""
        ...
