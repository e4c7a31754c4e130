from __future__ import annotations

import time
import uuid
from typing import Any

import httpx


class Api:
    """A thin HTTP client for the ledger API, as a client application would write one, with
    the credentials of one caller (a bearer token, or SigV4 signing)."""

    def __init__(self, base: str, auth: httpx.Auth) -> None:
        self.http = httpx.Client(base_url=base, timeout=30, auth=auth)

    def post(
        self, path: str, body: Any = None, key: str | None = None, **headers: str
    ) -> httpx.Response:
        sent = {"Idempotency-Key": key or str(uuid.uuid4()), **headers}
        return self.http.post(path, json=body, headers=sent)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params)

    def open(self, owner: str = "Ada", currency: str = "EUR") -> str:
        reply = self.post("/accounts", {"owner": owner, "currency": currency})
        assert reply.status_code == 201, reply.text
        return str(reply.json()["account_id"])

    def converged(self, account_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """Wait until the read model equals the folded event store; return it."""
        deadline = time.monotonic() + timeout
        strong = self.get(f"/accounts/{account_id}", consistency="strong").json()
        while True:
            eventual = self.get(f"/accounts/{account_id}")
            if eventual.status_code == 200 and eventual.json() == strong:
                return dict(strong)
            if time.monotonic() > deadline:
                raise AssertionError(f"read model did not converge: {eventual.text} != {strong}")
            time.sleep(0.05)
            strong = self.get(f"/accounts/{account_id}", consistency="strong").json()
