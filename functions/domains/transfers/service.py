"""The transfers' use cases: create (immediate or pending), post, void, expire, and read, each
for one caller and only as far as that caller may go (`access`). Every command writes the
transfer's stream and both accounts' streams in one transaction."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from application.callers import SYSTEM, Caller
from application.commands import CommandRunner
from application.history import HistoryPage, history, seen_by
from application.requests import Clock, Outcome, Request
from domains.accounts import access as accounts_access
from domains.accounts.decider import stream_id as account_stream
from domains.accounts.errors import AccountNotFound
from domains.transfers import access
from domains.transfers.commands import (
    CreateTransfer,
    ExpireTransfer,
    PostTransfer,
    TransferCommand,
    VoidTransfer,
)
from domains.transfers.decider import decide, stream_id
from domains.transfers.errors import TransferNotDue, TransferNotFound, TransferNotPending
from domains.transfers.state import Transfer
from domains.transfers.views import PENDING_INDEX, PENDING_SHARDS, TRANSFERS, TransferView
from eventcore.aggregates import Aggregates, AnyLoaded
from eventcore.commits import format_time
from eventcore.errors import Forbidden
from eventcore.events import Event
from eventcore.read_models import ViewReader
from hosting.platform import Platform

# Pending transfers the sweep reads from one shard of the index at a time.
SWEEP_PAGE = 100


@dataclass
class Sweep:
    """What one expiry sweep did: transfers expired, those it could not expire (and why), and
    whether it stopped for lack of time with due transfers left for the next run."""

    expired: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    unfinished: bool = False


def _missing(transfer_id: str) -> TransferNotFound:
    return TransferNotFound(f"transfer {transfer_id} does not exist")


class Transfers:
    def __init__(self, platform: Platform) -> None:
        self.commands: CommandRunner = platform.commands
        self.aggregates: Aggregates = platform.aggregates
        self.views = cast(ViewReader[TransferView], platform.views(TRANSFERS.name))
        self.clock: Clock = platform.clock
        self.new_id: Callable[[], str] = platform.new_id

    # ---- commands ------------------------------------------------------------------------

    def create(
        self,
        source: str,
        target: str,
        amount: int,
        request: Request,
        *,
        timeout_seconds: int | None = None,
    ) -> Outcome:
        """An immediate transfer, or with `timeout_seconds` a pending one that holds `amount`
        on both accounts until it is posted, voided or expired."""
        transfer_id, now = self.new_id(), self.clock()
        deadline = None
        if timeout_seconds is not None:
            deadline = format_time(now + timedelta(seconds=timeout_seconds))
        command = CreateTransfer(
            transfer_id, source, target, amount, format_time(now), expires_at=deadline
        )
        caller = request.caller

        def authorize(states: tuple[AnyLoaded, ...]) -> None:
            # The sender must be the caller's to move; a missing one reads as one it may not.
            _, sender, receiver = states
            if not sender.exists or not access.may_create(caller, _owner(sender)):
                raise _account_missing(source)
            # Anyone may pay into an open account, so that much shows; whether an account the
            # caller may not see is closed or was never opened does not.
            if not _sees(caller, receiver) and (
                not receiver.exists or receiver.state.status == "closed"
            ):
                raise _account_missing(target)

        def respond(after: tuple[AnyLoaded, ...]) -> Outcome:
            transfer = cast(Transfer, after[0].state)
            body: dict[str, Any] = {"transfer_id": transfer_id, "status": transfer.status}
            if transfer.status == "pending":
                body |= {"amount": transfer.amount, "expires_at": transfer.expires_at}
            return Outcome(201, body | _versions(caller, after), after[0].version)

        streams = [stream_id(transfer_id), account_stream(source), account_stream(target)]
        return self.commands.run(
            request,
            streams,
            self._deciding(command),
            respond,
            authorize=authorize,
            new=streams[:1],
        )

    def post(self, transfer_id: str, amount: int | None, request: Request) -> Outcome:
        """Move `amount` (default: all) of a pending transfer; release the rest."""
        command = PostTransfer(transfer_id, format_time(self.clock()), amount)

        def may(caller: Caller, states: tuple[AnyLoaded, ...]) -> bool:
            return access.may_post(caller, _owner(states[2]))

        def answer(transfer: Transfer) -> dict[str, Any]:
            return {"status": "posted", "posted_amount": transfer.posted_amount}

        return self._settle(transfer_id, command, request, may, answer)

    def void(self, transfer_id: str, request: Request) -> Outcome:
        """Release a pending transfer's hold, moving nothing."""
        command = VoidTransfer(transfer_id, format_time(self.clock()))

        def may(caller: Caller, states: tuple[AnyLoaded, ...]) -> bool:
            return access.may_void(caller, _owner(states[1]), _owner(states[2]))

        return self._settle(transfer_id, command, request, may, lambda _: {"status": "voided"})

    def expire(self, transfer_id: str) -> Outcome:
        """Expire a pending transfer past its deadline, as the system (once per transfer: a
        second sweep finds the first one's receipt, or a transfer no longer pending)."""
        command = ExpireTransfer(transfer_id, format_time(self.clock()))
        key = f"expire-{transfer_id}"
        request = Request(key, key, SYSTEM, correlation_id=key)
        return self._settle(
            transfer_id, command, request, lambda *_: True, lambda _: {"status": "expired"}
        )

    def expire_due(self, time_left: Callable[[], float] = lambda: math.inf) -> Sweep:
        """Expire every pending transfer whose deadline has passed, read from the index of
        pending transfers by deadline (so only due ones are read), a page of each shard in
        turn; one that cannot be expired is noted and the sweep goes on. Stops starting
        expiries when `time_left()` (seconds) is below 1."""
        due_by = format_time(self.clock())
        sweep = Sweep()
        cursors: dict[str, str | None] = {str(shard): None for shard in range(PENDING_SHARDS)}
        while cursors:
            for shard, cursor in list(cursors.items()):
                where = (PENDING_INDEX.attribute, shard)
                page = self.views.page(SWEEP_PAGE, cursor, where=where, up_to=due_by)
                for view in page.views:
                    if time_left() < 1:
                        sweep.unfinished = True
                        return sweep
                    self._expire_one(view.transfer_id, sweep)
                if page.next_cursor is None:
                    del cursors[shard]
                else:
                    cursors[shard] = page.next_cursor
        return sweep

    def _expire_one(self, transfer_id: str, sweep: Sweep) -> None:
        try:
            outcome = self.expire(transfer_id)
        except (TransferNotPending, TransferNotDue):
            return  # posted or voided first, or the view ahead of the stream
        except Exception as failure:  # whatever one transfer's write raises, the rest go on
            sweep.failed[transfer_id] = f"{type(failure).__name__}: {failure}"
            return
        if not outcome.replayed:  # an earlier sweep expired it; its view is not projected yet
            sweep.expired += 1

    def _settle(
        self,
        transfer_id: str,
        command: TransferCommand,
        request: Request,
        may: Callable[[Caller, tuple[AnyLoaded, ...]], bool],
        answer: Callable[[Transfer], dict[str, Any]],
    ) -> Outcome:
        # The transfer names its accounts: read it first (warm, from the cache), then decide
        # over all three streams.
        stream = stream_id(transfer_id)
        found = self.aggregates.load(stream)
        if not found.exists:
            raise _missing(transfer_id)
        transfer = cast(Transfer, found.state)
        caller = request.caller

        def authorize(states: tuple[AnyLoaded, ...]) -> None:
            if not may(caller, states):
                if _sees_transfer(caller, states):
                    raise Forbidden("you may not do this to this transfer")
                raise _missing(transfer_id)

        def respond(after: tuple[AnyLoaded, ...]) -> Outcome:
            settled = cast(Transfer, after[0].state)
            body = {"transfer_id": transfer_id, **answer(settled), **_versions(caller, after)}
            return Outcome(201, body, after[0].version)

        streams = [
            stream,
            account_stream(transfer.from_account),
            account_stream(transfer.to_account),
        ]
        return self.commands.run(
            request, streams, self._deciding(command), respond, authorize=authorize, if_match=stream
        )

    @staticmethod
    def _deciding(
        command: TransferCommand,
    ) -> Callable[[tuple[AnyLoaded, ...]], Sequence[Sequence[Event]]]:
        def three_streams(states: tuple[AnyLoaded, ...]) -> Sequence[Sequence[Event]]:
            transfer, source, target = (s.state for s in states)
            return decide(command, transfer, source, target)

        return three_streams

    # ---- queries -------------------------------------------------------------------------

    def transfer(self, transfer_id: str, caller: Caller, *, strong: bool = False) -> TransferView:
        if strong:
            loaded = self.aggregates.load_fresh(stream_id(transfer_id))
            view = _view_of(transfer_id, loaded) if loaded.exists else None
        else:
            view = self.views.get(transfer_id)
        if view is None or not self._may_see(caller, view.from_account, view.to_account):
            raise _missing(transfer_id)
        return view

    def history(self, transfer_id: str, caller: Caller, after: int, limit: int) -> HistoryPage:
        if not caller.sees_everything:
            loaded = self.aggregates.load(stream_id(transfer_id))
            state = cast(Transfer, loaded.state)
            if not loaded.exists or not self._may_see(caller, state.from_account, state.to_account):
                raise _missing(transfer_id)
        page = history(self.aggregates.store, stream_id(transfer_id), after, limit)
        if page is None:
            raise _missing(transfer_id)
        return page if caller.sees_everything else seen_by(page, caller)

    def _may_see(self, caller: Caller, source: str, target: str) -> bool:
        if caller.sees_everything:
            return True
        owners = [_owner(self.aggregates.load(account_stream(a))) for a in (source, target)]
        return access.may_see(caller, *owners)


def _owner(loaded: AnyLoaded) -> str | None:
    return cast(str | None, loaded.state.owner_principal) if loaded.exists else None


def _sees(caller: Caller, loaded: AnyLoaded) -> bool:
    return loaded.exists and accounts_access.may_see(caller, _owner(loaded))


def _sees_transfer(caller: Caller, states: tuple[AnyLoaded, ...]) -> bool:
    return access.may_see(caller, _owner(states[1]), _owner(states[2]))


def _versions(caller: Caller, after: tuple[AnyLoaded, ...]) -> dict[str, int | None]:
    """Each account's version, for a caller who may see that account (a payer does not learn
    how busy the payee's account is, nor the payee the payer's)."""
    return {
        "from_version": after[1].version if _sees(caller, after[1]) else None,
        "to_version": after[2].version if _sees(caller, after[2]) else None,
    }


def _account_missing(account_id: str) -> AccountNotFound:
    return AccountNotFound(f"account {account_id} does not exist")


def _view_of(transfer_id: str, loaded: AnyLoaded) -> TransferView:
    state = cast(Transfer, loaded.state)
    return TransferView(
        transfer_id,
        state.from_account,
        state.to_account,
        state.amount,
        state.posted_amount,
        state.status,
        state.created_at,
        state.expires_at,
        loaded.version,
    )
