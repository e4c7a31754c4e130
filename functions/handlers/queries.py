"""Lambda entry point for the query routes (GET), the OpenAPI document and Swagger UI."""

from __future__ import annotations

from handlers.http_entry import http_entry

handler = http_entry(frozenset({"GET"}), "Query")
