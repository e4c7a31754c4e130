"""The ledger's use cases: opening, moving money, closing, and reading accounts.

Idempotency, command metadata and If-Match are the platform's (`CommandRunner`); history paging
too. This service speaks in plain values (ids, amounts, JSON-ready dicts) and knows nothing of
HTTP; the routes translate requests into calls here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from application.commands import CommandRunner
from application.history import HistoryPage, history
from application.requests import Outcome, Request
from domains.accounts.commands import (
    AccountCommand,
    CloseAccount,
    Deposit,
    OpenAccount,
    Transfer,
    Withdraw,
)
from domains.accounts.decider import decide, decide_transfer, stream_id
from domains.accounts.errors import AccountNotFound
from domains.accounts.views import ACCOUNTS, AccountView
from eventcore.aggregates import Aggregates, AnyLoaded
from eventcore.commits import format_time
from eventcore.events import Event
from eventcore.read_models import ViewPage, ViewReader
from hosting.platform import Platform


class Ledger:
    def __init__(self, platform: Platform) -> None:
        self.commands: CommandRunner = platform.commands
        self.aggregates: Aggregates = platform.aggregates
        self.views = cast(ViewReader[AccountView], platform.views(ACCOUNTS.name))
        self.new_id = platform.new_id

    # ---- commands ------------------------------------------------------------------------

    def open_account(self, owner: str, currency: str, request: Request) -> Outcome:
        account_id = self.new_id()
        return self._single(account_id, OpenAccount(owner, currency), request, with_balance=False)

    def deposit(self, account_id: str, amount: int, request: Request) -> Outcome:
        return self._single(account_id, Deposit(amount), request)

    def withdraw(self, account_id: str, amount: int, request: Request) -> Outcome:
        return self._single(account_id, Withdraw(amount), request)

    def close(self, account_id: str, request: Request) -> Outcome:
        return self._single(account_id, CloseAccount(), request, with_balance=False)

    def transfer(self, source: str, target: str, amount: int, request: Request) -> Outcome:
        command = Transfer(self.new_id(), source, target, amount)

        def both_sides(states: tuple[AnyLoaded, ...]) -> Sequence[Sequence[Event]]:
            return decide_transfer(command, states[0].state, states[1].state)

        def respond(after: tuple[AnyLoaded, ...]) -> Outcome:
            body = {
                "transfer_id": command.transfer_id,
                "from_version": after[0].version,
                "to_version": after[1].version,
            }
            return Outcome(201, body)

        streams = [stream_id(source), stream_id(target)]
        return self.commands.run(request, streams, both_sides, respond)

    def _single(
        self,
        account_id: str,
        command: AccountCommand,
        request: Request,
        *,
        with_balance: bool = True,
    ) -> Outcome:
        stream = stream_id(account_id)

        def one_side(states: tuple[AnyLoaded, ...]) -> Sequence[Sequence[Event]]:
            return [decide(command, states[0].state)]

        def respond(after: tuple[AnyLoaded, ...]) -> Outcome:
            body: dict[str, Any] = {"account_id": account_id, "version": after[0].version}
            if with_balance:
                body["balance"] = after[0].state.balance
            return Outcome(201, body, after[0].version)

        # An account that does not exist is a 404 whatever version the client expected.
        return self.commands.run(request, [stream], one_side, respond, if_match=stream)

    # ---- queries -------------------------------------------------------------------------

    def account(self, account_id: str, *, strong: bool = False) -> AccountView:
        if strong:
            loaded = self.aggregates.load_fresh(stream_id(account_id))
            view = (
                AccountView.of(account_id, loaded.state, loaded.version) if loaded.exists else None
            )
        else:
            view = self.views.get(account_id)
        if view is None:
            raise AccountNotFound(f"account {account_id} does not exist")
        return view

    def accounts(self, limit: int, cursor: str | None) -> ViewPage[AccountView]:
        return self.views.page(limit, cursor)

    def state_at(
        self, account_id: str, *, version: int | None = None, at: datetime | None = None
    ) -> AccountView:
        stream = stream_id(account_id)
        loaded = self.aggregates.repository(stream).load_at(
            stream, version=version, at=format_time(at) if at is not None else None
        )
        if loaded is None:
            raise AccountNotFound(f"account {account_id} did not exist at that point")
        return AccountView.of(account_id, loaded.state, loaded.version)

    def history(self, account_id: str, after: int, limit: int) -> HistoryPage:
        """Events after version `after`, as stored (original schema version, hash-covered)."""
        page = history(self.aggregates.store, stream_id(account_id), after, limit)
        if page is None:
            raise AccountNotFound(f"account {account_id} does not exist")
        return page
