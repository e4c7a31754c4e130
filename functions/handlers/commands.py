"""Lambda entry point for the command routes (POST)."""

from __future__ import annotations

from handlers.http_entry import http_entry

handler = http_entry(frozenset({"POST"}), "Command")
