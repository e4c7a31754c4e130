"""The state of one account, as folded from its events, and how it is kept in snapshots."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

Status = Literal["unknown", "open", "closed"]


class Account(NamedTuple):
    """An account's state. A named tuple, immutable like the frozen dataclass it once was: a
    replay builds one per event, and a tuple is built in a third of the time."""

    status: Status = "unknown"
    # A sealed token (or, opened before names were sealed, the name); None once erased.
    owner: str | None = ""
    currency: str = ""
    balance: int = 0
    owner_principal: str | None = None
    # Reserved by pending transfers: out of this account, and into it.
    pending_debits: int = 0
    pending_credits: int = 0

    @property
    def available(self) -> int:
        """What may be spent: the posted balance less what pending transfers hold."""
        return self.balance - self.pending_debits


class AccountCodec:
    """Snapshot form of `Account`. Bump `schema_version` when `Account`'s fields change."""

    # 2: owner_principal; 3: pending_debits and pending_credits (older snapshots are ignored:
    # their states are folded again).
    schema_version = 3

    def dump(self, state: Account) -> dict[str, Any]:
        return state._asdict()

    def load(self, data: dict[str, Any]) -> Account:
        return Account(**data)
