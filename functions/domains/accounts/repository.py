"""Wiring the account decider into the core repository."""

from __future__ import annotations

from domains.accounts.commands import AccountCommand
from domains.accounts.decider import decider
from domains.accounts.events import AccountEvent, registry
from domains.accounts.state import Account, AccountCodec
from eventcore.cache import StateCache
from eventcore.repository import Loaded, Repository
from eventcore.snapshots import SnapshotStore
from eventcore.store import EventStore

AccountRepository = Repository[AccountCommand, Account, AccountEvent]


def account_repository(
    store: EventStore,
    snapshots: SnapshotStore | None = None,
    cache: StateCache[Loaded[Account]] | None = None,
    max_attempts: int = 5,
) -> AccountRepository:
    return Repository(
        store=store,
        registry=registry,
        decider=decider,
        snapshots=snapshots,
        codec=AccountCodec(),
        cache=cache,
        max_attempts=max_attempts,
    )
