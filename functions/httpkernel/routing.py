"""What a domain registers its routes on: a Powertools router whose routes say who may use them,
and that reads the current request as the kernel does."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import BaseModel

from application.callers import Caller, Role
from application.requests import Request
from httpkernel.auth import Permission
from httpkernel.requests import command_request

F = TypeVar("F", bound=Callable[..., Any])
ROLES_EXTENSION = "x-ledger-roles"


class DomainRouter(Router):
    """A domain's routes. `command` (POST) and `query` (GET) register a route with the roles
    that may use it: the kernel refuses everyone else (401 or 403) before the route runs, the
    OpenAPI document lists the roles (`x-ledger-roles`), and the stack turns them into JWT
    scopes and IAM policies. Included in the kernel's resolver (an HTTP API one), it sees that
    resolver's current event."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.permissions: list[Permission] = []

    def command(self, path: str, *, roles: Iterable[Role], **options: Any) -> Callable[[F], F]:
        return self._allowing("POST", path, roles, options)

    def query(self, path: str, *, roles: Iterable[Role], **options: Any) -> Callable[[F], F]:
        return self._allowing("GET", path, roles, options)

    def _allowing(
        self, method: str, path: str, roles: Iterable[Role], options: dict[str, Any]
    ) -> Callable[[F], F]:
        allowed = frozenset(roles)
        if not allowed:
            raise ValueError(f"{method} {path}: name the roles that may use it")
        self.permissions.append(Permission(method, path, allowed))
        extensions = {**options.pop("openapi_extensions", {}), ROLES_EXTENSION: sorted(allowed)}
        register = self.post if method == "POST" else self.get
        return register(path, openapi_extensions=extensions, **options)

    @property
    def event(self) -> APIGatewayProxyEventV2:
        return cast(APIGatewayProxyEventV2, self.current_event)

    def caller(self) -> Caller:
        """The authenticated caller the kernel let through to this route."""
        caller = self.context.get("caller")
        if not isinstance(caller, Caller):
            raise RuntimeError("no caller: the route was not registered with its roles")
        return caller

    def command_request(self, body: BaseModel | None) -> Request:
        """The current request as a command (key, fingerprint, caller, If-Match), or a 400."""
        return command_request(self.event, body, self.caller())
