"""Lambda entry point for the query routes (GET), the OpenAPI document and Swagger UI."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from handlers.api import API_TITLE, API_VERSION, app
from handlers.http_entry import http_entry

DOCS_PATH = "/docs"

_serve = http_entry(frozenset({"GET"}), "Query")


@cache
def _enable_docs() -> None:
    # Enabling Swagger UI imports Powertools' OpenAPI models (about 45 ms). Only a request for
    # the page needs them, so they are loaded by the first such request in a container rather
    # than on every cold start of this function. A container serves one request at a time, so
    # adding the route between requests is safe.
    app.enable_swagger(path=DOCS_PATH, title=API_TITLE, version=API_VERSION)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if str(event.get("rawPath", "")).endswith(DOCS_PATH):
        _enable_docs()
    return _serve(event, context)
