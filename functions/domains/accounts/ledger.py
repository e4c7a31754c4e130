"""The ledger's use cases: opening, depositing, withdrawing, closing, and reading accounts, each
for one caller and only as far as that caller may go (`access`). Transfers between accounts are
the transfers domain's.

Idempotency, command metadata and If-Match are the platform's (`CommandRunner`); history paging
too. This service speaks in plain values (ids, amounts, JSON-ready dicts) and knows nothing of
HTTP; the routes translate requests into calls here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from application.callers import Caller
from application.commands import CommandRunner
from application.history import (
    HistoryPage,
    history,
    plain_personal_values,
    revealed,
    seen_by,
)
from application.requests import Outcome, Request
from domains.accounts import access
from domains.accounts.commands import (
    AccountCommand,
    CloseAccount,
    Deposit,
    ErasePersonalData,
    OpenAccount,
    Withdraw,
)
from domains.accounts.decider import decide, stream_id
from domains.accounts.errors import AccountNotFound
from domains.accounts.events import registry
from domains.accounts.views import ACCOUNTS, OWNER, OWNER_INDEX, AccountView
from eventcore.aggregates import Aggregates, AnyLoaded
from eventcore.commits import format_time
from eventcore.errors import Forbidden
from eventcore.events import Event
from eventcore.personal import is_sealed
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
        self.personal = platform.personal

    # ---- commands ------------------------------------------------------------------------

    def open_account(
        self, owner: str, currency: str, request: Request, owner_principal: str | None = None
    ) -> Outcome:
        principal = access.owner_for(request.caller, owner_principal)
        if principal is None:
            raise Forbidden("you may not open an account for another principal")
        # The account is the data subject: its holder's name is sealed under its own key.
        account_id = self.new_id()
        sealed = self.personal.seal(account_id, OWNER, owner)
        command = OpenAccount(sealed, currency, principal)
        return self._single(account_id, command, request, with_balance=False)

    def erase(self, account_id: str, reason: str, request: Request) -> Outcome:
        """Erase the holder's personal data: record the erasure (who, when, why), then destroy
        the account's key, so that every sealed copy of the name, in events, snapshots, read
        models and integration events, reveals nothing. Balances and history stay. The answer
        is 201 only once the key is gone; a refusal destroys nothing."""
        if not access.may_erase(request.caller):
            raise Forbidden("only operators erase personal data")
        outcome = self._single(
            account_id, ErasePersonalData(reason), request, with_balance=False, guarded=False
        )
        # On a replay too: a first try that recorded the erasure and then failed to destroy
        # the key is completed by its retry (destroying a key twice is harmless).
        self.personal.forget(account_id)
        return outcome

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
        guarded: bool = True,
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
            if isinstance(command, Deposit | ErasePersonalData):
                return  # the role was checked already: operators act on any account
            if not access.may_move(caller, current.state.owner_principal):
                raise _missing(account_id)

        def one_side(states: tuple[AnyLoaded, ...]) -> Sequence[Sequence[Event]]:
            return [decide(command, states[0].state)]

        def respond(after: tuple[AnyLoaded, ...]) -> Outcome:
            body: dict[str, Any] = {"account_id": account_id, "version": after[0].version}
            if isinstance(command, ErasePersonalData):
                body["erased"] = True
            if with_balance:
                body["balance"] = after[0].state.balance
            return Outcome(201, body, after[0].version)

        # An account that does not exist, or that the caller may not see, is a 404 whatever
        # version the client expected.
        return self.commands.run(
            request,
            [stream],
            one_side,
            respond,
            authorize=authorize,
            if_match=stream if guarded else None,
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
        return self._shown(view)

    def accounts(self, limit: int, cursor: str | None, caller: Caller) -> ViewPage[AccountView]:
        """Every account for operators and auditors; a customer's own, from the owner index."""
        if caller.sees_everything:
            page = self.views.page(limit, cursor)
        else:
            page = self.views.page(limit, cursor, where=(OWNER_INDEX, caller.principal))
        owners = self.personal.reveal_many([view.owner for view in page.views], OWNER)
        shown = [replace(view, owner=owner) for view, owner in zip(page.views, owners, strict=True)]
        return ViewPage(shown, page.next_cursor)

    def _shown(self, view: AccountView) -> AccountView:
        """The view as a reader who may see it is answered: the owner's name revealed."""
        return replace(view, owner=self.personal.reveal(view.owner, OWNER))

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
        view = self._shown(AccountView.of(account_id, loaded.state, loaded.version))
        if (
            view.owner is not None
            and not is_sealed(loaded.state.owner)
            and self._erased(account_id)
        ):
            view = replace(view, owner=None)  # stored before names were sealed, since erased
        return view

    def _erased(self, account_id: str) -> bool:
        """Whether the account's erasure is recorded (read afresh: this decides what shows)."""
        return bool(self.aggregates.load_fresh(stream_id(account_id)).state.owner is None)

    def history(self, account_id: str, caller: Caller, after: int, limit: int) -> HistoryPage:
        """Events after version `after`, as stored (original schema version, hash-covered);
        for a customer, other principals' commands without who sent them or their keys."""
        self._visible(account_id, caller)
        page = history(self.aggregates.store, stream_id(account_id), after, limit)
        if page is None:
            raise _missing(account_id)
        # A name stored before names were sealed has no key to destroy: it is hidden instead,
        # once the account's erasure is recorded.
        personal_fields = registry.personal_fields
        legacy_erased = plain_personal_values(page, personal_fields) and self._erased(account_id)
        page = revealed(page, self.personal, personal_fields if legacy_erased else None)
        return page if caller.sees_everything else seen_by(page, caller)

    def _visible(self, account_id: str, caller: Caller) -> None:
        """Refuse an account the caller may not see (or that does not exist), as not found."""
        if caller.sees_everything:
            return
        loaded = self.aggregates.load(stream_id(account_id))
        if not loaded.exists or not access.may_see(caller, loaded.state.owner_principal):
            raise _missing(account_id)
