"""Which HTTP routes a catalogue's domains serve, as data: what the stack routes through API
Gateway to the command (POST) and query (GET) functions, checked so that a clash or an
undocumented route fails the synth instead of surfacing on AWS."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from application.callers import Role
from hosting.catalogue import Catalogue
from hosting.domain import Domain

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
# Powertools makes one up from the function and the path when a route gives none, e.g.
# `deposit_accounts__account_id__deposits_post`: nothing a client generator should expose.
_GENERATED = re.compile(rf".*_({'|'.join(METHODS)})$")


class RouteProblem(ValueError):
    """A domain's routes cannot be served as declared."""


@dataclass(frozen=True)
class RouteInfo:
    """One route as the gateway sees it: method, path in API Gateway's form, and the roles that
    may use it (None for the kernel's own routes, which need no role)."""

    method: str
    path: str
    roles: frozenset[Role] | None


def route_keys(catalogue: Catalogue) -> list[tuple[str, str]]:
    """(method, path) of every route (see `routes`)."""
    return [(route.method, route.path) for route in routes(catalogue)]


def routes(catalogue: Catalogue) -> list[RouteInfo]:
    """Every route, paths in API Gateway's form (`/accounts/{account_id}`): each domain's
    routes as its OpenAPI document lists them, with the roles they declare, then the kernel's
    own.

    Raises `RouteProblem` for a route two domains (or a domain and the kernel) declare, an
    operationId used twice, and an operation without the roles that may use it, without its
    own operationId, summary and description, or with another tag than its domain's name. The
    stack routes what the documents list, so a route left out of them (`include_in_schema=False`)
    is not served.
    """
    from httpkernel.app import KERNEL_ROUTES
    from httpkernel.routing import ROLES_EXTENSION

    keys: dict[tuple[str, str], str] = dict.fromkeys(KERNEL_ROUTES, "the kernel")
    found: list[RouteInfo] = []
    kernel_paths = {path for _, path in KERNEL_ROUTES}
    operation_ids: dict[str, str] = {}
    for domain in catalogue:
        for method, path, operation in _operations(domain):
            where = f"{domain.name}: {method} {path}"
            _check(domain, method, path, operation)
            if path in kernel_paths:
                raise RouteProblem(f"{where}: the path is also declared by the kernel")
            if (method, path) in keys:
                raise RouteProblem(f"{where} is also declared by {keys[method, path]}")
            keys[method, path] = domain.name
            found.append(RouteInfo(method, path, frozenset(map(Role, operation[ROLES_EXTENSION]))))
            operation_id = operation["operationId"]
            if operation_id in operation_ids:
                raise RouteProblem(
                    f"{where}: operationId {operation_id} is also {operation_ids[operation_id]}'s"
                )
            operation_ids[operation_id] = where
    return found + [RouteInfo(method, path, None) for method, path in KERNEL_ROUTES]


def _operations(domain: Domain[Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    if domain.routes is None:
        return
    from httpkernel.app import HttpApp
    from httpkernel.openapi import ApiInfo

    router = domain.routes(_never)
    document = json.loads(HttpApp([router], lambda: ApiInfo(domain.name, "0")).document())
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if method in METHODS:
                yield method.upper(), path, operation


def _check(domain: Domain[Any], method: str, path: str, operation: dict[str, Any]) -> None:
    from httpkernel.routing import ROLES_EXTENSION

    where = f"{domain.name}: {method} {path}"
    if not operation.get(ROLES_EXTENSION):
        raise RouteProblem(
            f"{where}: register it with router.command or router.query and the roles that may"
            " use it"
        )
    if _GENERATED.match(str(operation.get("operationId", ""))):
        raise RouteProblem(f"{where}: give the route an operation_id (e.g. openAccount)")
    if operation.get("tags") != [domain.name]:
        raise RouteProblem(f"{where}: tag it tags=[{domain.name!r}], its domain's name")
    # Without one, Powertools summarises a route as its method and path.
    if operation.get("summary") in (None, "", f"{method} {path}"):
        raise RouteProblem(f"{where}: give the route a summary")
    if not operation.get("description"):
        raise RouteProblem(f"{where}: give the route a description")


def _never() -> Any:
    raise AssertionError("listing routes calls no service")
