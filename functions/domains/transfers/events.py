"""Transfer events (past tense). The accounts' side of each (holds, releases, the money moved)
is in the same commit's account events."""

from __future__ import annotations

from typing import Literal

from domains.accounts.events import Amount, Currency
from eventcore.events import Event, EventRegistry

registry = EventRegistry()


@registry.register
class TransferCreated(Event):
    """A transfer was asked for: pending (funds reserved until `expires_at`), or immediate (a
    `TransferPosted` for the whole amount follows in the same commit)."""

    type: Literal["TransferCreated"] = "TransferCreated"
    schema_version: Literal[1] = 1
    from_account: str
    to_account: str
    amount: Amount
    currency: Currency
    pending: bool
    created_at: str
    expires_at: str | None = None


@registry.register
class TransferPosted(Event):
    """`amount` moved (all of the transfer, or part of a pending one); the rest released."""

    type: Literal["TransferPosted"] = "TransferPosted"
    schema_version: Literal[1] = 1
    amount: Amount


@registry.register
class TransferVoided(Event):
    type: Literal["TransferVoided"] = "TransferVoided"
    schema_version: Literal[1] = 1


@registry.register
class TransferExpired(Event):
    """The deadline passed with the transfer still pending; recorded by the system."""

    type: Literal["TransferExpired"] = "TransferExpired"
    schema_version: Literal[1] = 1


TransferEvent = TransferCreated | TransferPosted | TransferVoided | TransferExpired
