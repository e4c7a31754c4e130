"""The HTTP application: one Powertools resolver with every domain's routes, the guards every
request passes first, the one error mapping, and the OpenAPI document."""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext

from application.callers import Caller
from eventcore.errors import DomainError
from eventcore.store import ConcurrencyError, StoreUnavailable
from httpkernel.auth import Authentication, Permission, permission_for
from httpkernel.errors import (
    RETRY_AFTER_SECONDS,
    HttpError,
    error,
    is_unreadable_body,
    status_for,
    validation_details,
)
from httpkernel.openapi import ApiInfo
from httpkernel.requests import header_refusal

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Router

MAX_BODY_BYTES = 16 * 1024
DOCS_PATH = "/docs"
DOCUMENT_PATH = "/openapi.json"
# Routes of the kernel itself, beside the domains' (the stack routes them to the query function).
KERNEL_ROUTES = (("GET", DOCUMENT_PATH), ("GET", DOCS_PATH))


def read_json(body: str) -> Any:
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        raise
    except ValueError as unreadable:
        # Valid JSON that Python refuses to read, e.g. an integer longer than 4,300 digits.
        # As a JSONDecodeError it takes the resolver's own way to a 400 `invalid_json`.
        raise json.JSONDecodeError(str(unreadable), body, 0) from unreadable


class HttpApp:
    """The routers' routes on one validating resolver. Two Lambda functions serve it (commands
    POST, queries GET), each refusing the other's methods. `info` describes the API when its
    document is made; `authentication` says how a request's caller and roles are found.

    Every request but the kernel's own (the document, the docs page) must come from an
    authenticated caller with a role (401, 403), and a domain route only from a caller with one
    of the route's roles (403), checked before the request is read any further, as API
    Gateway's authorizer does on AWS; a route that names no roles is served to nobody (404).
    Nothing of a refused request reaches a service.
    """

    def __init__(
        self,
        routers: Sequence[Router],
        info: Callable[[], ApiInfo],
        authentication: Callable[[], Authentication] = Authentication,
    ) -> None:
        self.info = info
        self.authentication = authentication
        self.resolver = APIGatewayHttpResolver(
            enable_validation=True, json_body_deserializer=read_json
        )
        self.permissions: list[Permission] = []
        for router in routers:
            self.resolver.include_router(router)
            self.permissions += getattr(router, "permissions", [])
        _map_errors(self.resolver)
        self.resolver.get(DOCUMENT_PATH, include_in_schema=False)(self._document)
        self._docs_lock = threading.Lock()
        self._docs_enabled = False

    def _document(self) -> Response[str]:
        return Response(200, "application/json", self.document())

    def document(self) -> str:
        """The OpenAPI document, as `/openapi.json` serves it."""
        return self.resolver.get_openapi_json_schema(**self.info().document_options())

    def _enable_docs(self) -> None:
        # Enabling Swagger UI imports Powertools' OpenAPI models (about 45 ms). Only a request
        # for the page needs them, so they are loaded by the first such request in a container
        # rather than on every cold start. A container serves one request at a time, so adding
        # the route between requests is safe; the lock keeps threads sharing an app (the local
        # stack's) from adding it twice.
        with self._docs_lock:
            if not self._docs_enabled:
                self.resolver.enable_swagger(path=DOCS_PATH, **self.info().document_options())
                self._docs_enabled = True

    def handle(
        self, event: dict[str, Any], context: LambdaContext, methods: frozenset[str]
    ) -> dict[str, Any]:
        """Refuse what the resolver should never see, then resolve."""
        caller, refused = self._authorize(event)
        refused = _misrouted(event, methods) or refused or _guard(event)
        if refused is not None:
            return refused
        # The resolver clears its context after every request; routes read their caller there.
        self.resolver.context["caller"] = caller
        if str(event.get("rawPath", "")).endswith(DOCS_PATH) and not self._docs_enabled:
            self._enable_docs()
        try:
            return self.resolver.resolve(event, context)
        except RecursionError:
            # JSON nested deeper than the parser's limit never reaches validation.
            return _raw(error(400, "invalid_json", "the request body is nested too deeply"))

    def _authorize(self, event: dict[str, Any]) -> tuple[Caller | None, dict[str, Any] | None]:
        """The request's caller, or the refusal of a request that has none fit for the route."""
        method = event.get("requestContext", {}).get("http", {}).get("method", "")
        # The path the resolver routes on (a named stage's prefix removed), so that the route
        # checked is the route run.
        path = APIGatewayProxyEventV2(event).path
        if (method, path) in KERNEL_ROUTES:
            return None, None
        caller = self.authentication().caller_of(event)
        if caller is None:
            message = "the request carries no valid credentials"
            return None, _raw(error(401, "unauthenticated", message))
        permission = permission_for(self.permissions, method, path)
        if permission is None:
            # Fail closed: a route that names no roles is served to nobody.
            return caller, _raw(error(404, "route_not_found", "no such route"))
        if not caller.roles or not caller.has(*permission.roles):
            return caller, _raw(error(403, "forbidden", "your role may not use this route"))
        return caller, None


def _misrouted(event: dict[str, Any], methods: frozenset[str]) -> dict[str, Any] | None:
    method = event.get("requestContext", {}).get("http", {}).get("method", "")
    if method not in methods:
        return _raw(error(405, "method_not_allowed", f"{method} is not served here"))
    return None


def _guard(event: dict[str, Any]) -> dict[str, Any] | None:
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    if size > MAX_BODY_BYTES:
        message = f"the request body is over {MAX_BODY_BYTES} bytes"
        return _raw(error(413, "payload_too_large", message))
    content_type = (event.get("headers") or {}).get("content-type", "application/json")
    media_type = content_type.split(";")[0].strip().lower()
    if body and media_type != "application/json" and not media_type.endswith("+json"):
        message = "request bodies must be JSON (Content-Type: application/json)"
        return _raw(error(415, "unsupported_media_type", message))
    if body and event.get("isBase64Encoded") and not _base64_text(body):
        message = "the request body is not base64-encoded UTF-8 text"
        return _raw(error(400, "invalid_json", message))
    return None


def _map_errors(app: APIGatewayHttpResolver) -> None:
    """Every error a route can raise, answered in one shape."""
    handlers: dict[type[Exception], Any] = {
        RequestValidationError: _invalid,
        HttpError: _refused,
        DomainError: _rule_broken,
        ConcurrencyError: _conflict,
        StoreUnavailable: _unavailable,
    }
    for exception, answer in handlers.items():
        app.exception_handler(exception)(answer)
    app.not_found(_no_route)


def _invalid(failure: RequestValidationError) -> Response[str]:
    errors = list(failure.errors())
    if is_unreadable_body(errors):
        return error(400, "invalid_json", "the request body must be a JSON object")
    if refused := header_refusal(errors):
        return error(refused.status, refused.code, refused.message)
    return error(422, "validation_error", "the request is not valid", validation_details(errors))


def _refused(failure: HttpError) -> Response[str]:
    return error(failure.status, failure.code, failure.message)


def _rule_broken(failure: DomainError) -> Response[str]:
    status = status_for(failure)
    if status == 503:
        return _busy(failure.code, failure.message)
    return error(status, failure.code, failure.message)


def _conflict(_: ConcurrencyError) -> Response[str]:
    return error(409, "concurrency_conflict", "the resource kept changing; retry the request")


def _unavailable(_: StoreUnavailable) -> Response[str]:
    message = f"the service is busy; retry after {RETRY_AFTER_SECONDS} s"
    return _busy("service_unavailable", message)


def _no_route(_: NotFoundError) -> Response[str]:
    return error(404, "route_not_found", "no such route")


def _busy(code: str, message: str) -> Response[str]:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return error(503, code, message, [{"retry_after": RETRY_AFTER_SECONDS}], headers)


def _base64_text(body: str) -> bool:
    try:
        base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return True


def _raw(response: Response[str]) -> dict[str, Any]:
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": "application/json", **(response.headers or {})},
        "body": response.body,
        "isBase64Encoded": False,
    }
