"""Account commands (imperative). They carry everything a decision needs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OpenAccount:
    owner: str
    currency: str
    owner_principal: str | None = None


@dataclass(frozen=True, slots=True)
class Deposit:
    amount: int


@dataclass(frozen=True, slots=True)
class Withdraw:
    amount: int


@dataclass(frozen=True, slots=True)
class CloseAccount:
    pass


@dataclass(frozen=True, slots=True)
class Transfer:
    transfer_id: str
    from_account: str
    to_account: str
    amount: int


@dataclass(frozen=True, slots=True)
class ErasePersonalData:
    reason: str


@dataclass(frozen=True, slots=True)
class Hold:
    """Reserve `amount` on both accounts for the pending transfer `transfer_id`."""

    transfer_id: str
    from_account: str
    to_account: str
    amount: int


AccountCommand = OpenAccount | Deposit | Withdraw | CloseAccount | ErasePersonalData
