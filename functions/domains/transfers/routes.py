"""The transfers' HTTP routes: each one turns a request into a call on the transfers service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from application.callers import Role
from domains.transfers.decider import DEFAULT_TIMEOUT_SECONDS
from domains.transfers.http_models import (
    TRANSFER_ID_PATTERN,
    Created,
    PostBody,
    Posted,
    TransferBody,
    TransferResponse,
    Voided,
)
from domains.transfers.service import Transfers
from httpkernel.models import EventsPage
from httpkernel.params import IdempotencyKey, IfMatch
from httpkernel.responses import COMMAND_ERRORS, QUERY_ERRORS, json_response, outcome_response
from httpkernel.responses import responses as documented
from httpkernel.routing import DomainRouter

TAG = "transfers"  # the domain's name: its OpenAPI tag
CUSTOMERS_AND_OPERATORS = (Role.CUSTOMER, Role.OPERATOR)
READERS = (Role.CUSTOMER, Role.OPERATOR, Role.AUDITOR)
TransferIdPath = Annotated[str, Path(pattern=TRANSFER_ID_PATTERN, max_length=64)]
_KEYED = (
    " Send an `Idempotency-Key`: a retry with the same key and body answers what the first try"
    " answered (header `Idempotent-Replayed: true`) and changes nothing."
)
_GUARDED = " `If-Match` with the transfer's ETag refuses it (412) if the transfer has moved on."
_SETTLE_ERRORS = (*COMMAND_ERRORS,)


def routes(transfers: Callable[[], Transfers]) -> DomainRouter:
    router = DomainRouter()
    _create(router, transfers)
    _settle(router, transfers)
    _reads(router, transfers)
    return router


def _create(router: DomainRouter, transfers: Callable[[], Transfers]) -> None:
    @router.command(
        "/transfers",
        roles=CUSTOMERS_AND_OPERATORS,
        operation_id="transfer",
        summary="Transfer money between accounts",
        description="Moves `amount` from one open account to another of the same currency, from"
        " the caller's own account (any, for an operator) to any open account; all streams in one"
        " atomic write. With `pending`, the amount is held instead (not `available` to the payer,"
        " counted in both accounts' pending amounts) until the transfer is posted, voided, or"
        f" expires after `timeout_seconds` (default {DEFAULT_TIMEOUT_SECONDS})." + _KEYED,
        tags=[TAG],
        responses=documented(201, Created, 400, 401, 403, 404, 409, 413, 415, 422, 503),
        status_code=201,
    )
    def transfer(body: TransferBody, idempotency_key: IdempotencyKey) -> Response[str]:
        request = router.command_request(body)
        timeout = None
        if body.pending:
            timeout = body.timeout_seconds or DEFAULT_TIMEOUT_SECONDS
        outcome = transfers().create(
            body.from_account, body.to_account, body.amount, request, timeout_seconds=timeout
        )
        return outcome_response(outcome)


def _settle(router: DomainRouter, transfers: Callable[[], Transfers]) -> None:
    @router.command(
        "/transfers/<transfer_id>/post",
        roles=CUSTOMERS_AND_OPERATORS,
        operation_id="postTransfer",
        summary="Post a pending transfer",
        description="Moves `amount` (default: all) of a pending transfer and releases the rest"
        " (409 `exceeds_pending_amount` above it, 409 `transfer_not_pending` once posted, voided"
        " or expired). The target account's owner or an operator." + _KEYED + _GUARDED,
        tags=[TAG],
        responses=documented(201, Posted, *_SETTLE_ERRORS),
        status_code=201,
    )
    def post(
        transfer_id: TransferIdPath,
        body: PostBody,
        idempotency_key: IdempotencyKey,
        if_match: IfMatch = "*",
    ) -> Response[str]:
        request = router.command_request(body)
        return outcome_response(transfers().post(transfer_id, body.amount, request))

    @router.command(
        "/transfers/<transfer_id>/void",
        roles=CUSTOMERS_AND_OPERATORS,
        operation_id="voidTransfer",
        summary="Void a pending transfer",
        description="Releases a pending transfer's hold and moves nothing (409"
        " `transfer_not_pending` once posted, voided or expired). Either account's owner or an"
        " operator." + _KEYED + _GUARDED,
        tags=[TAG],
        responses=documented(201, Voided, *_SETTLE_ERRORS),
        status_code=201,
    )
    def void(
        transfer_id: TransferIdPath, idempotency_key: IdempotencyKey, if_match: IfMatch = "*"
    ) -> Response[str]:
        request = router.command_request(None)
        return outcome_response(transfers().void(transfer_id, request))


def _reads(router: DomainRouter, transfers: Callable[[], Transfers]) -> None:
    @router.query(
        "/transfers/<transfer_id>",
        roles=READERS,
        operation_id="getTransfer",
        summary="Get a transfer",
        description="The transfer from the read model (a second or so behind the latest command);"
        " `consistency=strong` folds it from the event table instead. The ETag is its version."
        " Either account's owner, operators and auditors; for anyone else the transfer does not"
        " exist (404).",
        tags=[TAG],
        responses=documented(200, TransferResponse, *QUERY_ERRORS),
    )
    def get_transfer(
        transfer_id: TransferIdPath,
        consistency: Annotated[Literal["eventual", "strong"], Query()] = "eventual",
    ) -> Response[str]:
        view = transfers().transfer(transfer_id, router.caller(), strong=consistency == "strong")
        return json_response(200, view.to_json(), view.version)

    @router.query(
        "/transfers/<transfer_id>/events",
        roles=READERS,
        operation_id="getTransferEvents",
        summary="List a transfer's events",
        description="The transfer's events after version `after`, oldest first, each as stored,"
        " as an account's history is. Either account's owner, operators and auditors.",
        tags=[TAG],
        responses=documented(200, EventsPage, *QUERY_ERRORS),
    )
    def get_events(
        transfer_id: TransferIdPath,
        after: Annotated[int, Query(ge=0, le=10**15)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Response[str]:
        page = transfers().history(transfer_id, router.caller(), after, limit)
        return json_response(200, {"events": page.events, "next_after": page.next_after})
