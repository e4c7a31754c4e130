"""The transfer rules. A transfer command is decided with both accounts' states and answers
the events of all three streams, written in one transaction: the transfer's, the source's and
the target's."""

from __future__ import annotations

from collections.abc import Sequence

from domains.accounts.commands import Hold
from domains.accounts.commands import Transfer as ImmediateTransfer
from domains.accounts.decider import decide_hold, decide_release, decide_transfer
from domains.accounts.events import AccountEvent
from domains.accounts.state import Account
from domains.transfers.commands import (
    CreateTransfer,
    ExpireTransfer,
    TransferCommand,
    VoidTransfer,
)
from domains.transfers.errors import (
    ExceedsPendingAmount,
    TransferExists,
    TransferNotDue,
    TransferNotFound,
    TransferNotPending,
)
from domains.transfers.events import (
    TransferCreated,
    TransferEvent,
    TransferExpired,
    TransferPosted,
    TransferVoided,
)
from domains.transfers.state import Transfer
from eventcore import categories
from eventcore.decider import Decider

CATEGORY = "Transfer"
DEFAULT_TIMEOUT_SECONDS = 86_400
MAX_TIMEOUT_SECONDS = 2_592_000  # 30 days

Decided = tuple[Sequence[TransferEvent], Sequence[AccountEvent], Sequence[AccountEvent]]


def decide(
    command: TransferCommand, transfer: Transfer, source: Account, target: Account
) -> Decided:
    """The events of the transfer, its source and its target (in that order)."""
    if isinstance(command, CreateTransfer):
        return _create(command, transfer, source, target)
    if transfer.status == "unknown":
        raise TransferNotFound(f"transfer {command.transfer_id} does not exist")
    if transfer.status != "pending":
        raise TransferNotPending(f"the transfer is {transfer.status}, not pending")
    deadline = transfer.expires_at
    assert deadline is not None  # every pending transfer has one
    if isinstance(command, ExpireTransfer):
        if command.now < deadline:
            raise TransferNotDue(f"the transfer expires at {deadline}")
        return [TransferExpired()], *_release(command.transfer_id, transfer)
    if command.now >= deadline:
        raise TransferNotPending(f"the transfer expired at {deadline}")
    if isinstance(command, VoidTransfer):
        return [TransferVoided()], *_release(command.transfer_id, transfer)
    posted = transfer.amount if command.amount is None else command.amount
    if posted > transfer.amount:
        raise ExceedsPendingAmount(f"{posted} is more than the {transfer.amount} pending")
    return [TransferPosted(amount=posted)], *_release(command.transfer_id, transfer, posted)


def _create(
    command: CreateTransfer, transfer: Transfer, source: Account, target: Account
) -> Decided:
    if transfer.status != "unknown":
        raise TransferExists("transfer already exists")
    ids = (command.transfer_id, command.from_account, command.to_account)
    if command.pending:
        out, into = decide_hold(Hold(*ids, command.amount), source, target)
        events: list[TransferEvent] = []
    else:
        out, into = decide_transfer(ImmediateTransfer(*ids, command.amount), source, target)
        events = [TransferPosted(amount=command.amount)]
    created = TransferCreated(
        from_account=command.from_account,
        to_account=command.to_account,
        amount=command.amount,
        currency=source.currency,
        pending=command.pending,
        created_at=command.created_at,
        expires_at=command.expires_at,
    )
    return [created, *events], out, into


def _release(
    transfer_id: str, transfer: Transfer, posted: int = 0
) -> tuple[Sequence[AccountEvent], Sequence[AccountEvent]]:
    return decide_release(
        transfer_id, transfer.from_account, transfer.to_account, transfer.amount, posted
    )


def evolve(transfer: Transfer, event: TransferEvent) -> Transfer:
    match event:
        case TransferCreated():
            return Transfer(
                "pending" if event.pending else "posted",
                event.from_account,
                event.to_account,
                event.amount,
                0,
                event.currency,
                event.created_at,
                event.expires_at,
            )
        case TransferPosted(amount=amount):
            return transfer._replace(status="posted", posted_amount=amount)
        case TransferVoided():
            return transfer._replace(status="voided")
        case TransferExpired():
            return transfer._replace(status="expired")
    raise TypeError(f"unknown event {event!r}")


def _alone(command: TransferCommand, transfer: Transfer) -> Sequence[TransferEvent]:
    raise TypeError("a transfer is decided with its accounts (decide), never alone")


decider: Decider[TransferCommand, Transfer, TransferEvent] = Decider(Transfer(), evolve, _alone)


def stream_id(transfer_id: str) -> str:
    return categories.stream_id(CATEGORY, transfer_id)


def transfer_id_of(stream: str) -> str:
    return categories.entity_id_of(stream)
