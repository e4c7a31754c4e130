"""Which HTTP routes a catalogue's domains serve, as data: what the stack routes through API
Gateway to the command (POST) and query (GET) functions."""

from __future__ import annotations

import json
from typing import Any

from hosting.catalogue import Catalogue


def route_keys(catalogue: Catalogue) -> list[tuple[str, str]]:
    """(method, path) of every route, paths in API Gateway's form (`/accounts/{account_id}`):
    the domains' routes as their OpenAPI document lists them, then the kernel's own."""
    from httpkernel.app import KERNEL_ROUTES, HttpApp
    from httpkernel.openapi import ApiInfo

    routers = [d.routes(_never) for d in catalogue if d.routes is not None]
    document = json.loads(HttpApp(routers, lambda: ApiInfo("routes", "0")).document())
    domain_routes = [
        (method.upper(), path)
        for path, operations in document.get("paths", {}).items()
        for method in operations
    ]
    return domain_routes + list(KERNEL_ROUTES)


def _never() -> Any:
    raise AssertionError("listing routes calls no service")
