"""The accounts' HTTP routes: each one turns a request into a call on the ledger service and its
answer into a response. Parsing the command request, guards and error mapping are the kernel's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import AwareDatetime

from application.callers import Role
from domains.accounts.http_models import (
    ACCOUNT_ID_PATTERN,
    AccountBody,
    AccountsPage,
    AmountBody,
    Closed,
    Erased,
    ErasureBody,
    Moved,
    OpenAccountBody,
    Opened,
)
from domains.accounts.ledger import Ledger
from httpkernel.errors import HttpError
from httpkernel.models import EventsPage
from httpkernel.params import IdempotencyKey, IfMatch
from httpkernel.responses import (
    COMMAND_ERRORS,
    QUERY_ERRORS,
    json_response,
    outcome_response,
    responses,
)
from httpkernel.routing import DomainRouter

TAG = "accounts"  # the domain's name (domain.NAME): its OpenAPI tag
OPERATORS = (Role.OPERATOR,)
CUSTOMERS_AND_OPERATORS = (Role.CUSTOMER, Role.OPERATOR)
READERS = (Role.CUSTOMER, Role.OPERATOR, Role.AUDITOR)
AccountIdPath = Annotated[str, Path(pattern=ACCOUNT_ID_PATTERN, max_length=64)]
_KEYED = (
    " Send an `Idempotency-Key`: a retry with the same key and body answers what the first try"
    " answered (header `Idempotent-Replayed: true`) and changes nothing."
)
_GUARDED = " `If-Match` with the account's ETag refuses it (412) if the account has moved on."
_OWNED = " The account's owner or an operator; for anyone else the account does not exist (404)."
_SEEN = (
    " The account's owner, operators and auditors; for anyone else the account does not exist"
    " (404)."
)


def routes(ledger: Callable[[], Ledger]) -> DomainRouter:
    """The accounts' routes, calling the ledger service that `ledger` returns."""
    router = DomainRouter()
    for register in (_lifecycle, _money, _reads, _history):
        register(router, ledger)
    return router


def _lifecycle(router: DomainRouter, ledger: Callable[[], Ledger]) -> None:
    @router.command(
        "/accounts",
        operation_id="openAccount",
        roles=CUSTOMERS_AND_OPERATORS,
        summary="Open an account",
        description="Opens an account for `owner` in `currency`, with a balance of 0. A customer"
        " opens an account it owns; an operator one for itself or for `owner_principal`." + _KEYED,
        tags=[TAG],
        responses=responses(201, Opened, 400, 401, 403, 409, 413, 415, 422, 503),
        status_code=201,
    )
    def open_account(body: OpenAccountBody, idempotency_key: IdempotencyKey) -> Response[str]:
        request = router.command_request(body)
        outcome = ledger().open_account(body.owner, body.currency, request, body.owner_principal)
        return outcome_response(outcome)

    @router.command(
        "/accounts/<account_id>/close",
        roles=CUSTOMERS_AND_OPERATORS,
        operation_id="closeAccount",
        summary="Close an account",
        description="Closes an account whose balance is 0 (409 `balance_not_zero` otherwise);"
        " a closed account takes no more commands." + _OWNED + _KEYED + _GUARDED,
        tags=[TAG],
        responses=responses(201, Closed, *COMMAND_ERRORS),
        status_code=201,
    )
    def close(
        account_id: AccountIdPath, idempotency_key: IdempotencyKey, if_match: IfMatch = "*"
    ) -> Response[str]:
        request = router.command_request(None)
        return outcome_response(ledger().close(account_id, request))

    @router.command(
        "/accounts/<account_id>/erasure",
        roles=OPERATORS,
        operation_id="erasePersonalData",
        summary="Erase an account holder's personal data",
        description="Destroys the key the holder's name is sealed under, so that the name reads as"
        " null everywhere (the account, its history and state at any point, read models,"
        " snapshots, integration events already delivered), and records the erasure (who, when,"
        " `reason`). Balances, transfers and the hash chain are untouched; a repeat changes"
        " nothing. Operators only." + _KEYED,
        tags=[TAG],
        responses=responses(201, Erased, *COMMAND_ERRORS),
        status_code=201,
    )
    def erase(
        account_id: AccountIdPath, body: ErasureBody, idempotency_key: IdempotencyKey
    ) -> Response[str]:
        request = router.command_request(body)
        return outcome_response(ledger().erase(account_id, body.reason, request))


def _money(router: DomainRouter, ledger: Callable[[], Ledger]) -> None:
    @router.command(
        "/accounts/<account_id>/deposits",
        roles=OPERATORS,
        operation_id="deposit",
        summary="Deposit money",
        description="Credits `amount` minor units to an open account. Operators only."
        + _KEYED
        + _GUARDED,
        tags=[TAG],
        responses=responses(201, Moved, *COMMAND_ERRORS),
        status_code=201,
    )
    def deposit(
        account_id: AccountIdPath,
        body: AmountBody,
        idempotency_key: IdempotencyKey,
        if_match: IfMatch = "*",
    ) -> Response[str]:
        request = router.command_request(body)
        return outcome_response(ledger().deposit(account_id, body.amount, request))

    @router.command(
        "/accounts/<account_id>/withdrawals",
        roles=CUSTOMERS_AND_OPERATORS,
        operation_id="withdraw",
        summary="Withdraw money",
        description="Debits `amount` minor units from an open account that holds at least that"
        " much (409 `insufficient_funds` otherwise)." + _OWNED + _KEYED + _GUARDED,
        tags=[TAG],
        responses=responses(201, Moved, *COMMAND_ERRORS),
        status_code=201,
    )
    def withdraw(
        account_id: AccountIdPath,
        body: AmountBody,
        idempotency_key: IdempotencyKey,
        if_match: IfMatch = "*",
    ) -> Response[str]:
        request = router.command_request(body)
        return outcome_response(ledger().withdraw(account_id, body.amount, request))


def _reads(router: DomainRouter, ledger: Callable[[], Ledger]) -> None:
    @router.query(
        "/accounts/<account_id>",
        roles=READERS,
        operation_id="getAccount",
        summary="Get an account",
        description="The account from the read model (a second or so behind the latest"
        " command); `consistency=strong` folds it from the event table instead. The ETag is its"
        " version." + _SEEN,
        tags=[TAG],
        responses=responses(200, AccountBody, *QUERY_ERRORS),
    )
    def get_account(
        account_id: AccountIdPath,
        consistency: Annotated[Literal["eventual", "strong"], Query()] = "eventual",
    ) -> Response[str]:
        view = ledger().account(account_id, router.caller(), strong=consistency == "strong")
        return json_response(200, view.to_json(), view.version)

    @router.query(
        "/accounts",
        roles=READERS,
        operation_id="listAccounts",
        summary="List accounts",
        description="Accounts from the read model, a page at a time: pass `next_cursor` back as"
        " `cursor` for the next page. Operators and auditors see every account; a customer its"
        " own (read from an index by owner, never a scan).",
        tags=[TAG],
        responses=responses(200, AccountsPage, 401, 403, 422, 503),
    )
    def list_accounts(
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: Annotated[str | None, Query(max_length=512)] = None,
    ) -> Response[str]:
        try:
            page = ledger().accounts(limit, cursor, router.caller())
        except ValueError as bad_cursor:
            raise HttpError(422, "validation_error", str(bad_cursor)) from None
        accounts = [view.to_json() for view in page.views]
        return json_response(200, {"accounts": accounts, "next_cursor": page.next_cursor})


def _history(router: DomainRouter, ledger: Callable[[], Ledger]) -> None:
    @router.query(
        "/accounts/<account_id>/events",
        roles=READERS,
        operation_id="getAccountEvents",
        summary="List an account's events",
        description="The account's events after version `after`, oldest first, each as stored"
        " (its original schema version) with who, when, why and its commit's hash. Page on with"
        " `after=next_after`. A customer sees other principals' commands (a deposit, a transfer"
        " in) without their `actor`, `command_id` or `correlation_id`." + _SEEN,
        tags=[TAG],
        responses=responses(200, EventsPage, *QUERY_ERRORS),
    )
    def get_events(
        account_id: AccountIdPath,
        after: Annotated[int, Query(ge=0, le=10**15)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response[str]:
        page = ledger().history(account_id, router.caller(), after, limit)
        return json_response(200, {"events": page.events, "next_after": page.next_after})

    @router.query(
        "/accounts/<account_id>/state",
        roles=READERS,
        operation_id="getAccountState",
        summary="Get an account as it was",
        description="The account exactly as it was right after `version`, or at the time `at`"
        " (give one of them), folded from its events." + _SEEN,
        tags=[TAG],
        responses=responses(200, AccountBody, *QUERY_ERRORS),
    )
    def get_state(
        account_id: AccountIdPath,
        version: Annotated[int | None, Query(ge=1, le=10**15)] = None,
        at: Annotated[AwareDatetime | None, Query(description="ISO-8601 with a time zone")] = None,
    ) -> Response[str]:
        if (version is None) == (at is None):
            raise HttpError(422, "validation_error", "give exactly one of `version` or `at`")
        moment = _in_utc(at) if at is not None else None
        view = ledger().state_at(account_id, router.caller(), version=version, at=moment)
        return json_response(200, view.to_json(), view.version)


def _in_utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00, an hour before year 1 in UTC
        message = "`at` must fall within the years 1 to 9999 in UTC"
        raise HttpError(422, "validation_error", message) from None
