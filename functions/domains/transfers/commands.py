"""Transfer commands. Times are the service's clock, formatted as commits record them (they
sort as they read), so the rules stay pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CreateTransfer:
    transfer_id: str
    from_account: str
    to_account: str
    amount: int
    created_at: str
    expires_at: str | None = None  # None: immediate

    @property
    def pending(self) -> bool:
        return self.expires_at is not None


@dataclass(frozen=True, slots=True)
class PostTransfer:
    transfer_id: str
    now: str
    amount: int | None = None  # None: the whole pending amount


@dataclass(frozen=True, slots=True)
class VoidTransfer:
    transfer_id: str
    now: str


@dataclass(frozen=True, slots=True)
class ExpireTransfer:
    transfer_id: str
    now: str


TransferCommand = CreateTransfer | PostTransfer | VoidTransfer | ExpireTransfer
