"""The ledger's use cases: opening, depositing, withdrawing, closing, and reading accounts, each
for one caller and only as far as that caller may go (`access`). Transfers between accounts are
the transfers domain's.

Idempotency, command metadata and If-Match are the platform's (`CommandRunner`); history paging
too. This service speaks in plain values (ids, amounts, JSON-ready dicts) and knows nothing of
HTTP; the routes translate requests into calls here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from application.callers import Caller
from application.commands import CommandRunner
from application.history import HistoryPage, history, seen_by
from application.requests import Outcome, Request
from domains.accounts import access
from domains.accounts.commands import (
    AccountCommand,
    CloseAccount,
    Deposit,
    OpenAccount,
    Withdraw,
)
from domains.accounts.decider import decide, stream_id
from domains.accounts.errors import AccountNotFound
from domains.accounts.views import ACCOUNTS, OWNER_INDEX, AccountView
from eventcore.aggregates import Aggregates, AnyLoaded
from eventcore.commits import format_time
from eventcore.errors import Forbidden
from eventcore.events import Event
from eventcore.read_models import ViewPage, ViewReader
from hosting.platform import Platform


def _missing(account_id: str) -> AccountNotFound:
    # The same words whether the account is missing or the caller may not see it.
    return AccountNotFound(f"account {account_id} does not exist")


class Ledger:
    def __init__(self, platform: Platform) -> None:
        self.commands: CommandRunner = platform.commands
        self.aggregates: Aggregates = platform.aggregates
        self.views = cast(ViewReader[AccountView], platform.views(ACCOUNTS.name))
        self.new_id = platform.new_id

    # ---- commands ------------------------------------------------------------------------

    def open_account(
        self, owner: str, currency: str, request: Request, owner_principal: str | None = None
    ) -> Outcome:
        principal = access.owner_for(request.caller, owner_principal)
        if principal is None:
            raise Forbidden("you may not open an account for another principal")
        command = OpenAccount(owner, currency, principal)
        return self._single(self.new_id(), command, request, with_balance=False)

    def deposit(self, account_id: str, amount: int, request: Request) -> Outcome:
        if not access.may_credit(request.caller):
            raise Forbidden("only operators deposit")
        return self._single(account_id, Deposit(amount), request)

    def withdraw(self, account_id: str, amount: int, request: Request) -> Outcome:
        return self._single(account_id, Withdraw(amount), request)

    def close(self, account_id: str, request: Request) -> Outcome:
        return self._single(account_id, CloseAccount(), request, with_balance=False)

    def _single(
        self,
        account_id: str,
        command: AccountCommand,
        request: Request,
        *,
        with_balance: bool = True,
    ) -> Outcome:
        stream = stream_id(account_id)
        caller = request.caller

        def authorize(states: tuple[AnyLoaded, ...]) -> None:
            current = states[0]
            if isinstance(command, OpenAccount):
                return  # decide opens it, or says it exists already
            # A missing account reads exactly as one the caller may not see.
            if not current.exists:
                raise _missing(account_id)
            if isinstance(command, Deposit):
                return  # the role was checked already: operators credit any account
            if not access.may_move(caller, current.state.owner_principal):
                raise _missing(account_id)

        def one_side(states: tuple[AnyLoaded, ...]) -> Sequence[Sequence[Event]]:
            return [decide(command, states[0].state)]

        def respond(after: tuple[AnyLoaded, ...]) -> Outcome:
            body: dict[str, Any] = {"account_id": account_id, "version": after[0].version}
            if with_balance:
                body["balance"] = after[0].state.balance
            return Outcome(201, body, after[0].version)

        # An account that does not exist, or that the caller may not see, is a 404 whatever
        # version the client expected.
        return self.commands.run(
            request, [stream], one_side, respond, authorize=authorize, if_match=stream
        )

    # ---- queries -------------------------------------------------------------------------

    def account(self, account_id: str, caller: Caller, *, strong: bool = False) -> AccountView:
        if strong:
            loaded = self.aggregates.load_fresh(stream_id(account_id))
            view = (
                AccountView.of(account_id, loaded.state, loaded.version) if loaded.exists else None
            )
        else:
            view = self.views.get(account_id)
        if view is None or not access.may_see(caller, view.owner_principal):
            raise _missing(account_id)
        return view

    def accounts(self, limit: int, cursor: str | None, caller: Caller) -> ViewPage[AccountView]:
        """Every account for operators and auditors; a customer's own, from the owner index."""
        if caller.sees_everything:
            return self.views.page(limit, cursor)
        return self.views.page(limit, cursor, where=(OWNER_INDEX, caller.principal))

    def state_at(
        self,
        account_id: str,
        caller: Caller,
        *,
        version: int | None = None,
        at: datetime | None = None,
    ) -> AccountView:
        self._visible(account_id, caller)
        stream = stream_id(account_id)
        loaded = self.aggregates.repository(stream).load_at(
            stream, version=version, at=format_time(at) if at is not None else None
        )
        if loaded is None:
            raise AccountNotFound(f"account {account_id} did not exist at that point")
        return AccountView.of(account_id, loaded.state, loaded.version)

    def history(self, account_id: str, caller: Caller, after: int, limit: int) -> HistoryPage:
        """Events after version `after`, as stored (original schema version, hash-covered);
        for a customer, other principals' commands without who sent them or their keys."""
        self._visible(account_id, caller)
        page = history(self.aggregates.store, stream_id(account_id), after, limit)
        if page is None:
            raise _missing(account_id)
        return page if caller.sees_everything else seen_by(page, caller)

    def _visible(self, account_id: str, caller: Caller) -> None:
        """Refuse an account the caller may not see (or that does not exist), as not found."""
        if caller.sees_everything:
            return
        loaded = self.aggregates.load(stream_id(account_id))
        if not loaded.exists or not access.may_see(caller, loaded.state.owner_principal):
            raise _missing(account_id)
