"""The application service: every use case of the ledger, with idempotency and If-Match.

It speaks in plain values (ids, amounts, JSON-ready dicts) and knows nothing of HTTP; the
handlers translate requests into calls here and errors into status codes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain, islice
from typing import Any

from accounts.commands import AccountCommand, CloseAccount, Deposit, OpenAccount, Transfer, Withdraw
from accounts.decider import decide, decide_transfer, stream_id
from accounts.errors import AccountNotFound
from accounts.repository import AccountRepository
from accounts.state import Account
from accounts.views import AccountView, AccountViews, Page
from eventcore.commits import Commit, CommitMeta, Receipt, format_time
from eventcore.errors import DomainError, IdempotencyKeyReused, VersionMismatch
from eventcore.repository import Loaded
from eventcore.store import DuplicateRequest

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Request:
    """What a command needs to know about the request that carried it."""

    idempotency_key: str
    fingerprint: str
    actor: str = "anonymous"
    correlation_id: str = ""
    if_match: int | None = None

    @property
    def receipt_key(self) -> str:
        # Keys are scoped to their caller: one client can neither collide with nor read another's.
        return f"{self.actor}\n{self.idempotency_key}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A command's answer. `replayed` is true when it is the stored answer to an earlier try."""

    status: int
    body: dict[str, Any]
    version: int | None = None
    replayed: bool = field(default=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "body": self.body, "version": self.version}


@dataclass(frozen=True, slots=True)
class HistoryPage:
    events: list[dict[str, Any]]
    next_after: int | None


class Ledger:
    def __init__(
        self,
        repository: AccountRepository,
        views: AccountViews | None,
        clock: Clock,
        receipt_ttl: timedelta = timedelta(hours=24),
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.repository = repository
        self.views = views
        self.clock = clock
        self.receipt_ttl = receipt_ttl
        self.new_id = new_id

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

        def respond(after: tuple[Loaded[Account], ...]) -> Outcome:
            body = {
                "transfer_id": command.transfer_id,
                "from_version": after[0].version,
                "to_version": after[1].version,
            }
            return Outcome(201, body)

        return self._idempotent(
            request,
            lambda receipt: self.repository.execute(
                [stream_id(source), stream_id(target)],
                lambda s: decide_transfer(command, s[0].state, s[1].state),
                self._meta(request),
                receipt,
            ),
            respond,
        )

    def _single(
        self,
        account_id: str,
        command: AccountCommand,
        request: Request,
        *,
        with_balance: bool = True,
    ) -> Outcome:
        stream = stream_id(account_id)

        def decide_checked(states: tuple[Loaded[Account], ...]) -> list[list[Any]]:
            (current,) = states
            # An account that does not exist is a 404 whatever version the client expected.
            stale = current.exists and request.if_match not in (None, current.version)
            if stale:
                raise VersionMismatch(
                    f"account is at version {current.version}, not {request.if_match}"
                )
            return [list(decide(command, current.state))]

        def respond(after: tuple[Loaded[Account], ...]) -> Outcome:
            body: dict[str, Any] = {"account_id": account_id, "version": after[0].version}
            if with_balance:
                body["balance"] = after[0].state.balance
            return Outcome(201, body, after[0].version)

        def execute(receipt: Callable[[tuple[Loaded[Account], ...]], Receipt]) -> Any:
            # A mismatch found on a cached state is judged again on fresh state by the
            # repository, as every refusal is.
            meta = self._meta(request)
            return self.repository.execute([stream], decide_checked, meta, receipt)

        return self._idempotent(request, execute, respond)

    def _idempotent(
        self,
        request: Request,
        execute: Callable[[Callable[[tuple[Loaded[Account], ...]], Receipt]], Any],
        respond: Callable[[tuple[Loaded[Account], ...]], Outcome],
    ) -> Outcome:
        """Run a command at most once per idempotency key.

        The receipt (key, request fingerprint, response) is written in the same atomic append as
        the events, so a retry finds either both or neither, even if the first try's process
        died between writing and answering.
        """
        expires_at = int((self.clock() + self.receipt_ttl).timestamp())
        outcome: list[Outcome] = []

        def receipt(after: tuple[Loaded[Account], ...]) -> Receipt:
            outcome[:] = [respond(after)]
            return Receipt(
                request.receipt_key, request.fingerprint, outcome[0].to_json(), expires_at
            )

        try:
            execute(receipt)
        except DuplicateRequest as duplicate:
            return self._replay(duplicate.receipt, request)
        except DomainError:
            # A retry of a command that already ran may now break a rule (the first withdrawal
            # emptied the account): answer with what the first try answered.
            earlier = self.repository.store.get_receipt(request.receipt_key)
            if earlier is not None:
                return self._replay(earlier, request)
            raise
        return outcome[0]

    @staticmethod
    def _replay(receipt: Receipt, request: Request) -> Outcome:
        if receipt.fingerprint != request.fingerprint:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used for a different request"
            )
        stored = receipt.response
        return Outcome(int(stored["status"]), dict(stored["body"]), stored.get("version"), True)  # type: ignore[call-overload, arg-type]

    def _meta(self, request: Request) -> CommitMeta:
        return CommitMeta(
            command_id=request.idempotency_key,
            correlation_id=request.correlation_id,
            actor=request.actor,
            recorded_at=format_time(self.clock()),
        )

    # ---- queries -------------------------------------------------------------------------

    def account(self, account_id: str, *, strong: bool = False) -> AccountView:
        if strong or self.views is None:
            loaded = self.repository.load_fresh(stream_id(account_id))
            view = (
                AccountView.of(account_id, loaded.state, loaded.version) if loaded.exists else None
            )
        else:
            view = self.views.get(account_id)
        if view is None:
            raise AccountNotFound(f"account {account_id} does not exist")
        return view

    def accounts(self, limit: int, cursor: str | None) -> Page:
        if self.views is None:
            raise RuntimeError("this ledger has no read model")
        return self.views.page(limit, cursor)

    def state_at(
        self, account_id: str, *, version: int | None = None, at: datetime | None = None
    ) -> AccountView:
        loaded = self.repository.load_at(
            stream_id(account_id),
            version=version,
            at=format_time(at) if at is not None else None,
        )
        if loaded is None:
            raise AccountNotFound(f"account {account_id} did not exist at that point")
        return AccountView.of(account_id, loaded.state, loaded.version)

    def history(self, account_id: str, after: int, limit: int) -> HistoryPage:
        """Events after version `after`, as stored (original schema version, hash-covered)."""
        store, stream = self.repository.store, stream_id(account_id)
        first = store.commit_containing(stream, after + 1)
        if first is None:
            if after == 0 or store.commit_containing(stream, 1) is None:
                raise AccountNotFound(f"account {account_id} does not exist")
            return HistoryPage([], None)
        commits = chain([first], store.read(stream, after=first.version))
        wanted = list(islice(_events_after(commits, after), limit + 1))
        more = len(wanted) > limit
        events = wanted[:limit]
        return HistoryPage(events, events[-1]["version"] if more else None)


def _events_after(commits: Iterator[Commit], after: int) -> Iterator[dict[str, Any]]:
    for commit in commits:
        for offset, event in enumerate(commit.events):
            version = commit.version + offset
            if version > after:
                yield {
                    "version": version,
                    "type": event.type,
                    "schema_version": event.schema_version,
                    "data": dict(event.data),
                    "recorded_at": commit.meta.recorded_at,
                    "command_id": commit.meta.command_id,
                    "correlation_id": commit.meta.correlation_id,
                    "actor": commit.meta.actor,
                    "hash": commit.hash,
                }
