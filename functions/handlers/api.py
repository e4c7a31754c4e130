"""The HTTP API: one resolver with every route of the contract, and its error mapping.

Two Lambda entry points share it (`commands` for POST, `queries` for GET) so that the query
function can be deployed read-only; each refuses the other's methods.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime

from accounts.ledger import Outcome
from eventcore.errors import DomainError
from eventcore.store import ConcurrencyError, StoreUnavailable
from handlers import dependencies
from handlers.http_errors import (
    HttpError,
    error,
    is_unreadable_body,
    status_for,
    validation_details,
)
from handlers.http_models import (
    ACCOUNT_ID_PATTERN,
    AccountBody,
    AccountsPage,
    AmountBody,
    Closed,
    ErrorBody,
    EventsPage,
    Moved,
    OpenAccountBody,
    Opened,
    TransferBody,
    Transferred,
)
from handlers.request_context import (
    IDEMPOTENCY_KEY_PATTERN,
    IF_MATCH_PATTERN,
    command_request,
    header_refusal,
)

MAX_BODY_BYTES = 16 * 1024
RETRY_AFTER_SECONDS = 1
API_TITLE = "Ledger API"
API_VERSION = "1.0.0"


def _read_json(body: str) -> Any:
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        raise
    except ValueError as unreadable:
        # Valid JSON that Python refuses to read, e.g. an integer longer than 4,300 digits.
        # As a JSONDecodeError it takes the resolver's own way to a 400 `invalid_json`.
        raise json.JSONDecodeError(str(unreadable), body, 0) from unreadable


logger = Logger()
app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=_read_json)

AccountIdPath = Annotated[str, Path(pattern=ACCOUNT_ID_PATTERN, max_length=64)]
# Declared for the OpenAPI document; `command_request` reads and checks them (400, not 422).
IdempotencyKey = Annotated[
    str,
    Header(
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="1-128 visible characters (optionally quoted), one per intended effect",
    ),
]
# "*" (any version) is HTTP's meaning of an absent If-Match, so it is the documented default.
IfMatch = Annotated[
    str,
    Header(pattern=IF_MATCH_PATTERN, description='the ETag you expect, e.g. "3"'),
]


def _json(status: int, body: Any, version: int | None = None, **headers: str) -> Response[str]:
    if version is not None:
        headers["ETag"] = f'"{version}"'
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        headers=headers or None,
    )


def _outcome(outcome: Outcome) -> Response[str]:
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    return _json(outcome.status, outcome.body, outcome.version, **headers)


def _responses(ok: int, model: type, *errors: int) -> dict[int, Any]:
    described: dict[int, Any] = {
        ok: {"description": "success", "content": {"application/json": {"model": model}}}
    }
    for status in errors:
        described[status] = {
            "description": "error",
            "content": {"application/json": {"model": ErrorBody}},
        }
    return described


COMMAND_ERRORS = (400, 404, 409, 412, 413, 415, 422, 503)

# ---- commands -----------------------------------------------------------------------------


@app.post(
    "/accounts", responses=_responses(201, Opened, 400, 409, 413, 415, 422, 503), status_code=201
)
def open_account(body: OpenAccountBody, idempotency_key: IdempotencyKey) -> Response[str]:
    request = command_request(app.current_event, body)
    outcome = dependencies.ledger().open_account(body.owner, body.currency, request)
    return _outcome(outcome)


@app.post(
    "/accounts/<account_id>/deposits",
    responses=_responses(201, Moved, *COMMAND_ERRORS),
    status_code=201,
)
def deposit(
    account_id: AccountIdPath,
    body: AmountBody,
    idempotency_key: IdempotencyKey,
    if_match: IfMatch = "*",
) -> Response[str]:
    request = command_request(app.current_event, body)
    return _outcome(dependencies.ledger().deposit(account_id, body.amount, request))


@app.post(
    "/accounts/<account_id>/withdrawals",
    responses=_responses(201, Moved, *COMMAND_ERRORS),
    status_code=201,
)
def withdraw(
    account_id: AccountIdPath,
    body: AmountBody,
    idempotency_key: IdempotencyKey,
    if_match: IfMatch = "*",
) -> Response[str]:
    request = command_request(app.current_event, body)
    return _outcome(dependencies.ledger().withdraw(account_id, body.amount, request))


@app.post(
    "/accounts/<account_id>/close",
    responses=_responses(201, Closed, *COMMAND_ERRORS),
    status_code=201,
)
def close(
    account_id: AccountIdPath, idempotency_key: IdempotencyKey, if_match: IfMatch = "*"
) -> Response[str]:
    request = command_request(app.current_event, None)
    return _outcome(dependencies.ledger().close(account_id, request))


@app.post(
    "/transfers",
    responses=_responses(201, Transferred, 400, 404, 409, 413, 415, 422, 503),
    status_code=201,
)
def transfer(body: TransferBody, idempotency_key: IdempotencyKey) -> Response[str]:
    request = command_request(app.current_event, body)
    ledger = dependencies.ledger()
    outcome = ledger.transfer(body.from_account, body.to_account, body.amount, request)
    return _outcome(outcome)


# ---- queries ------------------------------------------------------------------------------


@app.get("/accounts/<account_id>", responses=_responses(200, AccountBody, 404, 422, 503))
def get_account(
    account_id: AccountIdPath,
    consistency: Annotated[Literal["eventual", "strong"], Query()] = "eventual",
) -> Response[str]:
    view = dependencies.ledger().account(account_id, strong=consistency == "strong")
    return _json(200, view.to_json(), view.version)


@app.get("/accounts/<account_id>/events", responses=_responses(200, EventsPage, 404, 422, 503))
def get_events(
    account_id: AccountIdPath,
    after: Annotated[int, Query(ge=0, le=10**15)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response[str]:
    page = dependencies.ledger().history(account_id, after, limit)
    return _json(200, {"events": page.events, "next_after": page.next_after})


@app.get("/accounts/<account_id>/state", responses=_responses(200, AccountBody, 404, 422, 503))
def get_state(
    account_id: AccountIdPath,
    version: Annotated[int | None, Query(ge=1, le=10**15)] = None,
    at: Annotated[AwareDatetime | None, Query(description="ISO-8601 with a time zone")] = None,
) -> Response[str]:
    if (version is None) == (at is None):
        raise HttpError(422, "validation_error", "give exactly one of `version` or `at`")
    view = dependencies.ledger().state_at(
        account_id, version=version, at=_in_utc(at) if at is not None else None
    )
    return _json(200, view.to_json(), view.version)


@app.get("/accounts", responses=_responses(200, AccountsPage, 422, 503))
def list_accounts(
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response[str]:
    try:
        page = dependencies.ledger().accounts(limit, cursor)
    except ValueError as bad_cursor:
        raise HttpError(422, "validation_error", str(bad_cursor)) from None
    accounts = [view.to_json() for view in page.views]
    return _json(200, {"accounts": accounts, "next_cursor": page.next_cursor})


@app.get("/openapi.json", include_in_schema=False)
def openapi() -> Response[str]:
    return Response(200, "application/json", openapi_document())


def openapi_document() -> str:
    return app.get_openapi_json_schema(title=API_TITLE, version=API_VERSION)


# ---- errors -------------------------------------------------------------------------------


@app.exception_handler(RequestValidationError)
def _invalid(failure: RequestValidationError) -> Response[str]:
    errors = list(failure.errors())
    if is_unreadable_body(errors):
        return error(400, "invalid_json", "the request body must be a JSON object")
    if refused := header_refusal(errors):
        return error(refused.status, refused.code, refused.message)
    return error(422, "validation_error", "the request is not valid", validation_details(errors))


@app.exception_handler(HttpError)
def _refused(failure: HttpError) -> Response[str]:
    return error(failure.status, failure.code, failure.message)


@app.exception_handler(DomainError)
def _rule_broken(failure: DomainError) -> Response[str]:
    return error(status_for(failure.code), failure.code, failure.message)


@app.exception_handler(ConcurrencyError)
def _conflict(_: ConcurrencyError) -> Response[str]:
    return error(409, "concurrency_conflict", "the account kept changing; retry the request")


@app.exception_handler(StoreUnavailable)
def _unavailable(_: StoreUnavailable) -> Response[str]:
    message = f"the ledger is busy; retry after {RETRY_AFTER_SECONDS} s"
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return error(
        503, "service_unavailable", message, [{"retry_after": RETRY_AFTER_SECONDS}], headers
    )


@app.not_found
def _no_route(_: NotFoundError) -> Response[str]:
    return error(404, "route_not_found", "no such route")


def handle(
    event: dict[str, Any], context: LambdaContext, methods: frozenset[str]
) -> dict[str, Any]:
    """Refuse what the resolver should never see, then resolve."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "")
    if method not in methods:
        return _raw(error(405, "method_not_allowed", f"{method} is not served here"), event)
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    if size > MAX_BODY_BYTES:
        message = f"the request body is over {MAX_BODY_BYTES} bytes"
        return _raw(error(413, "payload_too_large", message), event)
    content_type = (event.get("headers") or {}).get("content-type", "application/json")
    media_type = content_type.split(";")[0].strip().lower()
    if body and media_type != "application/json" and not media_type.endswith("+json"):
        message = "request bodies must be JSON (Content-Type: application/json)"
        return _raw(error(415, "unsupported_media_type", message), event)
    if body and event.get("isBase64Encoded") and not _base64_text(body):
        message = "the request body is not base64-encoded UTF-8 text"
        return _raw(error(400, "invalid_json", message), event)
    try:
        return app.resolve(event, context)
    except RecursionError:
        # JSON nested deeper than the parser's limit never reaches validation.
        return _raw(error(400, "invalid_json", "the request body is nested too deeply"), event)


def _in_utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00, an hour before year 1 in UTC
        message = "`at` must fall within the years 1 to 9999 in UTC"
        raise HttpError(422, "validation_error", message) from None


def _base64_text(body: str) -> bool:
    try:
        base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return True


def _raw(response: Response[str], event: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": "application/json", **(response.headers or {})},
        "body": response.body,
        "isBase64Encoded": False,
    }
